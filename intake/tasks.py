from celery import shared_task

from intake.services.notifications import notification_send
from intake.services.placements import matching_request
from intake.services.priority import waitlist_refresh_priorities
from org.models import County


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
    """Free places were reported for an offering (debounced per county and programme type)."""
    matching_request(offering_id=offering_id)
