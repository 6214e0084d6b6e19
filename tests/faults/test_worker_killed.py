"""A Celery worker killed with SIGKILL in the middle of a matching run: the run is redone, with
no proposal lost and none duplicated (issue 7, faults).

The run is held mid-transaction: it has taken the list's advisory lock and waits for one of the
list's offerings, which this test keeps locked. The pool process running it is then killed;
acks_late with reject_on_worker_lost puts the message back, the worker's new pool process runs
it again once the lock is released, and the run's own transaction (lost with the killed
process) left nothing behind."""

from __future__ import annotations

import contextlib
import signal
import uuid

import psutil
import pytest
from django.db import connection, transaction
from kombu import Connection

from config.celery import app as celery_app
from intake.matching.problem import key_id, matching_problem
from intake.models import MatchingRun, MatchingTrigger, MatchProposal, ProposalStatus
from intake.services.matching import matching_compute
from intake.tasks import matching_run_task
from providers.models import Offering
from tests.faults.processes import (
    app_env,
    processes,
    start_redis,
    start_worker,
    suite_database_url,
    wait_for_worker,
    wait_until,
)
from tests.intake.test_matching_concurrency import aft, world

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def expected_proposals() -> set[tuple[int, int]]:
    """The undisturbed run's answer, computed and not saved: (referral, offering) pairs."""
    problem = matching_problem(county_number="50", programme_type=aft(), today=None)
    computed = matching_compute(problem)
    return {
        (
            key_id(problem.people[int(computed.pairs.person[a])].id),
            key_id(problem.offerings[int(computed.pairs.offering[a])].id),
        )
        for a in computed.exact.arcs
    }


def waiting_backends() -> int:
    with connection.cursor() as cursor:
        # Inside a transaction, pg_stat_activity answers from a snapshot unless told afresh.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            [connection.settings_dict["NAME"]],
        )
        return int(cursor.fetchone()[0])


def test_a_run_killed_mid_transaction_is_redone_once_with_the_same_proposals():
    if connection.vendor != "postgresql":
        pytest.fail("The fault tests need PostgreSQL (run bin/test).")
    world(people=30, offerings=2, free=5)
    expected = expected_proposals()
    assert len(expected) == 10
    db_url = suite_database_url()
    queue = f"faults-{uuid.uuid4().hex[:12]}"
    celery_app.conf.task_always_eager = False  # conftest's autouse fixture restores it

    # A Redis of its own: the suite's Redis database is flushed by every test's cache.clear(),
    # which would take the requeued message with it when tests run side by side.
    with processes() as running, contextlib.ExitStack() as stack:
        _, redis_url = start_redis(running)
        broker = stack.enter_context(Connection(redis_url))
        worker = start_worker(running, app_env(db_url, redis_url), queue)
        wait_for_worker(running)
        parent = psutil.Process(worker.pid)
        [child] = parent.children()

        with transaction.atomic():
            # Hold one of the list's offerings: the run takes its advisory lock, then waits here.
            held = Offering.objects.order_by("pk").values_list("pk", flat=True)[0]
            Offering.objects.select_for_update().filter(pk=held).get()
            matching_run_task.apply_async(
                args=("50", aft().pk, MatchingTrigger.NATTLIG),
                queue=queue,
                task_id=str(uuid.uuid4()),
                connection=broker,  # type: ignore[call-arg]  # (a Celery option the stubs lack)
                ignore_result=True,
            )
            wait_until(
                lambda: waiting_backends() >= 1, timeout=30, what="the run waiting mid-transaction"
            )

            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
            # The worker replaces its pool process, which takes the message again and waits.
            wait_until(
                lambda: any(c.pid != child.pid for c in parent.children()),
                timeout=30,
                what="a new pool process",
            )
            assert not MatchingRun.objects.exists()

        wait_until(
            MatchingRun.objects.exists,
            timeout=60,
            what=f"the run redone\n{running.log('worker')}",
        )
        # Let any second delivery finish, then stop the worker before counting.
        wait_until(lambda: waiting_backends() == 0, timeout=30, what="no run still waiting")
        running.stop(worker)

    run = MatchingRun.objects.get()
    proposals = list(
        MatchProposal.objects.values_list("referral_id", "offering_id", "run_id", "status")
    )
    assert len(proposals) == len(expected)
    assert {(r, o) for r, o, _, _ in proposals} == expected
    assert {(run_id, status) for _, _, run_id, status in proposals} == {
        (run.pk, ProposalStatus.FORESLATT)
    }
