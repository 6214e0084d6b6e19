"""Reads of offerings, scoped by `org.access`."""

from django.db.models import QuerySet

from org.access import Scope
from providers.models import Offering


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
