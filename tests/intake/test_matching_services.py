"""Matching runs and decisions on proposals, through the services (DOMAIN.md section 7): the
hard constraints, the saved run and its report, repeats that change nothing, proposals kept
across runs, confirmation through the placement service and every stale refusal."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from config.celery import app as celery_app
from config.errors import ApplicationError
from intake.matching.problem import WhatIf, matching_problem
from intake.models import (
    CountyIntakeSettings,
    EventKind,
    MatchingRun,
    MatchingTrigger,
    MatchProposal,
    Placement,
    ProposalStatus,
    Referral,
    ReferralStatus,
    RejectReason,
)
from intake.services.matching import (
    matching_keys,
    matching_run,
    matching_what_if,
    proposal_confirm,
    proposal_reject,
    proposals_decide,
)
from intake.services.placements import placement_assign
from intake.services.referrals import referral_withdraw
from intake.tasks import matching_run_nightly, matching_run_task
from org.vocabulary import NeedGroup, ProtectionLevel
from providers.models import Offering, OfferingClosedPeriod
from providers.services import capacity_report
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory
from tests.intake.review_world import programme

pytestmark = pytest.mark.django_db

PS = ProposalStatus
AFT = "ARBFORB"


def waiting(personas, days: int = 100, **person) -> Referral:
    """Someone on Trøndelag's AFT list for `days` days, living in Trondheim unless told."""
    since = timezone.now() - datetime.timedelta(days=days)
    return ReferralFactory.create(
        person=PersonFactory.create(caseworker=personas.caseworker_a, **person),
        created_by=personas.caseworker_a,
        waitlisted_at=since,
        queue_since=since,
    )


def place(personas, free: int = 1, **fields) -> Offering:
    fields.setdefault("free_from", timezone.localdate())
    fields.setdefault("provider", personas.provider_p)
    return OfferingFactory.create(free_places=free, **fields)


def run(**kwargs):
    return matching_run(
        county_number="50",
        programme_type_id=programme(AFT).pk,
        trigger=kwargs.pop("trigger", MatchingTrigger.MANUELL),
        **kwargs,
    )


def open_proposals() -> list[MatchProposal]:
    return list(MatchProposal.objects.filter(status=PS.FORESLATT).order_by("position"))


def problem():
    return matching_problem(county_number="50", programme_type=programme(AFT))


# The problem: hard constraints


def test_protected_people_and_need_groups_not_admitted_are_left_out_and_counted(personas):
    ok = waiting(personas)
    waiting(personas, protection_level=ProtectionLevel.STRENGT_FORTROLIG)
    waiting(personas, protection_level=ProtectionLevel.SKJERMET)
    waiting(personas, need_group=NeedGroup.STANDARD_INNSATS)  # AFT is for adapted needs
    place(personas)

    built = problem()

    assert [p.id for p in built.people] == [f"r{ok.pk}"]
    assert built.waiting_total == 4
    assert built.left_out == {"protected": 2, "need_group": 1, "closed_offerings": 0}


def test_closed_offerings_and_full_ones_are_not_in_the_problem(personas):
    waiting(personas)
    open_one = place(personas, free=2)
    place(personas, free=2, open_for_intake=False)
    place(personas, free=0)
    closed = place(personas, free=2)
    OfferingClosedPeriod.objects.create(
        offering=closed,
        starts_on=timezone.localdate() - datetime.timedelta(days=1),
        ends_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    place(personas, free=2, programme_type=programme("VASV"))
    place(personas, free=2, municipality_id="0301")  # Oslo, another county

    built = problem()

    assert [o.id for o in built.offerings] == [f"o{open_one.pk}"]
    assert built.left_out["closed_offerings"] == 1


def test_distance_limit_is_the_county_default_unless_the_person_set_a_lower_one(personas):
    CountyIntakeSettings.objects.create(county_id="50", max_travel_km=100)
    default = waiting(personas)
    lower = waiting(personas, max_travel_km=20)
    higher = waiting(personas, max_travel_km=500)

    limits = {p.id: p.max_km for p in problem().people}

    assert limits == {f"r{default.pk}": 100, f"r{lower.pk}": 20, f"r{higher.pk}": 100}


def test_far_away_excluded_and_rejected_pairs_are_never_proposed(personas):
    in_steinkjer = waiting(personas, days=300, home_municipality_id="5006")  # 93 km away
    excluder = waiting(personas, days=200)
    excluder.person.excluded_providers.add(personas.provider_p)
    fine = waiting(personas, days=10)
    trondheim = place(personas, free=3)

    result = run()

    assert result.created
    assert [(p.referral_id, p.offering_id) for p in open_proposals()] == [(fine.pk, trondheim.pk)]
    report = result.run.report["exact"]
    assert (report["people_considered"], report["people_with_options"]) == (3, 1)
    assert in_steinkjer.pk not in {p.referral_id for p in open_proposals()}


def test_effective_wait_counts_the_priority_bonus(personas):
    referral = waiting(personas, days=50)
    Referral.objects.filter(pk=referral.pk).update(
        queue_since=timezone.now() - datetime.timedelta(days=140), priority_bonus_days=90
    )
    place(personas)

    (person,) = problem().people

    assert person.effective_wait_days == 140


def test_the_problem_is_read_with_a_fixed_number_of_queries(personas, django_assert_num_queries):
    for _ in range(3):
        waiting(personas)
    place(personas)
    with django_assert_num_queries(7):
        problem()
    for _ in range(30):
        waiting(personas).person.excluded_providers.add(personas.provider_q)
    place(personas)
    with django_assert_num_queries(7):
        problem()


# Runs


def test_a_run_proposes_the_longest_waiting_nearby_people_with_explanations(personas):
    long_wait = waiting(personas, days=400)
    middle = waiting(personas, days=200)
    short_wait = waiting(personas, days=20)
    offering = place(personas, free=2)

    result = run(actor=personas.intake_x)

    proposals = open_proposals()
    assert [(p.referral_id, p.offering_id) for p in proposals] == [
        (long_wait.pk, offering.pk),
        (middle.pk, offering.pk),
    ]
    assert sorted(p.slot for p in proposals) == [0, 1]
    first = proposals[0]
    assert (first.position, first.effective_wait_days, first.km, first.fit) == (1, 400, 0.0, 1.0)
    assert first.cost == pytest.approx(-400 - 10)
    # The next candidates: the other proposed person (placed here too) and the short waiter.
    assert [c["referral"] for c in first.candidates] == [middle.pk, short_wait.pk]
    assert first.candidates[0]["proposed_offering"] == offering.pk
    assert first.candidates[1]["proposed_offering"] is None
    saved = result.run
    assert saved.requested_by == personas.intake_x
    assert saved.weights == {"km": 2.0, "wait": 1.0, "fit": 10.0}
    for answer in ("exact", "greedy"):
        report = saved.report[answer]
        assert (report["people_waiting"], report["places_free"], report["placed"]) == (3, 2, 2)
        assert report["waiting_wait_max"] == 20
    assert saved.report["total_ms"] > 0


def test_a_repeat_with_the_same_inputs_changes_nothing(personas):
    waiting(personas)
    waiting(personas)
    place(personas, free=1)
    first = run()
    ids = [p.pk for p in open_proposals()]

    again = run(trigger=MatchingTrigger.NATTLIG)

    assert first.created and not again.created
    assert again.run == first.run
    assert MatchingRun.objects.count() == 1
    assert [p.pk for p in open_proposals()] == ids


def test_a_redelivered_task_finds_its_own_run(personas):
    waiting(personas)
    place(personas)
    first = run(task_id="task-1")
    waiting(personas, days=500)  # the data change, but this is the same task again

    again = run(task_id="task-1")

    assert again.run == first.run and not again.created
    assert MatchingRun.objects.count() == 1


def test_proposals_still_in_the_answer_keep_their_id_others_are_superseded(personas):
    stays = waiting(personas, days=300)
    bumped = waiting(personas, days=200)
    offering = place(personas, free=2)
    run()
    before = {p.referral_id: p.pk for p in open_proposals()}
    newcomer = waiting(personas, days=500)  # approved with a long wait behind them

    second = run()

    assert second.created
    now = {p.referral_id: p for p in open_proposals()}
    assert set(now) == {stays.pk, newcomer.pk}
    assert now[stays.pk].pk == before[stays.pk]
    assert now[stays.pk].run == second.run
    assert MatchProposal.objects.get(pk=before[bumped.pk]).status == PS.ERSTATTET
    assert {p.slot for p in now.values()} == {0, 1}
    assert {p.offering_id for p in now.values()} == {offering.pk}


def test_leaving_the_waitlist_makes_the_open_proposal_stale_at_once(personas):
    referral = waiting(personas)
    place(personas)
    run()
    (proposal,) = open_proposals()

    referral_withdraw(
        actor=personas.caseworker_a,
        referral_id=referral.pk,
        expected_version=None,
        reason="FATT_JOBB",
    )

    proposal.refresh_from_db()
    assert (proposal.status, proposal.reason) == (PS.UTDATERT, "NOT_WAITING")
    assert proposal.decided_by == personas.caseworker_a


def test_nothing_to_match_saves_no_run(personas):
    assert run().run is None
    assert MatchingRun.objects.count() == 0


def test_only_the_countys_intake_team_may_run_it(personas):
    waiting(personas)
    place(personas)
    for outsider in (personas.intake_y, personas.caseworker_a, personas.provider_user_p):
        with pytest.raises(ApplicationError) as refused:
            run(actor=outsider)
        assert refused.value.code == "FORBIDDEN"
    assert MatchingRun.objects.count() == 0


def test_what_if_saves_nothing_and_shows_the_effect_of_extra_places(personas):
    for days in (300, 200, 100):
        waiting(personas, days=days)
    offering = place(personas, free=1)

    result = matching_what_if(
        actor=personas.intake_x,
        county_number="50",
        programme_type_id=programme(AFT).pk,
        what_if=WhatIf(extra_places={offering.pk: 2}),
    )

    assert result["exact"]["placed"] == 3
    assert MatchingRun.objects.count() == 0 and MatchProposal.objects.count() == 0
    offering.refresh_from_db()
    assert offering.free_places == 1


# Confirming and rejecting


def test_confirming_makes_a_placement_through_the_placement_service(personas):
    referral = waiting(personas)
    offering = place(personas, free=2)
    run()
    (proposal,) = open_proposals()

    placement = proposal_confirm(actor=personas.intake_x, proposal_id=proposal.pk)

    proposal.refresh_from_db()
    assert proposal.status == PS.BEKREFTET and proposal.placement == placement
    assert proposal.decided_by == personas.intake_x
    assert (placement.referral_id, placement.offering_id) == (referral.pk, offering.pk)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.VENTER_PA_OPPSTART
    assert referral.events.filter(kind=EventKind.TILDELT).count() == 1
    offering.refresh_from_db()
    assert (offering.free_places, offering.places_assigned) == (1, 1)


def test_a_second_confirmation_is_refused_and_makes_no_second_placement(personas):
    waiting(personas)
    place(personas, free=2)
    run()
    (proposal,) = open_proposals()
    proposal_confirm(actor=personas.intake_x, proposal_id=proposal.pk)

    with pytest.raises(ApplicationError) as refused:
        proposal_confirm(actor=personas.intake_x, proposal_id=proposal.pk)

    assert refused.value.code == "PROPOSAL_CLOSED"
    assert "allerede behandlet" in refused.value.message
    assert Placement.objects.count() == 1


def stale_refusal(personas, change) -> tuple[ApplicationError, MatchProposal]:
    referral = waiting(personas)
    offering = place(personas, free=1)
    run()
    (proposal,) = open_proposals()
    change(referral, offering)
    with pytest.raises(ApplicationError) as refused:
        proposal_confirm(actor=personas.intake_x, proposal_id=proposal.pk)
    proposal.refresh_from_db()
    assert proposal.status == PS.UTDATERT
    assert proposal.reason == refused.value.code
    assert Placement.objects.filter(referral=referral).count() == 0
    return refused.value, proposal


def test_a_withdrawn_person_is_refused_with_the_reason(personas):
    def withdraw(referral, offering):
        referral_withdraw(
            actor=personas.caseworker_a,
            referral_id=referral.pk,
            expected_version=None,
            reason="FATT_JOBB",
        )

    refusal, proposal = stale_refusal(personas, withdraw)
    assert refusal.code == "NOT_WAITING"
    assert "står ikke lenger på ventelisten" in refusal.message
    assert proposal.comment in refusal.message


def test_a_place_taken_meanwhile_is_refused(personas):
    def someone_else_gets_it(referral, offering):
        other = waiting(personas, days=1)
        placement_assign(actor=personas.intake_x, referral_id=other.pk, offering_id=offering.pk)

    refusal, _ = stale_refusal(personas, someone_else_gets_it)
    assert refusal.code == "PLACE_TAKEN"
    offering = Offering.objects.get()
    assert (offering.free_places, offering.places_assigned) == (0, 1)


def test_a_closed_offering_protection_and_a_move_are_refused(personas):
    def close(referral, offering):
        Offering.objects.filter(pk=offering.pk).update(open_for_intake=False)

    def protect(referral, offering):
        referral.person.protection_level = ProtectionLevel.FORTROLIG
        referral.person.save()

    def move(referral, offering):
        referral.person.home_municipality_id = "5006"  # Steinkjer, 93 km away
        referral.person.save()

    assert stale_refusal(personas, close)[0].code == "CLOSED"
    MatchProposal.objects.all().delete()
    MatchingRun.objects.all().delete()
    Offering.objects.all().delete()
    assert stale_refusal(personas, protect)[0].code == "PROTECTED"
    MatchProposal.objects.all().delete()
    MatchingRun.objects.all().delete()
    Offering.objects.all().delete()
    assert stale_refusal(personas, move)[0].code == "TOO_FAR"


def test_a_manual_placement_makes_the_persons_open_proposal_stale(personas):
    referral = waiting(personas)
    proposed_at = place(personas, free=1)
    other = place(personas, free=1, municipality_id="5006")
    run()
    (proposal,) = open_proposals()
    assert proposal.offering == proposed_at

    placement_assign(actor=personas.intake_x, referral_id=referral.pk, offering_id=other.pk)

    proposal.refresh_from_db()
    assert proposal.status == PS.UTDATERT


def test_another_countys_team_finds_no_proposal(personas):
    waiting(personas)
    place(personas)
    run()
    (proposal,) = open_proposals()

    for outsider in (personas.intake_y, personas.caseworker_a, personas.provider_user_p):
        with pytest.raises(ApplicationError) as refused:
            proposal_confirm(actor=outsider, proposal_id=proposal.pk)
        assert refused.value.code == "NOT_FOUND"
    proposal.refresh_from_db()
    assert proposal.status == PS.FORESLATT


def test_rejecting_needs_a_reason_and_the_pair_is_not_proposed_again(personas):
    first = waiting(personas, days=300)
    second = waiting(personas, days=100)
    offering = place(personas, free=1)
    run()
    (proposal,) = open_proposals()
    assert proposal.referral == first

    with pytest.raises(ApplicationError) as refused:
        proposal_reject(actor=personas.intake_x, proposal_id=proposal.pk, reason="")
    assert refused.value.code == "REASON_REQUIRED"
    with pytest.raises(ApplicationError) as refused:
        proposal_reject(actor=personas.intake_x, proposal_id=proposal.pk, reason=RejectReason.ANNET)
    assert refused.value.code == "COMMENT_REQUIRED"
    proposal.refresh_from_db()
    assert proposal.status == PS.FORESLATT

    proposal_reject(
        actor=personas.intake_x, proposal_id=proposal.pk, reason=RejectReason.BRUKER_VIL_IKKE
    )
    again = run()

    assert again.created
    assert [(p.referral_id, p.offering_id) for p in open_proposals()] == [(second.pk, offering.pk)]


def test_deciding_several_gives_a_result_per_proposal(personas):
    stale = waiting(personas, days=300)
    fine = waiting(personas, days=200)
    place(personas, free=2)
    run()
    ids = [p.pk for p in open_proposals()]
    referral_withdraw(
        actor=personas.caseworker_a,
        referral_id=stale.pk,
        expected_version=None,
        reason="FATT_JOBB",
    )

    outcomes = proposals_decide(
        actor=personas.intake_x, proposal_ids=[*ids, ids[1]], action="confirm"
    )

    assert [(o.proposal_id, o.ok) for o in outcomes] == [(ids[0], False), (ids[1], True)]
    assert "står ikke lenger" in outcomes[0].message
    assert Placement.objects.get().referral == fine


# Tasks


def test_a_capacity_report_starts_a_run_and_proposals_appear(
    personas, django_capture_on_commit_callbacks
):
    cache.clear()
    referral = waiting(personas)
    offering = place(personas, free=0)

    with django_capture_on_commit_callbacks(execute=True):
        capacity_report(
            offering_id=offering.pk,
            free_places=1,
            free_from=timezone.localdate(),
            reported_by=personas.provider_user_p,
        )

    saved = MatchingRun.objects.get()
    assert saved.trigger == MatchingTrigger.KAPASITET
    assert [(p.referral_id, p.offering_id) for p in open_proposals()] == [
        (referral.pk, offering.pk)
    ]


def test_the_task_tells_the_page_which_run_it_made(personas):
    waiting(personas)
    place(personas)

    run_id = matching_run_task.delay("50", programme(AFT).pk, "MANUELL", "inntak:test-key").get()

    assert cache.get("inntak:test-key") == {"run": run_id, "created": True}
    assert MatchingRun.objects.get().pk == run_id


def test_the_nightly_job_runs_every_list_with_people_waiting(personas):
    waiting(personas)
    place(personas)
    ReferralFactory.create(programme_type=programme("VASV"))

    assert matching_keys() == [("50", programme(AFT).pk), ("50", programme("VASV").pk)]
    assert matching_run_nightly.delay().get() == 2
    assert MatchingRun.objects.get().trigger == MatchingTrigger.NATTLIG  # VTA has no places


def test_the_beat_schedule_has_the_nightly_jobs():
    tasks = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert {"intake.matching_run_nightly", "intake.waitlists_refresh_priorities"} <= tasks
