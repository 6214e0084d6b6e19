"""The intake team's waitlist pages."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from intake import selectors
from intake.models import ReferralStatus
from org.access import scope_for
from providers.models import ProgrammeType


@login_required
def waitlist_overview(request: HttpRequest) -> HttpResponse:
    """The waitlists of the counties whose intake work the user does or leads."""
    scope = scope_for(request.user)
    rows = (
        selectors.referral_list(scope=scope)
        .filter(status=ReferralStatus.VENTELISTE)
        .values("county__number", "county__name", "programme_type_id", "programme_type__short_name")
        .annotate(waiting=Count("pk"))
        .order_by("county__number", "programme_type__short_name")
    )
    return render(
        request, "intake/waitlist_overview.html", {"title": _("Ventelister"), "rows": rows}
    )


@login_required
def waitlist_detail(
    request: HttpRequest, county_number: str, programme_type_id: int
) -> HttpResponse:
    scope = scope_for(request.user)
    if county_number not in scope.intake_county_numbers | scope.leader_county_numbers:
        raise Http404
    programme_type = ProgrammeType.objects.filter(pk=programme_type_id).first()
    if programme_type is None:
        raise Http404
    entries = selectors.waitlist(
        scope=scope, county_number=county_number, programme_type_id=programme_type_id
    ).select_related("person__home_municipality")
    page = Paginator(entries, 50).get_page(request.GET.get("side"))
    return render(
        request,
        "intake/waitlist_detail.html",
        {
            "title": _("Venteliste %(type)s") % {"type": programme_type.short_name},
            "programme_type": programme_type,
            "county": scope.counties().get(number=county_number),
            "page": page,
        },
    )
