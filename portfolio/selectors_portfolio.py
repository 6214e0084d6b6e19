"""The portfolio list (after NAV's "Oversikten"): the persons a caseworker follows, or an
office's or county's persons for their leaders, with their open flags, open referrals and
waits; filters with exact counts, sort orders, and the rows the page and the exports show.

Protected persons the user has no clearance for stay in the list, masked: nothing that could
identify them (name, age, municipality) is shown, filtered on, counted or sorted by."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Min,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext_lazy as _

from intake.models import OPEN_STATUSES, Person, Referral, ReferralStatus
from intake.views.facets import Option, options
from org.access import Scope
from org.models import User
from org.vocabulary import Benefit, NeedGroup
from portfolio.models import OPEN_FLAG_STATUSES, FlagCode, PortfolioFlag

PAGE_SIZE = 50
# Age bands: (from age, up to but not including age, label).
AGE_BANDS: dict[str, tuple[int | None, int | None, Any]] = {
    "under-25": (None, 25, _("Under 25 år")),
    "25-29": (25, 30, _("25–29 år")),
    "30-49": (30, 50, _("30–49 år")),
    "50-": (50, None, _("50 år og over")),
}
# The waiting-time filter: on a waitlist for more than this many days.
WAIT_STEPS = (90, 180, 365)
PORTFOLIO_ORDERS = ("navn", "-navn", "alder", "-alder", "ventetid", "-ventetid", "flagg", "-flagg")


@dataclass(frozen=True)
class PortfolioFilters:
    flag: str | None = None
    need_group: str | None = None
    age_band: str | None = None
    benefit: str | None = None
    municipality: str | None = None
    open_referral: bool | None = None
    min_wait_days: int | None = None
    caseworker_id: int | None = None
    unassigned: bool = False

    def without(self, *names: str) -> PortfolioFilters:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in names:
            values[name] = False if name == "unassigned" else None
        return PortfolioFilters(**values)

    def is_empty(self) -> bool:
        return self == PortfolioFilters()


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_q(band: str, today: datetime.date) -> Q:
    low, high, _label = AGE_BANDS[band]
    q = Q()
    if low is not None:
        q &= Q(birth_date__lte=_years_before(today, low))
    if high is not None:
        q &= Q(birth_date__gt=_years_before(today, high))
    return q


def _visible_q(scope: Scope) -> Q:
    return Q(protection_level__in=scope.protection_levels)


def _open_referral() -> Exists:
    return Exists(Referral.objects.filter(person=OuterRef("pk"), status__in=OPEN_STATUSES))


def portfolio_persons(*, scope: Scope, user: User, mine: bool) -> QuerySet[Person]:
    """The persons in scope (an office's or a county's), or only the user's own portfolio.
    Annotated with what the filters and sort orders read."""
    persons = Person.objects.filter(scope.person_office_q("office"))
    if mine:
        persons = persons.filter(caseworker=user)
    open_flags = (
        PortfolioFlag.objects.filter(person=OuterRef("pk"), status__in=OPEN_FLAG_STATUSES)
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    waiting_since = (
        Referral.objects.filter(person=OuterRef("pk"), status=ReferralStatus.VENTELISTE)
        .order_by("waitlisted_at")
        .values("waitlisted_at")[:1]
    )
    return persons.annotate(
        visible=Case(
            When(_visible_q(scope), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        open_flag_count=Coalesce(Subquery(open_flags, output_field=IntegerField()), 0),
        waiting_since=Subquery(waiting_since, output_field=DateTimeField()),
    )


def apply_filters(
    persons: QuerySet[Person],
    *,
    scope: Scope,
    filters: PortfolioFilters,
    today: datetime.date,
    now: datetime.datetime,
) -> QuerySet[Person]:
    f = filters
    if f.flag:
        persons = persons.filter(
            Exists(
                PortfolioFlag.objects.filter(
                    person=OuterRef("pk"), code=f.flag, status__in=OPEN_FLAG_STATUSES
                )
            )
        )
    if f.need_group:
        persons = persons.filter(need_group=f.need_group)
    if f.age_band:
        persons = persons.filter(_visible_q(scope), _age_q(f.age_band, today))
    if f.benefit:
        persons = persons.filter(benefit=f.benefit)
    if f.municipality:
        persons = persons.filter(_visible_q(scope), home_municipality_id=f.municipality)
    if f.open_referral is not None:
        persons = persons.filter(_open_referral() if f.open_referral else ~_open_referral())
    if f.min_wait_days:
        persons = persons.filter(
            Q(waiting_since__lte=now - datetime.timedelta(days=f.min_wait_days))
        )
    if f.caseworker_id:
        persons = persons.filter(caseworker_id=f.caseworker_id)
    if f.unassigned:
        persons = persons.filter(caseworker__isnull=True)
    return persons


def _order(order: str, scope: Scope) -> list[OrderBy | str]:
    """Masked persons have no name or age to sort by: they come last, in id order."""
    descending = order.startswith("-")
    key = order.lstrip("-")
    if key == "navn":
        name = Case(
            When(_visible_q(scope), then=Concat("last_name", Value(" "), "first_name")),
            default=Value(None),
        )
        return [
            name.desc(nulls_last=True) if descending else name.asc(nulls_last=True),
            "pk",
        ]
    if key == "alder":
        born = Case(When(_visible_q(scope), then=F("birth_date")), default=Value(None))
        # Older first is an earlier birth date.
        return [born.asc(nulls_last=True) if descending else born.desc(nulls_last=True), "pk"]
    if key == "ventetid":
        since = F("waiting_since")
        return [since.asc(nulls_last=True) if descending else since.desc(nulls_last=True), "pk"]
    count = F("open_flag_count")
    return [count.desc() if descending else count.asc(), "pk"]


def portfolio_list(
    *,
    scope: Scope,
    user: User,
    mine: bool,
    filters: PortfolioFilters,
    order: str,
    today: datetime.date,
    now: datetime.datetime,
) -> QuerySet[Person]:
    """The filtered, sorted list, with what each row shows loaded in a fixed number of
    queries per page (open flags and open referrals are prefetched)."""
    persons = apply_filters(
        portfolio_persons(scope=scope, user=user, mine=mine),
        scope=scope,
        filters=filters,
        today=today,
        now=now,
    )
    return (
        persons.select_related("office", "home_municipality", "caseworker")
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=PortfolioFlag.objects.filter(status__in=OPEN_FLAG_STATUSES).order_by(
                    "code"
                ),
                to_attr="open_flags",
            ),
            Prefetch(
                "referrals",
                queryset=Referral.objects.filter(status__in=OPEN_STATUSES)
                .select_related("programme_type")
                .order_by("created_at", "pk"),
                to_attr="open_referrals",
            ),
        )
        .order_by(*_order(order, scope))
    )


# --- the rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioRow:
    """One person as the list and the exports show them; masked persons carry no name, age or
    municipality (and never a fødselsnummer, which no row has)."""

    person_id: int
    visible: bool
    name: str
    age: int | None
    need_group: str
    benefit: str
    municipality: str
    office: str
    caseworker: str
    flags: list[PortfolioFlag] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    waiting_days: int | None = None

    @property
    def flag_codes(self) -> str:
        return ", ".join(flag.code for flag in self.flags)

    @property
    def referral_text(self) -> str:
        return ", ".join(
            f"{r.programme_type.short_name}: {r.get_status_display()}" for r in self.referrals
        )


def portfolio_rows(
    persons: Iterable[Person], *, scope: Scope, today: datetime.date, now: datetime.datetime
) -> list[PortfolioRow]:
    rows = []
    for person in persons:
        visible = scope.may_see_protected(person.protection_level)
        since: datetime.datetime | None = getattr(person, "waiting_since", None)
        rows.append(
            PortfolioRow(
                person_id=person.pk,
                visible=visible,
                name=person.full_name if visible else str(_("Adressebeskyttet")),
                age=person.age_on(today) if visible else None,
                need_group=person.get_need_group_display() if person.need_group else "",
                benefit=person.get_benefit_display(),
                municipality=str(person.home_municipality) if visible else "",
                office=person.office.name,
                caseworker=person.caseworker.display_name if person.caseworker else "",
                flags=list(getattr(person, "open_flags", [])),
                referrals=list(getattr(person, "open_referrals", [])),
                waiting_days=(now - since).days if since else None,
            )
        )
    return rows


# --- filters with counts -------------------------------------------------------------------


@dataclass
class PortfolioFacets:
    flags: list[Option]
    need_groups: list[Option]
    age_bands: list[Option]
    benefits: list[Option]
    municipalities: list[Option]
    open_referral: list[Option]
    waits: list[Option]
    caseworkers: list[Option]
    unassigned: list[Option]


def _group_counts(persons: QuerySet[Any], name: str) -> dict[Any, int]:
    return {row[name]: row["n"] for row in persons.order_by().values(name).annotate(n=Count("pk"))}


def portfolio_facets(
    *,
    scope: Scope,
    user: User,
    mine: bool,
    filters: PortfolioFilters,
    today: datetime.date,
    now: datetime.datetime,
) -> PortfolioFacets:
    """Each filter's choices with exact counts under the other filters: one query per filter,
    whatever the length of the list."""
    base = portfolio_persons(scope=scope, user=user, mine=mine)

    def without(*names: str) -> QuerySet[Any]:
        return apply_filters(
            base, scope=scope, filters=filters.without(*names), today=today, now=now
        ).order_by()

    flag_counts = {
        row["code"]: row["n"]
        for row in PortfolioFlag.objects.filter(
            status__in=OPEN_FLAG_STATUSES, person__in=without("flag").values("pk")
        )
        .order_by()
        .values("code")
        .annotate(n=Count("person", distinct=True))
    }
    ages = (
        without("age_band")
        .filter(_visible_q(scope))
        .aggregate(**{key: Count("pk", filter=_age_q(key, today)) for key in AGE_BANDS})
    )
    municipalities = list(
        without("municipality")
        .filter(_visible_q(scope))
        .values("home_municipality_id", "home_municipality__norwegian_name")
        .annotate(n=Count("pk"))
        .order_by("home_municipality__norwegian_name")
    )
    referral_counts = (
        without("open_referral")
        .annotate(has_open=_open_referral())
        .aggregate(
            yes=Count("pk", filter=Q(has_open=True)), no=Count("pk", filter=Q(has_open=False))
        )
    )
    # From the waiting referrals' side: one grouped pass over the people on a waitlist, rather
    # than a correlated subquery per person and step.
    waiting_since = list(
        Referral.objects.filter(
            status=ReferralStatus.VENTELISTE,
            person__in=without("min_wait_days").values("pk"),
        )
        .order_by()
        .values("person")
        .annotate(since=Min("waitlisted_at"))
        .values_list("since", flat=True)
    )
    wait_counts = {
        f"d{days}": sum(
            1 for since in waiting_since if since <= now - datetime.timedelta(days=days)
        )
        for days in WAIT_STEPS
    }
    caseworkers: list[Option] = []
    unassigned: list[Option] = []
    if not mine:
        rows = list(
            without("caseworker_id", "unassigned")
            .values(
                "caseworker_id",
                "caseworker__first_name",
                "caseworker__last_name",
                "caseworker__username",
            )
            .annotate(n=Count("pk"))
        )
        named = sorted(
            (
                (
                    row["caseworker_id"],
                    f"{row['caseworker__first_name']} {row['caseworker__last_name']}".strip()
                    or row["caseworker__username"],
                )
                for row in rows
                if row["caseworker_id"] is not None
            ),
            key=lambda item: item[1],
        )
        counts = {row["caseworker_id"]: row["n"] for row in rows}
        caseworkers = options(named, counts, filters.caseworker_id)
        unassigned = options(
            [(True, _("Bare ufordelte"))], {True: counts.get(None, 0)}, filters.unassigned or None
        )
    return PortfolioFacets(
        flags=options(FlagCode.choices, flag_counts, filters.flag),
        need_groups=options(
            NeedGroup.choices,
            _group_counts(without("need_group"), "need_group"),
            filters.need_group,
        ),
        age_bands=[
            Option(key, str(label), ages[key], key == filters.age_band)
            for key, (_low, _high, label) in AGE_BANDS.items()
        ],
        benefits=options(
            Benefit.choices, _group_counts(without("benefit"), "benefit"), filters.benefit
        ),
        municipalities=options(
            [
                (row["home_municipality_id"], row["home_municipality__norwegian_name"])
                for row in municipalities
            ],
            {row["home_municipality_id"]: row["n"] for row in municipalities},
            filters.municipality,
        ),
        open_referral=[
            Option(
                "ja",
                str(_("Har åpen henvisning")),
                referral_counts["yes"],
                filters.open_referral is True,
            ),
            Option(
                "nei",
                str(_("Ingen åpen henvisning")),
                referral_counts["no"],
                filters.open_referral is False,
            ),
        ],
        waits=[
            Option(
                str(days),
                str(_("Venter mer enn %(n)s dager") % {"n": days}),
                wait_counts[f"d{days}"],
                days == filters.min_wait_days,
            )
            for days in WAIT_STEPS
        ],
        caseworkers=caseworkers,
        unassigned=unassigned,
    )
