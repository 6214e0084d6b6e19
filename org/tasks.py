from celery import shared_task

from org.models import County


@shared_task(name="org.ping")
def ping() -> dict[str, int | str]:
    """Proves the worker is alive and reads the same database as the web: used by the
    worker round-trip test and handy when diagnosing a deployment."""
    return {"pong": "ok", "counties": County.objects.count()}
