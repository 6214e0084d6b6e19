"""What the landing page shows each role: their scope and the work in it."""

from dataclasses import dataclass, field

from django.db.models import Count, Sum

from intake import selectors as intake_selectors
from intake.models import MatchingRequest, ReferralStatus
from org.access import Scope
from org.models import County, Office, Provider, User
from providers import selectors as provider_selectors


@dataclass
class Overview:
    offices: list[Office] = field(default_factory=list)
    counties: list[County] = field(default_factory=list)
    providers: list[Provider] = field(default_factory=list)
    my_portfolio: int = 0
    persons_in_scope: int = 0
    referrals_by_status: dict[str, int] = field(default_factory=dict)
    awaiting_review: int = 0
    waiting: int = 0
    offerings: int = 0
    contracted_places: int = 0
    new_free_places: int = 0


def overview(*, scope: Scope, user: User) -> Overview:
    result = Overview(
        offices=list(scope.offices()),
        counties=list(scope.counties()),
        providers=list(scope.providers()),
    )
    if scope.is_caseworker or scope.is_leader:
        persons = intake_selectors.person_list(scope=scope)
        result.persons_in_scope = persons.count()
        result.my_portfolio = persons.filter(caseworker=user).count()
    if scope.is_caseworker or scope.is_leader or scope.is_intake:
        counts = (
            intake_selectors.referral_list(scope=scope)
            .values("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        by_code = {row["status"]: row["n"] for row in counts}
        # In the lifecycle's order (the statuses' own), not the database's.
        result.referrals_by_status = {
            str(status.label): by_code[status.value]
            for status in ReferralStatus
            if status.value in by_code
        }
        result.awaiting_review = by_code.get(ReferralStatus.SOKT_INN, 0)
        result.waiting = by_code.get(ReferralStatus.VENTELISTE, 0)
    if scope.is_intake:
        # Reports of new free places the county's intake team has not marked as seen.
        result.new_free_places = MatchingRequest.objects.filter(
            county__in=scope.intake_county_numbers, seen_at__isnull=True
        ).count()
    if scope.is_provider or scope.is_intake or scope.is_county_leader:
        totals = provider_selectors.offering_list(scope=scope).aggregate(
            n=Count("pk"), places=Sum("contracted_places")
        )
        result.offerings = totals["n"] or 0
        result.contracted_places = totals["places"] or 0
    return result
