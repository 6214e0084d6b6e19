"""The documents the quality gate reads (DOMAIN.md section 4): CV, work-capacity assessment
(AEV) and activity plan, each in every state the gate distinguishes.

A person with no referral gets documents drawn from all states: fresh, outdated, missing, not
approved, without a goal, not concluding reduced capacity. A person with a referral gets
documents that agree with its history: they passed the automatic gate on the day it was last
submitted, were fixed after a return, or had gone stale by the day the intake team returned it.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from intake.models import CV, ActivityPlan, WorkCapacityAssessment
from org.vocabulary import ADAPTED_NEED_GROUPS, NeedGroup
from portfolio.demo_data.people import PersonPlan, chunked, pick
from portfolio.demo_data.texts import PLAN_ACTIVITIES, PLAN_GOALS
from portfolio.demo_data.timeline import Timeline, add_years
from providers.models import ProgrammeType

NG = NeedGroup
CV_STATES = {
    "ordinary": (("FRESH", 70), ("OLD", 20), ("MISSING", 10)),
    "adapted": (("FRESH", 50), ("OLD", 30), ("MISSING", 20)),
}
ASSESSMENT_STATES = {
    "": (("MISSING", 100),),
    NG.STANDARD_INNSATS: (("NOT_REDUCED", 10), ("MISSING", 90)),
    NG.SITUASJONSBESTEMT_INNSATS: (
        ("REDUCED", 25),
        ("NOT_REDUCED", 25),
        ("OLD", 15),
        ("MISSING", 35),
    ),
    "adapted": (("REDUCED", 55), ("OLD", 25), ("MISSING", 20)),
}
PLAN_STATES = (
    ("FRESH", 45),
    ("NOT_APPROVED", 12),
    ("NO_GOAL", 8),
    ("OLD", 20),
    ("MISSING", 15),
)
# Share of persons with an assessment who also have an older one.
SHARE_EARLIER_ASSESSMENT = 0.15
# Documents last updated after the referral was submitted (a caseworker keeps them current).
SHARE_UPDATED_SINCE = 0.4


@dataclass(frozen=True)
class Thresholds:
    """Maximum ages in days, as on the programme types (the gate's defaults: 183, 365, 92)."""

    cv: int
    assessment: int
    plan: int

    @classmethod
    def of(cls, programme_type: ProgrammeType) -> Thresholds:
        return cls(
            cv=programme_type.cv_max_age_days,
            assessment=programme_type.assessment_max_age_days,
            plan=programme_type.plan_max_age_days,
        )

    @classmethod
    def strictest(cls, programme_types: list[ProgrammeType]) -> Thresholds:
        return cls(
            cv=min(t.cv_max_age_days for t in programme_types),
            assessment=min(t.assessment_max_age_days for t in programme_types),
            plan=min(t.plan_max_age_days for t in programme_types),
        )


@dataclass
class GateTarget:
    """What a person's documents must show because of a referral of theirs."""

    passed_on: datetime.date  # the automatic gate passed: the day of the last submission
    requires_assessment: bool
    limits: Thresholds
    fixed_after: datetime.date | None = None  # an earlier return's reasons were fixed since
    fixed: tuple[str, ...] = ()
    failed_on: datetime.date | None = None  # returned on this day for these reasons
    failed: tuple[str, ...] = ()

    def merge(self, other: GateTarget) -> GateTarget:
        """A person waiting for two programme types: the later submission decides."""
        later, earlier = (self, other) if self.passed_on >= other.passed_on else (other, self)
        later.requires_assessment = later.requires_assessment or earlier.requires_assessment
        return later


class DocumentFactory:
    def __init__(self, rng: random.Random, timeline: Timeline, limits: Thresholds) -> None:
        self.rng = rng
        self.timeline = timeline
        self.limits = limits

    def _ago(self, low: int, high: int) -> datetime.date:
        return self.timeline.days_ago(self.rng.randint(low, high))

    def _dated(
        self, target: GateTarget, code: str, max_age: int, *, may_be_newer: bool
    ) -> datetime.date:
        """The last update of one document of a person with a referral (see module doc)."""
        rng, submitted = self.rng, target.passed_on
        between = self.timeline.between
        if code in target.failed and target.failed_on is not None:
            # Passed on submission, too old by the review.
            last = target.failed_on - datetime.timedelta(days=max_age + 1)
            return between(rng, submitted - datetime.timedelta(days=max_age), last)
        if code in target.fixed and target.fixed_after is not None:
            return between(rng, target.fixed_after, submitted)
        if may_be_newer and rng.random() < SHARE_UPDATED_SINCE:
            return between(rng, submitted, self.timeline.last_working_day)
        return between(rng, submitted - datetime.timedelta(days=int(max_age * 0.6)), submitted)

    def documents(
        self, person: PersonPlan, target: GateTarget | None
    ) -> tuple[CV | None, list[WorkCapacityAssessment], ActivityPlan | None]:
        earliest = add_years(person.birth_date, 16)
        cv = self._cv(person, target)
        assessments = self._assessments(person, target, earliest)
        plan = self._plan(person, target)
        if cv is not None:
            cv.last_updated = max(cv.last_updated, earliest)
        return cv, assessments, plan

    def _cv(self, person: PersonPlan, target: GateTarget | None) -> CV | None:
        if target is not None:
            day = self._dated(target, "CV_UTDATERT", target.limits.cv, may_be_newer=True)
            return CV(person_id=person.pk, last_updated=day)
        kind = "adapted" if person.need_group in ADAPTED_NEED_GROUPS else "ordinary"
        state = pick(self.rng, CV_STATES[kind])
        if state == "MISSING":
            return None
        limit = self.limits.cv
        day = self._ago(1, limit - 1) if state == "FRESH" else self._ago(limit + 1, limit * 4)
        return CV(person_id=person.pk, last_updated=day)

    def _assessments(
        self, person: PersonPlan, target: GateTarget | None, earliest: datetime.date
    ) -> list[WorkCapacityAssessment]:
        rng, limit = self.rng, self.limits.assessment
        adapted = person.need_group in ADAPTED_NEED_GROUPS
        if target is not None and (target.requires_assessment or adapted):
            day = self._dated(target, "AEV_UTDATERT", target.limits.assessment, may_be_newer=False)
            reduced = True
        else:
            state = pick(rng, ASSESSMENT_STATES["adapted" if adapted else person.need_group])
            if state == "MISSING":
                return []
            reduced = state != "NOT_REDUCED"
            day = self._ago(limit + 1, limit * 4) if state == "OLD" else self._ago(1, limit - 1)
        newest = WorkCapacityAssessment(
            person_id=person.pk,
            assessed_on=max(day, earliest),
            reduced_capacity=reduced,
            need_group=person.need_group,
        )
        if rng.random() >= SHARE_EARLIER_ASSESSMENT:
            return [newest]
        earlier = WorkCapacityAssessment(
            person_id=person.pk,
            assessed_on=max(
                earliest, newest.assessed_on - datetime.timedelta(days=rng.randint(365, 1460))
            ),
            reduced_capacity=rng.random() < 0.5,
            need_group=NG.SITUASJONSBESTEMT_INNSATS,
        )
        return [newest, earlier]

    def _plan(self, person: PersonPlan, target: GateTarget | None) -> ActivityPlan | None:
        rng, limit = self.rng, self.limits.plan
        if target is not None:
            state = "TARGET"
            day = self._dated(
                target, "AKTIVITETSPLAN_UTDATERT", target.limits.plan, may_be_newer=True
            )
        else:
            state = pick(rng, PLAN_STATES)
            if state == "MISSING":
                return None
            day = self._ago(limit + 1, limit * 4) if state == "OLD" else self._ago(1, limit - 1)
        return ActivityPlan(
            person_id=person.pk,
            goal="" if state == "NO_GOAL" else rng.choice(PLAN_GOALS),
            approved=state != "NOT_APPROVED",
            last_updated=day,
            planned_activities=rng.choice(PLAN_ACTIVITIES),
        )


def insert_documents(
    rng: random.Random,
    timeline: Timeline,
    persons: list[PersonPlan],
    targets: dict[int, GateTarget],
    limits: Thresholds,
    advance: Callable[[int], object],
    batch_size: int,
) -> None:
    """`targets` are keyed by the person's index in `persons`."""
    factory = DocumentFactory(rng, timeline, limits)
    for start, chunk in enumerate(chunked(persons, batch_size)):
        cvs: list[CV] = []
        assessments: list[WorkCapacityAssessment] = []
        plans: list[ActivityPlan] = []
        for offset, person in enumerate(chunk):
            cv, assessed, plan = factory.documents(person, targets.get(start * batch_size + offset))
            if cv is not None:
                cvs.append(cv)
            assessments += assessed
            if plan is not None:
                plans.append(plan)
        CV.objects.bulk_create(cvs)
        WorkCapacityAssessment.objects.bulk_create(assessments)
        ActivityPlan.objects.bulk_create(plans)
        advance(len(chunk))
