"""Reads of offerings, capacity reports and API keys, scoped by `org.access`."""

from django.db.models import QuerySet

from org.access import Scope
from providers.models import CapacityReport, Offering, ProviderApiToken


def offering_list(*, scope: Scope) -> QuerySet[Offering]:
    """A provider's staff see their own offerings; intake teams and county leaders see the
    offerings located in their county."""
    return (
        Offering.objects.filter(
            scope.provider_q("provider") | scope.county_work_q("municipality__county")
        )
        .select_related("provider", "programme_type", "municipality")
        .order_by("provider__name", "name", "pk")
    )


def offering_get(*, scope: Scope, offering_id: int) -> Offering | None:
    """One offering, or None when it does not exist or is out of scope (the caller answers
    404 either way, so someone else's offering looks like a missing one)."""
    return offering_list(scope=scope).filter(pk=offering_id).first()


def may_report_capacity(*, scope: Scope, offering: Offering) -> bool:
    """Only the offering's own provider reports its free places; the county reads them."""
    return offering.provider_id in scope.provider_ids


def capacity_history(*, offering: Offering) -> QuerySet[CapacityReport]:
    """Every report for the offering, newest first, with who reported it."""
    return offering.capacity_reports.select_related("reported_by").order_by("-created_at", "-pk")


def api_token_list(*, scope: Scope) -> QuerySet[ProviderApiToken]:
    """The API keys of the user's own providers, revoked ones too (for the record)."""
    return (
        ProviderApiToken.objects.filter(scope.provider_q("provider"))
        .select_related("provider", "created_by")
        .order_by("provider__name", "-created_at", "-pk")
    )
