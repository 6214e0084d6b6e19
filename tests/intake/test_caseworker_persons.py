"""The caseworker's person pages: the list with its search, registering and editing a person."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intake.models import Person
from intake.services.persons import person_update
from org.models import OfficeMembership, OfficeRole
from tests.factories import OfferingFactory, PersonFactory, ProviderFactory
from tests.intake.caseworker import person_data

pytestmark = pytest.mark.django_db


def test_caseworker_registers_a_person_with_every_field(client, personas):
    provider = ProviderFactory.create(name="Fjern Arbeidssenter AS")
    local = OfferingFactory.create(municipality_id="5001").provider
    client.force_login(personas.caseworker_a)
    form = client.get(reverse("person-create")).content.decode()
    assert "Nav Midtbyen" in form and "Nav Falkenborg" not in form

    data = person_data(personas.office_a.pk, excluded_providers=[str(provider.pk)])
    # Only providers working in the caseworker's county are offered; this one has none yet.
    response = client.post(reverse("person-create"), data)
    assert response.status_code == 200
    assert "excluded_providers" in response.context["form"].errors

    data["excluded_providers"] = [str(local.pk)]
    response = client.post(reverse("person-create"), data)
    person = Person.objects.get(fodselsnummer=data["fodselsnummer"])
    assert response.status_code == 302
    assert response.url == reverse("person-detail", args=[person.pk])
    assert person.birth_date == datetime.date(1990, 5, 17)
    assert person.caseworker == personas.caseworker_a
    assert person.needs == ["PSYKISK_HELSE", "SOSIAL"]
    assert person.max_travel_km == 40
    assert person.aap_maksdato is not None
    assert list(person.excluded_providers.all()) == [local]
    assert person.fodselsnummer not in response.url

    page = client.get(response.url).content.decode()
    assert "Sigrid Lykke" in page and "17.05.1990" in page and "Psykisk helse" in page


def test_invalid_fodselsnummer_gets_a_clear_error_and_keeps_the_input(client, personas):
    client.force_login(personas.caseworker_a)
    response = client.post(
        reverse("person-create"), person_data(personas.office_a.pk, fodselsnummer="12345678901")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Fødselsnummeret er ikke gyldig" in body
    assert 'value="Sigrid"' in body and 'value="12345678901"' in body
    assert not Person.objects.exists()


def test_a_person_already_registered_gets_a_clear_error(client, personas):
    existing = PersonFactory.create(office=personas.office_b)
    client.force_login(personas.caseworker_a)
    response = client.post(
        reverse("person-create"),
        person_data(personas.office_a.pk, fodselsnummer=existing.fodselsnummer),
    )
    assert response.status_code == 200
    assert "finnes allerede en bruker med dette fødselsnummeret" in response.content.decode()
    assert Person.objects.count() == 1


def test_a_person_cannot_be_registered_at_an_office_where_the_user_is_not_caseworker(
    client, personas
):
    client.force_login(personas.caseworker_a)
    response = client.post(reverse("person-create"), person_data(personas.office_b.pk))
    assert response.status_code == 200
    assert "office" in response.context["form"].errors
    assert not Person.objects.exists()
    client.force_login(personas.office_leader_a)
    assert client.get(reverse("person-create")).status_code == 404


def test_maksdato_without_aap_is_refused_by_the_service_on_its_field(client, personas):
    client.force_login(personas.caseworker_a)
    response = client.post(
        reverse("person-create"), person_data(personas.office_a.pk, benefit="DAGPENGER")
    )
    assert response.context["form"].errors["aap_maksdato"] == ["Maksdato gjelder bare for AAP."]


def test_editing_saves_and_bumps_the_version(client, personas):
    person = PersonFactory.create(office=personas.office_a, first_name="Kari")
    client.force_login(personas.caseworker_a)
    form = client.get(reverse("person-update", args=[person.pk])).content.decode()
    assert 'name="version" value="1"' in form and 'name="fodselsnummer"' not in form
    data = person_data(personas.office_a.pk, first_name="Karianne", version="1")
    data.pop("fodselsnummer")
    response = client.post(reverse("person-update", args=[person.pk]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.first_name, person.version) == ("Karianne", 2)


def test_a_stale_edit_is_refused_and_nothing_is_lost(client, personas):
    person = PersonFactory.create(office=personas.office_a, first_name="Kari", last_name="Vik")
    client.force_login(personas.caseworker_a)
    client.get(reverse("person-update", args=[person.pk]))  # the form is loaded at version 1
    person_update(  # a colleague saves first
        actor=personas.caseworker_a, person_id=person.pk, expected_version=1, last_name="Viken"
    )
    data = person_data(personas.office_a.pk, first_name="Kari Anne", last_name="Vik", version="1")
    data.pop("fodselsnummer")

    response = client.post(reverse("person-update", args=[person.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "endret av noen andre etter at du åpnet siden" in body
    assert 'value="Kari Anne"' in body  # the user's input is shown again
    assert "Lagret av en annen i mellomtiden: «Viken»" in body  # and what the colleague saved
    assert 'name="version" value="2"' in body
    person.refresh_from_db()
    assert (person.first_name, person.last_name) == ("Kari", "Viken")

    # Saving again, knowingly, with both in view, goes through.
    data["version"] = "2"
    assert client.post(reverse("person-update", args=[person.pk]), data).status_code == 302
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.version) == ("Kari Anne", "Vik", 3)


def test_caseworker_of_another_office_can_neither_see_nor_edit(client, personas):
    person = PersonFactory.create(office=personas.office_a)
    client.force_login(personas.caseworker_b)
    for name in ("person-detail", "person-update", "referral-create"):
        assert client.get(reverse(name, args=[person.pk])).status_code == 404
    data = person_data(personas.office_b.pk, version="1")
    assert client.post(reverse("person-update", args=[person.pk]), data).status_code == 404
    for name in ("person-cv", "person-assessment", "person-activity-plan"):
        assert client.post(reverse(name, args=[person.pk]), {}).status_code == 404


def test_office_leader_reads_a_person_but_gets_no_forms(client, personas):
    person = PersonFactory.create(office=personas.office_a)
    client.force_login(personas.office_leader_a)
    page = client.get(reverse("person-detail", args=[person.pk])).content.decode()
    assert person.full_name in page
    assert reverse("person-update", args=[person.pk]) not in page
    assert reverse("person-cv", args=[person.pk]) not in page
    assert client.get(reverse("person-update", args=[person.pk])).status_code == 404


def test_search_is_posted_finds_by_name_and_never_shows_a_protected_hit(client, personas):
    PersonFactory.create(office=personas.office_a, first_name="Ola", last_name="Haugen")
    PersonFactory.create(office=personas.office_a, first_name="Per", last_name="Haugland")
    PersonFactory.create(
        office=personas.office_a,
        first_name="Skjult",
        last_name="Haugvik",
        protection_level="STRENGT_FORTROLIG",
    )
    PersonFactory.create(office=personas.office_b, first_name="Anne", last_name="Haugen")
    client.force_login(personas.caseworker_a)

    body = client.post(reverse("person-list"), {"q": "haug"}).content.decode()
    assert "Ola Haugen" in body and "Per Haugland" in body
    assert "Anne Haugen" not in body  # another office
    assert "Skjult" not in body and "Adressebeskyttet" not in body  # not even masked
    assert "2 treff" in body

    body = client.post(reverse("person-list"), {"q": "ola haug"}).content.decode()
    assert "Ola Haugen" in body and "Per Haugland" not in body

    # The unfiltered list keeps the protected person, masked.
    body = client.get(reverse("person-list")).content.decode()
    assert "Adressebeskyttet" in body and "Skjult" not in body


def test_the_search_form_never_puts_the_name_in_the_address(client, personas):
    client.force_login(personas.caseworker_a)
    body = client.get(reverse("person-list")).content.decode()
    assert 'method="post" action="/brukere/"' in body


def test_a_caseworker_registering_a_protected_person_without_clearance_is_told_so(client, personas):
    client.force_login(personas.caseworker_a)
    data = person_data(personas.office_a.pk, protection_level="FORTROLIG")
    response = client.post(reverse("person-create"), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("person-list")
    assert "vises bare for ansatte som har tilgang" in response.content.decode()


@pytest.mark.parametrize("url_name", ["person-list"])
def test_person_list_costs_the_same_queries_for_5_and_50_rows(client, personas, url_name):
    client.force_login(personas.caseworker_a)
    PersonFactory.create_batch(5, office=personas.office_a, caseworker=personas.caseworker_a)
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse(url_name)).status_code == 200
    PersonFactory.create_batch(45, office=personas.office_a, caseworker=personas.caseworker_b)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(reverse(url_name))
    assert len(response.context["page"].object_list) == 50
    assert len(fifty.captured_queries) == len(five.captured_queries)


def test_a_caseworker_with_two_offices_chooses_between_them(client, personas):
    OfficeMembership.objects.create(
        user=personas.caseworker_a, office=personas.office_b, role=OfficeRole.VEILEDER
    )
    client.force_login(personas.caseworker_a)
    form = client.get(reverse("person-create")).content.decode()
    assert "Nav Midtbyen" in form and "Nav Falkenborg" in form


def test_an_error_is_linked_to_its_field_for_screen_readers(client, personas):
    """WCAG 3.3.1 (issue 9): the field says it is invalid and points at its message."""
    client.force_login(personas.caseworker_a)
    data = person_data(personas.office_a.pk, fodselsnummer="12345678901")
    response = client.post(reverse("person-create"), data)
    body = response.content.decode()
    field = re.search(r"<input[^>]*id=\"id_fodselsnummer\"[^>]*>", body)
    assert field, body[:500]
    assert 'aria-invalid="true"' in field.group(0)
    assert 'aria-describedby="id_fodselsnummer_error' in field.group(0)
    message = re.search(r'id="id_fodselsnummer_error"[^>]*>(.*?)</div>', body, re.S)
    assert message and "Ugyldig fødselsnummer." in message.group(1)
    # A field without an error is left alone.
    first_name = re.search(r"<input[^>]*id=\"id_first_name\"[^>]*>", body)
    assert first_name and "aria-invalid" not in first_name.group(0)
