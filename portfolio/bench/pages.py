"""`bench pages`: server time of the intake team's busiest pages and API lists, for the county
with the most people waiting, on whatever database the settings point at (the national
instance on PostgreSQL for the README's figures)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from intake.models import Person, Referral, ReferralStatus
from org.models import (
    CountyMembership,
    CountyRole,
    OfficeMembership,
    OfficeRole,
    User,
)
from portfolio.bench.timing import Timing, measure

BENCH_USERNAME = "bench-inntaksteam"
OFFICE_LEADER_USERNAME = "bench-kontorleder"
COUNTY_LEADER_USERNAME = "bench-fylkesleder"


def _largest_waitlist() -> tuple[str, int, str, int]:
    """(county number, programme type id, programme type code, people waiting) of the longest
    waitlist in the county with the most people waiting."""
    counties = (
        Referral.objects.filter(status=ReferralStatus.VENTELISTE)
        .values("county_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    if not counties:
        raise SystemExit("No one is waiting: run seed_demo --scale national first.")
    county = counties[0]["county_id"]
    longest = (
        Referral.objects.filter(status=ReferralStatus.VENTELISTE, county_id=county)
        .values("programme_type_id", "programme_type__code")
        .annotate(n=Count("pk"))
        .order_by("-n")[0]
    )
    return county, longest["programme_type_id"], longest["programme_type__code"], longest["n"]


def _bench_user(county: str) -> User:
    """A member of that county's intake team who has written no referral (so the pages show
    what a reviewer sees). Created once; it has an unusable password."""
    user, created = User.objects.get_or_create(
        username=BENCH_USERNAME, defaults={"first_name": "Benchmark", "last_name": "Inntak"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    CountyMembership.objects.filter(user=user).exclude(county_id=county).delete()
    CountyMembership.objects.get_or_create(user=user, county_id=county, role=CountyRole.INNTAKSTEAM)
    return user


def _leader(username: str, *, office_id: int | None = None, county: str | None = None) -> User:
    """A leader of the office or the county, and nothing else. Created once."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": "Benchmark", "last_name": "Leder"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    OfficeMembership.objects.filter(user=user).delete()
    CountyMembership.objects.filter(user=user).delete()
    if office_id is not None:
        OfficeMembership.objects.create(user=user, office_id=office_id, role=OfficeRole.LEDER)
    if county is not None:
        CountyMembership.objects.create(user=user, county_id=county, role=CountyRole.LEDER)
    return user


def _largest_office() -> tuple[int, int]:
    """(office id, persons) of the office with the most persons."""
    row = Person.objects.values("office_id").annotate(n=Count("pk")).order_by("-n").first()
    if row is None:
        raise SystemExit("No persons: run seed_demo --scale national first.")
    return row["office_id"], row["n"]


def _count_queries(call: Callable[[], object]) -> int:
    """Queries one request makes (CaptureQueriesContext can't: a request resets the log)."""
    count = 0

    def counter(
        execute: Callable[..., object], sql: str, params: object, many: bool, context: object
    ) -> object:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        call()
    return count


def run(*, runs: int) -> tuple[list[Timing], dict[str, object]]:
    county, type_id, type_code, waiting = _largest_waitlist()
    client = Client(HTTP_HOST="localhost")
    client.force_login(_bench_user(county))
    last_page = max(1, (waiting + 49) // 50)
    targets = [
        ("review queue (page 1)", reverse("review-queue")),
        ("waitlist, longest list (page 1)", reverse("waitlist-detail", args=[county, type_id])),
        (
            f"waitlist, longest list (last page, {last_page})",
            reverse("waitlist-detail", args=[county, type_id]) + f"?side={last_page}",
        ),
        ("waitlist overview", reverse("waitlist-overview")),
        ("matching overview", reverse("matching-overview")),
        ("matching proposals, longest list", reverse("matching-list", args=[county, type_id])),
        ("matching run history, longest list", reverse("matching-history", args=[county, type_id])),
        (
            "API referrals, submitted",
            reverse("api-referral-list") + f"?status=SOKT_INN&county={county}",
        ),
        ("API waitlist (page 1)", reverse("api-waitlist", args=[county, type_code])),
    ]
    office_id, office_persons = _largest_office()
    office_client = Client(HTTP_HOST="localhost")
    office_client.force_login(_leader(OFFICE_LEADER_USERNAME, office_id=office_id))
    county_client = Client(HTTP_HOST="localhost")
    county_client.force_login(_leader(COUNTY_LEADER_USERNAME, county=county))
    leader_targets = [
        (office_client, "portfolio list, largest office (page 1)", reverse("portfolio-list")),
        (
            office_client,
            "portfolio list, largest office, flagged, by wait",
            reverse("portfolio-list") + "?flagg=UNG_UTEN_AKTIVITET&sorter=-ventetid",
        ),
        (county_client, "dashboard, county", reverse("dashboard")),
        (office_client, "dashboard, largest office", reverse("dashboard")),
    ]
    timings: list[Timing] = []
    cases = [(client, label, url) for label, url in targets] + leader_targets
    for client, label, url in cases:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{label}: {url} answered {response.status_code}")
        request = partial(client.get, url)
        queries = _count_queries(request)
        timing = measure(label, request, runs=runs)
        timings.append(replace(timing, queries=queries))
    context = {
        "county": county,
        "programme_type": type_code,
        "waiting_in_longest_list": waiting,
        "waiting_in_county": Referral.objects.filter(
            status=ReferralStatus.VENTELISTE, county_id=county
        ).count(),
        "submitted_in_county": Referral.objects.filter(
            status=ReferralStatus.SOKT_INN, county_id=county
        ).count(),
        "largest_office_persons": office_persons,
        "database": connection.vendor,
    }
    return timings, context
