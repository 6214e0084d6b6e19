"""The referrals API: drafts, the gate, the intake team's decisions, scoping and versions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.models import EventKind, Referral, ReferralEvent, ReferralStatus
from org.models import CountyMembership, CountyRole, OfficeMembership, OfficeRole
from org.vocabulary import ProtectionLevel
from providers.models import ProgrammeType
from tests.factories import PersonFactory, ReferralFactory, UserFactory
from tests.intake.api_support import GOOD_JUSTIFICATION, api_client, documented_person

pytestmark = pytest.mark.django_db

S = ReferralStatus


def url(referral, action=""):
    return f"/api/referrals/{referral.pk}/{action}"


@pytest.fixture
def draft(personas):
    """A draft of caseworker_a's that passes the gate."""
    person = documented_person(office=personas.office_a, caseworker=personas.caseworker_a)
    return ReferralFactory.create(
        person=person,
        created_by=personas.caseworker_a,
        status=S.KLADD,
        submitted_at=None,
        waitlisted_at=None,
        queue_since=None,
        **GOOD_JUSTIFICATION,
    )


@pytest.fixture
def submitted(personas, draft):
    response = api_client(personas.caseworker_a).post(url(draft, "submit/"), {"version": 1})
    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    return draft


def test_caseworker_starts_a_draft_for_a_person_of_their_office(personas):
    person = PersonFactory.create(office=personas.office_a)

    response = api_client(personas.caseworker_a).post(
        "/api/referrals/",
        {"person_id": person.pk, "programme_type": "ARBFORB", **GOOD_JUSTIFICATION},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "KLADD"
    assert body["programme_type"] == "ARBFORB"
    assert body["person"]["id"] == person.pk
    assert body["justification_goal"] == GOOD_JUSTIFICATION["justification_goal"]
    assert body["position"] is None and body["expected_wait"] is None
    assert Referral.objects.get().events.get().kind == EventKind.OPPRETTET


def test_a_second_open_referral_for_the_same_programme_type_is_refused(personas, draft):
    response = api_client(personas.caseworker_a).post(
        "/api/referrals/", {"person_id": draft.person_id, "programme_type": "ARBFORB"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "ALLEREDE_AKTIV"
    assert Referral.objects.count() == 1


def test_a_programme_type_without_a_waitlist_or_unknown_is_refused_per_field(personas):
    ProgrammeType.objects.filter(code="JOBBK").update(has_waitlist=False)
    person = PersonFactory.create(office=personas.office_a)
    client = api_client(personas.caseworker_a)

    for code in ("JOBBK", "FINNESIKKE"):
        response = client.post("/api/referrals/", {"person_id": person.pk, "programme_type": code})
        assert response.status_code == 400
        assert response.json()["fields"]["programme_type"][0]["code"] == "does_not_exist"


def test_a_referral_for_another_offices_person_answers_like_a_missing_person(personas):
    person_a = PersonFactory.create(office=personas.office_a)
    client = api_client(personas.caseworker_b)

    out_of_scope = client.post(
        "/api/referrals/", {"person_id": person_a.pk, "programme_type": "ARBFORB"}
    )
    absent = client.post(
        "/api/referrals/", {"person_id": person_a.pk + 1000, "programme_type": "ARBFORB"}
    )

    assert out_of_scope.status_code == absent.status_code == 404
    assert out_of_scope.json() == absent.json()
    assert not Referral.objects.exists()


def test_the_gate_lists_every_failure_with_code_and_sentence(personas):
    person = PersonFactory.create(office=personas.office_a, need_group="STANDARD_INNSATS")
    referral = ReferralFactory.create(person=person, status=S.KLADD)

    gate = api_client(personas.caseworker_a).get(url(referral, "gate/")).json()

    assert gate["passed"] is False
    assert {f["code"] for f in gate["failures"]} == {
        "CV_MANGLER",
        "AEV_MANGLER",
        "AKTIVITETSPLAN_MANGLER",
        "BEGRUNNELSE_MANGELFULL",
        "FEIL_INNSATSGRUPPE",
    }
    assert all(len(f["message"]) > 20 for f in gate["failures"])


def test_a_double_clicked_submit_submits_once(personas, draft):
    client = api_client(personas.caseworker_a)

    first = client.post(url(draft, "submit/"), {"version": 1})
    second = client.post(url(draft, "submit/"), {"version": 1})

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["code"] == "STALE"
    assert ReferralEvent.objects.filter(referral=draft, kind=EventKind.SOKT_INN).count() == 1


def test_a_justification_changed_meanwhile_is_refused_and_keeps_the_other_text(personas, draft):
    client = api_client(personas.caseworker_a)
    assert (
        client.patch(url(draft), {"version": 1, "justification_goal": "x" * 50}).status_code == 200
    )

    stale = client.patch(url(draft), {"version": 1, "justification_goal": "y" * 50})

    assert stale.status_code == 409
    assert stale.json()["code"] == "STALE"
    draft.refresh_from_db()
    assert draft.justification_goal == "x" * 50
    assert draft.version == 2


def test_intake_team_approves_and_the_referral_gets_its_place(personas, submitted):
    earlier = ReferralFactory.create(
        person=PersonFactory.create(office=personas.office_b),
        programme_type=submitted.programme_type,
    )

    response = api_client(personas.intake_x).post(
        url(submitted, "approve/"), {"version": submitted.version}
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "VENTELISTE"
    assert body["position"] == 2  # behind the one approved earlier
    assert body["expected_wait"]["position"] == 2
    assert earlier.pk != body["id"]


def test_intake_team_returns_with_reasons_from_the_list_only(personas, submitted):
    client = api_client(personas.intake_x)

    unknown = client.post(
        url(submitted, "return/"), {"version": submitted.version, "reasons": ["LATSKAP"]}
    )
    without = client.post(url(submitted, "return/"), {"version": submitted.version, "reasons": []})

    assert unknown.status_code == 400
    assert unknown.json()["fields"]["reasons.0"][0]["code"] == "invalid_choice"
    assert without.status_code == 400
    assert without.json()["code"] == "REASON_REQUIRED"
    submitted.refresh_from_db()
    assert submitted.status == S.SOKT_INN


def test_intake_team_declines_with_a_reason(personas, submitted):
    response = api_client(personas.intake_x).post(
        url(submitted, "decline/"), {"version": submitted.version, "reason": "FIKK_IKKE_PLASS"}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "IKKE_AKTUELL"
    assert response.json()["closed_reason"] == "FIKK_IKKE_PLASS"


def test_caseworker_withdraws_a_draft_and_needs_a_reason_for_a_waiting_referral(personas, draft):
    client = api_client(personas.caseworker_a)
    waiting = ReferralFactory.create(
        person=PersonFactory.create(office=personas.office_a), status=S.VENTELISTE
    )

    cancelled = client.post(url(draft, "withdraw/"), {"version": 1})
    no_reason = client.post(url(waiting, "withdraw/"), {"version": 1})
    with_reason = client.post(url(waiting, "withdraw/"), {"version": 1, "reason": "FATT_JOBB"})

    assert cancelled.json()["status"] == "AVBRUTT_UTKAST"
    assert no_reason.status_code == 400
    assert no_reason.json()["code"] == "REASON_REQUIRED"
    assert with_reason.status_code == 200
    assert with_reason.json()["status"] == "IKKE_AKTUELL"


def test_a_caseworker_may_read_but_not_approve(personas, submitted):
    response = api_client(personas.caseworker_a).post(
        url(submitted, "approve/"), {"version": submitted.version}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"


def test_the_same_person_may_not_submit_and_approve(personas, draft):
    both = UserFactory.create(username="both_roles")
    OfficeMembership.objects.create(user=both, office=personas.office_a, role=OfficeRole.VEILEDER)
    CountyMembership.objects.create(
        user=both, county=personas.county_x, role=CountyRole.INNTAKSTEAM
    )
    client = api_client(both)
    submitted = client.post(url(draft, "submit/"), {"version": 1}).json()

    response = client.post(url(draft, "approve/"), {"version": submitted["version"]})

    assert response.status_code == 400
    assert response.json()["code"] == "FOUR_EYES"


def test_out_of_scope_referrals_answer_exactly_like_missing_ones(personas, submitted):
    missing = submitted.pk + 1000
    paths = ["", "gate/", "history/"]
    for who in ("caseworker_b", "intake_y", "provider_user_p", "nobody"):
        client = api_client(getattr(personas, who))
        for path in paths:
            out_of_scope = client.get(f"/api/referrals/{submitted.pk}/{path}")
            absent = client.get(f"/api/referrals/{missing}/{path}")
            assert out_of_scope.status_code == absent.status_code == 404, (who, path)
            assert out_of_scope.json() == absent.json()
        actions: list[tuple[str, dict[str, object]]] = [
            ("approve/", {}),
            ("return/", {"reasons": ["ANNET"], "comment": "Nei"}),
            ("decline/", {"reason": "SYK"}),
            ("withdraw/", {"reason": "SYK"}),
            ("submit/", {}),
        ]
        for action, extra in actions:
            response = client.post(url(submitted, action), {"version": submitted.version, **extra})
            assert response.status_code == 404, (who, action)
        assert client.patch(url(submitted), {"version": submitted.version}).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == S.SOKT_INN


@pytest.mark.parametrize("who", ["provider_user_p", "nobody", "intake_y"])
def test_users_with_nothing_in_scope_list_no_referrals(personas, who):
    ReferralFactory.create(person=PersonFactory.create(office=personas.office_a))

    response = api_client(getattr(personas, who)).get("/api/referrals/")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_intake_team_sees_its_county_but_not_drafts(personas, draft, submitted):
    oslo = ReferralFactory.create(
        person=PersonFactory.create(office=personas.office_y, home_municipality_id="0301")
    )
    other_draft = ReferralFactory.create(
        person=PersonFactory.create(office=personas.office_b), status=S.KLADD
    )

    rows = api_client(personas.intake_x).get("/api/referrals/").json()["results"]

    ids = {row["id"] for row in rows}
    assert submitted.pk in ids
    assert oslo.pk not in ids and other_draft.pk not in ids


def test_the_list_filters_by_status_programme_type_and_county(personas):
    aft = ReferralFactory.create(person=PersonFactory.create(office=personas.office_a))
    vta = ReferralFactory.create(
        person=PersonFactory.create(office=personas.office_a, need_group="VARIG_TILPASSET_INNSATS"),
        programme_type=ProgrammeType.objects.get(code="VASV"),
        status=S.SOKT_INN,
    )
    client = api_client(personas.county_leader_x)

    def ids(query):
        response = client.get("/api/referrals/", query)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids({}) == {aft.pk, vta.pk}
    assert ids({"status": "SOKT_INN"}) == {vta.pk}
    assert ids({"programme_type": "ARBFORB"}) == {aft.pk}
    assert ids({"county": "50"}) == {aft.pk, vta.pk}
    assert ids({"county": "03"}) == set()
    assert client.get("/api/referrals/", {"status": "VENTER"}).status_code == 400


def test_a_protected_person_is_masked_in_referrals(personas):
    person = PersonFactory.create(
        office=personas.office_a, protection_level=ProtectionLevel.FORTROLIG
    )
    referral = ReferralFactory.create(person=person)

    row = api_client(personas.intake_x).get("/api/referrals/").json()["results"][0]
    detail = api_client(personas.intake_x).get(url(referral)).json()

    assert row["person"] == {
        "id": person.pk,
        "first_name": None,
        "last_name": None,
        "protected": True,
        "masked": True,
    }
    assert detail["person"]["first_name"] is None


def test_the_list_costs_the_same_queries_for_5_and_50_referrals(
    personas, django_assert_max_num_queries
):
    client = api_client(personas.intake_x)
    ReferralFactory.create_batch(5, person__office=personas.office_a)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get("/api/referrals/").json()["results"]) == 5
    ReferralFactory.create_batch(45, person__office=personas.office_b)

    with django_assert_max_num_queries(len(five)) as fifty:
        assert len(client.get("/api/referrals/").json()["results"]) == 50

    assert len(fifty) == len(five)
