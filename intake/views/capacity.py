"""The capacity overview of a county, for its intake team and county leaders (DOMAIN.md
sections 6 and 9): per provider and offering the contracted places, participants, places given
and not started, reported free places and utilisation; free places per municipality and
programme type; where people wait the longest; and the new free places the providers reported.

Every figure is exact (counted, never sampled), and the page costs the same number of queries
however many offerings and waiting people the county has."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from intake import selectors
from intake.forms.placements import CapacityFilterForm
from intake.models import MatchingRequest, Referral, ReferralStatus
from intake.selectors import Places
from intake.services import placements as placement_services
from org.access import Scope, scope_for
from org.models import County, Provider, User
from providers import selectors as provider_selectors
from providers.models import CapacityReport, Offering, ProgrammeType

# "Nye ledige plasser": unseen ones always, seen ones for this long, at most this many rows.
NEW_PLACES_DAYS = 30
NEW_PLACES_MAX_ROWS = 20
# How many home municipalities to name per programme type under "where people wait longest".
TOP_MUNICIPALITIES = 3


def places_of(offering: Offering) -> Places:
    return Places(
        offering.contracted_places,
        offering.places_occupied,
        offering.places_assigned,
        offering.free_places,
    )


@dataclass(frozen=True)
class OfferingRow:
    offering: Offering
    places: Places
    last_report_at: datetime.datetime | None


@dataclass(frozen=True)
class ProviderGroup:
    provider: Provider
    rows: list[OfferingRow]
    places: Places


@dataclass(frozen=True)
class MunicipalityRow:
    number: str
    name: str
    free: list[int]  # one per programme type column
    total: int


@dataclass(frozen=True)
class HomeMunicipality:
    name: str
    waiting: int
    longest_days: int


@dataclass(frozen=True)
class WaitRow:
    programme_type_id: int
    short_name: str
    name: str
    waiting: int
    longest_days: int
    median_days: float
    municipalities: list[HomeMunicipality]


def _county_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not (scope.is_intake or scope.is_county_leader):
        raise Http404
    return scope


def offering_groups(offerings: Sequence[Offering]) -> list[ProviderGroup]:
    """The offerings per provider, in the order they come, with subtotals."""
    by_provider: dict[int, list[OfferingRow]] = {}
    providers: dict[int, Provider] = {}
    for offering in offerings:
        providers[offering.provider_id] = offering.provider
        by_provider.setdefault(offering.provider_id, []).append(
            OfferingRow(offering, places_of(offering), offering.last_report_at)  # type: ignore[attr-defined]
        )
    return [
        ProviderGroup(providers[pk], rows, sum((row.places for row in rows), Places()))
        for pk, rows in by_provider.items()
    ]


def free_by_municipality(
    offerings: Sequence[Offering],
) -> tuple[list[tuple[int, str]], list[MunicipalityRow], list[int]]:
    """Free places of the offerings open for intake, per municipality (rows) and programme
    type (columns), with the column totals. Municipalities with offerings only."""
    columns: dict[int, str] = {}
    free: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    names: dict[str, str] = {}
    for offering in offerings:
        names[offering.municipality_id] = str(offering.municipality)
        if offering.open_for_intake:
            columns.setdefault(offering.programme_type_id, offering.programme_type.short_name)
            free[offering.municipality_id][offering.programme_type_id] += offering.free_places
    ordered = sorted(columns.items(), key=lambda item: item[1])
    rows = [
        MunicipalityRow(
            number,
            names[number],
            [free[number][type_id] for type_id, _name in ordered],
            sum(free[number].values()),
        )
        for number in sorted(names, key=lambda n: names[n])
    ]
    totals = [sum(row.free[i] for row in rows) for i in range(len(ordered))]
    return ordered, rows, totals


def _days(since: datetime.datetime, now: datetime.datetime) -> int:
    return (now - since).days


def waits(scope: Scope, waiting: QuerySet[Referral], now: datetime.datetime) -> list[WaitRow]:
    """Per programme type: how many wait on the county's list, the longest and the median wait
    (days since approval), and the home municipalities where most of them live. Three queries
    however long the lists: the median rows are picked in the database with a window."""
    waiting = waiting.order_by()
    per_type = list(
        waiting.values("programme_type_id", "programme_type__short_name", "programme_type__name")
        .annotate(n=Count("pk"), first=Min("waitlisted_at"))
        .order_by("programme_type__short_name")
    )
    # The middle one (odd count) or two (even count) of each list ordered by approval time.
    ranked = waiting.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("programme_type_id")],
            order_by=[F("waitlisted_at").asc(), F("pk").asc()],
        ),
        size=Window(Count("pk"), partition_by=[F("programme_type_id")]),
    )
    middle: dict[int, list[int]] = defaultdict(list)
    for type_id, approved in ranked.filter(
        rank__gte=(F("size") + 1) / 2, rank__lte=(F("size") + 2) / 2
    ).values_list("programme_type_id", "waitlisted_at"):
        assert approved is not None  # a waiting referral has its approval time (constraint)
        middle[type_id].append(_days(approved, now))
    # Where they live: not for persons the user may not see in full (a count of one would
    # tell where a protected person lives).
    homes: dict[int, list[HomeMunicipality]] = defaultdict(list)
    for row in (
        waiting.filter(person__protection_level__in=scope.protection_levels)
        .values(
            "programme_type_id",
            "person__home_municipality_id",
            "person__home_municipality__norwegian_name",
        )
        .annotate(n=Count("pk"), first=Min("waitlisted_at"))
        .order_by("programme_type_id", "-n", "first", "person__home_municipality_id")
    ):
        found = homes[row["programme_type_id"]]
        if len(found) < TOP_MUNICIPALITIES:
            found.append(
                HomeMunicipality(
                    row["person__home_municipality__norwegian_name"],
                    row["n"],
                    _days(row["first"], now),
                )
            )
    return [
        WaitRow(
            programme_type_id=row["programme_type_id"],
            short_name=row["programme_type__short_name"],
            name=row["programme_type__name"],
            waiting=row["n"],
            longest_days=_days(row["first"], now),
            median_days=sum(middle[row["programme_type_id"]])
            / len(middle[row["programme_type_id"]]),
            municipalities=homes[row["programme_type_id"]],
        )
        for row in per_type
    ]


def _chosen_county(scope: Scope, number: str | None) -> tuple[County, list[County]]:
    counties = list(scope.counties())
    if not counties:
        raise Http404
    return next((c for c in counties if c.number == number), counties[0]), counties


@login_required
def capacity_overview(request: HttpRequest) -> HttpResponse:
    scope = _county_scope(request)
    filters = CapacityFilterForm(request.GET).values()
    county, counties = _chosen_county(scope, filters["fylke"])
    type_id = filters["tiltakstype"]
    now = timezone.now()

    latest_report = CapacityReport.objects.filter(offering=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    offerings = provider_selectors.offering_list(scope=scope).filter(
        municipality__county_id=county.number
    )
    waiting = selectors.referral_list(scope=scope).filter(
        county_id=county.number, status=ReferralStatus.VENTELISTE
    )
    if type_id:
        offerings = offerings.filter(programme_type_id=type_id)
        waiting = waiting.filter(programme_type_id=type_id)
    offering_rows = list(
        offerings.annotate(
            last_report_at=Subquery(latest_report.values("created_at")[:1])
        ).order_by("provider__name", "provider_id", "name", "pk")
    )
    groups = offering_groups(offering_rows)
    columns, municipalities, column_totals = free_by_municipality(offering_rows)

    is_intake = scope.may_review_for_county(county.number)
    new_places: list[MatchingRequest] = []
    unseen = 0
    if is_intake:
        requests = MatchingRequest.objects.filter(county_id=county.number)
        unseen = requests.filter(seen_at__isnull=True).count()
        new_places = list(
            requests.filter(
                Q(seen_at__isnull=True)
                | Q(requested_at__gte=now - datetime.timedelta(days=NEW_PLACES_DAYS))
            )
            .select_related("programme_type")
            .order_by("-requested_at", "-pk")[:NEW_PLACES_MAX_ROWS]
        )
    return render(
        request,
        "intake/capacity/overview.html",
        {
            "title": _("Kapasitet"),
            "county": county,
            "counties": counties if len(counties) > 1 else [],
            "programme_types": ProgrammeType.objects.order_by("short_name"),
            "type_id": type_id,
            "groups": groups,
            "totals": sum((group.places for group in groups), Places()),
            "columns": columns,
            "municipalities": municipalities,
            "column_totals": column_totals,
            "waits": waits(scope, waiting, now),
            "is_intake": is_intake,
            "new_places": new_places,
            "unseen": unseen,
            "new_places_days": NEW_PLACES_DAYS,
        },
    )


@login_required
@require_POST
def capacity_mark_seen(request: HttpRequest) -> HttpResponse:
    """Mark the county's new free places as seen: the intake team's work, not the leader's."""
    scope = _county_scope(request)
    if not scope.is_intake:
        raise Http404
    county, _counties = _chosen_county(scope, request.POST.get("fylke"))
    actor = request.user
    assert isinstance(actor, User)
    try:
        marked = placement_services.matching_requests_mark_seen(
            actor=actor, county_number=county.number
        )
    except ApplicationError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(n)s melding om nye ledige plasser er merket som sett.",
                "%(n)s meldinger om nye ledige plasser er merket som sett.",
                marked,
            )
            % {"n": marked},
        )
    return redirect(f"{reverse('capacity-overview')}?fylke={county.number}")
