"""Managing providers and offerings: administrators everywhere, the intake team in its own
county. Bad input gets the service's own sentence; someone else's offering answers 404."""

import datetime

import pytest
from django.urls import reverse

from org.models import Provider
from providers.models import Offering, OfferingClosedPeriod, ProgrammeType, StartType
from tests.factories import OfferingFactory, make_orgnr

pytestmark = pytest.mark.django_db

LIST = reverse("manage-offering-list")
NEW_OFFERING = reverse("manage-offering-create")
NEW_PROVIDER = reverse("manage-provider-create")


def edit_url(offering: Offering) -> str:
    return reverse("manage-offering-edit", args=[offering.pk])


def offering_data(provider: Provider, **values: object) -> dict[str, object]:
    data: dict[str, object] = {
        "provider": provider.pk,
        "programme_type": ProgrammeType.objects.get(code="ARBFORB").pk,
        "name": "AFT Steinkjer",
        "municipality": "5006",
        "contracted_places": 12,
        "start_type": StartType.LOPENDE,
        "competence_tags": ["RUS", "UNGE"],
        "open_for_intake": "on",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def test_the_intake_team_registers_a_provider(personas, client):
    client.force_login(personas.intake_x)
    orgnr = make_orgnr()
    response = client.post(NEW_PROVIDER, {"name": " Nytt Verksted AS ", "orgnr": orgnr})
    provider = Provider.objects.get(orgnr=orgnr)
    assert provider.name == "Nytt Verksted AS"
    assert response.status_code == 302
    assert response.url == f"{NEW_OFFERING}?arrangor={provider.pk}"
    assert client.get(response.url).context["form"]["provider"].value() == provider.pk


def test_an_organisation_number_with_a_bad_check_digit_gets_the_services_error(personas, client):
    client.force_login(personas.intake_x)
    good = make_orgnr()
    bad = good[:8] + str((int(good[8]) + 1) % 10)
    response = client.post(NEW_PROVIDER, {"name": "Feil AS", "orgnr": bad})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Organisasjonsnummeret er ikke gyldig." in body
    assert "Ugyldig organisasjonsnummer." in body
    assert not Provider.objects.filter(name="Feil AS").exists()


def test_an_organisation_number_already_registered_is_refused(personas, client):
    client.force_login(personas.admin)
    response = client.post(NEW_PROVIDER, {"name": "Kopi", "orgnr": personas.provider_p.orgnr})
    assert response.status_code == 400
    assert "Det finnes allerede en arrangør med dette organisasjonsnummeret." in (
        response.content.decode()
    )


def test_the_intake_team_creates_an_offering_in_its_county(personas, client):
    client.force_login(personas.intake_x)
    response = client.post(
        NEW_OFFERING,
        offering_data(
            personas.provider_p,
            start_type=StartType.FELLES,
            cohort_starts_on="2031-01-06",
            cohort_ends_on="2031-06-20",
        ),
    )
    offering = Offering.objects.get(name="AFT Steinkjer")
    assert response.status_code == 302 and response.url == edit_url(offering)
    assert (offering.municipality_id, offering.contracted_places, offering.start_type) == (
        "5006",
        12,
        StartType.FELLES,
    )
    assert offering.competence_tags == ["RUS", "UNGE"] and offering.open_for_intake
    assert offering.cohort_ends_on == datetime.date(2031, 6, 20)


def test_the_intake_team_chooses_among_its_own_countys_municipalities(personas, client):
    client.force_login(personas.intake_x)
    choices = client.get(NEW_OFFERING).context["form"].fields["municipality"].queryset
    assert {m.county_id for m in choices} == {"50"}
    response = client.post(NEW_OFFERING, offering_data(personas.provider_p, municipality="0301"))
    assert response.status_code == 400
    assert response.context["form"].errors["municipality"]
    assert not Offering.objects.exists()
    client.force_login(personas.admin)
    admin_choices = client.get(NEW_OFFERING).context["form"].fields["municipality"].queryset
    assert admin_choices.filter(county_id="03").exists()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"contracted_places": -3}, "contracted_places", "Avtalte plasser kan ikke være negativt."),
        (
            {"cohort_starts_on": "2031-06-01", "cohort_ends_on": "2031-05-01"},
            "cohort_ends_on",
            "Sluttdatoen kan ikke være før oppstartsdatoen.",
        ),
    ],
    ids=["negative-places", "dates-out-of-order"],
)
def test_bad_offering_input_gets_the_services_error(personas, client, values, field, message):
    client.force_login(personas.intake_x)
    response = client.post(NEW_OFFERING, offering_data(personas.provider_p, **values))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert not Offering.objects.exists()


def test_an_offering_is_changed(personas, client):
    offering = OfferingFactory.create(provider=personas.provider_p, name="Gammelt navn")
    client.force_login(personas.intake_x)
    form = client.get(edit_url(offering)).context["form"]
    assert form["name"].value() == "Gammelt navn"
    response = client.post(
        edit_url(offering),
        offering_data(
            personas.provider_q, name="Nytt navn", municipality="5001", open_for_intake=None
        ),
    )
    assert response.status_code == 302
    offering.refresh_from_db()
    assert (offering.name, offering.provider, offering.open_for_intake) == (
        "Nytt navn",
        personas.provider_q,
        False,
    )


def test_contracted_places_below_those_in_use_are_refused_with_the_numbers(personas, client):
    offering = OfferingFactory.create(
        contracted_places=10, places_occupied=5, places_assigned=2, free_places=1
    )
    client.force_login(personas.intake_x)
    response = client.post(
        edit_url(offering),
        offering_data(personas.provider_p, municipality="5001", contracted_places=7),
    )
    assert response.status_code == 400
    assert "Avtalte plasser kan ikke settes lavere enn 8" in response.content.decode()
    assert "5 deltar, 2 tildelt, 1 ledige" in response.content.decode()
    offering.refresh_from_db()
    assert offering.contracted_places == 10


def test_a_closed_period_is_added_and_one_in_the_wrong_order_refused(personas, client):
    offering = OfferingFactory.create()
    url = reverse("manage-closed-period-add", args=[offering.pk])
    client.force_login(personas.intake_x)

    wrong = client.post(url, {"stengt-starts_on": "2031-07-31", "stengt-ends_on": "2031-07-01"})
    assert wrong.status_code == 400
    assert "Til-datoen kan ikke være før fra-datoen." in wrong.content.decode()
    assert not OfferingClosedPeriod.objects.exists()

    ok = client.post(
        url,
        {
            "stengt-starts_on": "2031-07-01",
            "stengt-ends_on": "2031-07-31",
            "stengt-reason": "Sommerferie",
        },
    )
    assert ok.status_code == 302
    period = OfferingClosedPeriod.objects.get(offering=offering)
    assert (period.starts_on, period.ends_on, period.reason) == (
        datetime.date(2031, 7, 1),
        datetime.date(2031, 7, 31),
        "Sommerferie",
    )
    assert "Sommerferie" in client.get(edit_url(offering)).content.decode()


def test_the_intake_team_of_another_county_gets_404(personas, client):
    offering = OfferingFactory.create()  # Trondheim, county 50
    client.force_login(personas.intake_y)
    assert client.get(edit_url(offering)).status_code == 404
    assert client.post(edit_url(offering), offering_data(personas.provider_p)).status_code == 404
    closed = reverse("manage-closed-period-add", args=[offering.pk])
    assert client.post(closed, {}).status_code == 404
    assert offering not in client.get(LIST).context["page"].object_list


@pytest.mark.parametrize("who", ["caseworker_a", "county_leader_x", "provider_user_p", "nobody"])
def test_others_have_no_management_pages(personas, client, who):
    offering = OfferingFactory.create(provider=personas.provider_p)
    client.force_login(getattr(personas, who))
    for url in (LIST, NEW_OFFERING, NEW_PROVIDER, edit_url(offering)):
        assert client.get(url).status_code == 404
    assert client.post(NEW_PROVIDER, {"name": "X", "orgnr": make_orgnr()}).status_code == 404


def test_an_administrator_manages_offerings_in_every_county(personas, client):
    trondheim = OfferingFactory.create()
    oslo = OfferingFactory.create(municipality_id="0301")
    client.force_login(personas.admin)
    assert set(client.get(LIST).context["page"].object_list) == {trondheim, oslo}
    assert client.get(edit_url(oslo)).status_code == 200
    client.force_login(personas.intake_x)
    assert list(client.get(LIST).context["page"].object_list) == [trondheim]
