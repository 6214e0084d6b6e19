"""The transactional outbox: work is queued with the change that calls for it, published once
after commit, and kept (then relayed, once) when the broker is down."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from config.cache import ResilientRedisCache
from config.celery import app as celery_app
from intake.models import Notification, NotificationKind
from intake.services.notifications import notification_create
from intake.tasks import matching_run_task, notification_send_email
from org.tasks import ping
from outbox.models import OutboxMessage
from outbox.services import outbox_enqueue, outbox_relay
from tests.factories import ReferralFactory


@dataclass
class Broker:
    """Stands in for Redis: records what is published, or refuses like a broker that is down."""

    down: bool = False
    published: list[dict[str, Any]] = field(default_factory=list)

    def send_task(self, name: str, args: list[Any], task_id: str, **options: Any) -> None:
        assert options.get("retry") is False, "a publish in a request must not retry"
        if self.down:
            raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.published.append({"task": name, "args": args, "id": task_id, **options})


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Broker:
    fake = Broker()
    celery_app.conf.task_always_eager = False  # conftest's autouse fixture restores it
    monkeypatch.setattr(celery_app, "send_task", fake.send_task)
    return fake


@pytest.mark.django_db
def test_a_rolled_back_change_queues_nothing(broker, django_capture_on_commit_callbacks):
    def refused_change() -> None:
        with transaction.atomic():
            outbox_enqueue(ping)
            raise RuntimeError("the change is refused")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        refused_change()

    assert not OutboxMessage.objects.exists()
    assert broker.published == []


@pytest.mark.django_db
def test_a_committed_message_is_published_once_under_its_own_id(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            outbox_enqueue(matching_run_task, "50", 7, "MANUELL", "", 3)
        # Written with the change, published only after it commits.
        assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1
        assert broker.published == []
    for callback in callbacks:
        callback()

    message = OutboxMessage.objects.get()
    assert message.sent_at is not None and message.attempts == 1
    assert broker.published == [
        {
            "task": "intake.matching_run",
            "args": ["50", 7, "MANUELL", "", 3],
            "id": str(message.pk),
            "countdown": None,
            "retry": False,
            "ignore_result": True,
        }
    ]
    assert outbox_relay() == 0
    assert len(broker.published) == 1


@pytest.mark.django_db
def test_a_message_the_broker_refused_stays_pending_and_the_relay_sends_it_once(
    broker, django_capture_on_commit_callbacks
):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue(ping)

    message = OutboxMessage.objects.get()
    assert message.sent_at is None
    assert message.attempts == 1
    assert message.last_error.startswith("OperationalError: Error 111")
    assert outbox_relay() == 0  # still down: kept
    assert OutboxMessage.objects.get().attempts == 2

    broker.down = False
    assert outbox_relay() == 1
    assert outbox_relay() == 0
    assert [p["id"] for p in broker.published] == [str(message.pk)]
    assert OutboxMessage.objects.get().sent_at is not None


@pytest.mark.django_db
def test_the_relay_sends_in_order_and_in_batches(broker):
    broker.down = True
    for _ in range(5):
        outbox_enqueue(ping)  # autocommit: each publish is tried at once, and refused
    broker.down = False

    assert outbox_relay(batch_size=2) == 5
    ids = list(OutboxMessage.objects.order_by("created_at").values_list("pk", flat=True))
    assert [p["id"] for p in broker.published] == [str(pk) for pk in ids]


@pytest.mark.django_db
def test_a_delay_counts_from_when_the_work_was_queued(broker):
    broker.down = True
    outbox_enqueue(ping, countdown=90)
    OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(seconds=60))
    broker.down = False

    outbox_relay()

    assert 25 <= broker.published[0]["countdown"] <= 30


@pytest.mark.django_db
def test_sent_messages_are_kept_a_week(broker):
    outbox_enqueue(ping)
    OutboxMessage.objects.update(sent_at=timezone.now() - datetime.timedelta(days=8))
    outbox_enqueue(ping)

    outbox_relay()

    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_the_relay_command_publishes_what_is_pending(broker, capsys):
    broker.down = True
    outbox_enqueue(ping)
    broker.down = False

    call_command("outbox_relay")

    assert "1 sent" in capsys.readouterr().out
    assert len(broker.published) == 1


def test_arguments_are_ids_and_codes_never_personal_data():
    with pytest.raises(ValueError, match="national identity number"):
        outbox_enqueue(ping, "01017012345")
    with pytest.raises(TypeError):
        outbox_enqueue(ping, {"name": "Kari"})  # type: ignore[arg-type]


@pytest.mark.django_db
def test_without_a_broker_the_task_runs_after_commit_as_before(
    monkeypatch, django_capture_on_commit_callbacks
):
    ran: list[tuple[Any, ...]] = []
    monkeypatch.setattr(ping, "delay", lambda *args: ran.append(args))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox_enqueue(ping, 5)
        assert ran == []

    assert ran == [(5,)]
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_notification_email_is_queued_through_the_outbox(
    personas, broker, django_capture_on_commit_callbacks
):
    referral = ReferralFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(
            referral=referral, kind=NotificationKind.GODKJENT, recipients=[personas.caseworker_a]
        )

    notification = Notification.objects.get()
    assert [(p["task"], p["args"]) for p in broker.published] == [
        (notification_send_email.name, [notification.pk])
    ]


def test_the_cache_answers_as_empty_when_redis_is_unreachable(monkeypatch, caplog):
    monkeypatch.setattr("config.cache._paused_until", 0.0)
    cache = ResilientRedisCache("redis://127.0.0.1:1/0", {})
    started = time.monotonic()

    assert cache.get("dashboard", "miss") == "miss"
    cache.set("dashboard", {"figures": 1})
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("debounce", 1) is True
    assert cache.delete("dashboard") is False

    assert time.monotonic() - started < 2
    assert "cache: Redis unreachable on get" in caplog.text
