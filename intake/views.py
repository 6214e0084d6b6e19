"""Pages about persons, referrals and waitlists. Thin: parse, call a selector, render."""

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
def person_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    persons = selectors.person_list(scope=scope)
    if request.GET.get("mine") == "1":
        persons = persons.filter(caseworker_id=request.user.pk)
    page = Paginator(persons, 50).get_page(request.GET.get("side"))
    return render(
        request,
        "intake/person_list.html",
        {"title": _("Brukere"), "page": page, "mine": request.GET.get("mine") == "1"},
    )


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    person = selectors.person_get(scope=scope, person_id=person_id)
    if person is None or not scope.may_see_protected(person.protection_level):
        raise Http404
    return render(
        request,
        "intake/person_detail.html",
        {
            "title": person.full_name,
            "person": person,
            "referrals": selectors.person_open_referrals(scope=scope, person=person),
        },
    )


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


@login_required
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    referral = selectors.referral_list(scope=scope).filter(pk=referral_id).first()
    if referral is None:
        raise Http404
    return render(
        request,
        "intake/referral_detail.html",
        {
            "title": _("Henvisning"),
            "referral": referral,
            "events": referral.events.select_related("actor", "actor_office", "actor_county"),
        },
    )
