"""Reads of persons, referrals and waitlists, always scoped by `org.access`."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from intake.models import (
    ACTIVE_PLACEMENT_STATUSES,
    CV,
    OPEN_STATUSES,
    ActivityPlan,
    DocumentAttachment,
    EventKind,
    Notification,
    Person,
    Placement,
    PlacementStatus,
    Referral,
    ReferralEvent,
    ReferralStatus,
    WorkCapacityAssessment,
)
from org.access import Scope
from org.models import User
from org.vocabulary import ProtectionLevel

S = ReferralStatus
# The window the expected wait looks back over (issue: the last 12 weeks).
EXIT_WINDOW_WEEKS = 12


def person_list(*, scope: Scope) -> QuerySet[Person]:
    """The persons of the offices the user works at or leads, by name. Those the user may not
    see in full come last, by id: a masked row between "Berg" and "Brekke" would tell how a
    protected person's name begins."""
    visible = seen_in_full(scope, path="")
    masked = Case(When(visible, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        Person.objects.filter(scope.person_office_q("office"))
        .select_related("office", "home_municipality", "caseworker")
        .order_by(
            masked,
            Case(When(visible, then=F("last_name"))),
            Case(When(visible, then=F("first_name"))),
            "pk",
        )
    )


def person_get(*, scope: Scope, person_id: int) -> Person | None:
    """One person with the documents the gate reads, or None when it does not exist or is out
    of scope (the caller answers 404 either way, so a deny never reveals existence)."""
    return (
        person_list(scope=scope)
        .select_related("cv", "activity_plan", "cv__attachment", "activity_plan__attachment")
        .prefetch_related("work_capacity_assessments__attachment", "excluded_providers")
        .filter(pk=person_id)
        .first()
    )


def referral_list(*, scope: Scope) -> QuerySet[Referral]:
    """Referrals the user may see: those of their own offices' persons, and those of the
    counties whose intake work they do or lead."""
    # A draft belongs to its caseworker's office until it is submitted.
    submitted = ~Q(status__in=[S.KLADD, S.AVBRUTT_UTKAST])
    return Referral.objects.filter(
        scope.person_office_q("person__office") | (scope.county_work_q("county") & submitted)
    ).select_related("person", "programme_type", "office", "county")


def referral_get(*, scope: Scope, referral_id: int) -> Referral | None:
    return (
        referral_list(scope=scope)
        .select_related("person__home_municipality", "person__caseworker", "created_by")
        .filter(pk=referral_id)
        .first()
    )


def referral_history(*, referral: Referral) -> QuerySet[ReferralEvent]:
    return referral.events.select_related("actor", "actor_office", "actor_county").order_by(
        "at", "pk"
    )


def with_gate_documents(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Load what the gate reads for each referral in a fixed number of queries, and whether
    the person has another open referral in the same programme type."""
    others = Referral.objects.filter(
        person=OuterRef("person"),
        programme_type=OuterRef("programme_type"),
        status__in=OPEN_STATUSES,
    ).exclude(pk=OuterRef("pk"))
    return (
        referrals.select_related("person__cv", "person__activity_plan")
        .prefetch_related("person__work_capacity_assessments")
        .annotate(has_other_open=Exists(others))
    )


def _ahead_of() -> Q:
    """Waiting referrals ahead of the outer referral in its list: earlier queue_since, then
    earlier approval, then lower id (a total order, so positions are unique)."""
    return (
        Q(queue_since__lt=OuterRef("queue_since"))
        | Q(queue_since=OuterRef("queue_since"), waitlisted_at__lt=OuterRef("waitlisted_at"))
        | Q(
            queue_since=OuterRef("queue_since"),
            waitlisted_at=OuterRef("waitlisted_at"),
            pk__lt=OuterRef("pk"),
        )
    )


def with_positions(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Annotate each waiting referral with its position (1 = next) on its county's waitlist
    for its programme type; others get None. One query, using the waitlist index."""
    ahead = (
        Referral.objects.filter(
            status=S.VENTELISTE,
            county=OuterRef("county"),
            programme_type=OuterRef("programme_type"),
        )
        .filter(_ahead_of())
        .order_by()
        .values("county")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return referrals.annotate(ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), 0))


# A referral lists each priority group at most once, so it has at most this many.
_PRIORITY_GROUP_SLOTS = 3


def in_priority_group(group: str) -> Q:
    """Referrals recorded in a priority group. JSON containment (`__contains`) exists only on
    PostgreSQL and bin/run uses SQLite, so this looks at each place the group can be in."""
    q = Q()
    for index in range(_PRIORITY_GROUP_SLOTS):
        q |= Q(**{f"priority_groups__{index}": group})
    return q


def attach_positions(referrals: Sequence[Referral]) -> None:
    """Set `ahead` (people in front; position = ahead + 1) on each waiting referral of a page,
    in one query however long the lists are."""
    waiting = [r.pk for r in referrals if r.status == S.VENTELISTE]
    ahead: dict[int, int] = {}
    if waiting:
        for row in with_positions(Referral.objects.filter(pk__in=waiting)):
            ahead[row.pk] = row.ahead  # type: ignore[attr-defined]
    for referral in referrals:
        referral.ahead = ahead.get(referral.pk)  # type: ignore[attr-defined]


def seen_in_full(scope: Scope, path: str = "person") -> Q:
    """Rows of persons the user may see in full (Scope.may_see_protected, as a filter). A list
    filtered or counted by something masked (the home municipality) keeps only these: a masked
    row among one municipality's rows would tell where a protected person lives."""
    prefix = f"{path}__" if path else ""
    return Q(**{f"{prefix}protection_level__in": scope.protection_levels})


def waitlist(
    *,
    scope: Scope,
    county_number: str,
    programme_type_id: int,
    office_id: int | None = None,
    municipality_number: str | None = None,
    min_days: int | None = None,
    priority_group: str | None = None,
) -> QuerySet[Referral]:
    """One county's waitlist for one programme type, in waiting order, optionally filtered
    (positions stay those of the whole list)."""
    # Positions are added per page (attach_positions): counting who is ahead of every row of a
    # long list would cost a query per row before the page's LIMIT applies.
    entries = (
        referral_list(scope=scope)
        .filter(county_id=county_number, programme_type_id=programme_type_id, status=S.VENTELISTE)
        .select_related("person__home_municipality")
    )
    if office_id:
        entries = entries.filter(office_id=office_id)
    if municipality_number:
        entries = entries.filter(
            seen_in_full(scope), person__home_municipality_id=municipality_number
        )
    if min_days:
        entries = entries.filter(
            queue_since__lte=timezone.now() - datetime.timedelta(days=min_days)
        )
    if priority_group:
        entries = entries.filter(in_priority_group(priority_group))
    return entries.order_by("queue_since", "waitlisted_at", "pk")


def review_queue(
    *,
    scope: Scope,
    county_number: str | None = None,
    programme_type_id: int | None = None,
    office_id: int | None = None,
    municipality_number: str | None = None,
    min_days: int | None = None,
    order: str = "submitted_at",
) -> QuerySet[Referral]:
    """Submitted referrals awaiting the intake team's review, oldest first by default."""
    queue = referral_list(scope=scope).filter(
        status=S.SOKT_INN, county__in=scope.intake_county_numbers | scope.leader_county_numbers
    )
    if county_number:
        queue = queue.filter(county_id=county_number)
    if programme_type_id:
        queue = queue.filter(programme_type_id=programme_type_id)
    if office_id:
        queue = queue.filter(office_id=office_id)
    if municipality_number:
        queue = queue.filter(seen_in_full(scope), person__home_municipality_id=municipality_number)
    if min_days:
        queue = queue.filter(submitted_at__lte=timezone.now() - datetime.timedelta(days=min_days))
    orders = {
        "submitted_at": ("submitted_at", "pk"),
        "-submitted_at": ("-submitted_at", "-pk"),
        "office": ("office__name", "submitted_at", "pk"),
        "programme_type": ("programme_type__short_name", "submitted_at", "pk"),
    }
    return with_gate_documents(queue.select_related("person__home_municipality")).order_by(
        *orders.get(order, orders["submitted_at"])
    )


@dataclass(frozen=True)
class ExpectedWait:
    """How long a place in line is likely to take, with its basis (DOMAIN.md section 5)."""

    position: int
    exits: int
    window_weeks: int

    @property
    def exits_per_week(self) -> float:
        return self.exits / self.window_weeks

    @property
    def weeks(self) -> float | None:
        """None when nobody left the list in the window: no honest estimate exists."""
        if self.exits == 0:
            return None
        return self.position / self.exits_per_week


def waitlist_exits(
    *, county_number: str, programme_type_ids: list[int], now: datetime.datetime | None = None
) -> dict[int, int]:
    """How many left each waitlist (placed, withdrawn or declined) in the last 12 weeks."""
    since = (now or timezone.now()) - datetime.timedelta(weeks=EXIT_WINDOW_WEEKS)
    rows = (
        ReferralEvent.objects.filter(
            from_status=S.VENTELISTE,
            at__gte=since,
            referral__county_id=county_number,
            referral__programme_type_id__in=programme_type_ids,
        )
        .exclude(to_status=S.VENTELISTE)
        .values("referral__programme_type_id")
        # People, not events: someone offered a place who declined and was placed later
        # left the list once.
        .annotate(n=Count("referral", distinct=True))
        .order_by()
    )
    return {row["referral__programme_type_id"]: row["n"] for row in rows}


def expected_wait(*, position: int, exits: int) -> ExpectedWait:
    return ExpectedWait(position=position, exits=exits, window_weeks=EXIT_WINDOW_WEEKS)


def caseworker_referrals(*, scope: Scope, status: str | None = None) -> QuerySet[Referral]:
    """The referrals of the offices the caseworker works at or leads, latest change first."""
    referrals = with_positions(
        referral_list(scope=scope).filter(
            office_id__in=scope.caseworker_office_ids | scope.leader_office_ids
        )
    )
    if status:
        referrals = referrals.filter(status=status)
    return referrals.order_by("-updated_at", "-pk")


def status_counts(referrals: QuerySet[Referral]) -> dict[str, int]:
    rows = referrals.order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def unread_notifications(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).select_related(
        "referral__programme_type"
    )


def person_search(*, scope: Scope, text: str) -> QuerySet[Person]:
    """Persons in scope whose first or last name contains every word of `text`. Protected
    persons the user may not see in full are left out: a masked row among the hits would tell
    that someone of that name is protected."""
    persons = person_list(scope=scope).filter(protection_level__in=scope.protection_levels)
    for word in text.split()[:5]:
        persons = persons.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return persons


def person_referrals(*, scope: Scope, person: Person) -> QuerySet[Referral]:
    """All of a person's referrals the user may see, newest first, with waitlist positions."""
    return with_positions(referral_list(scope=scope).filter(person=person)).order_by(
        "-created_at", "-pk"
    )


def attachment_get(*, scope: Scope, attachment_id: int) -> DocumentAttachment | None:
    """An attachment, if it belongs to a document of a person the user may see in full; None
    otherwise (the caller answers 404 either way)."""
    persons = person_list(scope=scope).filter(protection_level__in=scope.protection_levels)
    owned = Q(pk__in=[])
    for document in (CV, WorkCapacityAssessment, ActivityPlan):
        owned |= Q(pk__in=document.objects.filter(person__in=persons).values("attachment_id"))
    return DocumentAttachment.objects.filter(owned, pk=attachment_id).first()


def waitlist_sizes(*, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """How many wait on each (county number, programme type id) list, in one query. A count
    only, never who: a caseworker may know how long the line their person stands in is."""
    wanted = set(keys)
    if not wanted:
        return {}
    rows = (
        Referral.objects.filter(
            status=S.VENTELISTE,
            county_id__in={county for county, _type in wanted},
            programme_type_id__in={type_id for _county, type_id in wanted},
        )
        .values("county_id", "programme_type_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    sizes = {(row["county_id"], row["programme_type_id"]): row["n"] for row in rows}
    return {key: sizes.get(key, 0) for key in wanted}


def with_latest_return(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Annotate each referral with the reasons and comment of its latest return (`return_reasons`,
    `return_comment`; None if never returned), in the same query."""
    latest = ReferralEvent.objects.filter(
        referral=OuterRef("pk"), kind=EventKind.RETURNERT
    ).order_by("-at", "-pk")
    return referrals.annotate(
        return_reasons=Subquery(latest.values("reasons")[:1], output_field=JSONField()),
        return_comment=Subquery(latest.values("comment")[:1]),
    )


# How long an ended participation stays on the provider's list.
PROVIDER_ENDED_DAYS = 40
# The order of the provider's lists: next to start, longest participating, latest ended first.
PROVIDER_PARTICIPANT_ORDERS: dict[str, tuple[str, str]] = {
    PlacementStatus.TILDELT: ("planned_start", "pk"),
    PlacementStatus.DELTAR: ("started_on", "pk"),
    PlacementStatus.AVSLUTTET: ("-ended_on", "-pk"),
}


def provider_participants(
    *, scope: Scope, today: datetime.date | None = None
) -> QuerySet[Placement]:
    """The people given a place at the user's provider's offerings: waiting to start,
    participating, and ended in the last 40 days; nobody else on any waitlist (DOMAIN.md
    section 6). The fødselsnummer is not even read from the database."""
    ended_since = (today or timezone.localdate()) - datetime.timedelta(days=PROVIDER_ENDED_DAYS)
    return _provider_placements(scope).filter(
        Q(status__in=ACTIVE_PLACEMENT_STATUSES)
        | Q(status=PlacementStatus.AVSLUTTET, ended_on__gte=ended_since)
    )


def provider_placement_get(*, scope: Scope, placement_id: int) -> Placement | None:
    """One placement at the user's provider's offerings, whatever its status: how it stands
    after the provider's own action (a place not taken up leaves the list at once)."""
    return _provider_placements(scope).filter(pk=placement_id).first()


def _provider_placements(scope: Scope) -> QuerySet[Placement]:
    return (
        Placement.objects.filter(scope.provider_q("offering__provider"))
        .select_related("offering", "referral__office", "referral__person")
        .defer("referral__person__fodselsnummer")
    )


def provider_may_see_person(person: Person) -> bool:
    """Providers never see a protected person (kode 6/7, skjermet), whatever their own
    clearance: the row says "Adressebeskyttet" and shows nothing identifying."""
    return person.protection_level == ProtectionLevel.UGRADERT


@dataclass(frozen=True)
class Places:
    """Places of one offering, or summed over several."""

    contracted: int = 0
    occupied: int = 0
    assigned: int = 0
    free: int = 0

    def __add__(self, other: Places) -> Places:
        return Places(
            self.contracted + other.contracted,
            self.occupied + other.occupied,
            self.assigned + other.assigned,
            self.free + other.free,
        )

    @property
    def in_use(self) -> int:
        return self.occupied + self.assigned

    @property
    def utilisation(self) -> float | None:
        """Participants and places given, as a percentage of the contracted places."""
        if not self.contracted:
            return None
        return 100 * self.in_use / self.contracted
