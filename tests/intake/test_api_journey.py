"""The whole way from a new person to a place in line, over the API only: what a caseworker's
system and the intake team's tools would do."""

import datetime

import pytest
from django.utils import timezone

from intake.models import Referral, ReferralStatus
from tests.factories import make_fodselsnummer
from tests.intake.api_support import ELEVEN_DIGITS, GOOD_JUSTIFICATION, api_client

pytestmark = pytest.mark.django_db


def test_a_person_goes_from_registration_to_the_waitlist_through_a_return(personas):
    caseworker = api_client(personas.caseworker_a)
    intake = api_client(personas.intake_x)
    fodselsnummer = make_fodselsnummer(datetime.date(1988, 11, 2))
    today = timezone.localdate()
    person_payload = {
        "first_name": "Ola",
        "last_name": "Nordmann",
        "home_municipality_id": "5001",
        "office_id": personas.office_a.pk,
    }

    # A mistyped fødselsnummer is refused; the right one registers the person.
    typo = caseworker.post("/api/persons/", {**person_payload, "fodselsnummer": "02118812345"})
    assert typo.status_code == 400
    assert typo.json()["code"] == "INVALID_FODSELSNUMMER"
    created = caseworker.post("/api/persons/", {**person_payload, "fodselsnummer": fodselsnummer})
    assert created.status_code == 201, created.json()
    person = created.json()

    # A draft with a thin justification fails the gate on every count, all at once.
    draft = caseworker.post(
        "/api/referrals/",
        {"person_id": person["id"], "programme_type": "ARBFORB", "justification_need": "Trenger"},
    )
    assert draft.status_code == 201, draft.json()
    referral = draft.json()
    assert referral["status"] == "KLADD" and referral["county"] == "50"
    refused = caseworker.post(
        f"/api/referrals/{referral['id']}/submit/", {"version": referral["version"]}
    )
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "GATE_FAILED"
    assert [f["code"] for f in body["failures"]] == [
        "CV_MANGLER",
        "AEV_MANGLER",
        "AKTIVITETSPLAN_MANGLER",
        "BEGRUNNELSE_MANGELFULL",
        "FEIL_INNSATSGRUPPE",
    ]
    assert all(f["message"] for f in body["failures"])
    assert [f["code"] for f in body["fields"]["gate"]] == [f["code"] for f in body["failures"]]

    # The caseworker fixes each one, and the checklist agrees.
    person_id = person["id"]
    assert (
        caseworker.patch(
            f"/api/persons/{person_id}/",
            {"version": person["version"], "need_group": "SPESIELT_TILPASSET_INNSATS"},
        ).status_code
        == 200
    )
    docs = f"/api/persons/{person_id}/documents/"
    assert caseworker.put(f"{docs}cv/", {"last_updated": str(today)}).status_code == 200
    assert (
        caseworker.post(
            f"{docs}assessments/",
            {
                "assessed_on": str(today),
                "reduced_capacity": True,
                "need_group": "SPESIELT_TILPASSET_INNSATS",
            },
        ).status_code
        == 201
    )
    assert (
        caseworker.put(
            f"{docs}activity-plan/",
            {"goal": "Lagerarbeid", "approved": True, "last_updated": str(today)},
        ).status_code
        == 200
    )
    updated = caseworker.patch(
        f"/api/referrals/{referral['id']}/", {"version": referral["version"], **GOOD_JUSTIFICATION}
    )
    assert updated.status_code == 200, updated.json()
    gate = caseworker.get(f"/api/referrals/{referral['id']}/gate/").json()
    assert gate == {"passed": True, "failures": []}

    submitted = caseworker.post(
        f"/api/referrals/{referral['id']}/submit/", {"version": updated.json()["version"]}
    )
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "SOKT_INN"

    # The intake team returns it with a reason; the caseworker reads why and resubmits.
    returned = intake.post(
        f"/api/referrals/{referral['id']}/return/",
        {
            "version": submitted.json()["version"],
            "reasons": ["BEGRUNNELSE_MANGELFULL"],
            "comment": "Skriv mer om hvorfor ordinært tiltak ikke passer.",
        },
    )
    assert returned.status_code == 200, returned.json()
    assert returned.json()["status"] == "RETURNERT"
    history = caseworker.get(f"/api/referrals/{referral['id']}/history/").json()
    assert history[-1]["kind"] == "RETURNERT"
    assert history[-1]["reasons"] == ["BEGRUNNELSE_MANGELFULL"]
    assert history[-1]["actor_county"] == "50"
    fixed = caseworker.patch(
        f"/api/referrals/{referral['id']}/",
        {
            "version": returned.json()["version"],
            "justification_why_not_ordinary": GOOD_JUSTIFICATION["justification_why_not_ordinary"]
            + " Arbeidsgiverne trengte mer støtte enn de kunne gi.",
        },
    )
    assert fixed.status_code == 200, fixed.json()
    assert fixed.json()["justification_need"] == GOOD_JUSTIFICATION["justification_need"]
    resubmitted = caseworker.post(
        f"/api/referrals/{referral['id']}/submit/", {"version": fixed.json()["version"]}
    )
    assert resubmitted.status_code == 200, resubmitted.json()

    # The intake team approves; the caseworker sees the place in line and the expected wait.
    approved = intake.post(
        f"/api/referrals/{referral['id']}/approve/", {"version": resubmitted.json()["version"]}
    )
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "VENTELISTE"
    seen = caseworker.get(f"/api/referrals/{referral['id']}/").json()
    assert seen["position"] == 1
    assert seen["expected_wait"]["position"] == 1
    assert seen["expected_wait"]["weeks"] is None  # nobody has left this list yet
    assert "12 ukene" in seen["expected_wait"]["basis"]
    waitlist = intake.get("/api/waitlists/50/ARBFORB/").json()
    assert [(e["position"], e["referral_id"]) for e in waitlist["results"]] == [(1, referral["id"])]

    kinds = [e["kind"] for e in caseworker.get(f"/api/referrals/{referral['id']}/history/").json()]
    assert kinds == [
        "OPPRETTET",
        "ENDRET",
        "SOKT_INN",
        "RETURNERT",
        "ENDRET",
        "SOKT_INN",
        "GODKJENT",
    ]
    assert Referral.objects.get().status == ReferralStatus.VENTELISTE
    # Persons and referrals were named by id in every URL, never by the fødselsnummer.
    for url in caseworker.urls + intake.urls:
        assert fodselsnummer not in url
        assert not ELEVEN_DIGITS.search(url), url
