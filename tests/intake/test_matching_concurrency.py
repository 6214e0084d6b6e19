"""Matching while people work, proved on PostgreSQL with real concurrent transactions and a
real Celery worker: runs racing each other, manual placements and capacity reports never
overbook, never take capacity below zero, and a task run twice gives one set of proposals.

Transactional tests: each thread must see what the others commit. Serialized rollback restores
the reference data that the flush after a transactional test would otherwise remove."""

from __future__ import annotations

import datetime
import random
import uuid
from collections import Counter
from collections.abc import Callable
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from intake.models import (
    MatchingRun,
    MatchingTrigger,
    MatchProposal,
    Placement,
    ProposalStatus,
    Referral,
)
from intake.services.matching import matching_run, proposal_confirm
from intake.services.placements import placement_assign
from intake.tasks import matching_run_task, notification_send_email
from org.models import ProviderMembership
from providers.models import Offering, ProgrammeType
from providers.services import capacity_report
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory, UserFactory
from tests.intake.test_placement_concurrency import at_once, intake_member

concurrent = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PS = ProposalStatus


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("The concurrency proof needs PostgreSQL (run bin/test).")


@pytest.fixture(autouse=True)
def _no_side_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Emails, capacity-triggered runs and flag refreshes queued after commit are not run: eager
    tasks in threads share Celery's process-wide state (see test_placement_concurrency)."""
    monkeypatch.setattr(notification_send_email, "delay", lambda *a, **k: None)
    monkeypatch.setattr("intake.tasks.matching_requested.delay", lambda *a, **k: None)
    monkeypatch.setattr("portfolio.tasks.flags_refresh_person.delay", lambda *a, **k: None)


def aft() -> ProgrammeType:
    return ProgrammeType.objects.get(code="ARBFORB")


def world(people: int, offerings: int, free: int) -> tuple[list[Referral], list[Offering]]:
    rng = random.Random(7)
    referrals = []
    for _ in range(people):
        since = timezone.now() - datetime.timedelta(days=rng.randint(0, 600))
        referrals.append(
            ReferralFactory.create(
                person=PersonFactory.create(home_municipality_id=rng.choice(["5001", "5028"])),
                waitlisted_at=since,
                queue_since=since,
            )
        )
    places = [
        OfferingFactory.create(
            contracted_places=40, free_places=free, free_from=timezone.localdate()
        )
        for _ in range(offerings)
    ]
    return referrals, places


def run_once(trigger: str = MatchingTrigger.NATTLIG, task_id: str = "") -> object:
    return matching_run(
        county_number="50", programme_type_id=aft().pk, trigger=trigger, task_id=task_id
    )


def assert_capacity_holds(offerings: list[Offering], reported: dict[int, int]) -> None:
    """Free places never below zero (a check constraint would have refused it), every place
    given counted once, and no referral holding two places."""
    for offering in offerings:
        offering.refresh_from_db()
        given = Placement.objects.filter(offering=offering).count()
        assert offering.free_places >= 0
        assert offering.places_assigned == given
        assert offering.free_places + given == reported[offering.pk]
        open_here = MatchProposal.objects.filter(offering=offering, status=PS.FORESLATT)
        assert open_here.values("slot").distinct().count() == open_here.count()
    per_referral = Counter(Placement.objects.values_list("referral_id", flat=True))
    assert not per_referral or max(per_referral.values()) == 1
    open_per_referral = Counter(
        MatchProposal.objects.filter(status=PS.FORESLATT).values_list("referral_id", flat=True)
    )
    assert not open_per_referral or max(open_per_referral.values()) == 1


@concurrent
def test_four_runs_at_once_save_one_run_and_one_set_of_proposals():
    world(people=40, offerings=3, free=4)

    outcomes = at_once([run_once for _ in range(4)])

    assert outcomes == ["OK"] * 4
    assert MatchingRun.objects.count() == 1
    proposals = MatchProposal.objects.all()
    assert proposals.count() == 12
    assert proposals.filter(status=PS.FORESLATT).count() == 12


@concurrent
def test_runs_racing_manual_placements_and_capacity_reports_never_overbook():
    referrals, offerings = world(people=60, offerings=3, free=3)
    actor = intake_member()
    provider_user = UserFactory.create(username="arrangor_samtidig")
    ProviderMembership.objects.create(user=provider_user, provider=offerings[0].provider)
    target = offerings[0]

    attempts: list[Callable[[], object]] = [
        partial(placement_assign, actor=actor, referral_id=r.pk, offering_id=target.pk)
        for r in referrals[:6]
    ]
    attempts += [
        partial(
            capacity_report,
            offering_id=target.pk,
            free_places=n,
            free_from=timezone.localdate(),
            reported_by=provider_user,
        )
        for n in (5, 2)
    ]
    attempts += [run_once for _ in range(4)]
    outcomes = at_once(attempts)

    assert set(outcomes) <= {"OK", "PLACE_TAKEN"}
    # The capacity reports set the free places: reconstruct what was reported in the end.
    target.refresh_from_db()
    reported = {o.pk: 3 for o in offerings}
    reported[target.pk] = target.free_places + Placement.objects.filter(offering=target).count()
    assert_capacity_holds(offerings, reported)

    # Then the team confirms every open proposal at once, racing more manual placements.
    open_ids = list(MatchProposal.objects.filter(status=PS.FORESLATT).values_list("pk", flat=True))
    placed_before = Placement.objects.count()
    attempts = [partial(proposal_confirm, actor=actor, proposal_id=i) for i in open_ids]
    attempts += [
        partial(placement_assign, actor=actor, referral_id=r.pk, offering_id=target.pk)
        for r in referrals[6:10]
    ]
    outcomes = at_once(attempts)

    assert set(outcomes) <= {
        "OK",
        "PLACE_TAKEN",
        "NOT_WAITING",
        "ILLEGAL_TRANSITION",
        "PROPOSAL_CLOSED",
        "PLACED",
    }
    assert_capacity_holds(offerings, reported)
    assert not MatchProposal.objects.filter(status=PS.FORESLATT).exists()
    assert Placement.objects.count() - placed_before == outcomes.count("OK")
    assert MatchProposal.objects.filter(status=PS.BEKREFTET).count() == (
        Placement.objects.filter(proposal__isnull=False).count()
    )


@concurrent
def test_the_same_task_delivered_twice_to_a_real_worker_gives_one_set_of_proposals(
    celery_worker,
):
    world(people=30, offerings=2, free=5)
    args = ("50", aft().pk, MatchingTrigger.NATTLIG)

    # A fresh id: results of earlier test runs stay in Redis under their task ids.
    task_id = f"dup-{uuid.uuid4()}"
    first = matching_run_task.apply_async(args=args, queue=celery_worker.queue, task_id=task_id)
    second = matching_run_task.apply_async(args=args, queue=celery_worker.queue, task_id=task_id)
    third = matching_run_task.apply_async(args=args, queue=celery_worker.queue)
    run_ids = {first.get(timeout=60), second.get(timeout=60), third.get(timeout=60)}

    assert len(run_ids) == 1
    assert MatchingRun.objects.count() == 1
    assert MatchProposal.objects.count() == 10
    assert MatchProposal.objects.filter(status=PS.FORESLATT).count() == 10
