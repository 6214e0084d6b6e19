from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from intake.models import MatchProposal, Notification, ProposalStatus, Referral, ReferralStatus
from org.access import scope_for


def work_counts(request: HttpRequest) -> dict[str, Any]:
    """Counts for the header: unread notifications, referrals awaiting the intake team's
    review, and matching proposals awaiting its decision. Lazy, so a page that doesn't show
    them doesn't pay for them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)

    def unread() -> int:
        return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()

    def awaiting_review() -> int:
        if not scope.is_intake:
            return 0
        return Referral.objects.filter(
            status=ReferralStatus.SOKT_INN, county__in=scope.intake_county_numbers
        ).count()

    def open_proposals() -> int:
        if not scope.is_intake:
            return 0
        return MatchProposal.objects.filter(
            status=ProposalStatus.FORESLATT, county__in=scope.intake_county_numbers
        ).count()

    return {
        "unread_notifications": SimpleLazyObject(unread),
        "awaiting_review": SimpleLazyObject(awaiting_review),
        "open_proposals": SimpleLazyObject(open_proposals),
    }
