"""The intake team's list of places given and not started, and recording "ikke startet" for a
provider who phones in: the place is free again, and the person goes back in line where they
were, unless the reason is their own."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.models import EndReason, EventKind, Placement, PlacementStatus, Referral, ReferralStatus
from intake.services.placements import placement_assign, placement_start
from org.vocabulary import ProtectionLevel
from providers.models import Offering
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory
from tests.intake.api_support import api_client

pytestmark = pytest.mark.django_db

S = ReferralStatus
LIST = reverse("placement-list")


def given_place(personas, offering: Offering | None = None, **person) -> Placement:
    """A waiting referral of caseworker_a given a place by intake_x through the service."""
    offering = offering or OfferingFactory.create(provider=personas.provider_p, free_places=3)
    referral = ReferralFactory.create(
        person=PersonFactory.create(caseworker=personas.caseworker_a, **person),
        created_by=personas.caseworker_a,
        waitlisted_at=timezone.now() - datetime.timedelta(days=40),
        queue_since=timezone.now() - datetime.timedelta(days=40),
    )
    return placement_assign(
        actor=personas.intake_x,
        referral_id=referral.pk,
        offering_id=offering.pk,
        expected_version=referral.version,
    )


def not_started(client, user, placement: Placement, **data):
    client.force_login(user)
    prefix = f"p{placement.pk}"
    body = {f"{prefix}-version": placement.version, **{f"{prefix}-{k}": v for k, v in data.items()}}
    return client.post(reverse("placement-not-started", args=[placement.pk]), body)


def test_the_list_shows_the_countys_places_given_and_not_started(personas, client):
    offering = OfferingFactory.create(provider=personas.provider_p, free_places=3)
    waiting_to_start = given_place(personas, offering, first_name="Venter")
    started = given_place(personas, offering, first_name="Startet")
    placement_start(
        actor=personas.provider_user_p, placement_id=started.pk, started_on=timezone.localdate()
    )
    oslo = OfferingFactory.create(municipality_id="0301", free_places=1)
    oslo_referral = ReferralFactory.create(
        person=PersonFactory.create(office=personas.office_y, home_municipality_id="0301")
    )
    placement_assign(actor=personas.intake_y, referral_id=oslo_referral.pk, offering_id=oslo.pk)

    client.force_login(personas.intake_x)
    response = client.get(LIST)

    assert [row.placement for row in response.context["rows"]] == [waiting_to_start]
    body = response.content.decode()
    assert "Venter" in body and "Startet" not in body
    assert offering.name in body and "Prima Arbeidssenter AS" in body
    assert "1 plass er tildelt og ikke startet" in body


def test_a_reason_not_the_persons_own_puts_them_back_in_line(personas, client):
    placement = given_place(personas)
    referral = placement.referral

    response = not_started(client, personas.intake_x, placement, reason=EndReason.FIKK_IKKE_PLASS)

    assert response.status_code == 302 and response.url == LIST
    placement.refresh_from_db()
    assert (placement.status, placement.end_reason) == (
        PlacementStatus.IKKE_STARTET,
        EndReason.FIKK_IKKE_PLASS,
    )
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.status == S.VENTELISTE
    assert referral.queue_since == placement.referral.queue_since  # same place in line
    event = referral.events.get(kind=EventKind.TAKKET_NEI)
    assert (event.actor, event.actor_county_id, event.reasons) == (
        personas.intake_x,
        "50",
        [EndReason.FIKK_IKKE_PLASS],
    )
    offering = Offering.objects.get(pk=placement.offering_id)
    assert (offering.free_places, offering.places_assigned) == (3, 0)
    assert "står på ventelisten igjen" in client.get(LIST).content.decode()


def test_the_persons_own_reason_takes_them_off_the_list(personas, client):
    placement = given_place(personas)
    not_started(client, personas.intake_x, placement, reason=EndReason.IKKE_MOTT)
    referral = Referral.objects.get(pk=placement.referral_id)
    assert (referral.status, referral.closed_reason) == (S.IKKE_AKTUELL, EndReason.IKKE_MOTT)
    assert "er tatt av ventelisten" in client.get(LIST).content.decode()


def test_annet_without_a_comment_and_a_missing_reason_are_refused(personas, client):
    placement = given_place(personas)

    other = not_started(client, personas.intake_x, placement, reason=EndReason.ANNET)
    assert other.status_code == 400
    assert "Forklar i kommentaren hva «Annet» gjelder." in other.content.decode()
    assert other.context["failed_id"] == placement.pk

    missing = not_started(client, personas.intake_x, placement, reason="")
    assert missing.status_code == 400
    assert "Velg en årsak." in missing.content.decode()
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.TILDELT


def test_a_stale_form_is_refused(personas, client):
    placement = given_place(personas)
    Placement.objects.filter(pk=placement.pk).update(version=placement.version + 1)
    response = not_started(client, personas.intake_x, placement, reason=EndReason.SYK)
    assert response.status_code == 400
    assert "endret av noen andre" in response.content.decode()
    assert Placement.objects.get(pk=placement.pk).status == PlacementStatus.TILDELT


def test_a_county_leader_reads_the_list_but_records_nothing(personas, client):
    placement = given_place(personas)
    client.force_login(personas.county_leader_x)
    response = client.get(LIST)
    assert [row.may_act for row in response.context["rows"]] == [False]
    assert "Registrer ikke startet" not in response.content.decode()
    refused = not_started(client, personas.county_leader_x, placement, reason=EndReason.SYK)
    assert refused.status_code == 404


@pytest.mark.parametrize("who", ["intake_y", "caseworker_a", "provider_user_p", "nobody"])
def test_others_have_no_such_page(personas, client, who):
    placement = given_place(personas)
    client.force_login(getattr(personas, who))
    if who == "intake_y":
        assert client.get(LIST).context["rows"] == []
    else:
        assert client.get(LIST).status_code == 404
    assert not_started(client, getattr(personas, who), placement, reason="SYK").status_code == 404


def test_a_protected_person_is_masked_in_the_list(personas, client):
    given_place(personas, protection_level=ProtectionLevel.FORTROLIG, first_name="Hemmelig")
    client.force_login(personas.intake_x)
    body = client.get(LIST).content.decode()
    assert "Adressebeskyttet" in body and "Hemmelig" not in body


def test_the_list_costs_the_same_queries_for_3_and_30_places(
    personas, client, django_assert_max_num_queries
):
    offering = OfferingFactory.create(
        provider=personas.provider_p, contracted_places=30, free_places=30
    )
    for _ in range(3):
        given_place(personas, offering)
    client.force_login(personas.intake_x)
    with django_assert_max_num_queries(13) as few:
        client.get(LIST)
    for _ in range(27):
        given_place(personas, offering)
    with django_assert_max_num_queries(13) as many:
        client.get(LIST)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_api_records_not_started(personas):
    placement = given_place(personas)
    client = api_client(personas.intake_x)
    url = reverse("api-placement-not-started", args=[placement.pk])

    response = client.post(url, {"version": placement.version, "reason": "SYK"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["end_reason"], body["referral_status"]) == (
        "IKKE_STARTET",
        "SYK",
        "VENTELISTE",
    )
    again = client.post(url, {"version": body["version"], "reason": "SYK"}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "ILLEGAL_TRANSITION")
    hidden = api_client(personas.intake_y).post(
        url, {"version": body["version"], "reason": "SYK"}, format="json"
    )
    assert hidden.status_code == 404
