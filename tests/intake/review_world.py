"""Building blocks for the intake team's tests: a person whose documents pass the gate, and
referrals taken through the real services (so that their history is real)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from intake.models import Person, Referral, ReferralStatus
from intake.services.referrals import referral_create, referral_submit
from org.models import CountyMembership, CountyRole, Office, OfficeMembership, OfficeRole, User
from providers.models import ProgrammeType
from tests.factories import (
    ActivityPlanFactory,
    CVFactory,
    PersonFactory,
    ReferralFactory,
    UserFactory,
    WorkCapacityAssessmentFactory,
)

# Every part well over the default minimum of 40 characters.
JUSTIFICATION = {
    "justification_need": "Trenger tett oppfølging og tilrettelegging for å komme i arbeid.",
    "justification_goal": "Målet er fast jobb som lagermedarbeider innen to år.",
    "justification_why_programme": "AFT gir arbeidstrening i et skjermet miljø med tett støtte.",
    "justification_why_not_ordinary": "Ordinær arbeidspraksis er prøvd to ganger uten å lykkes.",
}


def programme(code: str = "ARBFORB") -> ProgrammeType:
    return ProgrammeType.objects.get(code=code)


def ready_person(**fields: Any) -> Person:
    """A person (at Nav Midtbyen unless told) with a fresh CV, a fresh assessment that found
    reduced work capacity, and an approved activity plan with a goal."""
    person = PersonFactory.create(**fields)
    CVFactory.create(person=person)
    WorkCapacityAssessmentFactory.create(person=person)
    ActivityPlanFactory.create(person=person)
    return person


def submitted(
    caseworker: User, person: Person | None = None, programme_type: ProgrammeType | None = None
) -> Referral:
    """A referral created and submitted by the caseworker, through the services."""
    person = person or ready_person(caseworker=caseworker)
    draft = referral_create(
        actor=caseworker,
        person=person,
        programme_type=programme_type or programme(),
        justification=JUSTIFICATION,
    )
    return referral_submit(actor=caseworker, referral_id=draft.pk, expected_version=draft.version)


def quick_submitted(days_ago: int = 0, **fields: Any) -> Referral:
    """A submitted referral made by the factory (no history): for lists of many rows."""
    when = timezone.now() - datetime.timedelta(days=days_ago)
    return ReferralFactory.create(
        status=ReferralStatus.SOKT_INN,
        submitted_at=when,
        waitlisted_at=None,
        queue_since=None,
        **fields,
    )


def caseworker_and_intake(username: str = "dobbel_rolle") -> User:
    """Someone who is both a caseworker at Nav Midtbyen and on Trøndelag's intake team."""
    user = UserFactory.create(username=username, first_name="Dobbel", last_name="Rolle")
    office = Office.objects.get(number="5083")
    OfficeMembership.objects.create(user=user, office=office, role=OfficeRole.VEILEDER)
    CountyMembership.objects.create(user=user, county_id="50", role=CountyRole.INNTAKSTEAM)
    return user
