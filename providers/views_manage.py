"""Managing providers and their offerings: for administrators, and for the intake team of the
offering's county (DOMAIN.md section 6). Every write goes through providers.services, which
checks the same rules again; an offering outside what the user manages answers 404."""

from __future__ import annotations

import datetime

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
from org.access import Scope, scope_for
from org.models import User
from providers import services
from providers.forms_manage import ClosedPeriodForm, OfferingForm, ProviderForm
from providers.models import Offering, OfferingClosedPeriod

PAGE_SIZE = 50
CLOSED_PERIOD_PREFIX = "stengt"


def _manager_scope(request: HttpRequest) -> Scope:
    """Administrators and intake teams manage offerings; nobody else has these pages."""
    scope = scope_for(request.user)
    if not (scope.is_admin or scope.is_intake):
        raise Http404
    return scope


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def manageable_offerings(scope: Scope) -> QuerySet[Offering]:
    """Every offering for an administrator; for an intake team member, those located in the
    counties whose intake team they are on (a county leader reads them, but does not manage)."""
    offerings = Offering.objects.select_related("provider", "programme_type", "municipality")
    if not scope.is_admin:
        offerings = offerings.filter(municipality__county__in=scope.intake_county_numbers)
    return offerings.order_by("municipality__county_id", "provider__name", "name", "pk")


def _offering(scope: Scope, offering_id: int) -> Offering:
    today = timezone.localdate()
    offering = (
        manageable_offerings(scope)
        .prefetch_related(
            Prefetch(
                "closed_periods",
                queryset=OfferingClosedPeriod.objects.filter(
                    ends_on__gte=today - datetime.timedelta(days=365)
                ).order_by("starts_on"),
                to_attr="recent_closures",
            )
        )
        .filter(pk=offering_id)
        .first()
    )
    if offering is None:
        raise Http404
    return offering


@login_required
def manage_offering_list(request: HttpRequest) -> HttpResponse:
    scope = _manager_scope(request)
    page = Paginator(manageable_offerings(scope), PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "providers/manage/offering_list.html",
        {"title": _("Forvalt tiltak"), "page": page},
    )


@login_required
def manage_provider_create(request: HttpRequest) -> HttpResponse:
    _manager_scope(request)
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.provider_create(
                actor=_actor(request),
                name=form.cleaned_data["name"],
                orgnr=form.cleaned_data["orgnr"],
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("%(name)s er registrert. Legg til en gjennomføring hos arrangøren.")
                % {"name": provider.name},
            )
            return redirect(f"{reverse('manage-offering-create')}?arrangor={provider.pk}")
    return render(
        request,
        "providers/manage/provider_form.html",
        {"title": _("Ny arrangør"), "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def manage_offering_create(request: HttpRequest) -> HttpResponse:
    scope = _manager_scope(request)
    provider_id = request.GET.get("arrangor", "")
    form = OfferingForm(
        request.POST or None,
        scope=scope,
        initial={"provider": int(provider_id) if provider_id.isdigit() else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            offering = services.offering_create(actor=_actor(request), **form.service_values())
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request, _("Gjennomføringen %(name)s er opprettet.") % {"name": offering.name}
            )
            return redirect("manage-offering-edit", offering.pk)
    return render(
        request,
        "providers/manage/offering_form.html",
        {"title": _("Ny gjennomføring"), "form": form, "offering": None},
        status=400 if form.errors else 200,
    )


def _render_edit(
    request: HttpRequest,
    offering: Offering,
    form: OfferingForm,
    closed_form: ClosedPeriodForm,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "providers/manage/offering_form.html",
        {
            "title": _("Endre %(name)s") % {"name": offering.name},
            "form": form,
            "offering": offering,
            "closed_form": closed_form,
            "closures": offering.recent_closures,  # type: ignore[attr-defined]
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
def manage_offering_edit(request: HttpRequest, offering_id: int) -> HttpResponse:
    scope = _manager_scope(request)
    offering = _offering(scope, offering_id)
    closed_form = ClosedPeriodForm(prefix=CLOSED_PERIOD_PREFIX)
    if request.method != "POST":
        form = OfferingForm(scope=scope, initial=OfferingForm.initial_from(offering))
        return _render_edit(request, offering, form, closed_form)
    form = OfferingForm(request.POST, scope=scope)
    if form.is_valid():
        try:
            services.offering_update(
                actor=_actor(request), offering_id=offering.pk, **form.service_values()
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Endringene er lagret."))
            return redirect("manage-offering-edit", offering.pk)
    return _render_edit(request, offering, form, closed_form, status=400)


@login_required
@require_POST
def manage_closed_period_add(request: HttpRequest, offering_id: int) -> HttpResponse:
    scope = _manager_scope(request)
    offering = _offering(scope, offering_id)
    closed_form = ClosedPeriodForm(request.POST, prefix=CLOSED_PERIOD_PREFIX)
    if closed_form.is_valid():
        try:
            period = services.closed_period_add(
                actor=_actor(request), offering_id=offering.pk, **closed_form.cleaned_data
            )
        except ApplicationError as error:
            closed_form.add_service_error(error)
        else:
            messages.success(
                request, _("Stengt periode %(period)s er lagt til.") % {"period": period}
            )
            return redirect("manage-offering-edit", offering.pk)
    form = OfferingForm(scope=scope, initial=OfferingForm.initial_from(offering))
    return _render_edit(request, offering, form, closed_form, status=400)
