"""The portfolio list (caseworker: "Min portefølje", or the whole office; office and county
leaders: their office's or county's persons), its exports for leaders, and the review of
flags: one flag's page and a person's flags, with the actions "Henvisning startet", "Ikke
relevant" and "Se på igjen"."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit import recording as audit
from audit.models import AccessKind
from config.errors import ApplicationError
from config.forms import AkselForm
from intake import selectors as intake_selectors
from intake.models import Person, Referral
from intake.views.review import safe_next
from org.access import Scope, scope_for
from org.models import User
from portfolio import exports
from portfolio.flag_texts import flag_explanation, flag_hint
from portfolio.forms import (
    NO,
    YES,
    FlagDismissForm,
    FlagReferralForm,
    FlagSnoozeForm,
    PortfolioFilterForm,
)
from portfolio.models import OPEN_FLAG_STATUSES, FlagSettings, PortfolioFlag
from portfolio.selectors_portfolio import (
    PAGE_SIZE,
    PortfolioFilters,
    portfolio_facets,
    portfolio_list,
    portfolio_rows,
)
from portfolio.services import flags as flag_services

# --- the list ------------------------------------------------------------------------------


def _portfolio_scope(request: HttpRequest) -> Scope:
    """Caseworkers and leaders have a portfolio; nobody else."""
    scope = scope_for(request.user)
    if not (scope.is_caseworker or scope.is_leader):
        raise Http404
    return scope


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@dataclass(frozen=True)
class ListRequest:
    filters: PortfolioFilters
    order: str
    mine: bool
    values: dict[str, Any]


def _list_request(scope: Scope, params: QueryDict) -> ListRequest:
    values = PortfolioFilterForm(params).values()
    referral = values["henvisning"]
    filters = PortfolioFilters(
        flag=values["flagg"],
        need_group=values["innsatsgruppe"],
        age_band=values["alder"],
        benefit=values["ytelse"],
        municipality=values["kommune"],
        open_referral=True if referral == YES else False if referral == NO else None,
        min_wait_days=values["ventetid"],
        caseworker_id=values["veileder"],
        unassigned=bool(values["ufordelt"]),
    )
    # A caseworker starts in their own portfolio; leaders see their office or county.
    mine = scope.is_caseworker and not scope.is_leader and not values["hele_kontoret"]
    if mine:
        filters = filters.without("caseworker_id", "unassigned")
    return ListRequest(filters, values["sorter"] or "navn", mine, values)


def _title(scope: Scope, mine: bool) -> str:
    if mine:
        return _("Min portefølje")
    if scope.is_county_leader:
        return _("Portefølje for %(place)s") % {
            "place": ", ".join(c.name for c in scope.counties())
        }
    return _("Portefølje for %(place)s") % {"place": ", ".join(o.name for o in scope.offices())}


def _listed(
    request: HttpRequest, scope: Scope, user: User
) -> tuple[ListRequest, QuerySet[Person], datetime.date, datetime.datetime]:
    """The list the page and its exports show: what was asked, and the persons, as of now."""
    asked = _list_request(scope, request.GET)
    today = timezone.localdate()
    now = timezone.now()
    persons = portfolio_list(
        scope=scope,
        user=user,
        mine=asked.mine,
        filters=asked.filters,
        order=asked.order,
        today=today,
        now=now,
    )
    return asked, persons, today, now


@login_required
def portfolio_page(request: HttpRequest) -> HttpResponse:
    scope = _portfolio_scope(request)
    user = _actor(request)
    asked, persons, today, now = _listed(request, scope, user)
    page = Paginator(persons, PAGE_SIZE).get_page(request.GET.get("side"))
    filter_query = request.GET.copy()
    filter_query.pop("side", None)
    return render(
        request,
        "portfolio/list.html",
        {
            "title": _title(scope, asked.mine),
            "page": page,
            "rows": portfolio_rows(page, scope=scope, today=today, now=now),
            "facets": portfolio_facets(
                scope=scope, user=user, mine=asked.mine, filters=asked.filters, today=today, now=now
            ),
            "mine": asked.mine,
            "may_toggle": scope.is_caseworker and not scope.is_leader,
            "whole_office": bool(asked.values["hele_kontoret"]),
            "several_offices": not asked.mine and scope.offices().count() > 1,
            "order": asked.order,
            "filtered": not asked.filters.is_empty(),
            "extra_query": filter_query.urlencode(),
            "may_export": scope.is_leader,
            "back": request.get_full_path(),
        },
    )


def _describe(asked: ListRequest, scope: Scope) -> str:
    """The export's filters as text, for the audit log."""
    scope_text = "mine" if asked.mine else "fylke" if scope.is_county_leader else "kontor"
    parts = [f"omfang={scope_text}"]
    parts += [
        f"{name}={value}"
        for name, value in asked.values.items()
        if value is not None and name not in ("hele_kontoret",)
    ]
    return "Portefølje: " + ", ".join(parts)


@login_required
def portfolio_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered list as CSV or XLSX, for office and county leaders only; recorded."""
    scope = scope_for(request.user)
    if not scope.is_leader:
        raise Http404
    user = _actor(request)
    asked, persons, today, now = _listed(request, scope, user)
    rows = portfolio_rows(persons.iterator(chunk_size=2000), scope=scope, today=today, now=now)
    # Recorded as an export, with its filters; the persons read are noted as they are read.
    audit.describe(kind=AccessKind.EKSPORT, detail=f"{_describe(asked, scope)}; format={fmt}")
    stamp = today.strftime("%Y-%m-%d")
    if fmt == "xlsx":
        response = HttpResponse(
            exports.xlsx_bytes(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(exports.csv_bytes(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="portefolje-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


# --- flags ---------------------------------------------------------------------------------


@dataclass
class FlagCard:
    """One flag as the review shows it: the facts, the hint, its history and, while it is
    open, the three actions."""

    flag: PortfolioFlag
    explanation: str
    hint: str
    is_open: bool
    referrals: list[Referral]
    forms: dict[str, AkselForm] = field(default_factory=dict)


def _flag_card(
    flag: PortfolioFlag,
    person: Person,
    referrals: list[Referral],
    *,
    today: datetime.date,
    young_age_limit: int,
    back: str,
    bound: dict[str, AkselForm] | None = None,
) -> FlagCard:
    prefix = f"flagg{flag.pk}"
    initial = {"tilbake": back}
    forms: dict[str, AkselForm] = {
        "referral": FlagReferralForm(
            referrals=referrals, initial=initial, auto_id=f"{prefix}-ref-%s"
        ),
        "dismiss": FlagDismissForm(initial=initial, auto_id=f"{prefix}-dismiss-%s"),
        "snooze": FlagSnoozeForm(initial=initial, auto_id=f"{prefix}-snooze-%s"),
        **(bound or {}),
    }
    return FlagCard(
        flag=flag,
        explanation=flag_explanation(flag, person, today, young_age_limit=young_age_limit),
        hint=flag_hint(flag),
        is_open=flag.status in OPEN_FLAG_STATUSES,
        referrals=referrals,
        forms=forms,
    )


def _visible_person(scope: Scope, person_id: int) -> Person:
    """A person in scope whom the user may see in full, or 404."""
    person = intake_selectors.person_list(scope=scope).filter(pk=person_id).first()
    if person is None or not scope.may_see_protected(person.protection_level):
        raise Http404
    return person


def _flags(person: Person) -> list[PortfolioFlag]:
    return list(
        PortfolioFlag.objects.filter(person=person)
        .select_related("suggested_programme_type", "referral__programme_type", "reviewed_by")
        .prefetch_related("events__actor")
        .order_by("-raised_at", "-pk")
    )


def _load_flag(scope: Scope, flag_id: int) -> PortfolioFlag:
    flag = (
        PortfolioFlag.objects.filter(scope.person_office_q("person__office"), pk=flag_id)
        .select_related(
            "person__home_municipality",
            "person__office",
            "suggested_programme_type",
            "referral__programme_type",
            "reviewed_by",
        )
        .prefetch_related("events__actor")
        .first()
    )
    if flag is None or not scope.may_see_protected(flag.person.protection_level):
        raise Http404
    return flag


def _render_flag(
    request: HttpRequest,
    scope: Scope,
    flag: PortfolioFlag,
    *,
    bound: dict[str, AkselForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    person = flag.person
    back = safe_next(request.GET.get("tilbake") or request.POST.get("tilbake")) or ""
    referrals = list(intake_selectors.person_referrals(scope=scope, person=person))
    card = _flag_card(
        flag,
        person,
        referrals,
        today=timezone.localdate(),
        young_age_limit=FlagSettings.current().young_age_limit,
        back=back,
        bound=bound,
    )
    return render(
        request,
        "portfolio/flag_detail.html",
        {
            "title": _("Flagg: %(code)s") % {"code": flag.get_code_display()},
            "person": person,
            "card": card,
            "back": back,
        },
        status=status,
    )


@login_required
def flag_detail(request: HttpRequest, flag_id: int) -> HttpResponse:
    scope = _portfolio_scope(request)
    return _render_flag(request, scope, _load_flag(scope, flag_id))


@login_required
def person_flags(request: HttpRequest, person_id: int) -> HttpResponse:
    """All of a person's flags: the open ones to review, the closed ones as history."""
    scope = _portfolio_scope(request)
    person = _visible_person(scope, person_id)
    referrals = list(intake_selectors.person_referrals(scope=scope, person=person))
    today = timezone.localdate()
    limit = FlagSettings.current().young_age_limit
    back = reverse("portfolio-person-flags", args=[person.pk])
    cards = [
        _flag_card(flag, person, referrals, today=today, young_age_limit=limit, back=back)
        for flag in _flags(person)
    ]
    return render(
        request,
        "portfolio/person_flags.html",
        {
            "title": _("Flagg for %(name)s") % {"name": person.full_name},
            "person": person,
            "open_cards": [card for card in cards if card.is_open],
            "closed_cards": [card for card in cards if not card.is_open],
        },
    )


def _review(
    request: HttpRequest,
    flag_id: int,
    name: str,
    build: Callable[[PortfolioFlag, Scope], AkselForm],
    run: Callable[[User, PortfolioFlag, dict[str, Any]], str],
) -> HttpResponse:
    """Parse one action's form and call its service; on a refusal, show the flag again with
    the message next to the field. A flag someone already handled is a message, not an error
    page."""
    scope = _portfolio_scope(request)
    flag = _load_flag(scope, flag_id)
    form = build(flag, scope)
    flag_url = reverse("portfolio-flag", args=[flag.pk])
    if form.is_valid():
        back = safe_next(form.cleaned_data.get("tilbake")) or flag_url
        try:
            message = run(_actor(request), flag, form.cleaned_data)
        except ApplicationError as error:
            if error.code in ("FLAG_CLOSED", "NOT_FOUND"):
                messages.error(request, error.message)
                return redirect(flag_url)
            form.add_service_error(error)
        else:
            messages.success(request, message)
            return redirect(back)
    return _render_flag(request, scope, _load_flag(scope, flag_id), bound={name: form}, status=400)


@login_required
@require_POST
def flag_referral_started(request: HttpRequest, flag_id: int) -> HttpResponse:
    def build(flag: PortfolioFlag, scope: Scope) -> AkselForm:
        referrals = list(intake_selectors.person_referrals(scope=scope, person=flag.person))
        return FlagReferralForm(request.POST, referrals=referrals, auto_id=f"flagg{flag.pk}-ref-%s")

    def run(actor: User, flag: PortfolioFlag, data: dict[str, Any]) -> str:
        flag_services.flag_referral_started(
            actor=actor, flag_id=flag.pk, referral_id=data["referral"]
        )
        return _("Flagget er lukket: henvisning startet.")

    return _review(request, flag_id, "referral", build, run)


@login_required
@require_POST
def flag_dismiss(request: HttpRequest, flag_id: int) -> HttpResponse:
    def build(flag: PortfolioFlag, scope: Scope) -> AkselForm:
        return FlagDismissForm(request.POST, auto_id=f"flagg{flag.pk}-dismiss-%s")

    def run(actor: User, flag: PortfolioFlag, data: dict[str, Any]) -> str:
        flag_services.flag_dismiss(
            actor=actor, flag_id=flag.pk, reason=data["reason"], comment=data["comment"]
        )
        return _("Flagget er markert som ikke relevant.")

    return _review(request, flag_id, "dismiss", build, run)


@login_required
@require_POST
def flag_snooze(request: HttpRequest, flag_id: int) -> HttpResponse:
    def build(flag: PortfolioFlag, scope: Scope) -> AkselForm:
        return FlagSnoozeForm(request.POST, auto_id=f"flagg{flag.pk}-snooze-%s")

    def run(actor: User, flag: PortfolioFlag, data: dict[str, Any]) -> str:
        until: datetime.date = data["until"]
        flag_services.flag_snooze(
            actor=actor, flag_id=flag.pk, until=until, comment=data["comment"]
        )
        return _("Flagget er satt til «se på igjen» %(date)s.") % {
            "date": until.strftime("%d.%m.%Y")
        }

    return _review(request, flag_id, "snooze", build, run)
