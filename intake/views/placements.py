"""The intake team gives waiting people free places, and follows the places given but not yet
started: when a provider phones in that someone did not start, the team records it for them.

Both pages call intake.services.placements; a place is taken there with one conditional
UPDATE, so a place that someone else took a moment ago is refused here with PLACE_TAKEN."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from intake import selectors
from intake.forms.placements import AssignForm, NotStartedForm
from intake.models import Placement, PlacementStatus, Referral, ReferralStatus
from intake.services import placements as placement_services
from intake.views.review import safe_next
from org.access import Scope, scope_for
from org.models import User
from providers import selectors as provider_selectors
from providers.models import Offering, OfferingClosedPeriod

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _person_label(scope: Scope, referral: Referral) -> str:
    """The person's name, or the referral's number when the user may not see who it is."""
    if scope.may_see_protected(referral.person.protection_level):
        return referral.person.full_name
    return _("Henvisning %(id)s") % {"id": referral.pk}


# --- giving a place ------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferingChoice:
    """An offering with free places, as the intake team weighs it for one person."""

    offering: Offering
    distance_km: float | None
    excluded: bool
    beyond_travel: bool
    closures: list[OfferingClosedPeriod] = field(default_factory=list)


def _referral_for_assigning(scope: Scope, referral_id: int) -> Referral:
    """A referral of a county whose intake team the user is on, with its place in line; 404
    otherwise (county leaders read the waitlists, but only the intake team gives places)."""
    referral = (
        selectors.with_positions(selectors.referral_list(scope=scope).filter(pk=referral_id))
        .select_related("person__home_municipality")
        .first()
    )
    if referral is None or not scope.may_review_for_county(referral.county_id):
        raise Http404
    return referral


def offering_choices(
    scope: Scope, referral: Referral, today: datetime.date
) -> list[OfferingChoice]:
    """The open offerings of the referral's programme type in its county that have free
    places, nearest first; those of a provider the person excluded come last, not to be
    chosen. For a person the user may not see in full, no distance is shown or used: it
    would tell where they live."""
    offerings = (
        provider_selectors.offering_list(scope=scope)
        .filter(
            programme_type_id=referral.programme_type_id,
            municipality__county_id=referral.county_id,
            open_for_intake=True,
            free_places__gt=0,
        )
        .prefetch_related(
            Prefetch(
                "closed_periods",
                queryset=OfferingClosedPeriod.objects.filter(ends_on__gte=today),
                to_attr="coming_closures",
            )
        )
    )
    person = referral.person
    visible = scope.may_see_protected(person.protection_level)
    excluded = set(person.excluded_providers.values_list("pk", flat=True))
    choices = []
    for offering in offerings:
        distance = person.home_municipality.distance_km(offering.municipality) if visible else None
        choices.append(
            OfferingChoice(
                offering=offering,
                distance_km=distance,
                excluded=offering.provider_id in excluded,
                beyond_travel=bool(
                    distance is not None
                    and person.max_travel_km
                    and distance > person.max_travel_km
                ),
                closures=offering.coming_closures,
            )
        )
    return sorted(
        choices,
        key=lambda c: (c.excluded, c.distance_km or 0.0, c.offering.name, c.offering.pk),
    )


def _render_assign(
    request: HttpRequest,
    scope: Scope,
    referral: Referral,
    form: AssignForm,
    *,
    error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    waiting = referral.status == ReferralStatus.VENTELISTE
    choices = offering_choices(scope, referral, today) if waiting else []
    chosen = form["offering"].value()
    return render(
        request,
        "intake/placements/assign.html",
        {
            "title": _("Tildel plass"),
            "referral": referral,
            "person": referral.person,
            "waiting": waiting,
            "position": getattr(referral, "ahead", 0) + 1 if waiting else None,
            "choices": choices,
            "may_choose": any(not c.excluded for c in choices),
            "chosen": str(chosen) if chosen else "",
            "form": form,
            "error": error,
            "back": safe_next(form["tilbake"].value())
            or reverse("waitlist-detail", args=[referral.county_id, referral.programme_type_id]),
        },
        status=status,
    )


@login_required
def placement_assign(request: HttpRequest, referral_id: int) -> HttpResponse:
    """GET: the offerings with free places for a waiting person. POST: give one of them."""
    scope = scope_for(request.user)
    referral = _referral_for_assigning(scope, referral_id)
    if request.method != "POST":
        form = AssignForm(
            initial={"version": referral.version, "tilbake": request.GET.get("tilbake", "")}
        )
        return _render_assign(request, scope, referral, form)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _render_assign(request, scope, referral, form, status=400)
    data = form.cleaned_data
    try:
        placement = placement_services.placement_assign(
            actor=_actor(request),
            referral_id=referral.pk,
            offering_id=data["offering"],
            expected_version=data["version"],
            planned_start=data["planned_start"],
        )
    except ApplicationError as error:
        form.add_service_error(error)
        # The referral as it is now: after a stale refusal the user sees what changed, and
        # may try again knowingly with the current version.
        current = _referral_for_assigning(scope, referral_id)
        form.carry_version(current.version)
        return _render_assign(request, scope, current, form, error=error, status=400)
    messages.success(
        request,
        _(
            "%(person)s har fått plass i %(offering)s hos %(provider)s. Veilederen og "
            "arrangøren er varslet."
        )
        % {
            "person": _person_label(scope, referral),
            "offering": placement.offering.name,
            "provider": placement.offering.provider.name,
        },
    )
    return redirect(
        safe_next(data["tilbake"])
        or reverse("waitlist-detail", args=[referral.county_id, referral.programme_type_id])
    )


# --- places given, not started -------------------------------------------------------------


@dataclass(frozen=True)
class PlacementRow:
    placement: Placement
    may_act: bool
    days_since: int
    form: NotStartedForm

    @property
    def form_id(self) -> str:
        return f"not-started-{self.placement.pk}"


def _county_scope(request: HttpRequest) -> Scope:
    """The intake team works here, county leaders read; nobody else has these pages."""
    scope = scope_for(request.user)
    if not (scope.is_intake or scope.is_county_leader):
        raise Http404
    return scope


def _placements(scope: Scope) -> QuerySet[Placement]:
    return (
        Placement.objects.filter(
            scope.county_work_q("referral__county"), status=PlacementStatus.TILDELT
        )
        .select_related(
            "referral__person",
            "referral__programme_type",
            "referral__office",
            "offering__provider",
            "offering__municipality",
            "assigned_by",
        )
        .order_by("assigned_at", "pk")
    )


def _render_placements(
    request: HttpRequest,
    scope: Scope,
    *,
    failed: tuple[int, NotStartedForm] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    page = Paginator(_placements(scope), PAGE_SIZE).get_page(request.GET.get("side"))
    now = timezone.now()
    rows = []
    for placement in page:
        form = NotStartedForm(initial={"version": placement.version}, prefix=f"p{placement.pk}")
        if failed and failed[0] == placement.pk:
            form = failed[1]
        rows.append(
            PlacementRow(
                placement=placement,
                may_act=scope.may_review_for_county(placement.referral.county_id),
                days_since=(now - placement.assigned_at).days,
                form=form,
            )
        )
    return render(
        request,
        "intake/placements/list.html",
        {
            "title": _("Tildelte plasser"),
            "page": page,
            "rows": rows,
            "may_act": any(row.may_act for row in rows),
            "error": error,
            "failed_id": failed[0] if failed else None,
        },
        status=status,
    )


@login_required
def placement_list(request: HttpRequest) -> HttpResponse:
    """Places given and not yet started in the user's county, the oldest first."""
    return _render_placements(request, _county_scope(request))


@login_required
@require_POST
def placement_not_started(request: HttpRequest, placement_id: int) -> HttpResponse:
    """Record, for the provider who phoned in, that the person did not start."""
    scope = _county_scope(request)
    placement = _placements(scope).filter(pk=placement_id).first()
    if placement is None or not scope.may_review_for_county(placement.referral.county_id):
        raise Http404
    form = NotStartedForm(request.POST, prefix=f"p{placement.pk}")
    if not form.is_valid():
        error = _("Skjemaet kom ikke fram helt. Last siden på nytt og prøv igjen.")
        return _render_placements(
            request, scope, failed=(placement.pk, form), error=error, status=400
        )
    try:
        done = placement_services.placement_not_started(
            actor=_actor(request),
            placement_id=placement.pk,
            reason=form.cleaned_data["reason"],
            comment=form.cleaned_data["comment"],
            expected_version=form.cleaned_data["version"],
        )
    except ApplicationError as refusal:
        form.add_service_error(refusal)
        return _render_placements(
            request, scope, failed=(placement.pk, form), error=refusal.message, status=400
        )
    referral = done.referral
    referral.refresh_from_db(fields=["status"])
    back_on_list = referral.status == ReferralStatus.VENTELISTE
    messages.success(
        request,
        (
            _(
                "Plassen i %(offering)s er ledig igjen. %(person)s står på ventelisten igjen, "
                "på samme plass i køen."
            )
            if back_on_list
            else _(
                "Plassen i %(offering)s er ledig igjen. %(person)s er tatt av ventelisten, "
                "fordi årsaken gjelder brukeren selv."
            )
        )
        % {"offering": done.offering.name, "person": _person_label(scope, placement.referral)},
    )
    return redirect("placement-list")
