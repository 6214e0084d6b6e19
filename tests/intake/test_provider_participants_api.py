"""The provider API's participants: the same people and actions as the portal pages, for the
key's own provider only."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.models import EndReason, Outcome, ReferralStatus
from intake.services.placements import placement_start
from org.vocabulary import ProtectionLevel
from tests.providers.support import (
    offering_with_free_places,
    placed,
    provider_client,
    waiting_referral,
)

pytestmark = pytest.mark.django_db

LIST = "/api/provider/participants/"
TODAY = timezone.localdate


@pytest.fixture
def offering(personas):
    return offering_with_free_places(
        personas.provider_p, personas.provider_user_p, contracted=10, free=5
    )


@pytest.fixture
def api(personas):
    client, _token = provider_client(personas.provider_user_p, personas.provider_p)
    return client


def counters(offering):
    offering.refresh_from_db()
    return offering.free_places, offering.places_assigned, offering.places_occupied


def test_the_list_has_the_providers_participants_with_minimal_data(api, personas, offering):
    referral = waiting_referral(first_name="Ola", last_name="Nordmann", needs=["RUS"])
    referral.justification_need = "Trenger tett oppfølging."
    referral.save()
    mine = placed(offering, personas.intake_x, referral=referral)
    theirs = offering_with_free_places(personas.provider_q, personas.provider_user_q, free=1)
    placed(theirs, personas.intake_x)

    response = api.get(LIST)

    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["id"], row["status"], row["version"]) == (mine.pk, "TILDELT", 1)
    assert row["offering"] == {"id": offering.pk, "name": offering.name}
    assert row["person"] == {
        "protected": False,
        "name": "Ola Nordmann",
        "office_name": "Nav Midtbyen",
        "needs": ["RUS"],
        "justification_need": "Trenger tett oppfølging.",
    }
    assert referral.person.fodselsnummer not in response.content.decode()


def test_a_protected_person_comes_with_nothing_identifying(api, personas, offering):
    referral = waiting_referral(
        first_name="Skjult", protection_level=ProtectionLevel.STRENGT_FORTROLIG, needs=["RUS"]
    )
    placed(offering, personas.intake_x, referral=referral)

    row = api.get(LIST).json()["results"][0]

    assert row["person"] == {
        "protected": True,
        "name": None,
        "office_name": None,
        "needs": [],
        "justification_need": None,
    }


def test_start_end_and_not_started_work_through_the_api(api, personas, offering):
    starter = placed(offering, personas.intake_x)
    no_show = placed(offering, personas.intake_x)
    assert counters(offering) == (3, 2, 0)

    started = api.post(
        f"{LIST}{starter.pk}/start/", {"started_on": TODAY().isoformat(), "version": 1}
    )
    assert started.status_code == 200
    assert (started.json()["status"], started.json()["version"]) == ("DELTAR", 2)
    assert counters(offering) == (3, 1, 1)

    ended = api.post(
        f"{LIST}{starter.pk}/end/",
        {
            "ended_on": TODAY().isoformat(),
            "reason": EndReason.UTDANNING,
            "outcome": Outcome.UTDANNING,
            "version": 2,
        },
    )
    assert ended.status_code == 200
    assert ended.json()["status"] == "AVSLUTTET"
    assert counters(offering) == (3, 1, 0)
    starter.referral.refresh_from_db()
    assert starter.referral.status == ReferralStatus.HAR_SLUTTET

    queue_since = no_show.referral.queue_since
    declined = api.post(
        f"{LIST}{no_show.pk}/not-started/",
        {"reason": EndReason.ANNET, "comment": "Tiltaket stengt en uke", "version": 1},
    )
    assert declined.status_code == 200
    assert counters(offering) == (4, 0, 0)
    no_show.referral.refresh_from_db()
    assert (no_show.referral.status, no_show.referral.queue_since) == (
        ReferralStatus.VENTELISTE,
        queue_since,
    )


def test_not_started_for_the_persons_own_reason_closes_the_referral(api, personas, offering):
    placement = placed(offering, personas.intake_x)

    api.post(f"{LIST}{placement.pk}/not-started/", {"reason": "FATT_JOBB", "version": 1})

    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.IKKE_AKTUELL


@pytest.mark.parametrize(
    ("action", "payload", "field", "code"),
    [
        ("start", {"started_on": "i går", "version": 1}, "started_on", "invalid"),
        ("start", {"started_on": "TODAY"}, "version", "required"),
        ("start", {"started_on": "TODAY", "version": 1, "extra": 1}, "extra", "unknown"),
        ("not-started", {"reason": "BORTE", "version": 1}, "reason", "invalid_choice"),
        (
            "not-started",
            {"reason": "SYK", "comment": "x", "version": 1},
            "comment",
            "only_with_annet",
        ),
        ("not-started", {"reason": "ANNET", "version": 1}, "comment", "COMMENT_REQUIRED"),
    ],
)
def test_bad_input_is_refused_per_field(api, personas, offering, action, payload, field, code):
    placement = placed(offering, personas.intake_x)
    payload = {k: TODAY().isoformat() if v == "TODAY" else v for k, v in payload.items()}

    response = api.post(f"{LIST}{placement.pk}/{action}/", payload)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["fields"][field]] == [code]
    assert counters(offering) == (4, 1, 0)


def test_a_stale_version_is_409(api, personas, offering):
    placement = placed(offering, personas.intake_x)
    placement_start(actor=personas.provider_user_p, placement_id=placement.pk, started_on=TODAY())

    response = api.post(
        f"{LIST}{placement.pk}/not-started/", {"reason": EndReason.SYK, "version": 1}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "STALE"


def test_another_providers_participant_is_not_found(personas, offering):
    placement = placed(offering, personas.intake_x)
    other, _token = provider_client(personas.provider_user_q, personas.provider_q)

    assert other.get(LIST).json()["count"] == 0
    response = other.post(
        f"{LIST}{placement.pk}/start/", {"started_on": TODAY().isoformat(), "version": 1}
    )
    assert response.status_code == 404
    assert counters(offering) == (4, 1, 0)


def test_a_key_sees_only_its_own_provider_even_if_its_maker_is_also_intake(personas, offering):
    """A key made by someone who is also on the county's intake team opens nothing beyond the
    key's own provider."""
    from org.models import CountyMembership, CountyRole

    CountyMembership.objects.create(
        user=personas.provider_user_q, county=personas.county_x, role=CountyRole.INNTAKSTEAM
    )
    placement = placed(offering, personas.intake_x)
    key_q, _token = provider_client(personas.provider_user_q, personas.provider_q)

    assert key_q.get(LIST).json()["count"] == 0
    assert key_q.get("/api/provider/offerings/").json()["count"] == 0
    response = key_q.post(
        f"{LIST}{placement.pk}/start/", {"started_on": TODAY().isoformat(), "version": 1}
    )
    assert response.status_code == 404


def test_the_list_filters_by_status(api, personas, offering):
    waiting = placed(offering, personas.intake_x)
    started = placed(offering, personas.intake_x)
    placement_start(
        actor=personas.provider_user_p,
        placement_id=started.pk,
        started_on=TODAY() - datetime.timedelta(days=3),
    )

    ids = {
        status: [r["id"] for r in api.get(LIST, {"status": status}).json()["results"]]
        for status in ("TILDELT", "DELTAR", "AVSLUTTET")
    }

    assert ids == {"TILDELT": [waiting.pk], "DELTAR": [started.pk], "AVSLUTTET": []}
    refused = api.get(LIST, {"status": "IKKE_STARTET"})
    assert refused.status_code == 400
    assert refused.json()["fields"]["status"][0]["code"] == "invalid_choice"


def test_the_participant_list_costs_the_same_for_5_and_30_rows(api, personas):
    offering = offering_with_free_places(
        personas.provider_p, personas.provider_user_p, contracted=40, free=30
    )

    def cost():
        with CaptureQueriesContext(connection) as queries:
            rows = len(api.get(LIST).json()["results"])
        return rows, len(queries)

    for _n in range(5):
        placed(offering, personas.intake_x)
    five, few = cost()
    for _n in range(25):
        placed(offering, personas.intake_x)
    thirty, many = cost()

    assert (five, thirty) == (5, 30)
    assert many == few
