"""Running the generator: phases, each in one transaction with a progress bar, and the report.

Writes go straight to the models here, not through services: this is bulk fixture generation
(hundreds of thousands of rows in bulk inserts), a documented exception to "services for
writes" (ARCHITECTURE.md). Nothing in the application calls it.
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum
from tqdm import tqdm

from intake.models import (
    CV,
    ActivityPlan,
    MatchingRun,
    MatchingTrigger,
    MatchProposal,
    Person,
    Placement,
    PlacementStatus,
    ProposalStatus,
    Referral,
    ReferralEvent,
    ReferralStatus,
    WorkCapacityAssessment,
)
from intake.services.matching import matching_keys, matching_run
from intake.services.priority import waitlist_refresh_priorities
from org.models import County, CountyMembership, OfficeMembership, Provider
from portfolio.demo_data.documents import Thresholds, insert_documents
from portfolio.demo_data.offerings import create_providers, exclude_providers
from portfolio.demo_data.people import Geography, insert_persons, plan_persons
from portfolio.demo_data.placements import insert_placements, plan_placements
from portfolio.demo_data.referrals import insert_referrals, plan_referrals
from portfolio.demo_data.scales import Scale
from portfolio.demo_data.staff import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    create_staff,
    demo_provider,
    ensure_demo_logins,
    generated_users,
)
from portfolio.demo_data.timeline import Timeline
from portfolio.models import OPEN_FLAG_STATUSES, FlagEvent, PortfolioFlag
from portfolio.services.flags import flags_refresh
from providers.models import CapacityReport, Offering, ProgrammeType


@dataclass
class SeedReport:
    created: bool
    persons: int
    counts: list[tuple[str, int]] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, password, role


class _Phases:
    def __init__(self, progress: bool) -> None:
        self.progress = progress
        self.timings: list[tuple[str, float]] = []

    @contextmanager
    def run(
        self, name: str, total: int | None, *, atomic: bool = True
    ) -> Iterator[Callable[[int], object]]:
        """One phase: a transaction, a progress bar on stderr, and its time in the report."""
        started = time.perf_counter()
        with (
            tqdm(
                total=total,
                desc=f"{name:<22}",
                unit=" rows",
                file=sys.stderr,
                disable=not self.progress,
            ) as bar,
            transaction.atomic() if atomic else nullcontext(),
        ):
            yield bar.update
        self.timings.append((name, time.perf_counter() - started))


def _rng(seed: int, phase: str) -> random.Random:
    # One stream per phase, so that changing how one phase draws leaves the others alone.
    return random.Random(f"{seed}/{phase}")


# Rows per bulk insert (Django splits further where SQLite's parameter limit requires it).
BATCH_SIZE = 5000


def delete_demo_data(phases: _Phases | None = None) -> None:
    """Everything seed_demo makes: persons and all that hangs on them, offerings, providers and
    the generated users. Reference data and programme types stay."""
    persons_and_theirs: list[QuerySet[Any]] = [
        FlagEvent.objects.all(),
        PortfolioFlag.objects.all(),
        MatchProposal.objects.all(),
        MatchingRun.objects.all(),
        Placement.objects.all(),
        ReferralEvent.objects.all(),
        Referral.objects.all(),
        CV.objects.all(),
        WorkCapacityAssessment.objects.all(),
        ActivityPlan.objects.all(),
        Person.excluded_providers.through.objects.all(),
    ]
    the_rest: list[QuerySet[Any]] = [
        CapacityReport.objects.all(),
        Offering.objects.all(),
        Provider.objects.all(),
        generated_users(),
    ]
    phases = phases or _Phases(progress=False)
    with phases.run("delete", len(persons_and_theirs) + 1 + len(the_rest)) as advance:
        for queryset in persons_and_theirs:
            queryset.delete()
            advance(1)
        # Person.objects.all().delete() would load every person and ask each table above for
        # their ids again (half a minute at national scale). Those tables are empty now, and
        # the database's foreign keys refuse the statement if anything else still points here.
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(Person._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a table name, quoted)
        advance(1)
        for queryset in the_rest:
            queryset.delete()
            advance(1)


def seed_demo(
    *, scale: Scale, seed: int, today: datetime.date, reset: bool, progress: bool
) -> SeedReport:
    started = time.perf_counter()
    phases = _Phases(progress)
    if reset:
        delete_demo_data(phases)
    elif existing := Person.objects.count():
        with transaction.atomic():
            ensure_demo_logins()
        return SeedReport(created=False, persons=existing, logins=_logins())

    timeline = Timeline(today)
    geography = Geography.load()
    programme_types = {t.code: t for t in ProgrammeType.objects.order_by("code")}

    with phases.run("plan persons", scale.persons, atomic=False) as advance:
        persons = plan_persons(_rng(seed, "persons"), scale, geography, timeline, advance)
    with phases.run("staff", None) as advance:
        demo_users = ensure_demo_logins()
        staff = create_staff(_rng(seed, "staff"), persons, geography, timeline, demo_users, advance)
    with phases.run("persons", len(persons)) as advance:
        insert_persons(persons, advance, BATCH_SIZE)
    with phases.run("providers, offerings", scale.offerings) as advance:
        providers_rng = _rng(seed, "providers")
        offerings = create_providers(providers_rng, scale, geography, programme_types, advance)
        excluded = exclude_providers(providers_rng, persons, offerings)
        ensure_demo_logins()  # now that there is a provider for `arrangor`
        provider = demo_provider()
    with phases.run("plan referrals", None, atomic=False):
        referrals_rng = _rng(seed, "referrals")
        referrals, targets = plan_referrals(
            referrals_rng,
            scale,
            timeline,
            persons,
            geography,
            staff,
            programme_types,
            demo_users["veileder"].pk,
            {(o.municipality.county_id, o.programme_type.code) for o in offerings},
        )
    with phases.run("plan placements", None, atomic=False):
        placed = plan_placements(
            _rng(seed, "placements"),
            timeline,
            persons,
            geography,
            staff,
            programme_types,
            offerings,
            referrals,
            targets,
            excluded,
            provider.pk if provider else None,
        )
        referrals += placed.referrals
    with phases.run("documents", len(persons)) as advance:
        limits = Thresholds.strictest(list(programme_types.values()))
        insert_documents(
            _rng(seed, "documents"), timeline, persons, targets, limits, advance, BATCH_SIZE
        )
    with phases.run("referrals, events", len(referrals)) as advance:
        insert_referrals(referrals, advance, BATCH_SIZE)
    with phases.run("placements, capacity", len(placed.placements)) as advance:
        insert_placements(placed, advance, BATCH_SIZE)
    with connection.cursor() as cursor:
        # The tables were just filled: fresh statistics, so PostgreSQL does not plan the jobs
        # below for empty tables (a national seed's flag job once ran 564 s; 6 s analyzed).
        cursor.execute("ANALYZE")
    with phases.run("waitlist priorities", None):
        # The same service as the nightly refresh: records each waiting person's priority
        # groups (and the county's bonus, 0 days by default).
        for county_number in County.objects.values_list("number", flat=True):
            waitlist_refresh_priorities(county_number=county_number, today=today)
    with phases.run("matching proposals", None, atomic=False):
        # What the nightly run would have proposed for every list with people waiting.
        for county_number, programme_type_id in matching_keys():
            matching_run(
                county_number=county_number,
                programme_type_id=programme_type_id,
                trigger=MatchingTrigger.NATTLIG,
                today=today,
            )
    with phases.run("portfolio flags", None):
        # The nightly flag job, so the portfolio lists have flags from the start.
        flags_refresh(today=today)

    report = SeedReport(created=True, persons=len(persons), logins=_logins())
    report.counts = _counts(cut=placed.cut)
    report.timings = [*phases.timings, ("total", time.perf_counter() - started)]
    return report


def _logins() -> list[tuple[str, str, str]]:
    provider = demo_provider()
    logins = []
    for login in DEMO_LOGINS:
        role = login.role
        if login.username == "arrangor" and provider is not None:
            role = f"{role}, {provider.name}"
        logins.append((login.username, DEMO_PASSWORD, role))
    return logins


def _counts(*, cut: int) -> list[tuple[str, int]]:
    by_status = dict(
        Referral.objects.values_list("status").annotate(n=Count("pk")).order_by("status")
    )
    placements = dict(
        Placement.objects.values_list("status").annotate(n=Count("pk")).order_by("status")
    )
    capacity = Offering.objects.aggregate(
        places=Sum("contracted_places"),
        assigned=Sum("places_assigned"),
        occupied=Sum("places_occupied"),
        free=Sum("free_places"),
    )
    places = capacity["places"] or 0
    in_use = (capacity["assigned"] or 0) + (capacity["occupied"] or 0)
    counties_waiting = (
        Referral.objects.filter(status=ReferralStatus.VENTELISTE)
        .values("county")
        .distinct()
        .count()
    )
    return [
        ("persons", Person.objects.count()),
        ("  without caseworker", Person.objects.filter(caseworker__isnull=True).count()),
        ("CVs", CV.objects.count()),
        ("work-capacity assessments", WorkCapacityAssessment.objects.count()),
        ("activity plans", ActivityPlan.objects.count()),
        ("staff users (generated)", generated_users().count()),
        ("  office memberships", OfficeMembership.objects.count()),
        ("  county memberships", CountyMembership.objects.count()),
        ("providers", Provider.objects.count()),
        ("offerings", Offering.objects.count()),
        ("  closed for intake", Offering.objects.filter(open_for_intake=False).count()),
        ("  contracted places", places),
        ("    offerings cut to their people", cut),
        ("    in use: assigned + occupied", in_use),
        ("    utilisation (%)", round(100 * in_use / places) if places else 0),
        ("  with free places reported", Offering.objects.filter(free_places__gt=0).count()),
        ("    free places", capacity["free"] or 0),
        (
            "matching proposals (open)",
            MatchProposal.objects.filter(status=ProposalStatus.FORESLATT).count(),
        ),
        (
            "portfolio flags (open)",
            PortfolioFlag.objects.filter(status__in=OPEN_FLAG_STATUSES).count(),
        ),
        ("capacity reports", CapacityReport.objects.count()),
        ("placements", sum(placements.values())),
        *((f"  {status}", placements.get(status, 0)) for status in PlacementStatus.values),
        ("referrals", sum(by_status.values())),
        *((f"  {status}", by_status.get(status, 0)) for status in _STATUSES),
        ("  counties with a waitlist", counties_waiting),
        ("referral events", ReferralEvent.objects.count()),
    ]


_STATUSES = (
    ReferralStatus.KLADD,
    ReferralStatus.SOKT_INN,
    ReferralStatus.RETURNERT,
    ReferralStatus.VENTELISTE,
    ReferralStatus.IKKE_AKTUELL,
    ReferralStatus.VENTER_PA_OPPSTART,
    ReferralStatus.DELTAR,
    ReferralStatus.HAR_SLUTTET,
)
