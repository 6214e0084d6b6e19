"""The provider's pages: their offerings with capacity numbers, one offering with the capacity
report form and its history, and their API keys. The county's intake team and leaders see the
same offering pages, read-only."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from config.errors import ApplicationError
from org.access import Scope, scope_for
from org.models import User
from org.vocabulary import CompetenceTag
from providers import selectors, services
from providers.forms import ApiTokenForm, CapacityReportForm
from providers.models import Offering, ReportChannel

PAGE_SIZE = 50
COMPETENCE_LABELS = dict(CompetenceTag.choices)


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required let only users through
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _offering(scope: Scope, offering_id: int) -> Offering:
    offering = selectors.offering_get(scope=scope, offering_id=offering_id)
    if offering is None:
        raise Http404
    return offering


@dataclass(frozen=True)
class OfferingRow:
    offering: Offering
    # The most places that could be reported free now (providers.services.capacity_limit).
    limit: int


@login_required
def offering_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    page = Paginator(selectors.offering_list(scope=scope), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    rows = [OfferingRow(o, services.capacity_limit(o)) for o in page]
    title = _("Mine tiltak") if scope.is_provider else _("Tiltak")
    return render(
        request,
        "providers/offering_list.html",
        {"title": title, "page": page, "rows": rows, "scope": scope},
    )


def _detail(
    request: HttpRequest,
    scope: Scope,
    offering: Offering,
    form: CapacityReportForm | None,
    status: int = 200,
) -> HttpResponse:
    may_report = selectors.may_report_capacity(scope=scope, offering=offering)
    history = Paginator(selectors.capacity_history(offering=offering), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    if may_report and form is None:
        latest = selectors.capacity_history(offering=offering).first()
        form = CapacityReportForm.fresh(latest_report_id=latest.pk if latest else 0)
    return render(
        request,
        "providers/offering_detail.html",
        {
            "title": offering.name,
            "offering": offering,
            "limit": services.capacity_limit(offering),
            "competence": [str(COMPETENCE_LABELS.get(c, c)) for c in offering.competence_tags],
            "may_report": may_report,
            "form": form,
            "history": history,
        },
        status=status,
    )


@login_required
def offering_detail(request: HttpRequest, offering_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    offering = _offering(scope, offering_id)
    if request.method != "POST":
        return _detail(request, scope, offering, None)
    if not selectors.may_report_capacity(scope=scope, offering=offering):
        # The county reads the numbers; only the provider reports them.
        raise PermissionDenied
    form = CapacityReportForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = services.capacity_report(
                offering_id=offering.pk,
                free_places=data["free_places"],
                free_from=data["free_from"],
                note=data["note"],
                channel=ReportChannel.WEB,
                reported_by=_actor(request),
                idempotency_key=data["idempotency_key"],
                expected_latest_report_id=data["latest_report_id"],
            )
        except ApplicationError as error:
            form.add_service_error(error)
            if error.code == "STALE":
                latest = selectors.capacity_history(offering=offering).first()
                form.carry_latest_report(latest.pk if latest else 0)
        else:
            messages.success(
                request,
                _("Meldt: %(free)s ledige plasser fra %(date)s.")
                % {"free": report.free_places, "date": report.free_from.strftime("%d.%m.%Y")},
            )
            url = reverse("offering-detail", args=[offering.pk])
            return HttpResponseClientRedirect(url) if _is_htmx(request) else redirect(url)
    # Numbers may have moved since the form was drawn: read them again for the page.
    offering = _offering(scope, offering_id)
    if _is_htmx(request):
        return render(
            request,
            "providers/_capacity_form.html",
            {"form": form, "offering": offering, "limit": services.capacity_limit(offering)},
        )
    return _detail(request, scope, offering, form, status=400)


def _api_token_page(
    request: HttpRequest,
    scope: Scope,
    form: ApiTokenForm,
    new_key: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "providers/api_tokens.html",
        {
            "title": _("API-nøkler"),
            "tokens": selectors.api_token_list(scope=scope),
            "form": form,
            "new_key": new_key,
            "several_providers": len(scope.provider_ids) > 1,
        },
        status=status,
    )


@never_cache
@login_required
def api_token_list(request: HttpRequest) -> HttpResponse:
    """The provider's API keys, and a form for a new one. The new key is shown once, in the
    answer to the post (never stored, never put in a redirect or the session)."""
    scope = scope_for(request.user)
    if not scope.is_provider:
        raise Http404
    if request.method != "POST":
        return _api_token_page(request, scope, ApiTokenForm(scope=scope))
    form = ApiTokenForm(request.POST, scope=scope)
    if form.is_valid():
        try:
            token, key = services.api_token_create(
                actor=_actor(request),
                provider_id=form.cleaned_data["provider"],
                name=form.cleaned_data["name"],
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("API-nøkkelen «%(name)s» er laget.") % {"name": token.name})
            return _api_token_page(request, scope, ApiTokenForm(scope=scope), new_key=key)
    return _api_token_page(request, scope, form, status=400)


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        services.api_token_revoke(actor=_actor(request), token_id=token_id)
    except ApplicationError:
        # Someone else's key answers like a missing one.
        raise Http404 from None
    messages.success(request, _("API-nøkkelen er trukket tilbake. Den virker ikke lenger."))
    return redirect("provider-api-tokens")
