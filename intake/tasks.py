from celery import Task, shared_task
from django.core.cache import cache
from django.db import OperationalError

from intake.models import MatchingTrigger
from intake.services.matching import matching_keys, matching_run
from intake.services.notifications import notification_send
from intake.services.placements import MATCHING_DEBOUNCE_SECONDS, matching_request
from intake.services.priority import waitlist_refresh_priorities
from org.models import County, User
from outbox.services import outbox_enqueue


@shared_task(
    name="intake.notification_send_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notification_send_email(notification_id: int) -> None:
    notification_send(notification_id=notification_id)


@shared_task(name="intake.waitlists_refresh_priorities")
def waitlists_refresh_priorities() -> int:
    """Nightly: people turn 30 and become long-term unemployed as time passes."""
    return sum(
        waitlist_refresh_priorities(county_number=number)
        for number in County.objects.values_list("number", flat=True)
    )


@shared_task(name="intake.matching_requested")
def matching_requested(offering_id: int) -> None:
    """Free places were reported for an offering: note it and, once per burst of reports
    (debounced per county and programme type), start a matching run when the burst is over."""
    key = matching_request(offering_id=offering_id)
    if key is not None:
        county_number, programme_type_id = key
        outbox_enqueue(
            matching_run_task,
            county_number,
            programme_type_id,
            MatchingTrigger.KAPASITET,
            countdown=MATCHING_DEBOUNCE_SECONDS,
        )


# acks_late with reject_on_worker_lost: a worker killed mid-run leaves the message on the
# broker and another worker redoes the run. That is safe only because a run is idempotent:
# its transaction saves everything or nothing, and a repeat with the same inputs (or the same
# task id) changes nothing.
@shared_task(
    name="intake.matching_run",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def matching_run_task(
    self: Task,
    county_number: str,
    programme_type_id: int,
    trigger: str,
    request_key: str = "",
    actor_id: int | None = None,
) -> int | None:
    """One matching run for a county and programme type. `request_key` names a cache entry
    where the intake team's page looks for the run it asked for; `actor_id` is the member of
    the team who asked (recorded on the run, and checked again)."""
    result = matching_run(
        county_number=county_number,
        programme_type_id=programme_type_id,
        trigger=trigger,
        actor=User.objects.get(pk=actor_id) if actor_id is not None else None,
        task_id=self.request.id or "",
    )
    run_id = result.run.pk if result.run else None
    if request_key:
        cache.set(request_key, {"run": run_id, "created": result.created}, timeout=3600)
    return run_id


@shared_task(name="intake.matching_run_nightly")
def matching_run_nightly() -> int:
    """Nightly: a run for every list with people waiting (one task each, so the lists run
    in parallel on as many workers as there are)."""
    keys = matching_keys()
    for county_number, programme_type_id in keys:
        matching_run_task.delay(county_number, programme_type_id, MatchingTrigger.NATTLIG)
    return len(keys)
