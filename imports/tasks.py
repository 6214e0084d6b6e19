"""Imports run as tasks because a county's file can be large; the batch id is the only
argument (the file is in the database, never in a message)."""

from celery import shared_task

from imports.services import batch_apply, batch_check


@shared_task(name="imports.check", acks_late=True)
def import_check(batch_id: int) -> None:
    # Safe to receive twice: a batch no longer being checked is left alone.
    batch_check(batch_id)


@shared_task(name="imports.apply", acks_late=True)
def import_apply(batch_id: int) -> None:
    # Safe to receive twice: the batch is locked and applied only from "being applied".
    batch_apply(batch_id)
