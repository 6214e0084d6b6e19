"""The leader dashboards (DOMAIN.md section 9): waits, referral quality, capacity, priority and
need groups, and the split of places against the yearly target, for the office or county the
user leads.

Aggregates only: no section reads or shows a person. In breakdowns by office, and everywhere
on an office leader's dashboard, a count of 1-4 people is shown as "<5" (and the figures
derived from it as "–") so that nobody can be recognised from a small cell. Each section costs
a fixed number of queries however much data there is: medians and the 90th percentile are
picked per group in the database with window functions (on PostgreSQL and SQLite alike), so at
most four rows per group come back."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import ExtractYear, RowNumber, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from intake.forms.review import PRIORITY_GROUP_LABELS
from intake.models import (
    CountyIntakeSettings,
    EventKind,
    Person,
    Placement,
    PlacementStatus,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from intake.selectors import Places
from intake.services.priority import county_settings
from intake.services.referrals import RETURN_REASONS
from org.access import Scope
from org.models import County, Office
from org.vocabulary import ADAPTED_NEED_GROUPS, CountryBackground, NeedGroup
from portfolio.charts import BarChart, LineChart, Series, bar_chart, line_chart
from portfolio.models import YearlyPlaceTarget
from providers.models import Offering

# A cell counting fewer people than this is shown as "<5" where it could point at someone.
SMALL_CELL = 5
# The trend and referral sections look back this many months, the current one included.
MONTHS = 12
# The split of places is shown for this many years, the current one included.
TARGET_YEARS = 3

SECTIONS = ("ventetid", "utvikling", "henvisninger", "kapasitet", "grupper", "fordeling")


@dataclass(frozen=True)
class Area:
    """What a leader's dashboard covers: the offices they lead and the counties they lead."""

    office_ids: frozenset[int]
    county_numbers: frozenset[str]
    name: str
    # The county whose priority-group rules apply, when the area lies within one county.
    rule_county: str | None

    @property
    def office_level(self) -> bool:
        return not self.county_numbers

    def referrals_q(self, prefix: str = "") -> Q:
        """Referrals made by the offices, or belonging to the counties."""
        return Q(**{f"{prefix}office__in": self.office_ids}) | Q(
            **{f"{prefix}county__in": self.county_numbers}
        )

    def persons_q(self) -> Q:
        return Q(office__in=self.office_ids) | Q(office__county__in=self.county_numbers)

    def offerings_q(self) -> Q:
        """Offerings located in the counties, or in the municipalities the offices serve."""
        served = Office.municipalities.through.objects.filter(office_id__in=self.office_ids).values(
            "municipality_id"
        )
        return Q(municipality__county__in=self.county_numbers) | Q(municipality__in=served)


def area_for(scope: Scope) -> Area | None:
    """The leader's area, or None for anyone who leads nothing (the page answers 404)."""
    if not scope.is_leader:
        return None
    counties = list(County.objects.filter(number__in=scope.leader_county_numbers))
    offices = list(
        Office.objects.filter(pk__in=scope.leader_office_ids).exclude(
            county__in=scope.leader_county_numbers
        )
    )
    in_counties = {c.number for c in counties} | {o.county_id for o in offices}
    return Area(
        office_ids=frozenset(o.pk for o in offices),
        county_numbers=frozenset(c.number for c in counties),
        name=", ".join([c.name for c in counties] + [o.name for o in offices]),
        rule_county=next(iter(in_counties)) if len(in_counties) == 1 else None,
    )


@dataclass(frozen=True)
class Table:
    """A table of a section, as shown beneath its chart and as exported: the first column
    names the row, the others are figures already formatted."""

    caption: str
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    note: str
    chart: BarChart | LineChart
    tables: list[Table]

    @property
    def svg(self) -> SafeString:
        if isinstance(self.chart, LineChart):
            return line_chart(self.chart)
        return bar_chart(self.chart)


# Formatting, and hiding small cells.


def _hidden(n: int, masked: bool) -> bool:
    return masked and 0 < n < SMALL_CELL


def _count(n: int, masked: bool) -> str:
    return "<5" if _hidden(n, masked) else str(n)


def _decimal(number: float) -> str:
    return f"{number:.1f}".replace(".", ",").removesuffix(",0")


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def _percent_text(share: float | None) -> str:
    return "–" if share is None else f"{_decimal(share)} %"


def _months(now: datetime.datetime) -> list[datetime.date]:
    """The first day of each of the last MONTHS months, oldest first."""
    year, month = now.year, now.month
    firsts = []
    for _step in range(MONTHS):
        firsts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]


def _month_start(now: datetime.datetime) -> datetime.datetime:
    first = _months(now)[0]
    return timezone.make_aware(datetime.datetime(first.year, first.month, 1))


def _month_label(first: datetime.date) -> str:
    return date_format(first, "M Y")


def _month_key(value: datetime.datetime | datetime.date) -> datetime.date:
    return datetime.date(value.year, value.month, 1)


# Waits.


@dataclass(frozen=True)
class WaitStats:
    """How many wait in a group, and the median, 90th percentile and longest wait in days.
    The 90th percentile is the nearest-rank one: 90 % wait this long or shorter."""

    label: str
    count: int
    median: float
    p90: int
    longest: int


def wait_stats(
    rows: QuerySet[Any], *, group: str, label: str, since: str, now: datetime.datetime
) -> list[WaitStats]:
    """Wait statistics per group in one query: every row is ranked within its group from the
    shortest wait to the longest, and only the ranks the figures need are read."""
    ranked = rows.order_by().annotate(
        rank=Window(
            RowNumber(), partition_by=[F(group)], order_by=[F(since).desc(), F("pk").asc()]
        ),
        size=Window(Count("pk"), partition_by=[F(group)]),
    )
    picked = ranked.filter(
        Q(rank__gte=(F("size") + 1) / 2, rank__lte=(F("size") + 2) / 2)
        | Q(rank=(F("size") * 9 + 9) / 10)
        | Q(rank=F("size"))
    )
    found: dict[Hashable, dict[str, Any]] = {}
    for key, name, size, rank, start in picked.values_list(group, label, "size", "rank", since):
        days = (now - start).days
        entry = found.setdefault(key, {"label": name, "size": size, "middle": []})
        if (size + 1) // 2 <= rank <= (size + 2) // 2:
            entry["middle"].append(days)
        if rank == (size * 9 + 9) // 10:
            entry["p90"] = days
        if rank == size:
            entry["longest"] = days
    stats = [
        WaitStats(
            label=str(entry["label"]),
            count=entry["size"],
            median=sum(entry["middle"]) / len(entry["middle"]),
            p90=entry["p90"],
            longest=entry["longest"],
        )
        for entry in found.values()
    ]
    return sorted(stats, key=lambda s: s.label)


def _wait_table(caption: str, first: str, stats: list[WaitStats], masked: bool) -> Table:
    rows = []
    for s in stats:
        if _hidden(s.count, masked):
            rows.append([s.label, "<5", "–", "–", "–"])
        else:
            rows.append([s.label, str(s.count), _decimal(s.median), str(s.p90), str(s.longest)])
    columns = [
        first,
        _("Venter"),
        _("Median (dager)"),
        _("90-persentil (dager)"),
        _("Lengst (dager)"),
    ]
    return Table(caption, columns, rows)


def waits_section(area: Area, now: datetime.datetime) -> Section:
    waiting = Referral.objects.filter(area.referrals_q(), status=ReferralStatus.VENTELISTE)
    by_type = wait_stats(
        waiting,
        group="programme_type_id",
        label="programme_type__short_name",
        since="waitlisted_at",
        now=now,
    )
    by_office = wait_stats(
        waiting, group="office_id", label="office__name", since="waitlisted_at", now=now
    )
    by_provider = wait_stats(
        Placement.objects.filter(area.referrals_q("referral__"), status=PlacementStatus.TILDELT),
        group="offering__provider_id",
        label="offering__provider__name",
        since="assigned_at",
        now=now,
    )
    masked = area.office_level
    shown = [s for s in by_type if not _hidden(s.count, masked)]

    def series(name: str, values: list[float]) -> Series:
        return Series(name, list(values), [_decimal(v) for v in values])

    chart = BarChart(
        chart_id="chart-ventetid",
        title=_("Ventetid per tiltakstype"),
        description=_(
            "Median, 90-persentil og lengste ventetid i dager for dem som står på venteliste, "
            "per tiltakstype. Tallene står også i tabellen under."
        ),
        categories=[s.label for s in shown],
        series=[
            series(_("Median"), [s.median for s in shown]),
            series(_("90-persentil"), [s.p90 for s in shown]),
            series(_("Lengst"), [s.longest for s in shown]),
        ],
    )
    return Section(
        slug="ventetid",
        title=_("Ventetid"),
        note=_(
            "Ventetid = dager siden henvisningen ble godkjent, uten prioritetstillegg. Per "
            "arrangør: dager siden plassen ble tildelt, for dem som ikke har startet ennå."
        ),
        chart=chart,
        tables=[
            _wait_table(_("Per tiltakstype"), _("Tiltakstype"), by_type, masked),
            _wait_table(_("Per Nav-kontor"), _("Nav-kontor"), by_office, True),
            _wait_table(
                _("Tildelt plass, venter på oppstart, per arrangør"),
                _("Arrangør"),
                by_provider,
                masked,
            ),
        ],
    )


def trend_section(area: Area, now: datetime.datetime) -> Section:
    """How many waited at the end of each month, counted back from today's lists with every
    arrival on and departure from a list since then (the history records each of them)."""
    months = _months(now)
    current = Referral.objects.filter(area.referrals_q(), status=ReferralStatus.VENTELISTE).count()
    arrived = Q(to_status=ReferralStatus.VENTELISTE) & ~Q(from_status=ReferralStatus.VENTELISTE)
    left = Q(from_status=ReferralStatus.VENTELISTE) & ~Q(to_status=ReferralStatus.VENTELISTE)
    moves: dict[datetime.date, tuple[int, int]] = {}
    for row in (
        ReferralEvent.objects.filter(
            area.referrals_q("referral__"), arrived | left, at__gte=_month_start(now)
        )
        .annotate(month=TruncMonth("at"))
        .values("month")
        .annotate(arrived=Count("pk", filter=arrived), left=Count("pk", filter=left))
        .order_by()
    ):
        moves[_month_key(row["month"])] = (row["arrived"], row["left"])
    at_end: dict[datetime.date, int] = {}
    waiting = current
    for first in reversed(months):
        at_end[first] = waiting
        came, went = moves.get(first, (0, 0))
        waiting = waiting - came + went
    masked = area.office_level
    labels = [_month_label(m) for m in months]

    def series(name: str, values: list[int]) -> Series:
        return Series(
            name,
            [None if _hidden(v, masked) else float(v) for v in values],
            [_count(v, masked) for v in values],
        )

    ends = [at_end[m] for m in months]
    ins = [moves.get(m, (0, 0))[0] for m in months]
    outs = [moves.get(m, (0, 0))[1] for m in months]
    return Section(
        slug="utvikling",
        title=_("Ventelister siste 12 måneder"),
        note=_(
            "Antall på venteliste ved utgangen av hver måned (inneværende måned: i dag), og hvor "
            "mange som kom på og gikk ut av listene i måneden."
        ),
        chart=LineChart(
            chart_id="chart-utvikling",
            title=_("Ventelister siste 12 måneder"),
            description=_(
                "Linjer for antall som venter ved månedsslutt, nye på venteliste og antall som "
                "gikk ut av listene, per måned de siste 12 månedene."
            ),
            x_labels=[date_format(m, "M") for m in months],
            series=[
                series(_("Venter"), ends),
                series(_("Nye"), ins),
                series(_("Gikk ut"), outs),
            ],
        ),
        tables=[
            Table(
                _("Per måned"),
                [_("Måned"), _("Venter ved månedsslutt"), _("Nye på venteliste"), _("Gikk ut")],
                [
                    [label, _count(e, masked), _count(i, masked), _count(o, masked)]
                    for label, e, i, o in zip(labels, ends, ins, outs, strict=True)
                ],
            )
        ],
    )


# Referral quality.

_REFERRAL_KINDS = (EventKind.SOKT_INN, EventKind.RETURNERT, EventKind.GODKJENT)


def _referral_row(label: str, counts: dict[str, int], masked: bool) -> list[str]:
    sent, returned, approved = (counts.get(kind, 0) for kind in _REFERRAL_KINDS)
    rate = None if _hidden(sent, masked) or _hidden(returned, masked) else _percent(returned, sent)
    return [
        label,
        _count(sent, masked),
        _count(returned, masked),
        _count(approved, masked),
        _percent_text(rate),
    ]


def referrals_section(area: Area, now: datetime.datetime) -> Section:
    months = _months(now)
    events = ReferralEvent.objects.filter(area.referrals_q("referral__"), at__gte=_month_start(now))
    by_month: dict[datetime.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_office: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        events.filter(kind__in=_REFERRAL_KINDS)
        .annotate(month=TruncMonth("at"))
        .values("month", "referral__office__name", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_month[_month_key(row["month"])][row["kind"]] += row["n"]
        by_office[row["referral__office__name"]][row["kind"]] += row["n"]
    reasons: dict[str, int] = defaultdict(int)
    returns = 0
    for combination in (
        events.filter(kind=EventKind.RETURNERT).values("reasons").annotate(n=Count("pk")).order_by()
    ):
        returns += combination["n"]
        for code in combination["reasons"] or []:
            reasons[code] += combination["n"]
    masked = area.office_level
    columns = [_("Sendt inn"), _("Returnert"), _("Godkjent"), _("Andel returnert")]

    def series(name: str, kind: str) -> Series:
        values = [by_month[m].get(kind, 0) for m in months]
        return Series(
            name,
            [None if _hidden(v, masked) else float(v) for v in values],
            [_count(v, masked) for v in values],
        )

    return Section(
        slug="henvisninger",
        title=_("Henvisninger: sendt inn, returnert og godkjent"),
        note=_(
            "Siste 12 måneder. «Sendt inn» teller hver innsending, også nye runder etter en "
            "retur. En retur kan ha flere årsaker, så årsakene summerer til mer enn antall "
            "returer."
        ),
        chart=LineChart(
            chart_id="chart-henvisninger",
            title=_("Henvisninger per måned"),
            description=_(
                "Linjer for antall henvisninger sendt inn, returnert og godkjent per måned de "
                "siste 12 månedene."
            ),
            x_labels=[date_format(m, "M") for m in months],
            series=[
                series(_("Sendt inn"), EventKind.SOKT_INN),
                series(_("Returnert"), EventKind.RETURNERT),
                series(_("Godkjent"), EventKind.GODKJENT),
            ],
        ),
        tables=[
            Table(
                _("Per måned"),
                [_("Måned"), *columns],
                [_referral_row(_month_label(m), by_month[m], masked) for m in months],
            ),
            Table(
                _("Per Nav-kontor"),
                [_("Nav-kontor"), *columns],
                [_referral_row(name, by_office[name], True) for name in sorted(by_office)],
            ),
            Table(
                _("Returer per årsak"),
                [_("Årsak"), _("Returer"), _("Andel av returene")],
                [
                    [
                        str(RETURN_REASONS.get(code, code)),
                        _count(n, masked),
                        _percent_text(None if _hidden(n, masked) else _percent(n, returns)),
                    ]
                    for code, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
                ],
            ),
        ],
    )


# Capacity.


def capacity_section(area: Area) -> Section:
    """Places per provider, summed over its offerings in the area; utilisation as on the
    county's capacity overview (participants and places given, over contracted places)."""
    providers = [
        (
            row["provider__name"],
            Places(row["contracted"], row["occupied"], row["assigned"], row["free"]),
        )
        for row in Offering.objects.filter(area.offerings_q())
        .values("provider_id", "provider__name")
        .annotate(
            contracted=Sum("contracted_places"),
            occupied=Sum("places_occupied"),
            assigned=Sum("places_assigned"),
            free=Sum("free_places"),
        )
        .order_by("provider__name", "provider_id")
    ]
    total = sum((places for _name, places in providers), Places())

    def row(name: str, p: Places) -> list[str]:
        return [
            name,
            str(p.contracted),
            str(p.occupied),
            str(p.assigned),
            str(p.free),
            _percent_text(p.utilisation),
        ]

    rows = [row(name, places) for name, places in providers]
    if providers:
        rows.append(row(_("Sum"), total))
    return Section(
        slug="kapasitet",
        title=_("Kapasitet og utnyttelse per arrangør"),
        note=_(
            "Utnyttelse = deltakere og tildelte plasser som ikke har startet, delt på avtalte "
            "plasser. «Meldt ledig» er det arrangøren sist meldte, minus plassene som er "
            "tildelt siden."
        ),
        chart=BarChart(
            chart_id="chart-kapasitet",
            title=_("Utnyttelse per arrangør"),
            description=_(
                "Stolper for utnyttelsen av de avtalte plassene hos hver arrangør, i prosent."
            ),
            categories=[name for name, _places in providers],
            series=[
                Series(
                    _("Utnyttelse"),
                    [p.utilisation for _name, p in providers],
                    [_percent_text(p.utilisation) for _name, p in providers],
                )
            ],
            max_value=100,
        ),
        tables=[
            Table(
                _("Per arrangør"),
                [
                    _("Arrangør"),
                    _("Avtalte"),
                    _("Deltar"),
                    _("Tildelt"),
                    _("Meldt ledig"),
                    _("Utnyttelse"),
                ],
                rows,
            )
        ],
    )


# Priority groups and need groups.

_NO_NEED_GROUP = ""


@dataclass(frozen=True)
class GroupCounts:
    """People (persons, referrals or placements) in all, per need group and per priority
    group. Priority groups overlap, so they may sum to more than the total."""

    total: int
    need: dict[str, int]
    priority: dict[str, int]


def _split(rows: QuerySet[Any], need_field: str, groups_field: str) -> GroupCounts:
    need: dict[str, int] = defaultdict(int)
    priority: dict[str, int] = defaultdict(int)
    total = 0
    for row in rows:
        total += row["n"]
        need[row[need_field] or _NO_NEED_GROUP] += row["n"]
        for group in row[groups_field] or []:
            priority[group] += row["n"]
    return GroupCounts(total, need, priority)


def _portfolio_counts(area: Area, now: datetime.datetime) -> GroupCounts:
    """The persons of the area now, with the priority groups as the waitlists would record
    them today (the county's rules where the area lies in one county, else the defaults)."""
    rules = county_settings(area.rule_county) if area.rule_county else CountyIntakeSettings()
    today = timezone.localdate(now)
    try:
        young_after = today.replace(year=today.year - rules.young_age_limit)
    except ValueError:  # 29 February
        young_after = today.replace(year=today.year - rules.young_age_limit, day=28)
    persons = Person.objects.filter(area.persons_q())
    need = {
        row["need_group"] or _NO_NEED_GROUP: row["n"]
        for row in persons.values("need_group").annotate(n=Count("pk")).order_by()
    }
    groups = persons.aggregate(
        young=Count("pk", filter=Q(birth_date__gt=young_after)),
        non_eea=Count("pk", filter=Q(country_background=CountryBackground.UTENFOR_EOS)),
        long_term=Count(
            "pk",
            filter=Q(
                job_seeker_since__lte=today
                - datetime.timedelta(days=rules.long_term_unemployed_days)
            ),
        ),
    )
    labels = list(PRIORITY_GROUP_LABELS)
    return GroupCounts(
        sum(need.values()),
        need,
        dict(zip(labels, (groups["young"], groups["non_eea"], groups["long_term"]), strict=True)),
    )


def groups_section(area: Area, now: datetime.datetime) -> Section:
    since = _month_start(now)
    portfolio = _portfolio_counts(area, now)
    referrals = _split(
        Referral.objects.filter(area.referrals_q(), submitted_at__gte=since)
        .values("person__need_group", "priority_groups")
        .annotate(n=Count("pk"))
        .order_by(),
        "person__need_group",
        "priority_groups",
    )
    placements = _split(
        Placement.objects.filter(area.referrals_q("referral__"), assigned_at__gte=since)
        .values("referral__person__need_group", "referral__priority_groups")
        .annotate(n=Count("pk"))
        .order_by(),
        "referral__person__need_group",
        "referral__priority_groups",
    )
    masked = area.office_level
    kinds = (portfolio, referrals, placements)
    groups: list[tuple[str, str, str]] = [
        ("need", code, str(label)) for code, label in NeedGroup.choices
    ]
    if any(k.need.get(_NO_NEED_GROUP) for k in kinds):
        groups.append(("need", _NO_NEED_GROUP, _("Ikke fastsatt")))
    groups += [("priority", code, str(label)) for code, label in PRIORITY_GROUP_LABELS.items()]

    def cell(counts: GroupCounts, part: str, code: str) -> tuple[int, float | None]:
        n = (counts.need if part == "need" else counts.priority).get(code, 0)
        return n, None if _hidden(n, masked) else _percent(n, counts.total)

    def table(part: str, caption: str, first: str) -> Table:
        rows = []
        for kind, code, label in groups:
            if kind != part:
                continue
            row = [label]
            for counts in kinds:
                n, share = cell(counts, part, code)
                row += [_count(n, masked), _percent_text(share)]
            rows.append(row)
        rows.append(
            [
                _("Alle"),
                *(
                    cell
                    for c in kinds
                    for cell in (_count(c.total, masked), _percent_text(_percent(c.total, c.total)))
                ),
            ]
        )
        return Table(
            caption,
            [
                first,
                _("Porteføljen"),
                _("Andel"),
                _("Henvisninger"),
                _("Andel"),
                _("Tildelte plasser"),
                _("Andel"),
            ],
            rows,
        )

    def series(name: str, counts: GroupCounts) -> Series:
        shares = [cell(counts, kind, code)[1] for kind, code, _label in groups]
        return Series(name, shares, [_percent_text(s) for s in shares])

    return Section(
        slug="grupper",
        title=_("Prioriterte grupper og innsatsgrupper"),
        note=_(
            "Andelen av henvisningene (sendt inn siste 12 måneder) og de tildelte plassene "
            "(siste 12 måneder) som gikk til hver gruppe, mot gruppens andel av porteføljen i "
            "dag. En person kan være i flere prioriterte grupper."
        ),
        chart=BarChart(
            chart_id="chart-grupper",
            title=_("Gruppenes andel av portefølje, henvisninger og plasser"),
            description=_(
                "For hver innsatsgruppe og prioritert gruppe: tre stolper med andelen av "
                "porteføljen, av henvisningene og av de tildelte plassene, i prosent."
            ),
            categories=[label for _kind, _code, label in groups],
            series=[
                series(_("Porteføljen"), portfolio),
                series(_("Henvisninger"), referrals),
                series(_("Tildelte plasser"), placements),
            ],
            max_value=100,
        ),
        tables=[
            table("need", _("Innsatsgrupper"), _("Innsatsgruppe")),
            table("priority", _("Prioriterte grupper"), _("Prioritert gruppe")),
        ],
    )


# The split of places against the yearly target.


def split_section(area: Area, now: datetime.datetime) -> Section:
    years = list(range(now.year - TARGET_YEARS + 1, now.year + 1))
    adapted = Case(
        When(referral__person__need_group__in=ADAPTED_NEED_GROUPS, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    counts: dict[tuple[int, bool], int] = {
        (row["year"], row["adapted"]): row["n"]
        for row in Placement.objects.filter(area.referrals_q("referral__"))
        .annotate(year=ExtractYear("assigned_at"), adapted=adapted)
        .filter(year__in=years)
        .values("year", "adapted")
        .annotate(n=Count("pk"))
        .order_by()
    }
    targets = dict(
        YearlyPlaceTarget.objects.filter(year__in=years).values_list(
            "year", "adapted_share_percent"
        )
    )
    masked = area.office_level
    rows: list[list[str]] = []
    shares: list[float | None] = []
    for year in years:
        ordinary, special = counts.get((year, False), 0), counts.get((year, True), 0)
        hide = _hidden(ordinary, masked) or _hidden(special, masked)
        share = None if hide else _percent(special, ordinary + special)
        shares.append(share)
        target = targets.get(year)
        gap = "–" if share is None or target is None else _decimal(share - target)
        rows.append(
            [
                str(year),
                _count(ordinary, masked),
                _count(special, masked),
                _percent_text(share),
                "–" if target is None else f"{target} %",
                gap,
            ]
        )
    return Section(
        slug="fordeling",
        title=_("Fordeling av plasser mot årets mål"),
        note=_(
            "Plasser tildelt i året, etter brukerens innsatsgruppe: tilpasset innsats er "
            "spesielt tilpasset, gradert varig og varig tilpasset innsats. Målet for andelen "
            "settes per år av en administrator."
        ),
        chart=BarChart(
            chart_id="chart-fordeling",
            title=_("Andel plasser til brukere med tilpasset innsats, mot målet"),
            description=_(
                "En stolpe per år med andelen av de tildelte plassene som gikk til brukere med "
                "tilpasset innsats, i prosent; en stiplet strek viser årets mål."
            ),
            categories=[str(year) for year in years],
            series=[
                Series(
                    _("Andel tilpasset innsats"),
                    shares,
                    [
                        _percent_text(s)
                        + ("" if targets.get(y) is None else f" ({_('mål')} {targets[y]} %)")
                        for s, y in zip(shares, years, strict=True)
                    ],
                )
            ],
            markers=[None if targets.get(y) is None else float(targets[y]) for y in years],
            marker_name=_("Mål"),
            max_value=100,
        ),
        tables=[
            Table(
                _("Per år"),
                [
                    _("År"),
                    _("Ordinære"),
                    _("Tilpasset innsats"),
                    _("Andel tilpasset"),
                    _("Mål"),
                    _("Avvik (prosentpoeng)"),
                ],
                rows,
            )
        ],
    )


def dashboard_sections(
    area: Area, *, only: str | None = None, now: datetime.datetime | None = None
) -> list[Section]:
    """The sections of the leader's dashboard, or only the one named."""
    now = now or timezone.now()
    builders = {
        "ventetid": lambda: waits_section(area, now),
        "utvikling": lambda: trend_section(area, now),
        "henvisninger": lambda: referrals_section(area, now),
        "kapasitet": lambda: capacity_section(area),
        "grupper": lambda: groups_section(area, now),
        "fordeling": lambda: split_section(area, now),
    }
    return [build() for slug, build in builders.items() if only in (None, slug)]
