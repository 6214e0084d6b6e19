"""Redis stopped (issue 7, faults): pages and the API keep working; the notification email and
the matching run that could not be queued are kept in the outbox, and go out once Redis is
back, each once.

Real processes on a Redis of the test's own: gunicorn serving the application, a Celery
worker, and the outbox relay as `manage.py outbox_relay`. The test is transactional, so they
all see what it writes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from intake.models import MatchingRun, Notification
from outbox.models import OutboxMessage
from tests.conftest import PASSWORD
from tests.faults.processes import (
    app_env,
    log_in,
    manage,
    port_open,
    post_form,
    processes,
    start_redis,
    start_server,
    start_worker,
    suite_database_url,
    wait_for_worker,
    wait_until,
)
from tests.intake.review_world import submitted
from tests.intake.test_matching_concurrency import aft, world

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def emails(folder: Path) -> int:
    """The file backend writes each connection's messages to a file: count the messages."""
    return sum(path.read_text().count("\nSubject: ") for path in folder.glob("*"))


def relay(env: dict[str, str]) -> str:
    return manage(env, "outbox_relay", timeout=60)


def test_with_redis_down_pages_work_and_queued_work_goes_out_once_it_is_back(personas, tmp_path):
    if connection.vendor != "postgresql":
        pytest.fail("The fault tests need PostgreSQL (run bin/test).")
    personas.caseworker_a.email = "veileder@nav.example"
    personas.caseworker_a.save(update_fields=["email"])
    referral = submitted(personas.caseworker_a)
    world(people=3, offerings=1, free=1)
    Notification.objects.all().delete()
    OutboxMessage.objects.all().delete()
    mail = tmp_path / "mail"
    mail.mkdir()
    db_url = suite_database_url()

    with processes() as running:
        redis, redis_url = start_redis(running)
        port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
        env = app_env(db_url, redis_url, EMAIL_FILE_PATH=str(mail))
        start_worker(running, env, "celery")
        wait_for_worker(running)
        _, base = start_server(running, env)
        session = log_in(base, personas.intake_x.username, PASSWORD)

        running.stop(redis)
        assert not port_open(port)

        pages = [
            reverse("home"),
            reverse("review-queue"),
            reverse("waitlist-overview"),
            reverse("matching-overview"),
            reverse("matching-list", args=["50", aft().pk]),
            reverse("api-referral-list"),
        ]
        for path in pages:
            started = time.monotonic()
            response = session.get(f"{base}{path}", timeout=15)
            assert (path, response.status_code) == (path, 200)
            assert time.monotonic() - started < 5, f"{path} was slow with Redis down"
        health = session.get(f"{base}/healthz", timeout=15)
        assert (health.status_code, health.json()["broker"]) == (503, "error")
        assert health.json()["database"] == "ok"

        started = time.monotonic()
        approved = post_form(
            session,
            base,
            reverse("review-approve", args=[referral.pk]),
            {"version": str(referral.version)},
        )
        run_now = post_form(session, base, reverse("matching-run", args=["50", aft().pk]), {})
        assert (approved.status_code, run_now.status_code) == (302, 302)
        assert time.monotonic() - started < 8, "queueing work hung on the broker"

        pending = dict(
            OutboxMessage.objects.filter(sent_at__isnull=True).values_list("task", "attempts")
        )
        assert pending.get("intake.notification_send_email") == 1
        assert pending.get("intake.matching_run") == 1
        assert emails(mail) == 0 and not MatchingRun.objects.exists()

        start_redis(running, port)
        relay(env)
        wait_until(
            lambda: emails(mail) == 1 and MatchingRun.objects.exists(),
            timeout=60,
            what="the email and the run after Redis came back",
        )
        assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
        # Relaying again sends nothing again.
        assert "0 sent" in relay(env)
        time.sleep(3)

    assert emails(mail) == 1
    assert Notification.objects.get().emailed_at is not None
    run = MatchingRun.objects.get()
    assert run.requested_by == personas.intake_x
