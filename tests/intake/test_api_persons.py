"""The persons API: registering, reading and changing persons, scoped and masked."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.models import Person
from org.models import OfficeMembership, OfficeRole
from org.vocabulary import NeedGroup, ProtectionLevel
from tests.factories import PersonFactory, make_fodselsnummer
from tests.intake.api_support import ELEVEN_DIGITS, api_client

pytestmark = pytest.mark.django_db

PERSONS = "/api/persons/"


def new_person(personas, **extra):
    return {
        "fodselsnummer": make_fodselsnummer(datetime.date(1990, 5, 17)),
        "first_name": "Ola",
        "last_name": "Nordmann",
        "home_municipality_id": "5001",
        "office_id": personas.office_a.pk,
        **extra,
    }


def test_caseworker_registers_a_person_with_birth_date_from_the_fodselsnummer(personas):
    client = api_client(personas.caseworker_a)
    payload = new_person(
        personas, need_group=NeedGroup.VARIG_TILPASSET_INNSATS, needs=["RUS", "UNGE"]
    )

    response = client.post(PERSONS, payload)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["fodselsnummer"] == payload["fodselsnummer"]
    assert body["birth_date"] == "1990-05-17"
    assert body["caseworker_id"] == personas.caseworker_a.pk
    assert body["needs"] == ["RUS", "UNGE"]
    assert body["version"] == 1
    assert body["protected"] is False and body["masked"] is False
    assert Person.objects.get(pk=body["id"]).office == personas.office_a


def test_invalid_fodselsnummer_is_refused_with_its_code(personas):
    client = api_client(personas.caseworker_a)

    response = client.post(PERSONS, new_person(personas, fodselsnummer="12345678901"))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "INVALID_FODSELSNUMMER"
    assert body["fields"]["fodselsnummer"][0]["code"] == "INVALID_FODSELSNUMMER"
    assert not Person.objects.exists()


def test_a_fodselsnummer_already_registered_is_refused(personas):
    existing = PersonFactory.create(office=personas.office_b)
    client = api_client(personas.caseworker_a)

    response = client.post(PERSONS, new_person(personas, fodselsnummer=existing.fodselsnummer))

    assert response.status_code == 400
    assert response.json()["code"] == "FODSELSNUMMER_EXISTS"
    assert Person.objects.count() == 1


def test_registering_at_an_office_where_one_is_not_caseworker_is_forbidden(personas):
    client = api_client(personas.caseworker_a)

    response = client.post(PERSONS, new_person(personas, office_id=personas.office_b.pk))

    assert response.status_code == 403
    assert response.json()["fields"]["office_id"][0]["code"] == "FORBIDDEN"


def test_the_list_shows_own_offices_persons_without_fodselsnummer(personas):
    mine = PersonFactory.create(office=personas.office_a, caseworker=personas.caseworker_a)
    PersonFactory.create(office=personas.office_b)

    response = api_client(personas.caseworker_a).get(PERSONS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [mine.pk]
    assert "fodselsnummer" not in body["results"][0]
    assert mine.fodselsnummer not in response.content.decode()


def test_the_list_filters_by_office_caseworker_and_need_group(personas):
    OfficeMembership.objects.create(
        user=personas.office_leader_a, office=personas.office_b, role=OfficeRole.LEDER
    )
    mine = PersonFactory.create(
        office=personas.office_a,
        caseworker=personas.caseworker_a,
        need_group=NeedGroup.VARIG_TILPASSET_INNSATS,
    )
    colleagues = PersonFactory.create(office=personas.office_a, caseworker=personas.caseworker_b)
    other_office = PersonFactory.create(office=personas.office_b)
    caseworker = api_client(personas.caseworker_a)
    leader = api_client(personas.office_leader_a)

    def ids(client, query):
        response = client.get(PERSONS, query)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(leader, {}) == {mine.pk, colleagues.pk, other_office.pk}
    assert ids(leader, {"office": personas.office_b.pk}) == {other_office.pk}
    assert ids(caseworker, {"caseworker": "me"}) == {mine.pk}
    assert ids(caseworker, {"need_group": "VARIG_TILPASSET_INNSATS"}) == {mine.pk}


def test_a_filter_of_the_wrong_type_is_refused_per_field(personas):
    response = api_client(personas.caseworker_a).get(
        PERSONS, {"office": "Midtbyen", "caseworker": "all"}
    )

    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields["office"][0]["code"] == "invalid"
    assert fields["caseworker"][0]["code"] == "invalid_choice"


def test_caseworker_changes_a_person_with_the_version_read(personas):
    person = PersonFactory.create(office=personas.office_a)
    client = api_client(personas.caseworker_a)

    response = client.patch(
        f"{PERSONS}{person.pk}/",
        {"version": 1, "need_group": "VARIG_TILPASSET_INNSATS", "max_travel_km": 30},
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["need_group"] == "VARIG_TILPASSET_INNSATS"
    assert body["max_travel_km"] == 30
    assert body["first_name"] == person.first_name  # left out, kept
    assert body["version"] == 2


def test_a_change_based_on_an_old_version_is_refused_and_saves_nothing(personas):
    person = PersonFactory.create(office=personas.office_a, first_name="Kari")
    client = api_client(personas.caseworker_a)
    assert (
        client.patch(f"{PERSONS}{person.pk}/", {"version": 1, "first_name": "Kim"}).status_code
        == 200
    )

    response = client.patch(f"{PERSONS}{person.pk}/", {"version": 1, "first_name": "Karin"})

    assert response.status_code == 409
    assert response.json()["code"] == "STALE"
    person.refresh_from_db()
    assert (person.first_name, person.version) == ("Kim", 2)


def test_fodselsnummer_cannot_be_changed(personas):
    person = PersonFactory.create(office=personas.office_a)

    response = api_client(personas.caseworker_a).patch(
        f"{PERSONS}{person.pk}/",
        {"version": 1, "fodselsnummer": make_fodselsnummer(datetime.date(1970, 1, 1))},
    )

    assert response.status_code == 400
    assert response.json()["fields"]["fodselsnummer"][0]["code"] == "unknown"


def test_another_offices_person_answers_exactly_like_a_missing_one(personas):
    person_a = PersonFactory.create(office=personas.office_a)
    client = api_client(personas.caseworker_b)
    missing = person_a.pk + 1000

    for path in ("", "documents/"):
        out_of_scope = client.get(f"{PERSONS}{person_a.pk}/{path}")
        absent = client.get(f"{PERSONS}{missing}/{path}")
        assert out_of_scope.status_code == absent.status_code == 404
        assert out_of_scope.json() == absent.json()
    changed = client.patch(f"{PERSONS}{person_a.pk}/", {"version": 1, "first_name": "X"})
    assert changed.status_code == 404
    person_a.refresh_from_db()
    assert person_a.version == 1


@pytest.mark.parametrize("who", ["provider_user_p", "intake_x", "nobody"])
def test_users_without_an_office_see_no_persons(personas, who):
    person = PersonFactory.create(office=personas.office_a)
    client = api_client(getattr(personas, who))

    listed = client.get(PERSONS)
    detail = client.get(f"{PERSONS}{person.pk}/")

    assert listed.status_code == 200
    assert listed.json()["count"] == 0 and listed.json()["results"] == []
    assert detail.status_code == 404
    assert detail.json()["code"] == "NOT_FOUND"


def test_a_protected_person_is_masked_for_users_without_clearance(personas):
    person = PersonFactory.create(
        office=personas.office_a,
        first_name="Hemmelig",
        protection_level=ProtectionLevel.STRENGT_FORTROLIG,
    )
    client = api_client(personas.caseworker_a)

    row = client.get(PERSONS).json()["results"][0]
    detail = client.get(f"{PERSONS}{person.pk}/").json()
    change = client.patch(f"{PERSONS}{person.pk}/", {"version": 1, "home_municipality_id": "5001"})

    assert row["protected"] is True and row["masked"] is True
    assert row["first_name"] is row["last_name"] is row["home_municipality_id"] is None
    assert detail["masked"] is True
    for field in ("fodselsnummer", "birth_date", "first_name", "home_municipality_name"):
        assert detail[field] is None, field
    assert detail["office_id"] == personas.office_a.pk
    assert change.status_code == 403
    assert change.json()["code"] == "FORBIDDEN"


def test_a_protected_person_is_shown_in_full_with_the_clearance(personas):
    person = PersonFactory.create(
        office=personas.office_a,
        first_name="Hemmelig",
        protection_level=ProtectionLevel.STRENGT_FORTROLIG,
    )
    personas.caseworker_a.may_see_strengt_fortrolig = True
    personas.caseworker_a.save()

    detail = api_client(personas.caseworker_a).get(f"{PERSONS}{person.pk}/").json()

    assert detail["protected"] is True and detail["masked"] is False
    assert detail["first_name"] == "Hemmelig"
    assert detail["fodselsnummer"] == person.fodselsnummer
    assert detail["protection_level"] == "STRENGT_FORTROLIG"


def test_the_list_costs_the_same_queries_for_5_and_50_persons(
    personas, django_assert_max_num_queries
):
    client = api_client(personas.caseworker_a)
    PersonFactory.create_batch(5, office=personas.office_a, caseworker=personas.caseworker_a)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(PERSONS).json()["results"]) == 5
    PersonFactory.create_batch(45, office=personas.office_a, caseworker=personas.caseworker_a)

    with django_assert_max_num_queries(len(five)) as fifty:
        assert len(client.get(PERSONS).json()["results"]) == 50

    assert len(fifty) == len(five)


def test_no_url_the_api_gives_carries_a_fodselsnummer(personas):
    PersonFactory.create_batch(60, office=personas.office_a)
    client = api_client(personas.caseworker_a)

    first = client.get(PERSONS, {"caseworker": "me", "need_group": "SPESIELT_TILPASSET_INNSATS"})
    everyone = client.get(PERSONS).json()

    assert first.status_code == 200
    assert everyone["next"] and not ELEVEN_DIGITS.search(everyone["next"])
    second = client.get(everyone["next"]).json()
    assert second["previous"] and not ELEVEN_DIGITS.search(second["previous"])
    assert not any(ELEVEN_DIGITS.search(url) for url in client.urls)
