"""Giving a waiting person a free place, from the waitlist page and through the staff API:
the open offerings of the programme type in the county with free places, nearest first; the
referral moves on with its history and notifications; every refusal is clear."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.models import (
    EventKind,
    Notification,
    NotificationKind,
    Placement,
    PlacementStatus,
    Referral,
    ReferralStatus,
)
from org.vocabulary import ProtectionLevel
from providers.models import Offering, OfferingClosedPeriod
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory
from tests.intake.api_support import api_client
from tests.intake.review_world import programme

pytestmark = pytest.mark.django_db

S = ReferralStatus


def place(personas, free: int = 2, provider=None, **fields) -> Offering:
    """An offering in Trondheim (unless told) with `free` places reported free from today."""
    fields.setdefault("free_from", timezone.localdate())
    return OfferingFactory.create(
        provider=provider or personas.provider_p, free_places=free, **fields
    )


def waiting(personas, **person) -> Referral:
    """A referral on Trøndelag's AFT waitlist, by caseworker_a, of a person in Trondheim."""
    return ReferralFactory.create(
        person=PersonFactory.create(caseworker=personas.caseworker_a, **person),
        created_by=personas.caseworker_a,
    )


def assign_url(referral: Referral) -> str:
    return reverse("placement-assign", args=[referral.pk])


def post_assign(client, user, referral: Referral, offering: Offering, **extra):
    client.force_login(user)
    data = {"offering": offering.pk, "version": referral.version, **extra}
    return client.post(assign_url(referral), data)


def test_the_list_shows_open_offerings_with_free_places_nearest_first(personas, client):
    person_in_steinkjer = {"home_municipality_id": "5006"}
    referral = waiting(personas, **person_in_steinkjer)
    near = place(personas, free=1, municipality_id="5006", name="AFT Steinkjer")
    far = place(personas, free=3, municipality_id="5001", name="AFT Trondheim")
    place(personas, free=2, name="Stengt for inntak", open_for_intake=False)
    place(personas, free=0, name="Full")
    place(personas, free=2, name="VTA", programme_type=programme("VASV"))
    place(personas, free=2, name="I Oslo", municipality_id="0301")

    client.force_login(personas.intake_x)
    response = client.get(assign_url(referral))

    assert response.status_code == 200
    choices = response.context["choices"]
    assert [c.offering for c in choices] == [near, far]
    assert choices[0].distance_km == 0
    assert round(choices[1].distance_km) == 93  # Steinkjer-Trondheim in a straight line
    body = response.content.decode()
    assert "93 km" in body
    assert "Prima Arbeidssenter AS" in body and "Stengt for inntak" not in body
    assert "I Oslo" not in body and "Full" not in body


def test_a_provider_the_person_excluded_is_marked_and_cannot_be_chosen(personas, client):
    referral = waiting(personas)
    excluded = place(personas, provider=personas.provider_q, name="Kvarts AFT")
    allowed = place(personas, name="Prima AFT")
    referral.person.excluded_providers.add(personas.provider_q)

    client.force_login(personas.intake_x)
    response = client.get(assign_url(referral))

    choices = response.context["choices"]
    assert [(c.offering, c.excluded) for c in choices] == [(allowed, False), (excluded, True)]
    body = response.content.decode()
    assert "Brukeren har utelukket arrangøren" in body
    assert f'value="{allowed.pk}"' in body and f'value="{excluded.pk}"' not in body


def test_closed_periods_and_a_too_long_journey_are_shown(personas, client):
    referral = waiting(personas, max_travel_km=50, home_municipality_id="5006")
    offering = place(personas, municipality_id="5001")
    today = timezone.localdate()
    OfferingClosedPeriod.objects.create(
        offering=offering,
        starts_on=today + datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=20),
    )
    OfferingClosedPeriod.objects.create(
        offering=offering,
        starts_on=today - datetime.timedelta(days=40),
        ends_on=today - datetime.timedelta(days=30),
    )
    client.force_login(personas.intake_x)
    choice = client.get(assign_url(referral)).context["choices"][0]
    assert choice.beyond_travel
    assert [p.starts_on for p in choice.closures] == [today + datetime.timedelta(days=10)]


def test_assigning_moves_the_referral_records_history_and_notifies(personas, client):
    referral = waiting(personas)
    offering = place(personas, free=2)
    planned = timezone.localdate() + datetime.timedelta(days=7)
    back = reverse("waitlist-detail", args=["50", programme().pk])

    response = post_assign(
        client,
        personas.intake_x,
        referral,
        offering,
        planned_start=planned.isoformat(),
        tilbake=back,
    )

    assert response.status_code == 302 and response.url == back
    referral.refresh_from_db()
    assert referral.status == S.VENTER_PA_OPPSTART
    event = referral.events.get(kind=EventKind.TILDELT)
    assert (event.from_status, event.to_status) == (S.VENTELISTE, S.VENTER_PA_OPPSTART)
    assert (event.actor, event.actor_county_id, event.comment) == (
        personas.intake_x,
        "50",
        offering.name,
    )
    placement = Placement.objects.get(referral=referral)
    assert (placement.offering, placement.status, placement.planned_start) == (
        offering,
        PlacementStatus.TILDELT,
        planned,
    )
    offering.refresh_from_db()
    assert (offering.free_places, offering.places_assigned) == (1, 1)
    notified = set(
        Notification.objects.filter(referral=referral, kind=NotificationKind.TILDELT).values_list(
            "recipient__username", flat=True
        )
    )
    assert notified == {"caseworker_a", "provider_p"}
    page = client.get(back).content.decode()
    assert "har fått plass i" in page and "Veilederen og arrangøren er varslet." in page


def test_without_a_planned_start_the_date_the_place_is_free_from_is_used(personas, client):
    referral = waiting(personas)
    offering = place(personas, free_from=timezone.localdate() + datetime.timedelta(days=3))
    post_assign(client, personas.intake_x, referral, offering)
    assert Placement.objects.get(referral=referral).planned_start == offering.free_from


def test_a_stale_form_is_refused_with_a_clear_message(personas, client):
    referral = waiting(personas)
    offering = place(personas)
    Referral.objects.filter(pk=referral.pk).update(version=referral.version + 1)

    response = post_assign(client, personas.intake_x, referral, offering)

    assert response.status_code == 400
    assert "endret av noen andre" in response.content.decode()
    assert not Placement.objects.exists()
    # The form now carries the current version: sending it again knowingly works.
    assert response.context["form"]["version"].value() == str(referral.version + 1)


def test_a_place_just_taken_is_shown_clearly(personas, client):
    referral = waiting(personas)
    offering = place(personas, free=1)
    client.force_login(personas.intake_x)
    assert client.get(assign_url(referral)).context["choices"][0].offering == offering
    # Someone else takes the last place between showing the list and choosing.
    post_assign(client, personas.intake_x, waiting(personas), offering)

    response = post_assign(client, personas.intake_x, referral, offering)

    assert response.status_code == 400
    assert response.context["error"].code == "PLACE_TAKEN"
    body = response.content.decode()
    assert "Plassen ble nettopp tatt" in body
    assert "Plassen ble nettopp tatt av noen andre." in body
    assert response.context["choices"] == []
    referral.refresh_from_db()
    assert referral.status == S.VENTELISTE


@pytest.mark.parametrize(
    ("offering_fields", "message"),
    [
        ({"municipality_id": "0301"}, "Fant ikke gjennomføringen i fylket."),
        ({"programme_type_code": "VASV"}, "ikke av samme tiltakstype"),
        ({"open_for_intake": False}, "stengt for inntak"),
        ({"excluded": True}, "bedt om ikke å få plass hos denne arrangøren"),
    ],
    ids=["other-county", "other-programme-type", "closed", "excluded-provider"],
)
def test_a_place_that_does_not_fit_is_refused(personas, client, offering_fields, message):
    referral = waiting(personas)
    fields = dict(offering_fields)
    excluded = fields.pop("excluded", False)
    if "programme_type_code" in fields:
        fields["programme_type"] = programme(fields.pop("programme_type_code"))
    offering = place(personas, **fields)
    if excluded:
        referral.person.excluded_providers.add(offering.provider)

    response = post_assign(client, personas.intake_x, referral, offering)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Placement.objects.exists()
    offering.refresh_from_db()
    assert (offering.free_places, offering.places_assigned) == (2, 0)


def test_choosing_no_offering_says_so(personas, client):
    referral = waiting(personas)
    place(personas)
    client.force_login(personas.intake_x)
    response = client.post(assign_url(referral), {"version": referral.version})
    assert response.status_code == 400
    assert "Velg en gjennomføring med ledig plass." in response.content.decode()


@pytest.mark.parametrize("who", ["intake_y", "county_leader_x", "caseworker_a", "provider_user_p"])
def test_only_the_intake_team_of_the_county_gives_places(personas, client, who):
    referral = waiting(personas)
    offering = place(personas)
    client.force_login(getattr(personas, who))
    assert client.get(assign_url(referral)).status_code == 404
    assert post_assign(client, getattr(personas, who), referral, offering).status_code == 404
    assert not Placement.objects.exists()


def test_a_referral_no_longer_waiting_cannot_be_given_a_place(personas, client):
    referral = waiting(personas)
    offering = place(personas)
    post_assign(client, personas.intake_x, referral, offering)
    referral.refresh_from_db()
    response = client.get(assign_url(referral))
    assert "venter ikke på plass" in response.content.decode()
    assert post_assign(client, personas.intake_x, referral, offering).status_code == 400
    assert Placement.objects.count() == 1


def test_a_protected_person_is_masked_and_no_distance_tells_where_they_live(personas, client):
    referral = waiting(
        personas, protection_level=ProtectionLevel.STRENGT_FORTROLIG, first_name="Skjult"
    )
    place(personas)
    client.force_login(personas.intake_x)
    response = client.get(assign_url(referral))
    body = response.content.decode()
    assert "Adressebeskyttet" in body and "Skjult" not in body and "Bor i" not in body
    assert [c.distance_km for c in response.context["choices"]] == [None]


def test_the_waitlist_offers_the_assign_action_and_shows_the_free_places(personas, client):
    referral = waiting(personas)
    place(personas, free=2)
    place(personas, free=1)
    url = reverse("waitlist-detail", args=["50", programme().pk])

    client.force_login(personas.intake_x)
    response = client.get(url)
    body = response.content.decode()
    assert (response.context["free_places"], response.context["free_offerings"]) == (3, 2)
    assert "3 ledige plasser nå" in body and "i 2 gjennomføringer" in body
    assert assign_url(referral) in body

    client.force_login(personas.county_leader_x)
    assert assign_url(referral) not in client.get(url).content.decode()


# --- the staff API ---------------------------------------------------------------------------


def api_assign(user, referral: Referral, offering: Offering, **extra):
    body = {"offering_id": offering.pk, "version": referral.version, **extra}
    return api_client(user).post(
        reverse("api-referral-assign", args=[referral.pk]), body, format="json"
    )


def test_the_api_assigns_like_the_page(personas):
    referral = waiting(personas)
    offering = place(personas)

    response = api_assign(personas.intake_x, referral, offering, planned_start="2031-01-06")

    assert response.status_code == 201
    body = response.json()
    placement = Placement.objects.get()
    assert body["id"] == placement.pk
    assert (body["status"], body["referral_status"], body["referral_version"]) == (
        "TILDELT",
        "VENTER_PA_OPPSTART",
        referral.version + 1,
    )
    assert (body["offering_id"], body["provider_name"], body["planned_start"]) == (
        offering.pk,
        "Prima Arbeidssenter AS",
        "2031-01-06",
    )
    assert Referral.objects.get(pk=referral.pk).events.filter(kind=EventKind.TILDELT).exists()


def test_the_api_answers_place_taken_when_the_last_place_is_gone(personas):
    offering = place(personas, free=1)
    assert api_assign(personas.intake_x, waiting(personas), offering).status_code == 201
    response = api_assign(personas.intake_x, waiting(personas), offering)
    assert response.status_code == 409
    assert response.json()["code"] == "PLACE_TAKEN"
    assert "nettopp tatt" in response.json()["message"]


def test_the_api_refuses_stale_forbidden_hidden_and_bad_input(personas):
    referral = waiting(personas)
    offering = place(personas)
    stale = api_assign(personas.intake_x, referral, offering, version=referral.version + 5)
    assert (stale.status_code, stale.json()["code"]) == (409, "STALE")
    leader = api_assign(personas.county_leader_x, referral, offering)
    assert (leader.status_code, leader.json()["code"]) == (403, "FORBIDDEN")
    other_county = api_assign(personas.intake_y, referral, offering)
    assert (other_county.status_code, other_county.json()["code"]) == (404, "NOT_FOUND")
    bad = api_assign(personas.intake_x, referral, offering, offering_id="x", seat=1)
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"offering_id", "seat"}
    assert not Placement.objects.exists()


def test_a_place_in_a_closed_period_is_refused(personas, client):
    offering = place(personas)
    OfferingClosedPeriod.objects.create(
        offering=offering,
        starts_on=timezone.localdate() - datetime.timedelta(days=1),
        ends_on=timezone.localdate() + datetime.timedelta(days=14),
    )
    referral = waiting(personas)
    response = post_assign(client, personas.intake_x, referral, offering)
    assert "stengt fra" in response.content.decode()
    offering.refresh_from_db()
    referral.refresh_from_db()
    assert offering.free_places == 2
    assert referral.status == S.VENTELISTE
