"""A county's priority bonuses, set in the admin, re-order its waitlists at once."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.models import CountyIntakeSettings, Referral
from intake.services.priority import UNG
from tests.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def waiting(days: int, birth_date: datetime.date, office) -> Referral:
    approved_at = timezone.now() - datetime.timedelta(days=days)
    person = PersonFactory.create(birth_date=birth_date, office=office)
    return ReferralFactory.create(person=person, waitlisted_at=approved_at, queue_since=approved_at)


def form(county: str, young: int) -> dict:
    return {
        "county": county,
        "bonus_days_young": young,
        "bonus_days_non_eea": 0,
        "bonus_days_long_term_unemployed": 0,
        "young_age_limit": 30,
        "long_term_unemployed_days": 182,
        "weight_km": 2.0,
        "weight_wait": 1.0,
        "weight_fit": 10.0,
        "max_travel_km": 60,
    }


def test_saving_a_countys_bonuses_refreshes_its_waitlists(personas, client):
    young = waiting(10, datetime.date(timezone.localdate().year - 22, 1, 1), personas.office_a)
    older = waiting(40, datetime.date(1970, 1, 1), personas.office_a)
    oslo_young = waiting(10, datetime.date(timezone.localdate().year - 22, 1, 1), personas.office_y)
    client.force_login(personas.admin)

    response = client.post(
        reverse("admin:intake_countyintakesettings_add"), form("50", 60), follow=True
    )

    assert response.status_code == 200
    assert CountyIntakeSettings.objects.get(county="50").bonus_days_young == 60
    young.refresh_from_db()
    assert (young.priority_groups, young.priority_bonus_days) == ([UNG], 60)
    older_since = Referral.objects.get(pk=older.pk).queue_since
    assert young.queue_since and older_since
    assert young.queue_since < older_since
    oslo_young.refresh_from_db()
    assert oslo_young.priority_bonus_days == 0  # another county's list is left alone
    assert "1 henvisning på ventelistene i Trøndelag fikk ny plass i køen." in (
        response.content.decode()
    )


def test_changing_the_bonus_again_moves_the_same_people_back(personas, client):
    young = waiting(10, datetime.date(timezone.localdate().year - 22, 1, 1), personas.office_a)
    settings = CountyIntakeSettings.objects.create(county=personas.county_x, bonus_days_young=60)
    client.force_login(personas.admin)
    client.post(
        reverse("admin:intake_countyintakesettings_change", args=[settings.pk]), form("50", 0)
    )
    young.refresh_from_db()
    assert young.queue_since == young.waitlisted_at
    assert young.priority_groups == [UNG]


def test_the_county_of_saved_settings_cannot_be_changed(personas, client):
    settings = CountyIntakeSettings.objects.create(county=personas.county_x)
    client.force_login(personas.admin)
    response = client.get(reverse("admin:intake_countyintakesettings_change", args=[settings.pk]))
    assert response.status_code == 200
    assert 'name="county"' not in response.content.decode()


def test_matching_weights_and_distance_are_set_per_county_and_never_negative(personas, client):
    client.force_login(personas.admin)
    bad = {**form("50", 0), "weight_km": -1, "max_travel_km": 0}

    response = client.post(reverse("admin:intake_countyintakesettings_add"), bad)

    assert response.status_code == 200  # the form again, with the errors
    assert not CountyIntakeSettings.objects.exists()
    assert "Verdien må være større enn eller lik 0." in response.content.decode()

    good = {**form("50", 0), "weight_km": 3.5, "max_travel_km": 45}
    client.post(reverse("admin:intake_countyintakesettings_add"), good)
    saved = CountyIntakeSettings.objects.get(county="50")
    assert (saved.weight_km, saved.weight_wait, saved.weight_fit, saved.max_travel_km) == (
        3.5,
        1.0,
        10.0,
        45,
    )
