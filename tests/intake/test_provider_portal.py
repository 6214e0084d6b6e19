"""The provider portal's participant pages: the people given a place at the provider's
offerings, with the minimum a provider may know, and the start / end / not-started actions
that move the offering's counters and the referral's status."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.models import EndReason, Outcome, PlacementStatus, ReferralStatus
from intake.services.placements import placement_end, placement_start
from org.vocabulary import ProtectionLevel
from tests.providers.support import offering_with_free_places, placed, waiting_referral

pytestmark = pytest.mark.django_db

LIST = "/deltakere/"
TODAY = timezone.localdate


def days_ago(n):
    return TODAY() - datetime.timedelta(days=n)


@pytest.fixture
def offering(personas):
    return offering_with_free_places(
        personas.provider_p, personas.provider_user_p, contracted=10, free=5, name="AFT Prima"
    )


def counters(offering):
    offering.refresh_from_db()
    return offering.free_places, offering.places_assigned, offering.places_occupied


def listed(client, status="TILDELT"):
    return [row.placement.pk for row in client.get(LIST, {"status": status}).context["rows"]]


def test_the_portal_shows_the_providers_own_participants_only(client, personas, offering):
    waiting = placed(offering, personas.intake_x)
    started = placed(offering, personas.intake_x)
    placement_start(actor=personas.provider_user_p, placement_id=started.pk, started_on=TODAY())
    ended = placed(offering, personas.intake_x)
    placement_start(actor=personas.provider_user_p, placement_id=ended.pk, started_on=days_ago(60))
    placement_end(
        actor=personas.provider_user_p,
        placement_id=ended.pk,
        ended_on=days_ago(10),
        reason=EndReason.FATT_JOBB,
        outcome=Outcome.ARBEID,
    )
    long_gone = placed(offering, personas.intake_x)
    placement_start(
        actor=personas.provider_user_p, placement_id=long_gone.pk, started_on=days_ago(90)
    )
    placement_end(
        actor=personas.provider_user_p,
        placement_id=long_gone.pk,
        ended_on=days_ago(41),
        reason=EndReason.FATT_JOBB,
        outcome=Outcome.ARBEID,
    )
    theirs = offering_with_free_places(personas.provider_q, personas.provider_user_q, free=1)
    elsewhere = placed(theirs, personas.intake_x)
    still_waiting = waiting_referral(first_name="Venter", last_name="Fortsatt")

    client.force_login(personas.provider_user_p)
    assert listed(client, "TILDELT") == [waiting.pk]
    assert listed(client, "DELTAR") == [started.pk]
    assert listed(client, "AVSLUTTET") == [ended.pk]
    page = client.get(LIST).content.decode()
    assert still_waiting.person.last_name not in page
    assert elsewhere.referral.person.last_name not in page

    client.force_login(personas.provider_user_q)
    assert listed(client, "TILDELT") == [elsewhere.pk]
    for status in ("DELTAR", "AVSLUTTET"):
        assert listed(client, status) == []


def test_a_row_shows_name_office_dates_and_needs_but_never_the_fodselsnummer(
    client, personas, offering
):
    referral = waiting_referral(
        first_name="Ola",
        last_name="Nordmann",
        needs=["RUS", "SPRAK"],
    )
    referral.justification_need = "Trenger tett oppfølging de første ukene."
    referral.save()
    placement = placed(offering, personas.intake_x, referral=referral)
    client.force_login(personas.provider_user_p)

    page = client.get(LIST).content.decode()

    assert "Ola Nordmann" in page
    assert "Nav Midtbyen" in page
    assert placement.planned_start is not None
    assert placement.planned_start.strftime("%d.%m.%Y") in page
    assert "Trenger tett oppfølging de første ukene." in page
    assert "Rus" in page
    assert "Språkstøtte" in page
    assert referral.person.fodselsnummer not in page


@pytest.mark.parametrize(
    "level",
    [ProtectionLevel.STRENGT_FORTROLIG, ProtectionLevel.FORTROLIG, ProtectionLevel.SKJERMET],
)
def test_a_protected_person_is_masked_whatever_the_users_clearance(
    client, personas, offering, level
):
    personas.provider_user_p.may_see_strengt_fortrolig = True
    personas.provider_user_p.may_see_fortrolig = True
    personas.provider_user_p.may_see_skjermet = True
    personas.provider_user_p.save()
    referral = waiting_referral(
        first_name="Skjult", last_name="Personsen", needs=["PSYKISK_HELSE"], protection_level=level
    )
    referral.justification_need = "Et behov som kan si noe om personen."
    referral.save()
    placed(offering, personas.intake_x, referral=referral)
    client.force_login(personas.provider_user_p)

    page = client.get(LIST).content.decode()

    assert "Adressebeskyttet" in page
    for identifying in ("Skjult", "Personsen", "Nav Midtbyen", "Psykisk helse", "Et behov som"):
        assert identifying not in page
    assert referral.person.fodselsnummer not in page


def test_confirming_a_start_moves_the_counters_and_the_referral(client, personas, offering):
    placement = placed(offering, personas.intake_x)
    assert counters(offering) == (4, 1, 0)
    client.force_login(personas.provider_user_p)

    response = client.post(
        f"{LIST}{placement.pk}/oppstart/",
        {"started_on": TODAY().isoformat(), "version": placement.version},
    )

    assert response.status_code == 302
    assert counters(offering) == (4, 0, 1)
    placement.refresh_from_db()
    assert (placement.status, placement.started_on) == (PlacementStatus.DELTAR, TODAY())
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.DELTAR


def test_ending_a_participation_moves_the_counters_and_the_referral(client, personas, offering):
    placement = placed(offering, personas.intake_x)
    placement = placement_start(
        actor=personas.provider_user_p, placement_id=placement.pk, started_on=days_ago(30)
    )
    client.force_login(personas.provider_user_p)

    response = client.post(
        f"{LIST}{placement.pk}/avslutt/",
        {
            "ended_on": TODAY().isoformat(),
            "reason": EndReason.FATT_JOBB,
            "outcome": Outcome.ARBEID,
            "version": placement.version,
        },
    )

    assert response.status_code == 302
    assert counters(offering) == (4, 0, 0)
    placement.refresh_from_db()
    assert (placement.status, placement.end_reason, placement.outcome) == (
        PlacementStatus.AVSLUTTET,
        EndReason.FATT_JOBB,
        Outcome.ARBEID,
    )
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.HAR_SLUTTET


def test_not_started_sends_the_person_back_to_the_waitlist_keeping_their_place(
    client, personas, offering
):
    referral = waiting_referral(days=200)
    queue_since = referral.queue_since
    placement = placed(offering, personas.intake_x, referral=referral)
    client.force_login(personas.provider_user_p)

    response = client.post(
        f"{LIST}{placement.pk}/ikke-startet/",
        {"reason": EndReason.SYK, "comment": "", "version": placement.version},
        follow=True,
    )

    assert "tilbake på inntaksteamets venteliste og beholder plassen sin i køen" in (
        response.content.decode()
    )
    assert counters(offering) == (5, 0, 0)
    referral.refresh_from_db()
    assert (referral.status, referral.queue_since) == (ReferralStatus.VENTELISTE, queue_since)


def test_not_started_for_the_persons_own_reason_closes_the_referral(client, personas, offering):
    placement = placed(offering, personas.intake_x)
    client.force_login(personas.provider_user_p)

    client.post(
        f"{LIST}{placement.pk}/ikke-startet/",
        {"reason": EndReason.IKKE_MOTT, "version": placement.version},
    )

    assert counters(offering) == (5, 0, 0)
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.IKKE_AKTUELL


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"reason": EndReason.ANNET, "comment": ""}, "comment", "Skriv en kommentar"),
        (
            {"reason": EndReason.SYK, "comment": "Brukket beinet"},
            "comment",
            "Skriv bare en kommentar når årsaken er «Annet».",
        ),
        ({"reason": ""}, "reason", "Velg en årsak."),
    ],
)
def test_a_not_started_report_needs_a_reason_and_a_comment_only_with_annet(
    client, personas, offering, values, field, message
):
    placement = placed(offering, personas.intake_x)
    client.force_login(personas.provider_user_p)

    response = client.post(
        f"{LIST}{placement.pk}/ikke-startet/", {**values, "version": placement.version}
    )

    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert counters(offering) == (4, 1, 0)


def test_a_stale_form_is_refused_with_a_clear_message(client, personas, offering):
    placement = placed(offering, personas.intake_x)
    client.force_login(personas.provider_user_p)
    shown_version = placement.version
    placement_start(  # a colleague, meanwhile
        actor=personas.provider_user_p, placement_id=placement.pk, started_on=TODAY()
    )

    response = client.post(
        f"{LIST}{placement.pk}/ikke-startet/",
        {"reason": EndReason.SYK, "version": shown_version},
    )

    assert response.status_code == 400
    assert "Plassen er endret av noen andre etter at du åpnet siden." in (response.content.decode())
    assert counters(offering) == (4, 0, 1)


def test_another_providers_participant_is_not_found(client, personas, offering):
    placement = placed(offering, personas.intake_x)
    client.force_login(personas.provider_user_q)

    for action, data in (
        ("oppstart", {"started_on": TODAY().isoformat()}),
        ("avslutt", {"ended_on": TODAY().isoformat(), "reason": "SYK", "outcome": "HELSE"}),
        ("ikke-startet", {"reason": EndReason.SYK}),
    ):
        response = client.post(f"{LIST}{placement.pk}/{action}/", {**data, "version": 1})
        assert response.status_code == 404, action
    assert counters(offering) == (4, 1, 0)


def test_the_portal_is_for_providers_only(client, personas):
    client.force_login(personas.intake_x)

    assert client.get(LIST).status_code == 404


def test_with_htmx_a_refusal_comes_back_as_the_form_and_success_as_a_redirect(
    client, personas, offering
):
    placement = placed(offering, personas.intake_x)
    client.force_login(personas.provider_user_p)
    url = f"{LIST}{placement.pk}/oppstart/"

    refused = client.post(
        url,
        {"started_on": (TODAY() + datetime.timedelta(days=5)).isoformat(), "version": 1},
        headers={"HX-Request": "true"},
    )
    started = client.post(
        url, {"started_on": TODAY().isoformat(), "version": 1}, headers={"HX-Request": "true"}
    )

    assert refused.content.decode().startswith("<form")
    assert "Datoen kan ikke være fram i tid." in refused.content.decode()
    assert started["HX-Redirect"] == f"{LIST}?status=TILDELT"
    assert counters(offering) == (4, 0, 1)


def test_the_participant_list_costs_the_same_for_5_and_30_rows(client, personas):
    offering = offering_with_free_places(
        personas.provider_p, personas.provider_user_p, contracted=40, free=30
    )
    client.force_login(personas.provider_user_p)

    def cost():
        with CaptureQueriesContext(connection) as queries:
            rows = len(client.get(LIST).context["rows"])
        return rows, len(queries)

    for _n in range(5):
        placed(offering, personas.intake_x, needs=["RUS"])
    five, few = cost()
    for _n in range(25):
        placed(offering, personas.intake_x, needs=["RUS"])
    thirty, many = cost()

    assert (five, thirty) == (5, 30)
    assert many == few
