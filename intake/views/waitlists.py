"""The intake team's waitlist pages: every list of the county with its expected wait and the
basis for it, and one list in waiting order (filters with exact counts; give a place or decline
from here)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Min, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from intake import selectors
from intake.forms.review import PRIORITY_GROUP_LABELS, DeclineForm, WaitlistFilterForm
from intake.models import EndReason, Referral, ReferralStatus
from intake.services.priority import county_settings
from intake.views.facets import group_counts, options, wait_options
from org.access import scope_for
from org.models import Municipality, Office
from providers import selectors as provider_selectors
from providers.models import ProgrammeType

PAGE_SIZE = 50
# The waitlist's waiting-time filter: waited (effectively) more than this many days.
WAIT_STEPS = (30, 90, 180, 365)


@dataclass(frozen=True)
class WaitlistSummary:
    county_number: str
    county_name: str
    programme_type_id: int
    short_name: str
    name: str
    waiting: int
    longest_days: int
    # What someone approved today, without priority, can expect: position `waiting + 1`.
    expected: selectors.ExpectedWait


@login_required
def waitlist_overview(request: HttpRequest) -> HttpResponse:
    """The waitlists of the counties whose intake work the user does or leads."""
    scope = scope_for(request.user)
    lists = list(
        selectors.referral_list(scope=scope)
        .filter(scope.county_work_q("county"), status=ReferralStatus.VENTELISTE)
        .values(
            "county__number",
            "county__name",
            "programme_type_id",
            "programme_type__short_name",
            "programme_type__name",
        )
        .annotate(waiting=Count("pk"), first_approved=Min("waitlisted_at"))
        .order_by("county__number", "programme_type__short_name")
    )
    exits: dict[str, dict[int, int]] = {}
    for county_number in dict.fromkeys(row["county__number"] for row in lists):
        exits[county_number] = selectors.waitlist_exits(
            county_number=county_number,
            programme_type_ids=[
                r["programme_type_id"] for r in lists if r["county__number"] == county_number
            ],
        )
    now = timezone.now()
    rows = [
        WaitlistSummary(
            county_number=row["county__number"],
            county_name=row["county__name"],
            programme_type_id=row["programme_type_id"],
            short_name=row["programme_type__short_name"],
            name=row["programme_type__name"],
            waiting=row["waiting"],
            longest_days=(now - row["first_approved"]).days,
            expected=selectors.expected_wait(
                position=row["waiting"] + 1,
                exits=exits[row["county__number"]].get(row["programme_type_id"], 0),
            ),
        )
        for row in lists
    ]
    return render(
        request,
        "intake/waitlist_overview.html",
        {
            "title": _("Ventelister"),
            "rows": rows,
            "total": sum(row.waiting for row in rows),
            "window_weeks": selectors.EXIT_WINDOW_WEEKS,
        },
    )


@dataclass(frozen=True)
class WaitlistRow:
    referral: Referral
    position: int
    days_waited: int
    effective_days: int
    groups: list[str]
    expected: selectors.ExpectedWait

    @property
    def decline_id(self) -> str:
        return f"decline-{self.referral.pk}"


def _days(since: datetime.datetime | None, now: datetime.datetime) -> int:
    return (now - since).days if since else 0


@login_required
def waitlist_detail(
    request: HttpRequest, county_number: str, programme_type_id: int
) -> HttpResponse:
    scope = scope_for(request.user)
    if county_number not in scope.intake_county_numbers | scope.leader_county_numbers:
        raise Http404
    programme_type = ProgrammeType.objects.filter(pk=programme_type_id).first()
    if programme_type is None:
        raise Http404
    values = WaitlistFilterForm(request.GET).values()
    filters = {
        "office_id": values["kontor"],
        "municipality_number": values["kommune"],
        "min_days": values["dager"],
        "priority_group": values["gruppe"],
    }

    def waitlist(**without: None) -> QuerySet[Referral]:
        return selectors.waitlist(
            scope=scope,
            county_number=county_number,
            programme_type_id=programme_type_id,
            **{**filters, **without},
        )

    page = Paginator(waitlist(), PAGE_SIZE).get_page(request.GET.get("side"))
    page.object_list = list(page.object_list)
    selectors.attach_positions(page.object_list)
    exits = selectors.waitlist_exits(
        county_number=county_number, programme_type_ids=[programme_type_id]
    ).get(programme_type_id, 0)
    filtered = any(filters.values())
    whole_list = (
        waitlist(office_id=None, municipality_number=None, min_days=None, priority_group=None)
        .order_by()
        .count()
        if filtered
        else page.paginator.count
    )
    now = timezone.now()
    rows = []
    for referral in page:
        position = getattr(referral, "ahead", 0) + 1
        rows.append(
            WaitlistRow(
                referral=referral,
                position=position,
                days_waited=_days(referral.waitlisted_at, now),
                effective_days=_days(referral.queue_since, now),
                groups=[str(PRIORITY_GROUP_LABELS.get(g, g)) for g in referral.priority_groups],
                expected=selectors.expected_wait(position=position, exits=exits),
            )
        )
    group_base = waitlist(priority_group=None).order_by()
    group_counts_ = group_base.aggregate(
        **{
            group: Count("pk", filter=selectors.in_priority_group(group))
            for group in PRIORITY_GROUP_LABELS
        }
    )
    extra = request.GET.copy()
    extra.pop("side", None)
    # What there is to give: the free places of the list's open offerings in the county.
    free = (
        provider_selectors.offering_list(scope=scope)
        .filter(
            municipality__county_id=county_number,
            programme_type_id=programme_type_id,
            open_for_intake=True,
            free_places__gt=0,
        )
        .order_by()
        .aggregate(places=Sum("free_places"), offerings=Count("pk"))
    )
    return render(
        request,
        "intake/waitlist_detail.html",
        {
            "title": _("Venteliste %(type)s") % {"type": programme_type.short_name},
            "programme_type": programme_type,
            "county": scope.counties().get(number=county_number),
            "rules": county_settings(county_number),
            "page": page,
            "rows": rows,
            "whole_list": whole_list,
            "filtered": filtered,
            "extra_query": extra.urlencode(),
            "basis": selectors.expected_wait(position=whole_list, exits=exits),
            "may_decline": scope.may_review_for_county(county_number),
            "free_places": free["places"] or 0,
            "free_offerings": free["offerings"],
            "end_reasons": EndReason.choices,
            "decline_form": DeclineForm(),
            "facets": {
                "offices": options(
                    Office.objects.filter(county=county_number)
                    .order_by("name")
                    .values_list("pk", "name"),
                    group_counts(waitlist(office_id=None), "office_id"),
                    filters["office_id"],
                ),
                "municipalities": options(
                    Municipality.objects.filter(county=county_number)
                    .order_by("norwegian_name")
                    .values_list("number", "norwegian_name"),
                    group_counts(
                        waitlist(municipality_number=None).filter(selectors.seen_in_full(scope)),
                        "person__home_municipality_id",
                    ),
                    filters["municipality_number"],
                ),
                "groups": options(
                    PRIORITY_GROUP_LABELS.items(), group_counts_, filters["priority_group"]
                ),
                "waits": wait_options(
                    waitlist(min_days=None), "queue_since", WAIT_STEPS, filters["min_days"]
                ),
            },
        },
    )
