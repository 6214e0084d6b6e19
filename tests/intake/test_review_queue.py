"""The intake team's review queue: scoped to the county, filters with exact counts, sorting,
the gate at a glance, and bulk approve and return with a result per row."""

import re

import pytest
from django.urls import reverse

from intake.gate import GateCode
from intake.models import CV, EventKind, Referral, ReferralStatus
from intake.views.review import SESSION_BULK_RESULTS
from org.models import Office, OfficeMembership, OfficeRole
from org.vocabulary import ProtectionLevel
from tests.factories import UserFactory
from tests.intake.review_world import (
    caseworker_and_intake,
    programme,
    quick_submitted,
    ready_person,
    submitted,
)

pytestmark = pytest.mark.django_db

S = ReferralStatus
QUEUE = reverse("review-queue")
BULK = reverse("review-bulk")


def page(client, user, url=QUEUE, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response


def rows_of(response) -> list:
    return [row.referral for row in response.context["rows"]]


def option(response, facet: str, label: str):
    """A filter's choice by its label, with its count."""
    found = [o for o in response.context["facets"][facet] if o.label == label]
    assert found, [o.label for o in response.context["facets"][facet]]
    return found[0]


@pytest.fixture
def oslo_caseworker(personas):
    user = UserFactory.create(username="caseworker_y")
    OfficeMembership.objects.create(user=user, office=personas.office_y, role=OfficeRole.VEILEDER)
    return user


def test_each_intake_team_sees_only_its_own_countys_queue(personas, client, oslo_caseworker):
    trondelag = submitted(personas.caseworker_a)
    oslo = submitted(
        oslo_caseworker,
        ready_person(office=personas.office_y, home_municipality_id="0301"),
    )

    assert rows_of(page(client, personas.intake_x)) == [trondelag]
    body = page(client, personas.intake_y).content.decode()
    assert oslo.person.full_name in body and trondelag.person.full_name not in body


@pytest.mark.parametrize("who", ["caseworker_a", "provider_user_p", "nobody", "office_leader_a"])
def test_who_is_not_on_an_intake_team_or_county_leader_has_no_queue(personas, client, who):
    client.force_login(getattr(personas, who))
    assert client.get(QUEUE).status_code == 404


def test_a_county_leader_reads_the_queue_without_actions(personas, client):
    submitted(personas.caseworker_a)
    response = page(client, personas.county_leader_x)
    assert len(response.context["rows"]) == 1
    assert not response.context["may_act"]
    assert 'name="valgt"' not in response.content.decode()


def test_a_protected_person_is_masked_for_a_reviewer_without_clearance(personas, client):
    person = ready_person(
        caseworker=personas.caseworker_a,
        first_name="Hemmelig",
        protection_level=ProtectionLevel.STRENGT_FORTROLIG,
    )
    submitted(personas.caseworker_a, person)
    body = page(client, personas.intake_x).content.decode()
    assert "Hemmelig" not in body and "Adressebeskyttet" in body

    personas.intake_x.may_see_strengt_fortrolig = True
    personas.intake_x.save()
    assert "Hemmelig" in page(client, personas.intake_x).content.decode()


def test_each_row_shows_the_gate_codes_failing_now(personas, client):
    referral = submitted(personas.caseworker_a)
    ok = submitted(personas.caseworker_a)
    CV.objects.filter(person=referral.person).delete()
    response = page(client, personas.intake_x)
    verdicts = {row.referral.pk: row.gate.codes for row in response.context["rows"]}
    assert verdicts == {referral.pk: [GateCode.CV_MANGLER], ok.pk: []}
    assert GateCode.CV_MANGLER in response.content.decode()


def test_filters_narrow_the_queue_and_count_exactly(personas, client):
    midtbyen, falkenborg = personas.office_a, personas.office_b
    for _ in range(3):
        quick_submitted(person=ready_person(office=midtbyen), days_ago=20)
    quick_submitted(person=ready_person(office=midtbyen), programme_type=programme("VASV"))
    quick_submitted(person=ready_person(office=falkenborg, home_municipality_id="5035"))

    everything = page(client, personas.intake_x)
    assert everything.context["page"].paginator.count == 5
    assert option(everything, "offices", midtbyen.name).count == 4
    assert option(everything, "offices", falkenborg.name).count == 1
    assert option(everything, "programme_types", "AFT").count == 4
    assert option(everything, "programme_types", "VTA").count == 1
    assert option(everything, "municipalities", "Stjørdal").count == 1
    assert option(everything, "waits", "Mer enn 14 dager").count == 3

    by_office = page(client, personas.intake_x, kontor=midtbyen.pk)
    assert by_office.context["page"].paginator.count == 4
    assert {r.office_id for r in rows_of(by_office)} == {midtbyen.pk}
    # The other filters count within the chosen office; the office filter itself does not.
    assert option(by_office, "programme_types", "AFT").count == 3
    assert option(by_office, "offices", falkenborg.name).count == 1
    assert "4 henvisninger venter på vurdering (filtrert)" in by_office.content.decode()

    both = page(client, personas.intake_x, kontor=midtbyen.pk, tiltakstype=programme("VASV").pk)
    assert [r.programme_type.code for r in rows_of(both)] == ["VASV"]
    assert page(client, personas.intake_x, kommune="5035").context["page"].paginator.count == 1
    assert page(client, personas.intake_x, dager=14).context["page"].paginator.count == 3


def test_a_filter_value_that_does_not_parse_is_ignored(personas, client):
    quick_submitted(person=ready_person())
    response = page(client, personas.intake_x, kontor="alle", dager="-3", kommune="x")
    assert response.context["page"].paginator.count == 1


def test_the_queue_sorts_by_submitted_date_office_and_programme_type(personas, client):
    a = quick_submitted(
        person=ready_person(office=personas.office_a), programme_type=programme("APS"), days_ago=9
    )
    b = quick_submitted(person=ready_person(office=personas.office_b), days_ago=5)
    c = quick_submitted(person=ready_person(office=personas.office_a), days_ago=1)

    def order(**params):
        return rows_of(page(client, personas.intake_x, **params))

    assert order() == [a, b, c]
    assert order(sorter="-submitted_at") == [c, b, a]
    assert order(sorter="office") == [b, a, c]  # Nav Falkenborg, then Nav Midtbyen by date
    assert order(sorter="programme_type") == [b, c, a]  # AFT by date, then APS


def test_the_queue_pages_by_fifty(personas, client):
    for days in range(52):
        quick_submitted(person=ready_person(), days_ago=days)
    first = page(client, personas.intake_x)
    assert len(first.context["rows"]) == 50
    assert "Side 1 av 2" in first.content.decode()
    assert len(page(client, personas.intake_x, side=2).context["rows"]) == 2


def test_the_landing_page_links_to_the_queue(personas, client):
    submitted(personas.caseworker_a)
    body = page(client, personas.intake_x, reverse("home")).content.decode()
    assert re.search(rf'href="{QUEUE}"><div class="inntak-figure">1</div>', body)


def key(referral: Referral) -> str:
    return f"{referral.pk}:{referral.version}"


def test_bulk_approve_puts_every_chosen_referral_on_the_waitlist(personas, client):
    chosen = [submitted(personas.caseworker_a) for _ in range(3)]
    left = submitted(personas.caseworker_a)
    client.force_login(personas.intake_x)
    response = client.post(
        BULK,
        {"handling": "godkjenn", "valgt": [key(r) for r in chosen], "filtre": "sorter=office"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?sorter=office"
    statuses = dict(Referral.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in chosen] == [S.VENTELISTE] * 3
    assert statuses[left.pk] == S.SOKT_INN
    events = Referral.objects.get(pk=chosen[0].pk).events.filter(kind=EventKind.GODKJENT)
    assert [(e.actor_id, e.actor_county_id) for e in events] == [(personas.intake_x.pk, "50")]
    body = client.get(response["Location"]).content.decode()
    assert "3 henvisninger er godkjent og satt på venteliste." in body


def test_bulk_approve_with_a_failing_row_shows_each_result_and_does_the_rest(personas, client):
    both = caseworker_and_intake()
    own = submitted(both, ready_person(caseworker=both))
    changed = submitted(personas.caseworker_a)
    fine = [submitted(personas.caseworker_a) for _ in range(2)]
    seen = key(changed)
    changed.justification_goal += " Endret."
    changed.version += 1
    changed.save()

    client.force_login(both)
    response = client.post(
        BULK,
        {"handling": "godkjenn", "valgt": [key(own), seen, *[key(r) for r in fine]]},
        follow=True,
    )
    assert response.status_code == 200
    statuses = dict(Referral.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in fine] == [S.VENTELISTE, S.VENTELISTE]
    assert statuses[own.pk] == statuses[changed.pk] == S.SOKT_INN

    action, results = response.context["bulk"]
    assert action == "godkjenn"
    by_id = {row.referral_id: row for row in results}
    assert [row.referral_id for row in results] == [own.pk, changed.pk, *[r.pk for r in fine]]
    assert not by_id[own.pk].ok and "En annen i inntaksteamet" in by_id[own.pk].message
    assert not by_id[changed.pk].ok and "endret av noen andre" in by_id[changed.pk].message
    assert all(by_id[r.pk].ok for r in fine)
    body = response.content.decode()
    assert "Ikke alle de valgte henvisningene kunne godkjennes" in body
    assert "En annen i inntaksteamet må godkjenne den." in body
    # The results are shown once.
    assert SESSION_BULK_RESULTS not in client.session
    assert client.get(QUEUE).context["bulk"] is None


def test_bulk_return_sends_all_back_with_the_same_reasons_and_comment(personas, client):
    chosen = [submitted(personas.caseworker_a) for _ in range(2)]
    client.force_login(personas.intake_x)
    response = client.post(
        BULK,
        {
            "handling": "returner",
            "valgt": [key(r) for r in chosen],
            "reasons": [GateCode.AKTIVITETSPLAN_UTDATERT, "ANNET"],
            "comment": "Planene må gjennomgås med brukerne.",
        },
    )
    assert response.status_code == 302
    for referral in chosen:
        referral.refresh_from_db()
        assert referral.status == S.RETURNERT
        event = referral.events.get(kind=EventKind.RETURNERT)
        assert event.reasons == [GateCode.AKTIVITETSPLAN_UTDATERT, "ANNET"]
        assert event.comment == "Planene må gjennomgås med brukerne."


def test_bulk_return_without_a_reason_changes_nothing_and_keeps_the_choices(personas, client):
    chosen = submitted(personas.caseworker_a)
    client.force_login(personas.intake_x)
    response = client.post(
        BULK, {"handling": "returner", "valgt": [key(chosen)], "comment": "Noe mangler."}
    )
    assert response.status_code == 400
    assert "Velg minst én årsak." in response.content.decode()
    assert [row.checked for row in response.context["rows"]] == [True]
    assert response.context["bulk_comment"] == "Noe mangler."
    assert Referral.objects.get(pk=chosen.pk).status == S.SOKT_INN


def test_bulk_without_a_choice_asks_for_one(personas, client):
    submitted(personas.caseworker_a)
    client.force_login(personas.intake_x)
    response = client.post(BULK, {"handling": "godkjenn"})
    assert response.status_code == 400
    assert "Velg minst én henvisning i listen." in response.content.decode()


def test_bulk_on_another_countys_referral_is_refused_per_row(personas, client):
    referral = submitted(personas.caseworker_a)
    client.force_login(personas.intake_y)
    response = client.post(BULK, {"handling": "godkjenn", "valgt": [key(referral)]}, follow=True)
    _action, results = response.context["bulk"]
    assert [(r.ok, r.referral) for r in results] == [(False, None)]
    assert Referral.objects.get(pk=referral.pk).status == S.SOKT_INN


def test_the_queue_costs_the_same_queries_for_5_and_60_rows(
    personas, client, django_assert_max_num_queries
):
    offices = list(Office.objects.filter(county="50")[:4])

    def add(count: int) -> None:
        for i in range(count):
            person = ready_person(office=offices[i % 4])
            quick_submitted(person=person, days_ago=i % 30, programme_type=programme())

    client.force_login(personas.intake_x)
    add(5)
    with django_assert_max_num_queries(25) as five:
        assert len(client.get(QUEUE).context["rows"]) == 5
    add(55)
    with django_assert_max_num_queries(25) as sixty:
        assert len(client.get(QUEUE).context["rows"]) == 50
    assert len(sixty.captured_queries) == len(five.captured_queries)
