"""The access log (issue 7, DOMAIN.md section 10): every read of a person's data by a user is
recorded, nothing can change or delete a record, and leaders can answer "who looked at this
person last month", down to a report that can be handed to the person."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit import recording
from audit.models import AccessedPerson, AccessEvent
from intake.models import CV
from org.models import Office, OfficeMembership, OfficeRole
from org.vocabulary import ProtectionLevel
from tests.factories import PersonFactory, ReferralFactory, make_fodselsnummer
from tests.intake.api_support import api_client
from tests.intake.caseworker import pdf


@pytest.fixture
def anna(personas):
    return PersonFactory.create(first_name="Anna", last_name="Aas", office=personas.office_a)


def persons_of(event: AccessEvent) -> list[int]:
    return sorted(event.persons.values_list("person_id", flat=True))


# --- recording ------------------------------------------------------------------------------


def test_a_page_read_records_who_whose_what_when_and_where(personas, client, anna):
    client.force_login(personas.caseworker_a)
    before = timezone.now()

    response = client.get(reverse("person-detail", args=[anna.pk]), REMOTE_ADDR="10.0.0.7")

    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert (event.actor_id, event.actor_username) == (personas.caseworker_a.pk, "caseworker_a")
    assert (event.kind, event.what, event.method) == ("SIDE", "person-detail", "GET")
    assert event.path == f"/brukere/{anna.pk}/"
    assert event.address == "10.0.0.7"
    assert before <= event.at <= timezone.now()
    assert persons_of(event) == [anna.pk] and event.person_count == 1


def test_a_list_records_every_person_it_shows_in_one_event(personas, client, anna):
    bjorn = PersonFactory.create(first_name="Bjørn", office=personas.office_a)
    PersonFactory.create(first_name="Other", office=personas.office_y)
    client.force_login(personas.caseworker_a)

    assert client.get(reverse("person-list")).status_code == 200

    event = AccessEvent.objects.get()
    assert persons_of(event) == sorted([anna.pk, bjorn.pk])


def test_persons_behind_referrals_are_recorded(personas, client, anna):
    referral = ReferralFactory.create(person=anna)
    client.force_login(personas.caseworker_a)

    assert client.get(reverse("referral-detail", args=[referral.pk])).status_code == 200

    assert persons_of(AccessEvent.objects.get()) == [anna.pk]


def test_an_api_read_is_recorded_as_api(personas, anna):
    response = api_client(personas.caseworker_a).get(reverse("api-person-detail", args=[anna.pk]))

    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert (event.kind, event.what, event.actor_id) == (
        "API",
        "api-person-detail",
        personas.caseworker_a.pk,
    )
    assert persons_of(event) == [anna.pk]


def test_a_refused_or_missing_read_records_nothing(personas, client, anna):
    client.force_login(personas.caseworker_b)  # another office

    assert client.get(reverse("person-detail", args=[anna.pk])).status_code == 404
    assert client.get(reverse("person-detail", args=[anna.pk + 999])).status_code == 404
    client.logout()
    client.get(reverse("person-detail", args=[anna.pk]))

    assert not AccessEvent.objects.exists()


def test_no_record_no_data(personas, client, anna, monkeypatch):
    """If the record cannot be written, the data do not leave: an error page instead."""

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(recording, "_write", broken)
    client.force_login(personas.caseworker_a)
    client.raise_request_exception = False

    response = client.get(reverse("person-detail", args=[anna.pk]))

    assert response.status_code == 500
    assert "Aas" not in response.content.decode()


def test_downloading_a_document_attachment_is_recorded(personas, client, anna, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(personas.caseworker_a)
    client.post(
        reverse("person-cv", args=[anna.pk]),
        {"cv-last_updated": "2026-11-01", "cv-attachment": pdf()},
    )
    attachment = CV.objects.get(person=anna).attachment
    assert attachment is not None
    before = AccessEvent.objects.count()

    response = client.get(reverse("document-attachment", args=[attachment.pk]))

    assert response.status_code == 200
    event = AccessEvent.objects.order_by("-pk").first()
    assert AccessEvent.objects.count() == before + 1 and event is not None
    assert (event.what, persons_of(event)) == ("document-attachment", [anna.pk])


def test_pages_without_persons_record_nothing(personas, client):
    client.force_login(personas.caseworker_a)

    assert client.get(reverse("home")).status_code == 200

    assert not AccessEvent.objects.exists()


# --- append-only ----------------------------------------------------------------------------


def _recorded(personas, client, anna) -> AccessEvent:
    client.force_login(personas.caseworker_a)
    client.get(reverse("person-detail", args=[anna.pk]))
    return AccessEvent.objects.get()


@pytest.mark.parametrize(
    "change",
    [
        lambda e: AccessEvent.objects.filter(pk=e.pk).update(actor_username="someone-else"),
        lambda e: AccessEvent.objects.filter(pk=e.pk)._raw_delete(connection.alias),
        lambda e: AccessedPerson.objects.filter(event=e).update(person_id=1),
        lambda e: AccessedPerson.objects.filter(event=e).delete(),
    ],
    ids=["update-event", "delete-event", "update-person", "delete-person"],
)
def test_the_application_cannot_change_or_delete_a_record(personas, client, anna, change):
    event = _recorded(personas, client, anna)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change(event)

    event.refresh_from_db()
    assert event.actor_username == "caseworker_a"
    assert persons_of(event) == [anna.pk]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_accessevent SET address = '1.2.3.4'",
        "DELETE FROM audit_accessedperson",
        "TRUNCATE audit_accessevent, audit_accessedperson",
    ],
)
def test_not_even_raw_sql_changes_a_record(personas, client, anna, sql):
    _recorded(personas, client, anna)

    with connection.cursor() as cursor:
        # The test's transaction holds deferred foreign key checks, which ALTER TABLE and
        # TRUNCATE refuse to run beside: check them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # The test database has the TRUNCATE triggers off (tests/conftest.py): on again, as
        # in every real database, for this test's transaction only.
        for table in ("audit_accessevent", "audit_accessedperson"):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_truncate")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(sql)

    assert AccessEvent.objects.count() == 1 and AccessedPerson.objects.count() == 1


# --- the leaders' search ---------------------------------------------------------------------


def _past_read(actor, person, days_ago: int, what: str = "person-detail") -> None:
    event = AccessEvent.objects.create(
        at=timezone.now() - datetime.timedelta(days=days_ago),
        actor_id=actor.pk,
        actor_username=actor.username,
        actor_name=actor.get_full_name(),
        kind="SIDE",
        what=what,
        path=f"/brukere/{person.pk}/",
        method="GET",
        address="10.0.0.1",
        person_count=1,
    )
    AccessedPerson.objects.create(event=event, person_id=person.pk)


def test_a_leader_answers_who_looked_at_this_person_last_month(personas, client, anna):
    _past_read(personas.caseworker_a, anna, days_ago=10)
    _past_read(personas.intake_x, anna, days_ago=20, what="review-detail")
    _past_read(personas.caseworker_b, anna, days_ago=90)  # too long ago
    client.force_login(personas.office_leader_a)
    url = reverse("access-log")
    today = timezone.localdate()
    period = {"fra": (today - datetime.timedelta(days=31)).isoformat(), "til": today.isoformat()}

    found = client.post(
        f"{url}?fra={period['fra']}&til={period['til']}",
        {"fodselsnummer": anna.fodselsnummer[:6] + " " + anna.fodselsnummer[6:]},
    )

    assert found.status_code == 302
    assert anna.fodselsnummer not in found["Location"]
    page = client.get(found["Location"])
    body = page.content.decode()
    assert page.context["person"] == anna
    rows = list(page.context["page"].object_list)
    assert [r.actor_username for r in rows] == ["caseworker_a", "intake_x"]
    assert "Inntaksteamets vurdering av henvisning" in body
    assert "Nav Midtbyen, veileder" in body
    assert "caseworker_b" not in body


def test_reading_the_log_is_recorded_and_shown_when_asked_for(personas, client, anna):
    _past_read(personas.caseworker_a, anna, days_ago=1)
    client.force_login(personas.office_leader_a)
    url = reverse("access-log")

    for _ in range(3):  # each look at the log reads Anna's name again
        assert client.get(url).status_code == 200

    shown = client.get(url).context["page"].object_list
    assert [r.actor_username for r in shown] == ["caseworker_a"]
    everything = client.get(url, {"med_logg": "on"}).context["page"].object_list
    assert [r.actor_username for r in everything] == ["office_leader_a"] * 4 + ["caseworker_a"]
    assert {r.what for r in everything[:4]} == {"Tilgangslogg"}


def test_the_same_answer_for_an_unknown_number_and_a_person_out_of_reach(personas, client):
    far = PersonFactory.create(office=personas.office_y)
    client.force_login(personas.office_leader_a)
    url = reverse("access-log")

    out_of_reach = client.post(url, {"fodselsnummer": far.fodselsnummer})
    unknown = client.post(url, {"fodselsnummer": make_fodselsnummer(datetime.date(1990, 1, 1))})

    message = "Fant ingen bruker med dette fødselsnummeret hos deg."
    assert out_of_reach.status_code == unknown.status_code == 200
    assert message in out_of_reach.content.decode() and message in unknown.content.decode()
    assert client.get(url, {"bruker": far.pk}).status_code == 404


def test_an_invalid_number_and_dates_in_the_wrong_order_are_explained(personas, client):
    client.force_login(personas.office_leader_a)
    url = reverse("access-log")

    wrong = client.post(url, {"fodselsnummer": "12345678901"})
    assert "Dette er ikke et gyldig fødselsnummer" in wrong.content.decode()
    backwards = client.get(url, {"fra": "2026-05-01", "til": "2026-04-01"})
    assert backwards.status_code == 200
    assert "Fra-datoen må være før eller lik til-datoen." in backwards.content.decode()
    assert backwards.context["page"] is None


def test_a_leader_sees_only_reads_of_persons_in_their_area(personas, client, anna):
    far = PersonFactory.create(last_name="Langtvekk", office=personas.office_y)
    _past_read(personas.caseworker_a, anna, days_ago=1)
    _past_read(personas.intake_y, far, days_ago=1)
    client.force_login(personas.office_leader_a)

    rows = list(client.get(reverse("access-log")).context["page"].object_list)

    assert [r.person_id for r in rows] == [anna.pk]


def test_the_search_filters_by_staff_member_and_kind(personas, client, anna):
    _past_read(personas.caseworker_a, anna, days_ago=1)
    _past_read(personas.intake_x, anna, days_ago=2)
    client.force_login(personas.county_leader_x)

    rows = client.get(reverse("access-log"), {"ansatt": "intake"}).context["page"].object_list

    assert [r.actor_username for r in rows] == ["intake_x"]
    api_only = client.get(reverse("access-log"), {"type": "API"}).context["page"].object_list
    assert list(api_only) == []


@pytest.mark.parametrize("persona", ["caseworker_a", "intake_x", "provider_user_p", "admin"])
def test_only_leaders_may_read_the_log(personas, client, anna, persona):
    client.force_login(getattr(personas, persona))

    assert client.get(reverse("access-log")).status_code == 404
    assert client.get(reverse("access-report", args=[anna.pk])).status_code == 404


def test_reads_of_protected_persons_are_left_out_of_the_log_without_clearance(personas, client):
    """A masked row would still show when, by whom and an export's filters (a municipality):
    without the clearance, a protected person's records are not in the leader's log at all."""
    hidden = PersonFactory.create(
        first_name="Hemmelig", office=personas.office_a, protection_level=ProtectionLevel.FORTROLIG
    )
    _past_read(personas.caseworker_a, hidden, days_ago=1)
    client.force_login(personas.office_leader_a)

    page = client.get(reverse("access-log"))

    assert list(page.context["page"].object_list) == []
    assert "Hemmelig" not in page.content.decode()
    assert client.get(reverse("access-report", args=[hidden.pk])).status_code == 404
    assert (
        client.post(reverse("access-log"), {"fodselsnummer": hidden.fodselsnummer})
        .context["find"]
        .errors
    )
    personas.office_leader_a.may_see_fortrolig = True
    personas.office_leader_a.save()
    assert client.get(reverse("access-report", args=[hidden.pk])).status_code == 200
    rows = client.get(reverse("access-log")).context["page"].object_list
    assert [r.person_id for r in rows] == [hidden.pk]


def test_a_leader_who_is_also_a_caseworker_elsewhere_sees_only_the_office_they_lead(
    personas, client, anna
):
    other = PersonFactory.create(office=personas.office_b)
    OfficeMembership.objects.create(
        user=personas.office_leader_a, office=personas.office_b, role=OfficeRole.VEILEDER
    )
    _past_read(personas.caseworker_a, anna, days_ago=1)
    _past_read(personas.caseworker_b, other, days_ago=1)
    client.force_login(personas.office_leader_a)

    rows = client.get(reverse("access-log")).context["page"].object_list

    assert [r.person_id for r in rows] == [anna.pk]
    assert client.get(reverse("access-report", args=[other.pk])).status_code == 404


@pytest.mark.parametrize("day", ["0001-01-05", "9999-12-31"])
def test_dates_out_of_range_are_explained_not_a_server_error(personas, client, anna, day):
    client.force_login(personas.office_leader_a)

    for name, args in (("access-log", []), ("access-report", [anna.pk])):
        response = client.get(reverse(name, args=args), {"til": day})
        assert response.status_code == 200
        assert "Velg en dato mellom 2000 og neste år." in response.content.decode()
    csv_url = reverse("access-report-csv", args=[anna.pk])
    assert client.get(csv_url, {"fra": day}).status_code == 302


def test_a_report_longer_than_the_limit_asks_for_a_shorter_period(
    personas, client, anna, monkeypatch
):
    monkeypatch.setattr("audit.views.REPORT_ROWS", 2)
    for days in (1, 2, 3):
        _past_read(personas.caseworker_a, anna, days_ago=days)
    client.force_login(personas.office_leader_a)

    response = client.get(reverse("access-report", args=[anna.pk]))

    assert "Velg en kortere periode" in response.content.decode()
    assert "<table" not in response.content.decode()
    assert client.get(reverse("access-report-csv", args=[anna.pk])).status_code == 302


def test_the_search_page_costs_the_same_queries_for_3_and_30_reads(
    personas, client, anna, django_assert_max_num_queries
):
    client.force_login(personas.office_leader_a)
    for n in (3, 30):
        for _ in range(n):
            _past_read(personas.caseworker_a, anna, days_ago=1)
        with django_assert_max_num_queries(16):
            assert client.get(reverse("access-log")).status_code == 200


# --- the person's access report --------------------------------------------------------------


def test_the_access_report_can_be_handed_to_the_person(personas, client, anna):
    _past_read(personas.caseworker_a, anna, days_ago=3)
    _past_read(personas.intake_x, anna, days_ago=400)  # outside the default period
    client.force_login(personas.office_leader_a)

    response = client.get(reverse("access-report", args=[anna.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Hvem har sett opplysningene dine i Inntak" in body
    assert "Anna Aas" in body and "Nav Midtbyen, veileder" in body
    assert "Brukerens side" in body
    assert [r.actor_username for r in response.context["rows"]] == ["caseworker_a"]
    # Reading the report is itself a read of the person, and is recorded.
    newest = AccessEvent.objects.order_by("-pk").first()
    assert newest is not None and newest.what == "access-report"
    assert persons_of(newest) == [anna.pk]


def test_the_access_report_downloads_as_csv_and_is_recorded_as_an_export(personas, client, anna):
    _past_read(personas.caseworker_a, anna, days_ago=3)
    client.force_login(personas.county_leader_x)

    response = client.get(reverse("access-report-csv", args=[anna.pk]))

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Tidspunkt;Hvem;Enhet;Hva;Type"
    assert lines[1].split(";")[1:] == [
        personas.caseworker_a.get_full_name(),
        "Nav Midtbyen, veileder",
        "Brukerens side",
        "Side",
    ]
    assert anna.fodselsnummer not in text
    assert AccessEvent.objects.order_by("-pk").values_list("kind", flat=True)[0] == "EKSPORT"


def test_a_person_of_another_office_has_no_report(personas, client):
    other = PersonFactory.create(office=Office.objects.get(number="0382"))
    client.force_login(personas.office_leader_a)

    assert client.get(reverse("access-report", args=[other.pk])).status_code == 404
    assert client.get(reverse("access-report", args=[other.pk + 10_000])).status_code == 404
