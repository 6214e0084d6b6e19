"""A place is never given twice and free capacity never goes below zero, whatever the timing:
proved on PostgreSQL with real concurrent transactions, one database connection per thread.

The tests are transactional (each thread must see what the others commit); serialized rollback
restores the reference data (counties, municipalities, programme types) that the flush after a
transactional test would otherwise remove for the tests that follow."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from config.errors import ApplicationError
from intake.models import Notification, Placement, PlacementStatus, Referral, ReferralStatus
from intake.services.placements import placement_assign
from intake.tasks import notification_send_email
from org.models import CountyMembership, CountyRole, User
from providers.models import Offering
from tests.factories import OfferingFactory, ReferralFactory, UserFactory

concurrent = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("The concurrency proof needs PostgreSQL (run bin/test).")


@pytest.fixture(autouse=True)
def emails_queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The notification emails queued after commit, recorded instead of run: Celery's eager
    mode keeps a process-wide flag that concurrent eager tasks would leave set, breaking
    later tests that wait for a real worker's result."""
    queued: list[int] = []
    monkeypatch.setattr(notification_send_email, "delay", queued.append)
    # The same for the portfolio flags' refresh that every referral change queues.
    monkeypatch.setattr("portfolio.tasks.flags_refresh_person.delay", lambda *a, **k: None)
    return queued


def intake_member() -> User:
    user = UserFactory.create(username="inntak_samtidig")
    CountyMembership.objects.create(user=user, county_id="50", role=CountyRole.INNTAKSTEAM)
    return user


def at_once(attempts: list[Callable[[], object]]) -> list[str]:
    """Run every attempt in its own thread, released together by a barrier; each returns
    "OK", the ApplicationError's code, or the name of any other exception. Each thread closes
    its own connection at the end."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            try:
                attempt()
                outcome = "OK"
            except ApplicationError as refusal:
                outcome = refusal.code
            except Exception as error:  # a deadlock, say: the test must see it, not lose it
                outcome = type(error).__name__
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "an attempt hung"
    return outcomes


def assert_counters_match_the_placements(offering: Offering, reported_free: int) -> None:
    offering.refresh_from_db()
    by_status = Counter(
        Placement.objects.filter(offering=offering).values_list("status", flat=True)
    )
    assert offering.places_assigned == by_status[PlacementStatus.TILDELT]
    assert offering.places_occupied == by_status[PlacementStatus.DELTAR]
    assert offering.free_places == reported_free - sum(by_status.values())


@concurrent
def test_fifty_people_at_once_for_five_free_places_gives_exactly_five_places(emails_queued):
    actor = intake_member()
    offering = OfferingFactory.create(contracted_places=20, free_places=5)
    referrals = [ReferralFactory.create() for _ in range(50)]
    assert {r.county_id for r in referrals} == {"50"}

    def attempt(referral: Referral) -> Callable[[], object]:
        return lambda: placement_assign(
            actor=actor,
            referral_id=referral.pk,
            offering_id=offering.pk,
            expected_version=referral.version,
        )

    outcomes = at_once([attempt(r) for r in referrals])

    assert Counter(outcomes) == {"OK": 5, "PLACE_TAKEN": 45}
    offering.refresh_from_db()
    assert (offering.free_places, offering.places_assigned) == (0, 5)
    placements = Placement.objects.filter(offering=offering)
    assert placements.count() == 5
    assert placements.values("referral").distinct().count() == 5
    placed = set(placements.values_list("referral_id", flat=True))
    statuses = Counter(
        (r.pk in placed, r.status)
        for r in Referral.objects.filter(pk__in=[r.pk for r in referrals])
    )
    assert statuses == {
        (True, ReferralStatus.VENTER_PA_OPPSTART): 5,
        (False, ReferralStatus.VENTELISTE): 45,
    }
    assert_counters_match_the_placements(offering, reported_free=5)
    # Only those who got a place were notified: the refused attempts rolled back.
    notified = set(
        Notification.objects.filter(pk__in=emails_queued).values_list("referral_id", flat=True)
    )
    assert notified == placed


@concurrent
def test_ten_attempts_at_once_to_place_the_same_person_give_one_place():
    actor = intake_member()
    offering = OfferingFactory.create(contracted_places=20, free_places=10)
    referral = ReferralFactory.create()

    outcomes = at_once(
        [
            lambda: placement_assign(
                actor=actor,
                referral_id=referral.pk,
                offering_id=offering.pk,
                expected_version=referral.version,
            )
        ]
        * 10
    )

    # The first holds the referral's lock; the others then find it changed under them.
    assert Counter(outcomes) == {"OK": 1, "STALE": 9}
    assert Placement.objects.filter(referral=referral).count() == 1
    assert_counters_match_the_placements(offering, reported_free=10)
    assert Offering.objects.get(pk=offering.pk).free_places == 9


@concurrent
def test_ten_attempts_without_a_version_still_give_one_place():
    actor = intake_member()
    offering = OfferingFactory.create(contracted_places=20, free_places=10)
    referral = ReferralFactory.create()

    outcomes = at_once(
        [lambda: placement_assign(actor=actor, referral_id=referral.pk, offering_id=offering.pk)]
        * 10
    )

    assert Counter(outcomes) == {"OK": 1, "ILLEGAL_TRANSITION": 9}
    assert Placement.objects.filter(referral=referral).count() == 1
    assert_counters_match_the_placements(offering, reported_free=10)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"free_places": F("free_places") - 4},
        {"free_places": F("free_places") + 1},
        {"places_assigned": F("places_assigned") + 1},
        {"places_occupied": F("places_occupied") + 1},
        {"places_occupied": F("places_occupied") - 5},
    ],
    ids=[
        "free-below-zero",
        "free-above-contract-less-assigned-and-occupied",
        "assigned-leaves-too-little-for-the-free",
        "occupied-leaves-too-little-for-the-free",
        "occupied-below-zero",
    ],
)
def test_the_database_refuses_counters_out_of_bounds_whoever_writes(change):
    # 10 contracted = 4 participating + 3 given, not started + 3 free: nothing left over.
    offering = OfferingFactory.create(
        contracted_places=10, places_occupied=4, places_assigned=3, free_places=3
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Offering.objects.filter(pk=offering.pk).update(**change)
    offering.refresh_from_db()
    assert (offering.free_places, offering.places_assigned, offering.places_occupied) == (3, 3, 4)
