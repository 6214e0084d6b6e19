"""Queueing work through the outbox, and the relay that publishes what is pending.

`outbox_enqueue` writes the message in the caller's transaction and, once that commits, tries
to publish it at once, without retrying: a broker that is down costs the request a failed
connection attempt, not a hang. What could not be published stays pending for the relay (celery
beat every minute, each worker when it starts, `manage.py outbox_relay`). A message is locked
(skip locked) while it is published and marked sent in the same transaction, so two publishers
never send it together; if the mark is lost after a publish, the message goes out again under
the same task id, and every consuming task is safe to receive twice.

With no broker (the laptop's eager mode) the task runs in-process after commit, as before.
"""

from __future__ import annotations

import datetime
import logging
import re
import uuid
from functools import partial
from typing import Any

from celery import Task
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.celery import app as celery_app
from outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

OutboxArg = int | str | bool | None
RELAY_BATCH = 100
SENT_KEPT_DAYS = 7
# Eleven digits is the shape of a fødselsnummer: never a task argument. (Only a whole argument:
# random tokens, such as the "run now" page's, may hold eleven digits in a row by chance.)
_NATIONAL_ID = re.compile(r"\d{11}")


def _check_args(args: tuple[Any, ...]) -> None:
    for arg in args:
        if not isinstance(arg, int | str | bool | type(None)):
            raise TypeError(f"Outbox arguments are ids and codes, not {type(arg).__name__}.")
        if isinstance(arg, str | int) and _NATIONAL_ID.fullmatch(str(arg).strip()):
            raise ValueError("An outbox argument looks like a national identity number.")


def outbox_enqueue(task: Task, *args: OutboxArg, countdown: int | None = None) -> None:
    """Queue `task(*args)` to run once the caller's transaction commits (never if it rolls
    back). `countdown` delays the run by that many seconds from now."""
    _check_args(args)
    if celery_app.conf.task_always_eager:
        # No broker: run in-process after commit (the delay is meaningless there).
        transaction.on_commit(partial(task.delay, *args))
        return
    message = OutboxMessage.objects.create(task=task.name, args=list(args), countdown=countdown)
    transaction.on_commit(partial(outbox_publish, message_id=message.pk))


def _send(message: OutboxMessage, now: datetime.datetime) -> None:
    countdown = None
    if message.countdown:
        due = message.created_at + datetime.timedelta(seconds=message.countdown)
        countdown = max(0, int((due - now).total_seconds()))
    # retry=False: one attempt, so a broker that is down fails fast and the row stays pending.
    # ignore_result: nobody waits on these results (the "run now" page follows its run through
    # the cache), and subscribing to a result store that is down would hang the request.
    celery_app.send_task(
        message.task,
        args=message.args,
        task_id=str(message.pk),
        countdown=countdown,
        retry=False,
        ignore_result=True,
    )


def _error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:300]


def _record_failure(message_id: uuid.UUID, error: Exception) -> None:
    logger.warning("outbox: message %s kept pending (%s)", message_id, type(error).__name__)
    try:
        OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=_error_text(error)
        )
    except Exception:  # the database is down too: the relay finds the row later anyway
        logger.warning("outbox: could not record the failure of message %s", message_id)


def outbox_publish(*, message_id: uuid.UUID) -> bool:
    """Publish one pending message now. False when it was already sent, is being published by
    someone else, or the broker refused it (then it stays pending for the relay)."""
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, sent_at__isnull=True)
                .first()
            )
            if message is None:
                return False
            now = timezone.now()
            _send(message, now)
            message.sent_at = now
            message.attempts += 1
            message.save(update_fields=["sent_at", "attempts"])
    except Exception as error:  # a broker or database outage must not fail the request
        _record_failure(message_id, error)
        return False
    return True


def outbox_relay(*, batch_size: int = RELAY_BATCH) -> int:
    """Publish every pending message, oldest first, in batches locked with skip locked (so
    relays running at once share the work); stop at the first broker error. Returns how many
    were sent. Sent messages are kept a week, for looking into what went out."""
    sent = 0
    while True:
        failure: tuple[uuid.UUID, Exception] | None = None
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True)
                .order_by("created_at")[:batch_size]
            )
            done = []
            for message in batch:
                now = timezone.now()
                try:
                    _send(message, now)
                except Exception as error:  # the broker is down: the rest wait for next time
                    failure = (message.pk, error)
                    break
                message.sent_at = now
                message.attempts += 1
                done.append(message)
            OutboxMessage.objects.bulk_update(done, ["sent_at", "attempts"])
        sent += len(done)
        if failure is not None:
            _record_failure(*failure)
            break
        if len(batch) < batch_size:
            break
    OutboxMessage.objects.filter(
        sent_at__lt=timezone.now() - datetime.timedelta(days=SENT_KEPT_DAYS)
    ).delete()
    return sent
