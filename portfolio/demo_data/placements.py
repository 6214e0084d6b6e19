"""Participants, places and capacity (DOMAIN.md sections 5 and 6).

Every offering gets the people who hold its places: most participate (DELTAR, started in the
past), a few have been given a place and start soon (TILDELT), and those who left in the last
half year ended with a reason and an outcome (AVSLUTTET). Offerings with a common start (felles
oppstart) take people in cohorts, the others one at a time; how long people stay (`COURSES`)
sets how many places free up, and so how fast the waitlists move: those given a place in the
last 12 weeks are the waitlists' main exit, what the expected wait is computed from. Each
placement has a referral with its whole history (OPPRETTET ... GODKJENT, TILDELT, STARTET,
AVSLUTTET), made by the referral planner.

The people placed are admitted by the programme type, have no other referral of that type,
get at most one place here, and live in the offering's county, mostly near it: drawn nearer
first, never beyond their own travel limit or FARTHEST_KM, never at a provider they excluded.
Where there are too few such people to fill a county's offerings (the demo scale has a place
for every two persons, and only one in eight may take VTA), the offerings' contracted places
are cut to what the people can fill: places follow people, so utilisation stays what it is in
the country. Nationally that touches at most an odd remote offering (the remotest offerings
are filled first, from the people near them).

About a third of the open offerings have reported free places lately: the latest report sets
the offering's free places, and some have older reports as history. The offerings' counters
are the counts of their placements.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from intake.models import EndReason, EventKind, Outcome, Placement, PlacementStatus
from intake.models import ReferralStatus as S
from org.models import Municipality, ProviderMembership
from org.vocabulary import ProtectionLevel
from portfolio.demo_data.documents import GateTarget
from portfolio.demo_data.people import Geography, PersonPlan, pick
from portfolio.demo_data.referrals import PlacedDates, ReferralPlan, ReferralPlanner
from portfolio.demo_data.scales import DEMO_COUNTY
from portfolio.demo_data.staff import Staff
from portfolio.demo_data.texts import CAPACITY_NOTES
from portfolio.demo_data.timeline import Timeline, add_years, weekday_on_or_before
from providers.models import CapacityReport, Offering, ProgrammeType, ReportChannel, StartType

P = PlacementStatus
DAY = datetime.timedelta(days=1)
T = TypeVar("T")


@dataclass(frozen=True)
class Course:
    """How a programme type's participations go, in weeks: how long people stay on average
    and at most, and how long those placed had typically waited for their place."""

    mean_weeks: float
    max_weeks: int
    wait_weeks: int


COURSES = {
    "VASV": Course(mean_weeks=110, max_weeks=520, wait_weeks=60),
    "ARBFORB": Course(mean_weeks=36, max_weeks=156, wait_weeks=50),
    "APS": Course(mean_weeks=26, max_weeks=78, wait_weeks=35),
    "AVKLARAG": Course(mean_weeks=8, max_weeks=20, wait_weeks=14),
    "INDOPPFAG": Course(mean_weeks=26, max_weeks=156, wait_weeks=40),
    "ARBRRHDAG": Course(mean_weeks=10, max_weeks=30, wait_weeks=25),
    "JOBBK": Course(mean_weeks=6, max_weeks=12, wait_weeks=8),
    "GRUPPEAMO": Course(mean_weeks=16, max_weeks=52, wait_weeks=30),
}
# Share of contracted places in use (participating or given), per offering.
UTILISATION = (0.76, 1.0, 0.95)  # triangular: lowest, highest, most common
# Weeks from being given a place to starting, on average, where people start one at a time.
LEAD_WEEKS = 2.5
# Share of the open offerings that have reported free places lately.
REPORTING_SHARE = 0.3
# Share of the open offerings without free places now that reported some earlier.
EARLIER_REPORTING_SHARE = 0.15
SHARE_WEB_REPORTS = 0.65
SHARE_REPORTS_WITH_NOTE = 0.25
# At most this share of the people a programme type admits in a county (and who have no other
# referral of that type) participate in it; the rest wait, or are elsewhere.
MAX_ACTIVE_SHARE = 0.7
# Ended participations: those of the last RECENT_DAYS, and older ones back to HISTORY_DAYS.
RECENT_DAYS = 40
HISTORY_DAYS = 182
# Share of a cohort who stop before it ends.
DROPOUT_SHARE = 0.2
# Days a place stands empty between one holder leaving and the next being given it (at most),
# and since the last holder left, for places empty now.
GAP_DAYS = 14
EMPTY_DAYS = 60
MIN_DAYS_IN = 5
# Approval comes at least this many days after the person turned 18 (room for the referral's
# drafting, submission and review before it).
PRE_APPROVAL_DAYS = 90
MIN_WAIT_DAYS = 14
MIN_LEAD_DAYS, MAX_LEAD_DAYS = 3, 21
# People are drawn from nearer municipalities first: weight exp(-km / this).
DISTANCE_SCALE_KM = 25.0
# Nobody travels farther (matching's default limit is 60 km; people placed by hand in sparse
# counties travel farther, often with transport arranged).
FARTHEST_KM = 120.0
# An offering cut to its people keeps at least this many places.
MIN_PLACES = 1

OUTCOMES = (
    (Outcome.ARBEID, 25),
    (Outcome.UTDANNING, 10),
    (Outcome.ANNET_TILTAK, 20),
    (Outcome.HELSE, 15),
    (Outcome.ANNET, 30),
)
END_REASONS = {
    Outcome.ARBEID: ((EndReason.FATT_JOBB, 1),),
    Outcome.UTDANNING: ((EndReason.UTDANNING, 1),),
    Outcome.ANNET_TILTAK: ((EndReason.TRENGER_ANNEN_STOTTE, 1),),
    Outcome.HELSE: ((EndReason.SYK, 1),),
    Outcome.ANNET: (
        (EndReason.ANNET, 60),
        (EndReason.IKKE_MOTT, 25),
        (EndReason.KRAV_IKKE_OPPFYLT, 15),
    ),
}
REFERRAL_STATUS = {
    P.TILDELT: S.VENTER_PA_OPPSTART,
    P.DELTAR: S.DELTAR,
    P.AVSLUTTET: S.HAR_SLUTTET,
}
VERSION: dict[str, int] = {P.TILDELT: 1, P.DELTAR: 2, P.AVSLUTTET: 3}


def weekday_on_or_after(day: datetime.date) -> datetime.date:
    """A Saturday or Sunday becomes the Monday after."""
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


@dataclass(slots=True)
class Slot:
    """One place's story, before a person is found for it."""

    status: str
    started_on: datetime.date | None = None
    ended_on: datetime.date | None = None
    planned_start: datetime.date | None = None
    # Fixed for cohorts and for those waiting to start; otherwise a few days before the start.
    assigned_on: datetime.date | None = None
    # A rolling start may move later for a person too young for it.
    movable: bool = False
    filled: bool = False


@dataclass(slots=True)
class _Dates:
    approved_on: datetime.date
    assigned_on: datetime.date
    started_on: datetime.date | None
    ended_on: datetime.date | None


@dataclass(slots=True)
class PlacementPlan:
    offering: Offering
    referral: ReferralPlan
    status: str
    planned_start: datetime.date | None
    started_on: datetime.date | None
    ended_on: datetime.date | None
    end_reason: str = ""
    outcome: str = ""

    def _moment(self, kind: str) -> datetime.datetime | None:
        events = self.referral.events
        return next(
            (
                at
                for event, at in zip(events, self.referral.moments, strict=True)
                if event.kind == kind
            ),
            None,
        )

    @property
    def assigned_at(self) -> datetime.datetime:
        moment = self._moment(EventKind.TILDELT)
        assert moment is not None
        return moment

    @property
    def started_at(self) -> datetime.datetime | None:
        return self._moment(EventKind.STARTET)

    @property
    def ended_at(self) -> datetime.datetime | None:
        return self._moment(EventKind.AVSLUTTET)

    def to_model(self) -> Placement:
        assigned = next(e for e in self.referral.events if e.kind == EventKind.TILDELT)
        return Placement(
            referral_id=self.referral.pk,
            offering=self.offering,
            status=self.status,
            assigned_by_id=assigned.actor_id,
            assigned_at=self.assigned_at,
            planned_start=self.planned_start,
            started_on=self.started_on,
            ended_on=self.ended_on,
            end_reason=self.end_reason,
            outcome=self.outcome,
            version=VERSION[self.status],
        )


@dataclass
class _Place:
    """An offering while its places are filled."""

    offering: Offering
    county: str
    code: str
    course: Course
    utilisation: float
    showcase: bool  # the demo provider's first open offering: every state shows there
    demo: bool  # the demo provider's
    reporting: bool = False
    # One list per contracted place, newest first: who holds it now (if anyone), then who
    # held it before, back through the history window. A place is held from the day it is
    # given until its holder leaves, by one person at a time, so that the places spoken for
    # never exceed the contracted ones at any moment.
    seats: list[list[Slot]] = field(default_factory=list)
    placements: list[PlacementPlan] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(p.status == status for p in self.placements)


@dataclass
class PlannedPlacements:
    referrals: list[ReferralPlan]
    placements: list[PlacementPlan]
    offerings: list[Offering]
    reports: list[CapacityReport]
    cut: int  # offerings whose contracted places were cut to their county's people


class _Pools:
    """The people who may take a place of a programme type in a county: by home municipality,
    each list in random order. A person given a place is `busy` (and dropped lazily)."""

    def __init__(
        self,
        rng: random.Random,
        persons: list[PersonPlan],
        geography: Geography,
        programme_types: dict[str, ProgrammeType],
        wanted: set[tuple[str, str]],
        taken: dict[int, set[str]],
    ) -> None:
        self.rng = rng
        codes_for: dict[str, list[str]] = {}
        for code, programme_type in sorted(programme_types.items()):
            for group in programme_type.admitted_need_groups:
                codes_for.setdefault(group, []).append(code)
        county_of = {pk: office.county_id for pk, office in geography.offices.items()}
        buckets: dict[tuple[str, str], dict[str, list[int]]] = {}
        for index, person in enumerate(persons):
            codes = codes_for.get(person.need_group)
            if not codes:
                continue
            county = county_of[person.office_id]
            referred = taken.get(index, set())
            for code in codes:
                if (county, code) in wanted and code not in referred:
                    places = buckets.setdefault((county, code), {})
                    places.setdefault(person.municipality_id, []).append(index)
        self.buckets: dict[tuple[str, str], dict[str, list[int]]] = {}
        for key in sorted(buckets):
            self.buckets[key] = {number: buckets[key][number] for number in sorted(buckets[key])}
            for people in self.buckets[key].values():
                rng.shuffle(people)
        self.busy: set[int] = set()
        self.municipalities = {m.number: m for m in geography.municipalities}
        self._near: dict[tuple[str, str, str], tuple[list[float], list[float]]] = {}

    def available(self, key: tuple[str, str]) -> int:
        busy = self.busy
        return sum(
            1
            for people in self.buckets.get(key, {}).values()
            for index in people
            if index not in busy
        )

    def within_reach(self, key: tuple[str, str], near: Municipality) -> int:
        """How many may take a place at `near` (some of them may have one already)."""
        if key not in self.buckets:
            return 0
        kms, _ = self._distances(key, near)
        people = self.buckets[key].values()
        return sum(len(p) for p, km in zip(people, kms, strict=True) if km <= FARTHEST_KM)

    def _distances(
        self, key: tuple[str, str], near: Municipality
    ) -> tuple[list[float], list[float]]:
        cached = self._near.get((*key, near.number))
        if cached is None:
            kms = [near.distance_km(self.municipalities[m]) for m in self.buckets[key]]
            cached = (kms, [math.exp(-km / DISTANCE_SCALE_KM) for km in kms])
            self._near[(*key, near.number)] = cached
        return cached

    def take(
        self, key: tuple[str, str], near: Municipality, accept: Callable[[int, float], T | None]
    ) -> tuple[int, T] | None:
        """Someone `accept` takes (given their index and distance in km), drawn nearer first;
        None when nobody is left who fits."""
        places = self.buckets.get(key)
        if not places:
            return None
        lists = list(places.values())
        kms, factors = self._distances(key, near)
        weights = [len(people) * factor for people, factor in zip(lists, factors, strict=True)]
        busy = self.busy
        while True:
            if sum(weights) <= 0:
                return None
            chosen = self.rng.choices(range(len(lists)), weights)[0]
            people = lists[chosen]
            position = len(people) - 1
            while position >= 0:
                index = people[position]
                if index in busy:
                    people[position] = people[-1]
                    people.pop()
                elif (result := accept(index, kms[chosen])) is not None:
                    people[position] = people[-1]
                    people.pop()
                    busy.add(index)
                    return index, result
                position -= 1
            weights[chosen] = 0.0


class PlacementPlanner:
    def __init__(
        self,
        rng: random.Random,
        timeline: Timeline,
        persons: list[PersonPlan],
        geography: Geography,
        staff: Staff,
        programme_types: dict[str, ProgrammeType],
        referrals: list[ReferralPlan],
        targets: dict[int, GateTarget],
        excluded: set[tuple[int, int]],
        demo_provider_id: int | None,
    ) -> None:
        self.rng = rng
        self.timeline = timeline
        self.persons = persons
        self.geography = geography
        self.types = programme_types
        self.excluded = excluded
        self.demo_provider_id = demo_provider_id
        self.referrals = ReferralPlanner(
            rng, timeline, persons, geography, staff, programme_types, targets
        )
        index_of = {id(person): index for index, person in enumerate(persons)}
        self.taken: dict[int, set[str]] = {}
        for plan in referrals:
            self.taken.setdefault(index_of[id(plan.person)], set()).add(plan.programme_type.code)
        self.provider_users: dict[int, list[int]] = {}
        memberships = ProviderMembership.objects.order_by("provider_id", "user__username")
        for provider_id, user_id in memberships.values_list("provider_id", "user_id"):
            self.provider_users.setdefault(provider_id, []).append(user_id)
        self.protected_pending = demo_provider_id is not None
        self.cut: set[int] = set()  # offerings whose places were cut to their people

    # --- the plan -------------------------------------------------------------------------

    def plan(self, offerings: list[Offering]) -> PlannedPlacements:
        rng = self.rng
        places: list[_Place] = []
        showcased = False
        for offering in offerings:
            demo = offering.provider_id == self.demo_provider_id
            showcase = demo and offering.open_for_intake and not showcased
            showcased = showcased or showcase
            code = offering.programme_type.code
            places.append(
                _Place(
                    offering=offering,
                    county=offering.municipality.county_id,
                    code=code,
                    course=COURSES[code],
                    utilisation=rng.triangular(*UTILISATION),
                    showcase=showcase,
                    demo=demo,
                )
            )
        self._choose_reporting(places)
        groups: dict[tuple[str, str], list[_Place]] = {}
        for place in places:
            groups.setdefault((place.county, place.code), []).append(place)
        self.pools = _Pools(rng, self.persons, self.geography, self.types, set(groups), self.taken)
        # The narrowest programme types first: their people are the fewest.
        codes = sorted(
            {code for _, code in groups},
            key=lambda code: (len(self.types[code].admitted_need_groups), code),
        )
        for code in codes:
            for county in sorted(county for county, c in groups if c == code):
                self._fill_group(groups[(county, code)])
        reports: list[CapacityReport] = []
        for place in places:
            place.offering.places_assigned = place.count(P.TILDELT)
            place.offering.places_occupied = place.count(P.DELTAR)
            reports += self._reports(place)
        return PlannedPlacements(
            referrals=self.referrals.referrals,
            placements=[p for place in places for p in place.placements],
            offerings=offerings,
            reports=reports,
            cut=len(self.cut),
        )

    def _choose_reporting(self, places: list[_Place]) -> None:
        """About a third of the open offerings report free places; the demo provider's first
        open offering and at least two programme types in the demo county among them."""
        for place in places:
            place.reporting = place.offering.open_for_intake and self.rng.random() < REPORTING_SHARE
        for place in places:
            if place.showcase:
                place.reporting = True
        local = [p for p in places if p.county == DEMO_COUNTY and p.offering.open_for_intake]
        codes = {place.code for place in local if place.reporting}
        for place in local:
            if len(codes) >= 2:
                break
            if place.code not in codes:
                place.reporting = True
                codes.add(place.code)

    def _fill_group(self, group: list[_Place]) -> None:
        """The offerings of one programme type in one county: how many places are in use, the
        people in them, then those who left."""
        key = (group[0].county, group[0].code)
        # The demo provider's first, then the remotest: fewest people within reach.
        reach = {
            id(place): self.pools.within_reach(key, place.offering.municipality) for place in group
        }
        group.sort(key=lambda place: (not place.demo, reach[id(place)]))
        wanted = [self._in_use(place) for place in group]
        budget = int(MAX_ACTIVE_SHARE * self.pools.available(key))
        if sum(wanted) > budget:
            wanted = self._cut(group, wanted, budget)
        for place, active in zip(group, wanted, strict=True):
            place.seats = (
                self._cohort(place, active)
                if place.offering.start_type == StartType.FELLES
                else self._rolling(place, active)
            )
        for place, active in zip(group, wanted, strict=True):
            holders = [seat[0] for seat in place.seats if seat and seat[0].status != P.AVSLUTTET]
            if place.demo and self.protected_pending:
                self._place_protected(place, holders)
            for slot in holders:
                if not slot.filled:
                    self._fill(place, slot)
            if len(place.placements) < active:  # nobody left near enough
                self._cut_to(place, len(place.placements))
        for place in group:
            for seat in place.seats:
                for slot in seat:
                    if slot.status == P.AVSLUTTET:
                        self._fill(place, slot)

    def _in_use(self, place: _Place) -> int:
        places = place.offering.contracted_places
        active = round(places * place.utilisation)
        # Free places can be reported only where some are not spoken for.
        return max(0, min(active, places - 1) if place.reporting else active)

    def _cut(self, group: list[_Place], wanted: list[int], budget: int) -> list[int]:
        """Too few people for these offerings: share them out, and cut the contracted places
        to match (at the offering's own utilisation)."""
        # One each while they last, then the rest by size.
        shares = [min(1, want) for want in wanted]
        if sum(shares) > budget:
            shares = [1 if position < budget else 0 for position in range(len(wanted))]
        rest = budget - sum(shares)
        extra = [want - share for want, share in zip(wanted, shares, strict=True)]
        total = sum(extra)
        if rest > 0 and total > 0:
            shares = [
                share + more * rest // total for share, more in zip(shares, extra, strict=True)
            ]
        left = budget - sum(shares)
        for position, want in enumerate(wanted):
            if left <= 0:
                break
            if shares[position] < want:
                shares[position] += 1
                left -= 1
        for place, active, want in zip(group, shares, wanted, strict=True):
            if active < want:
                self._cut_to(place, active)
        return shares

    def _cut_to(self, place: _Place, active: int) -> None:
        """Contracted places for `active` people at the offering's own utilisation."""
        offering = place.offering
        places = max(
            MIN_PLACES,
            round(active / place.utilisation),
            active + 1 if place.reporting else active,
        )
        if places < offering.contracted_places:
            offering.contracted_places = places
            self.cut.add(offering.pk)
        # The places held now first; the rest stay empty, with their history.
        held = [seat for seat in place.seats if seat and seat[0].filled]
        empty = [seat for seat in place.seats if not (seat and seat[0].filled)]
        place.seats = (held + empty)[: offering.contracted_places]

    # --- the places' stories ----------------------------------------------------------------

    def _duration_days(self, course: Course) -> int:
        weeks = min(self.rng.expovariate(1 / course.mean_weeks), course.max_weeks)
        return max(1, round(weeks * 7))

    def _waiting(self, freed: datetime.date | None = None) -> Slot:
        """Given a place lately (after it came free on `freed`), starting soon."""
        rng, timeline = self.rng, self.timeline
        assigned = timeline.working_day_before(timeline.last_working_day, rng, 0, 20)
        if freed is not None:
            assigned = max(assigned, self._given_between(freed, timeline.last_working_day + DAY))
        return Slot(
            P.TILDELT,
            planned_start=weekday_on_or_after(
                timeline.today + datetime.timedelta(days=rng.randint(1, 25))
            ),
            assigned_on=assigned,
        )

    def _history(self, course: Course, free_since: datetime.date) -> list[Slot]:
        """Who held a place one after the other, newest first, the last of them having left
        by `free_since`, back through the history window."""
        rng, timeline = self.rng, self.timeline
        slots: list[Slot] = []
        end = free_since
        while end >= timeline.days_ago(HISTORY_DAYS):
            ended = min(weekday_on_or_before(end), timeline.last_working_day)
            days = max(MIN_DAYS_IN, self._duration_days(course))
            began = weekday_on_or_before(ended - datetime.timedelta(days=days))
            slots.append(Slot(P.AVSLUTTET, started_on=began, ended_on=ended, movable=True))
            # Given to the next holder at least a day after, a few days before their start.
            end = began - datetime.timedelta(days=MAX_LEAD_DAYS + 3 + rng.randint(0, GAP_DAYS))
        return slots

    def _rolling(self, place: _Place, active: int) -> list[list[Slot]]:
        """People start one at a time: how long ago the holders started follows how long
        people stay, and each place passes from one to the next."""
        rng, timeline, course = self.rng, self.timeline, place.course
        waiting = 0
        if place.offering.open_for_intake and active:
            waiting = min(active, int(active * LEAD_WEEKS / course.mean_weeks + rng.random()))
            if place.showcase:
                waiting = max(waiting, 1)
        seats: list[list[Slot]] = []
        for number in range(place.offering.contracted_places):
            if number < waiting:
                holder = self._waiting()
                assert holder.assigned_on is not None
                free_since = holder.assigned_on - datetime.timedelta(days=rng.randint(1, GAP_DAYS))
                seats.append([holder, *self._history(course, free_since)])
            elif number < active:
                began = timeline.last_working_day - datetime.timedelta(
                    days=self._duration_days(course)
                )
                holder = Slot(P.DELTAR, started_on=weekday_on_or_before(began), movable=True)
                assert holder.started_on is not None
                free_since = holder.started_on - datetime.timedelta(
                    days=MAX_LEAD_DAYS + 3 + rng.randint(0, GAP_DAYS)
                )
                seats.append([holder, *self._history(course, free_since)])
            else:
                # Empty now: the last holder left lately (lately indeed at the demo provider).
                left = rng.randint(0, RECENT_DAYS if place.showcase else EMPTY_DAYS)
                seats.append(self._history(course, timeline.days_ago(left)))
        return seats

    def _cohort(self, place: _Place, active: int) -> list[list[Slot]]:
        """People start together: a cohort is running (or the next starts soon, everyone in it
        given a place already), and earlier cohorts ended, most of their people having
        completed them. A place left during a cohort stays empty until the next."""
        rng, timeline, course = self.rng, self.timeline, place.course
        offering = place.offering
        weeks = max(2, round(course.mean_weeks * rng.uniform(0.8, 1.25)))
        gap = rng.randint(1, 4)
        length = datetime.timedelta(weeks=weeks)
        # Where in its cycle the offering is; one closed for intake is not taking a new cohort.
        position = rng.uniform(0, weeks + (gap if offering.open_for_intake else 0))
        seats: list[list[Slot]] = [[] for _ in range(offering.contracted_places)]
        if position < weeks:
            start = weekday_on_or_before(timeline.days_ago(round(position * 7)))
            start = min(start, timeline.last_working_day)
            end = start - datetime.timedelta(weeks=gap)
            late = 1 if place.showcase and active else 0
            for seat in seats[: active - late]:
                began = start
                if rng.random() < 0.15:
                    began = weekday_on_or_after(start + datetime.timedelta(days=rng.randint(1, 4)))
                    began = min(began, timeline.last_working_day)
                assigned = self._given_between(end, start)
                seat.append(Slot(P.DELTAR, started_on=began, assigned_on=assigned))
            for seat in seats[active - late : active]:
                seat.append(self._waiting(freed=end))  # joins the running cohort
            # Some have stopped already; their places wait for the next cohort.
            stopped_share = DROPOUT_SHARE * position / weeks
            if start + 7 * DAY <= timeline.last_working_day:
                for seat in seats[active:]:
                    if rng.random() < stopped_share:
                        stop = timeline.between(rng, start + 7 * DAY, timeline.last_working_day)
                        seat.append(
                            Slot(
                                P.AVSLUTTET,
                                started_on=start,
                                ended_on=max(start, weekday_on_or_before(stop)),
                                assigned_on=self._given_between(end, start),
                            )
                        )
        else:
            days_to_start = max(1, round((weeks + gap - position) * 7))
            start = weekday_on_or_after(timeline.today + datetime.timedelta(days=days_to_start))
            # The last cohort ended some days ago (its places given since).
            end = timeline.days_ago(max(5, round((position - weeks) * 7)))
            for seat in seats[:active]:
                seat.append(
                    Slot(
                        P.TILDELT,
                        planned_start=start,
                        assigned_on=self._given_between(end, timeline.last_working_day + DAY),
                    )
                )
        offering.cohort_starts_on, offering.cohort_ends_on = start, start + length
        while end >= timeline.days_ago(HISTORY_DAYS):
            first = end - length
            ended = min(weekday_on_or_before(end), timeline.last_working_day)
            began = weekday_on_or_after(first)
            previous_end = first - datetime.timedelta(weeks=gap)
            share = rng.uniform(0.75, 1.0) * active / max(1, offering.contracted_places)
            for seat in seats:
                if rng.random() >= share:
                    continue
                stop = ended
                earliest_stop = max(began + 7 * DAY, timeline.days_ago(HISTORY_DAYS))
                if rng.random() < DROPOUT_SHARE and earliest_stop < ended:
                    stop = weekday_on_or_before(timeline.between(rng, earliest_stop, ended))
                seat.append(
                    Slot(
                        P.AVSLUTTET,
                        started_on=began,
                        ended_on=max(began, stop),
                        assigned_on=self._given_between(previous_end, began),
                    )
                )
            end = previous_end
        return seats

    def _given_between(self, freed: datetime.date, start: datetime.date) -> datetime.date:
        """A working day after the place came free (`freed`) and before the start, a week or
        more ahead where there is room."""
        first, last = freed + DAY, start - DAY
        if last - first > datetime.timedelta(days=7):
            last -= datetime.timedelta(days=7)
        day = self.timeline.between(self.rng, first, last) if last >= first else first
        return max(first, weekday_on_or_before(day))

    # --- people for the places --------------------------------------------------------------

    def _dates(self, slot: Slot, person: PersonPlan, course: Course) -> _Dates | None:
        """The person's days for this place, or None if they were too young for it."""
        rng, timeline = self.rng, self.timeline
        earliest = add_years(person.birth_date, 18) + datetime.timedelta(days=PRE_APPROVAL_DAYS)
        started, ended = slot.started_on, slot.ended_on
        if slot.assigned_on is not None:
            assigned = slot.assigned_on
        else:
            assert started is not None
            first_start = earliest + datetime.timedelta(days=MIN_WAIT_DAYS + MAX_LEAD_DAYS + 4)
            if started < first_start:
                latest = ended - MIN_DAYS_IN * DAY if ended else timeline.last_working_day
                if not slot.movable or first_start > latest:
                    return None
                started = max(
                    first_start, weekday_on_or_before(timeline.between(rng, first_start, latest))
                )
            assigned = timeline.working_day_before(started, rng, MIN_LEAD_DAYS, MAX_LEAD_DAYS)
        wait = rng.randint(round(course.wait_weeks * 7 * 0.4), round(course.wait_weeks * 7 * 1.6))
        approved = weekday_on_or_before(
            assigned - datetime.timedelta(days=max(MIN_WAIT_DAYS, wait))
        )
        if approved < earliest:
            approved = weekday_on_or_before(assigned - MIN_WAIT_DAYS * DAY)
            if approved < earliest:
                return None
        return _Dates(approved, assigned, started, ended)

    def _accept(self, place: _Place, slot: Slot) -> Callable[[int, float], _Dates | None]:
        provider_id = place.offering.provider_id

        def accept(index: int, km: float) -> _Dates | None:
            person = self.persons[index]
            if km > (person.max_travel_km or FARTHEST_KM):
                return None
            if (person.pk, provider_id) in self.excluded:
                return None
            return self._dates(slot, person, place.course)

        return accept

    def _fill(self, place: _Place, slot: Slot) -> None:
        found = self.pools.take(
            (place.county, place.code), place.offering.municipality, self._accept(place, slot)
        )
        if found is not None:
            self._record(place, slot, *found)

    def _place_protected(self, place: _Place, holders: list[Slot]) -> None:
        """One of the demo provider's participants is a protected person (shown masked)."""
        slot = next((slot for slot in holders if slot.status == P.DELTAR), None)
        if slot is None:
            return
        accept = self._accept(place, slot)

        def protected(index: int, km: float) -> _Dates | None:
            if self.persons[index].protection_level == ProtectionLevel.UGRADERT:
                return None
            return accept(index, km)

        found = self.pools.take((place.county, place.code), place.offering.municipality, protected)
        if found is not None:
            self._record(place, slot, *found)
            self.protected_pending = False

    def _record(self, place: _Place, slot: Slot, index: int, dates: _Dates) -> None:
        rng = self.rng
        slot.filled = True
        end_reason = outcome = ""
        if slot.status == P.AVSLUTTET:
            outcome = pick(rng, OUTCOMES)
            end_reason = pick(rng, END_REASONS[Outcome(outcome)])
        users = self.provider_users.get(place.offering.provider_id)
        referral = self.referrals.placed(
            index,
            place.code,
            REFERRAL_STATUS[P(slot.status)],
            dates.approved_on,
            PlacedDates(
                assigned_on=dates.assigned_on,
                offering_name=place.offering.name,
                started_on=dates.started_on,
                ended_on=dates.ended_on,
                end_reason=end_reason,
                provider_user_id=rng.choice(users) if users else None,
            ),
        )
        place.placements.append(
            PlacementPlan(
                offering=place.offering,
                referral=referral,
                status=slot.status,
                planned_start=slot.planned_start or dates.started_on,
                started_on=dates.started_on,
                ended_on=dates.ended_on,
                end_reason=end_reason,
                outcome=outcome,
            )
        )

    # --- capacity reports -------------------------------------------------------------------

    def _spoken_for(self, place: _Place, at: datetime.datetime) -> tuple[int, int]:
        """Places given but not started, and taken by participants, at a moment (exact within
        HISTORY_DAYS: everyone who participated since is here)."""
        assigned = occupied = 0
        for placement in place.placements:
            started, ended = placement.started_at, placement.ended_at
            if placement.assigned_at > at or (ended is not None and ended <= at):
                continue
            if started is not None and started <= at:
                occupied += 1
            else:
                assigned += 1
        return assigned, occupied

    def _report(
        self,
        place: _Place,
        at: datetime.datetime,
        free: Callable[[int], int],
        free_from: datetime.date,
    ) -> CapacityReport:
        rng = self.rng
        offering = place.offering
        assigned, occupied = self._spoken_for(place, at)
        limit = max(0, offering.contracted_places - assigned - occupied)
        users = self.provider_users.get(offering.provider_id)
        return CapacityReport(
            offering=offering,
            free_places=free(limit),
            free_from=free_from,
            note=rng.choice(CAPACITY_NOTES) if rng.random() < SHARE_REPORTS_WITH_NOTE else "",
            reported_by_id=rng.choice(users) if users else None,
            channel=ReportChannel.WEB if rng.random() < SHARE_WEB_REPORTS else ReportChannel.API,
            contracted_places=offering.contracted_places,
            places_assigned=assigned,
            places_occupied=occupied,
            created_at=at,
        )

    def _moment(self, day: datetime.date) -> datetime.datetime:
        minutes = self.rng.randint(8 * 60, 15 * 60 + 30)
        return self.timeline.morning(day) + datetime.timedelta(minutes=minutes - 8 * 60)

    def _reports(self, place: _Place) -> list[CapacityReport]:
        """The latest report sets the offering's free places; older ones are history."""
        rng, timeline = self.rng, self.timeline
        offering = place.offering
        spare = offering.contracted_places - offering.places_assigned - offering.places_occupied
        reports: list[CapacityReport] = []
        history_until = timeline.days_ago(15)
        if place.reporting and spare >= 1:
            # After the last place given, so that nobody has taken one of these since.
            last = max((p.assigned_at for p in place.placements), default=None)
            first = timeline.days_ago(14)
            if last is not None and last.date() > first:
                first = last.date()
            day = max(
                first, weekday_on_or_before(timeline.between(rng, first, timeline.last_working_day))
            )
            at = self._moment(day)
            if last is not None and at <= last:
                at = last + datetime.timedelta(minutes=rng.randint(5, 90))
            if self._free_then(place, at) < 1:
                # Someone left after that moment: report once everyone still here had started.
                at = timeline.morning(timeline.last_working_day) + datetime.timedelta(hours=8)

            def free_now(limit: int) -> int:
                most = min(spare, limit)
                return rng.randint(max(1, most // 2), most)

            free_from = timeline.today + datetime.timedelta(days=rng.randint(0, 30))
            latest = self._report(place, at, free_now, free_from)
            offering.free_places, offering.free_from = latest.free_places, latest.free_from
            reports.append(latest)
            history_until = at.date() - DAY
            earlier = rng.randint(0, 3)
        elif offering.open_for_intake and rng.random() < EARLIER_REPORTING_SHARE:
            earlier = rng.randint(1, 2)
        else:
            earlier = 0
        history_from = timeline.days_ago(HISTORY_DAYS)
        if history_until < history_from:
            return reports
        days = sorted(timeline.between(rng, history_from, history_until) for _ in range(earlier))
        for day in days:
            free_from = day + datetime.timedelta(days=rng.randint(0, 30))
            reports.append(
                self._report(
                    place,
                    self._moment(day),
                    lambda limit: rng.randint(0, min(4, limit)),
                    free_from,
                )
            )
        return reports

    def _free_then(self, place: _Place, at: datetime.datetime) -> int:
        assigned, occupied = self._spoken_for(place, at)
        return place.offering.contracted_places - assigned - occupied


def plan_placements(
    rng: random.Random,
    timeline: Timeline,
    persons: list[PersonPlan],
    geography: Geography,
    staff: Staff,
    programme_types: dict[str, ProgrammeType],
    offerings: list[Offering],
    referrals: list[ReferralPlan],
    targets: dict[int, GateTarget],
    excluded: set[tuple[int, int]],
    demo_provider_id: int | None,
) -> PlannedPlacements:
    """Placements for every offering, their referrals (whose document targets join `targets`
    where the person has none yet), the offerings' counters and their capacity reports."""
    planner = PlacementPlanner(
        rng,
        timeline,
        persons,
        geography,
        staff,
        programme_types,
        referrals,
        targets,
        excluded,
        demo_provider_id,
    )
    return planner.plan(offerings)


OFFERING_FIELDS = [
    "contracted_places",
    "places_assigned",
    "places_occupied",
    "free_places",
    "free_from",
    "cohort_starts_on",
    "cohort_ends_on",
]


def insert_placements(
    planned: PlannedPlacements, advance: Callable[[int], object], batch_size: int
) -> None:
    """After the referrals: the placements, the offerings' counters, the capacity reports."""
    for start in range(0, len(planned.placements), batch_size):
        chunk = planned.placements[start : start + batch_size]
        Placement.objects.bulk_create([plan.to_model() for plan in chunk])
        advance(len(chunk))
    # One UPDATE per row sets all the counters at once, so the checks see the final values.
    Offering.objects.bulk_update(planned.offerings, OFFERING_FIELDS, batch_size=1000)
    CapacityReport.objects.bulk_create(planned.reports, batch_size=batch_size)
