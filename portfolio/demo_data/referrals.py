"""Referrals (henvisninger) in every state, each with the history of every transition it went
through (DOMAIN.md section 4):

    KLADD               OPPRETTET
    SOKT_INN            OPPRETTET, SOKT_INN [, RETURNERT, SOKT_INN]
    RETURNERT           OPPRETTET, SOKT_INN, RETURNERT
    VENTELISTE          OPPRETTET, SOKT_INN [, RETURNERT, SOKT_INN], GODKJENT
    IKKE_AKTUELL        ... GODKJENT, TRUKKET (left the waitlist without a place)
    VENTER_PA_OPPSTART  ... GODKJENT, TILDELT
    DELTAR              ... GODKJENT, TILDELT, STARTET
    HAR_SLUTTET         ... GODKJENT, TILDELT, STARTET, AVSLUTTET

Caseworkers create and submit from their office; generated intake team members of the county
return, approve and assign places, so nobody approves what they submitted (four-eyes) and the
demo `inntak` login has a clean slate. The provider's users record starts and ends, or the
intake team where the provider has none. The referrals of placements are planned with the
placements (`placements`), through the same planner.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery

from intake.models import EndReason, EventKind, Referral, ReferralEvent, ReferralStatus
from portfolio.demo_data.documents import GateTarget, Thresholds
from portfolio.demo_data.people import Geography, PersonPlan
from portfolio.demo_data.scales import DEMO_REFERRALS, Scale
from portfolio.demo_data.staff import Staff
from portfolio.demo_data.texts import justification, return_comment, unfinished, weak_justification
from portfolio.demo_data.timeline import Timeline
from providers.models import ProgrammeType

S = ReferralStatus
OPPRETTET = EventKind.OPPRETTET
SOKT_INN = EventKind.SOKT_INN
RETURNERT = EventKind.RETURNERT
GODKJENT = EventKind.GODKJENT

# Programme types referred to: the sheltered programmes dominate the waitlists.
REFERRAL_MIX = (
    ("ARBFORB", 38),
    ("VASV", 27),
    ("APS", 3),
    ("AVKLARAG", 8),
    ("INDOPPFAG", 10),
    ("ARBRRHDAG", 6),
    ("JOBBK", 3),
    ("GRUPPEAMO", 5),
)
# Why the intake team returns referrals. A weak justification is the common reason (the
# county reviews their quality, seed L2256-2262); the others are documents that went stale
# between submission and review.
RETURN_REASONS = (
    ("BEGRUNNELSE_MANGELFULL", 45),
    ("CV_UTDATERT", 25),
    ("AKTIVITETSPLAN_UTDATERT", 20),
    ("AEV_UTDATERT", 10),
)
SHARE_RETURNED_FIRST = {
    S.SOKT_INN: 0.15,
    S.VENTELISTE: 0.22,
    S.IKKE_AKTUELL: 0.22,
    S.VENTER_PA_OPPSTART: 0.22,
    S.DELTAR: 0.22,
    S.HAR_SLUTTET: 0.22,
}
# Statuses past approval: the referral keeps its approval time as its place in line (the
# services leave `queue_since` alone when a place is assigned).
PLACED = (S.VENTER_PA_OPPSTART, S.DELTAR, S.HAR_SLUTTET)
# Why people who waited left the list without a place (the caseworker withdrew them). With
# those given a place (`placements`), the main exit, their leaving is what the expected wait
# is computed from.
LEFT_REASONS = (
    (EndReason.FATT_JOBB, 35),
    (EndReason.UTDANNING, 15),
    (EndReason.TRENGER_ANNEN_STOTTE, 30),
    (EndReason.SYK, 20),
)
SHARE_DRAFTS_UNFINISHED = 0.6
# Chance that a person already waiting for one programme type is also put on another's list.
SHARE_SECOND_WAITLIST = 0.2


@dataclass(slots=True)
class EventPlan:
    kind: str
    from_status: str
    to_status: str
    actor_id: int
    day: datetime.date
    office_id: int | None = None
    county_id: str | None = None
    reasons: list[str] = field(default_factory=list)
    comment: str = ""


@dataclass(slots=True)
class ReferralPlan:
    person: PersonPlan
    programme_type: ProgrammeType
    county_id: str
    status: str
    created_by_id: int
    justification: tuple[str, str, str, str]
    events: list[EventPlan]
    moments: list[datetime.datetime] = field(default_factory=list)
    pk: int = 0  # set when inserted

    def to_model(self) -> Referral:
        submitted = [
            at for at, e in zip(self.moments, self.events, strict=True) if e.kind == SOKT_INN
        ]
        approved = [
            at for at, e in zip(self.moments, self.events, strict=True) if e.kind == GODKJENT
        ]
        need, goal, why, why_not = self.justification
        return Referral(
            person_id=self.person.pk,
            programme_type=self.programme_type,
            county_id=self.county_id,
            office_id=self.person.office_id,
            created_by_id=self.created_by_id,
            status=self.status,
            justification_need=need,
            justification_goal=goal,
            justification_why_programme=why,
            justification_why_not_ordinary=why_not,
            submitted_at=submitted[-1] if submitted else None,
            waitlisted_at=approved[-1] if approved else None,
            # No priority bonus in the demo counties (the default): the queue counts from
            # approval; the nightly refresh (run at the end of seeding) records the groups.
            queue_since=approved[-1] if self.status in (S.VENTELISTE, *PLACED) else None,
            closed_reason=(
                self.events[-1].reasons[0] if self.status in (S.IKKE_AKTUELL, S.HAR_SLUTTET) else ""
            ),
            created_at=self.moments[0],
            version=len(self.events),
        )

    def event_models(self, referral_id: int) -> list[ReferralEvent]:
        return [
            ReferralEvent(
                referral_id=referral_id,
                kind=event.kind,
                from_status=event.from_status,
                to_status=event.to_status,
                actor_id=event.actor_id,
                actor_office_id=event.office_id,
                actor_county_id=event.county_id,
                reasons=event.reasons,
                comment=event.comment,
                at=at,
            )
            for event, at in zip(self.events, self.moments, strict=True)
        ]


class _History:
    """Builds one referral's events: the caseworker acts from the office, the intake team
    from the county."""

    def __init__(
        self,
        rng: random.Random,
        office_id: int,
        caseworker_id: int,
        county_id: str,
        reviewers: list[int],
    ) -> None:
        self.rng = rng
        self.office_id = office_id
        self.caseworker_id = caseworker_id
        self.county_id = county_id
        self.reviewers = reviewers
        self.events: list[EventPlan] = []
        self.status = ""

    def _add(self, kind: str, to_status: str, day: datetime.date, *, by_intake: bool) -> EventPlan:
        event = EventPlan(
            kind,
            self.status,
            to_status,
            self.rng.choice(self.reviewers) if by_intake else self.caseworker_id,
            day,
            office_id=None if by_intake else self.office_id,
            county_id=self.county_id if by_intake else None,
        )
        self.events.append(event)
        self.status = to_status
        return event

    def created(self, day: datetime.date) -> None:
        self._add(OPPRETTET, S.KLADD, day, by_intake=False)

    def submitted(self, day: datetime.date) -> None:
        self._add(SOKT_INN, S.SOKT_INN, day, by_intake=False)

    def returned(self, day: datetime.date, reasons: list[str]) -> tuple[str, ...]:
        event = self._add(RETURNERT, S.RETURNERT, day, by_intake=True)
        event.reasons = reasons
        event.comment = return_comment(reasons)
        return tuple(reasons)

    def approved(self, day: datetime.date) -> None:
        self._add(GODKJENT, S.VENTELISTE, day, by_intake=True)

    def left(self, day: datetime.date, reason: str) -> None:
        event = self._add(EventKind.TRUKKET, S.IKKE_AKTUELL, day, by_intake=False)
        event.reasons = [reason]

    def assigned(self, day: datetime.date, offering_name: str) -> EventPlan:
        event = self._add(EventKind.TILDELT, S.VENTER_PA_OPPSTART, day, by_intake=True)
        event.comment = offering_name  # as placement_assign records it
        return event

    def _by_provider(
        self, kind: str, to_status: str, day: datetime.date, provider_user_id: int | None
    ) -> EventPlan:
        if provider_user_id is None:
            return self._add(kind, to_status, day, by_intake=True)
        event = EventPlan(kind, self.status, to_status, provider_user_id, day)
        self.events.append(event)
        self.status = to_status
        return event

    def started(self, day: datetime.date, provider_user_id: int | None) -> None:
        self._by_provider(EventKind.STARTET, S.DELTAR, day, provider_user_id)

    def ended(self, day: datetime.date, reason: str, provider_user_id: int | None) -> None:
        event = self._by_provider(EventKind.AVSLUTTET, S.HAR_SLUTTET, day, provider_user_id)
        event.reasons = [reason]


@dataclass(slots=True)
class PlacedDates:
    """What happened after approval to a referral that got a place: the days of assignment,
    start and end (as far as it got), and who at the provider recorded them."""

    assigned_on: datetime.date
    offering_name: str
    started_on: datetime.date | None = None
    ended_on: datetime.date | None = None
    end_reason: str = ""
    provider_user_id: int | None = None


class ReferralPlanner:
    def __init__(
        self,
        rng: random.Random,
        timeline: Timeline,
        persons: list[PersonPlan],
        geography: Geography,
        staff: Staff,
        programme_types: dict[str, ProgrammeType],
        targets: dict[int, GateTarget] | None = None,
    ) -> None:
        self.rng = rng
        self.timeline = timeline
        self.persons = persons
        self.geography = geography
        self.staff = staff
        self.types = programme_types
        self.referred: dict[int, list[str]] = {}  # person index -> programme type codes
        self.only_one: set[int] = set()  # persons whose referral is not on a waitlist
        self.targets: dict[int, GateTarget] = {} if targets is None else targets
        self.referrals: list[ReferralPlan] = []
        self.referable: dict[str, set[str]] | None = None  # county -> codes (see `offered`)
        self.county_of: list[str] = []

    def eligible(self, indices: list[int], code: str) -> list[int]:
        """Those the programme type admits, in a county that offers it (or offers nothing)."""
        admitted = self.types[code].admitted_need_groups
        referable = self.referable
        if referable is None:
            return [index for index in indices if self.persons[index].need_group in admitted]
        county_of = self.county_of
        return [
            index
            for index in indices
            if self.persons[index].need_group in admitted
            and code in referable.get(county_of[index], (code,))
        ]

    def offered(self, offered: set[tuple[str, str]]) -> None:
        """Refer only to programme types offered in the person's county: a county's waitlist
        for a programme it has no places in would never move. A county with no offerings at
        all (only at the demo scale) keeps waitlists of every type, for the overviews."""
        self.referable = {}
        for county, code in offered:
            self.referable.setdefault(county, set()).add(code)
        offices = self.geography.offices
        self.county_of = [offices[person.office_id].county_id for person in self.persons]

    def plan(
        self, status: str, count: int, candidates: list[int], waitlist_days: list[datetime.date]
    ) -> None:
        """`count` referrals in `status` for persons among `candidates` (none if no programme
        type admits any of them)."""
        rng = self.rng
        mix = [
            (code, weight)
            for code, weight in REFERRAL_MIX
            if status not in (S.VENTELISTE, S.IKKE_AKTUELL) or self.types[code].has_waitlist
        ]
        pools = {code: self.eligible(candidates, code) for code, _ in mix}
        codes = [code for code, _ in mix if pools[code]]
        weights = [weight for code, weight in mix if pools[code]]
        if not codes:
            return
        for _ in range(count):
            code = rng.choices(codes, weights)[0]
            index = self._person(pools[code], code, status)
            waitlisted_on = waitlist_days.pop() if status == S.VENTELISTE else None
            self.referrals.append(self._referral(index, code, status, waitlisted_on))

    def _person(self, pool: list[int], code: str, status: str) -> int:
        rng = self.rng
        for _ in range(10_000):
            index = rng.choice(pool)
            codes = self.referred.get(index)
            if codes is None:
                break
            if (
                status == S.VENTELISTE
                and index not in self.only_one
                and code not in codes
                and len(codes) < 2
                and rng.random() < SHARE_SECOND_WAITLIST
            ):
                break
        else:
            raise RuntimeError(f"no person left to refer to {code}")
        self.referred.setdefault(index, []).append(code)
        if status != S.VENTELISTE:
            self.only_one.add(index)
        return index

    def _reasons(self, programme_type: ProgrammeType) -> list[str]:
        rng = self.rng
        allowed = [
            (code, weight)
            for code, weight in RETURN_REASONS
            if code != "AEV_UTDATERT" or programme_type.requires_work_capacity_assessment
        ]
        chosen = {
            rng.choices([c for c, _ in allowed], [w for _, w in allowed])[0]
            for _ in range(1 if rng.random() < 0.75 else 2)
        }
        return [code for code, _ in RETURN_REASONS if code in chosen]

    def placed(
        self, index: int, code: str, status: str, approved_on: datetime.date, dates: PlacedDates
    ) -> ReferralPlan:
        """A referral approved on `approved_on` that then got a place (VENTER_PA_OPPSTART,
        DELTAR or HAR_SLUTTET). Its documents follow it only where the person has no other
        referral: a later submission of theirs decides what their documents show."""
        plan = self._referral(index, code, status, approved_on, dates)
        self.referrals.append(plan)
        return plan

    def _referral(
        self,
        index: int,
        code: str,
        status: str,
        waitlisted_on: datetime.date | None,
        placed: PlacedDates | None = None,
    ) -> ReferralPlan:
        rng = self.rng
        person = self.persons[index]
        programme_type = self.types[code]
        county = self.geography.offices[person.office_id].county_id
        caseworker = person.caseworker_id or rng.choice(self.staff.caseworkers[person.office_id])
        history = _History(rng, person.office_id, caseworker, county, self.staff.intake[county])
        text = justification(
            rng,
            programme_code=code,
            needs=person.needs,
            min_chars=programme_type.justification_min_chars,
        )
        target = GateTarget(
            self.timeline.last_working_day,
            programme_type.requires_work_capacity_assessment,
            Thresholds.of(programme_type),
        )
        before = self.timeline.working_day_before
        left_on = None
        if status == S.IKKE_AKTUELL:
            left_on = before(self.timeline.last_working_day, rng, 0, 80)
            waitlisted_on = before(left_on, rng, 14, 400)
        if status == S.KLADD:
            history.created(before(self.timeline.last_working_day, rng, 0, 45))
            if rng.random() < SHARE_DRAFTS_UNFINISHED:
                text = unfinished(rng, text)
        elif status == S.RETURNERT:
            returned = before(self.timeline.last_working_day, rng, 0, 60)
            target.passed_on = before(returned, rng, 1, 14)
            history.created(before(target.passed_on, rng, 0, 14))
            history.submitted(target.passed_on)
            target.failed_on = returned
            target.failed = history.returned(returned, self._reasons(programme_type))
            if "BEGRUNNELSE_MANGELFULL" in target.failed:
                text = weak_justification(min_chars=programme_type.justification_min_chars)
        else:
            # SOKT_INN awaits review; VENTELISTE was approved on `waitlisted_on`.
            last = waitlisted_on or self.timeline.last_working_day
            target.passed_on = before(last, rng, 1 if waitlisted_on else 0, 20)
            if rng.random() < SHARE_RETURNED_FIRST[S(status)]:
                returned = before(target.passed_on, rng, 1, 25)
                first_submitted = before(returned, rng, 1, 14)
                history.created(before(first_submitted, rng, 0, 14))
                history.submitted(first_submitted)
                target.fixed_after = returned
                target.fixed = history.returned(returned, self._reasons(programme_type))
            else:
                history.created(before(target.passed_on, rng, 0, 14))
            history.submitted(target.passed_on)
            if waitlisted_on is not None:
                history.approved(waitlisted_on)
            if left_on is not None:
                reasons = [reason for reason, _weight in LEFT_REASONS]
                weights = [weight for _reason, weight in LEFT_REASONS]
                history.left(left_on, rng.choices(reasons, weights)[0])
            if placed is not None:
                history.assigned(placed.assigned_on, placed.offering_name)
                if placed.started_on is not None:
                    history.started(placed.started_on, placed.provider_user_id)
                if placed.ended_on is not None:
                    history.ended(placed.ended_on, placed.end_reason, placed.provider_user_id)
        if placed is not None:
            self.targets.setdefault(index, target)
        elif status != S.KLADD:
            self._target(index, target)
        plan = ReferralPlan(
            person, programme_type, county, status, caseworker, text, history.events
        )
        plan.moments = self.timeline.moments(rng, [event.day for event in history.events])
        return plan

    def _target(self, index: int, target: GateTarget) -> None:
        existing = self.targets.get(index)
        self.targets[index] = target if existing is None else existing.merge(target)


def plan_referrals(
    rng: random.Random,
    scale: Scale,
    timeline: Timeline,
    persons: list[PersonPlan],
    geography: Geography,
    staff: Staff,
    programme_types: dict[str, ProgrammeType],
    demo_caseworker_id: int,
    offered: set[tuple[str, str]],
) -> tuple[list[ReferralPlan], dict[int, GateTarget]]:
    """Referrals in every state, the demo caseworker's first, and the document targets they
    imply (keyed by the person's index in `persons`). `offered` holds the (county, programme
    type code) pairs that have offerings."""
    planner = ReferralPlanner(rng, timeline, persons, geography, staff, programme_types)
    planner.offered(offered)
    # Popped from the end: the order of the days does not matter, they are all drawn.
    waitlist_days = timeline.waitlist_days(rng, scale.waitlisted)
    everyone = list(range(len(persons)))
    demo_portfolio = [i for i in everyone if persons[i].caseworker_id == demo_caseworker_id]
    totals = {
        S.KLADD: scale.drafts,
        S.SOKT_INN: scale.submitted,
        S.RETURNERT: scale.returned,
        S.VENTELISTE: scale.waitlisted,
        S.IKKE_AKTUELL: scale.left_waitlist,
    }
    for status, count in DEMO_REFERRALS.items():
        planner.plan(status, count, demo_portfolio, waitlist_days)
        totals[S(status)] -= count
    # Every county has a waitlist, however few its people: one each first.
    by_county: dict[str, list[int]] = {}
    for index in everyone:
        by_county.setdefault(planner.county_of[index], []).append(index)
    for county in sorted(by_county):
        before = len(planner.referrals)
        planner.plan(S.VENTELISTE, 1, by_county[county], waitlist_days)
        totals[S.VENTELISTE] -= len(planner.referrals) - before
    for status, count in totals.items():
        planner.plan(status, count, everyone, waitlist_days)
    return planner.referrals, planner.targets


def insert_referrals(
    referrals: list[ReferralPlan], advance: Callable[[int], object], batch_size: int
) -> int:
    """Insert referrals and their events, and remember each referral's primary key on its
    plan; returns the number of events."""
    events = 0
    for start in range(0, len(referrals), batch_size):
        chunk = referrals[start : start + batch_size]
        created = Referral.objects.bulk_create([plan.to_model() for plan in chunk])
        for plan, referral in zip(chunk, created, strict=True):
            plan.pk = referral.pk
        rows = [
            event
            for plan, referral in zip(chunk, created, strict=True)
            for event in plan.event_models(referral.pk)
        ]
        ReferralEvent.objects.bulk_create(rows, batch_size=5000)
        # updated_at is an auto_now field, set to the moment of the insert; make it tell the
        # referral's history instead, so lists sort as they would in use.
        history = ReferralEvent.objects.filter(referral=OuterRef("pk")).values("at")
        Referral.objects.filter(pk__in=[referral.pk for referral in created]).update(
            updated_at=Subquery(history.order_by("-at", "-pk")[:1]),
        )
        events += len(rows)
        advance(len(chunk))
    return events
