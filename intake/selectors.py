"""Reads of persons and referrals, always scoped by `org.access`."""

from django.db.models import Q, QuerySet

from intake.models import OPEN_STATUSES, Person, Referral, ReferralStatus
from org.access import Scope


def person_list(*, scope: Scope) -> QuerySet[Person]:
    """The persons of the offices the user works at or leads."""
    return (
        Person.objects.filter(scope.person_office_q("office"))
        .select_related("office", "home_municipality", "caseworker")
        .order_by("last_name", "first_name", "pk")
    )


def person_get(*, scope: Scope, person_id: int) -> Person | None:
    """One person, or None when it does not exist or is out of scope (the caller answers 404
    either way, so a deny never reveals whether the person exists)."""
    return (
        person_list(scope=scope)
        .select_related("cv", "activity_plan")
        .prefetch_related("work_capacity_assessments")
        .filter(pk=person_id)
        .first()
    )


def referral_list(*, scope: Scope) -> QuerySet[Referral]:
    """Referrals the user may see: those of their own offices' persons, and those of the
    counties whose intake work they do or lead."""
    # A draft belongs to its caseworker's office until it is submitted.
    submitted = ~Q(status__in=[ReferralStatus.KLADD, ReferralStatus.AVBRUTT_UTKAST])
    return Referral.objects.filter(
        scope.person_office_q("person__office") | (scope.county_work_q("county") & submitted)
    ).select_related("person", "programme_type", "office", "county")


def person_open_referrals(*, scope: Scope, person: Person) -> QuerySet[Referral]:
    return referral_list(scope=scope).filter(person=person, status__in=OPEN_STATUSES)


def waitlist(*, scope: Scope, county_number: str, programme_type_id: int) -> QuerySet[Referral]:
    """One county's waitlist for one programme type, in waiting order."""
    return (
        referral_list(scope=scope)
        .filter(
            county_id=county_number,
            programme_type_id=programme_type_id,
            status=ReferralStatus.VENTELISTE,
        )
        .order_by("waitlisted_at", "pk")
    )
