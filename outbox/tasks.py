from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.db import connections

from outbox.services import outbox_relay


@shared_task(name="outbox.relay")
def outbox_relay_task() -> int:
    """Every minute (celery beat): publish what could not be published when it was queued."""
    return outbox_relay()


@worker_ready.connect
def relay_on_worker_start(**kwargs: Any) -> None:
    """A worker that starts (after an outage, say) sends what is pending straight away. Run in
    the worker's main process, whose connection is then closed so no pool process forked later
    shares it."""
    try:
        outbox_relay()
    finally:
        connections.close_all()
