"""Times the access log's pages through the test client, as the demo's office leader
(`leder`) and county leader (`fylkesleder`): python manage.py shell < tools/time_access_log.py
with production settings, after tools/access_log_load.sql (README, Benchmarks)."""

import datetime
import statistics
import time
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessedPerson
from intake.models import Person
from org.models import User


def timed(client: Client, url: str, runs: int = 10, **params: Any) -> str:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url, params)
    return f"p50 {statistics.median(times):.0f} ms, max {max(times):.0f} ms, {len(queries)} queries"


since = (timezone.localdate() - datetime.timedelta(days=90)).isoformat()
for username in ("leder", "fylkesleder"):
    client = Client()
    client.force_login(User.objects.get(username=username))
    led = Person.objects.filter(office__memberships__user__username="leder").values("pk")
    person_id = (
        AccessedPerson.objects.filter(person_id__in=led).values_list("person_id", flat=True).first()
    )
    print(username, "search, last 31 days:", timed(client, "/tilgangslogg/"))
    print(username, "search, page 5:", timed(client, "/tilgangslogg/", side=5))
    print(
        username,
        "one person, 90 days:",
        timed(client, "/tilgangslogg/", bruker=person_id, fra=since),
    )
    print(username, "report:", timed(client, f"/tilgangslogg/bruker/{person_id}/", fra=since))
