"""The caseworker's pages about referrals: the form that shows the gate's verdict while it is
written, the referral's page with its place in line, "my referrals" by status, and the
caseworker's notifications. The intake team's pages live in intake/views/review.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from intake import selectors
from intake.forms.referrals import SUBMIT, ReferralForm, WithdrawForm
from intake.gate import GateCode, GateFailure, GateResult, gate_check
from intake.models import EventKind, Person, Referral, ReferralStatus
from intake.selectors import ExpectedWait
from intake.services import notifications as notification_services
from intake.services import referrals as referral_services
from intake.services.referrals import JUSTIFICATION_FIELDS, AlreadyOpen, GateRefused
from intake.views.persons import acting_user, editable_person, visible_person
from org.access import Scope, scope_for
from providers.models import ProgrammeType

S = ReferralStatus
EDITABLE = (S.KLADD, S.RETURNERT)
WITHDRAWABLE = (S.KLADD, S.SOKT_INN, S.RETURNERT, S.VENTELISTE)
# Statuses the gate's checklist is shown for: before and during the intake team's review.
CHECKED = (S.KLADD, S.RETURNERT, S.SOKT_INN)
# "My referrals": the open statuses first, in the order of the lifecycle, then the closed.
STATUS_TABS = (
    S.KLADD,
    S.RETURNERT,
    S.SOKT_INN,
    S.VENTELISTE,
    S.VENTER_PA_OPPSTART,
    S.DELTAR,
    S.HAR_SLUTTET,
    S.IKKE_AKTUELL,
    S.AVBRUTT_UTKAST,
    S.FEILREGISTRERT,
)
ALWAYS_SHOWN_TABS = (S.KLADD, S.RETURNERT, S.SOKT_INN, S.VENTELISTE)
PAGE_SIZE = 25

# The gate's rules as a checklist, one line per requirement (DOMAIN.md section 4).
_CHECKLIST = (
    (gettext_lazy("CV"), (GateCode.CV_MANGLER, GateCode.CV_UTDATERT)),
    (
        gettext_lazy("Arbeidsevnevurdering med nedsatt arbeidsevne"),
        (GateCode.AEV_MANGLER, GateCode.AEV_UTDATERT, GateCode.AEV_IKKE_NEDSATT),
    ),
    (
        gettext_lazy("Godkjent aktivitetsplan med mål"),
        (
            GateCode.AKTIVITETSPLAN_MANGLER,
            GateCode.AKTIVITETSPLAN_IKKE_GODKJENT,
            GateCode.AKTIVITETSPLAN_UTEN_MAL,
            GateCode.AKTIVITETSPLAN_UTDATERT,
        ),
    ),
    (gettext_lazy("Begrunnelse i fire deler"), (GateCode.BEGRUNNELSE_MANGELFULL,)),
    (gettext_lazy("Innsatsgruppe tiltaket tar imot"), (GateCode.FEIL_INNSATSGRUPPE,)),
    (
        gettext_lazy("Ingen annen åpen henvisning til samme tiltakstype"),
        (GateCode.ALLEREDE_AKTIV,),
    ),
)


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    failures: tuple[GateFailure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def gate_checklist(result: GateResult, programme_type: ProgrammeType) -> list[ChecklistItem]:
    items = []
    for label, codes in _CHECKLIST:
        if GateCode.AEV_MANGLER in codes and not programme_type.requires_work_capacity_assessment:
            continue
        failures = tuple(f for f in result.failures if f.code in codes)
        items.append(ChecklistItem(str(label), failures))
    return items


@dataclass(frozen=True)
class WaitOutlook:
    """A place in line and the expected wait, with the figures it rests on."""

    wait: ExpectedWait
    size: int
    county_name: str
    programme_type: ProgrammeType

    @property
    def weeks(self) -> int | None:
        """Whole weeks (0 = less than a week), or None when no estimate can be made."""
        return None if self.wait.weeks is None else round(self.wait.weeks)


def _outlook(referral_or_person: Referral | Person, programme_type: ProgrammeType) -> WaitOutlook:
    """For a waiting referral: its own place. For a new or unsubmitted one: the place a
    referral approved today would get, at the end of the line."""
    if isinstance(referral_or_person, Referral):
        county = referral_or_person.county
    else:
        county = referral_or_person.office.county
    key = (county.number, programme_type.pk)
    size = selectors.waitlist_sizes(keys=[key])[key]
    exits = selectors.waitlist_exits(
        county_number=county.number, programme_type_ids=[programme_type.pk]
    ).get(programme_type.pk, 0)
    ahead = getattr(referral_or_person, "ahead", None)
    position = ahead + 1 if ahead is not None else size + 1
    return WaitOutlook(
        selectors.expected_wait(position=position, exits=exits), size, county.name, programme_type
    )


def _own_referral(scope: Scope, referral_id: int) -> Referral:
    """A referral of a person the user is caseworker for and may see in full, or 404."""
    referral = selectors.referral_get(scope=scope, referral_id=referral_id)
    if (
        referral is None
        or not scope.may_work_for_office(referral.person.office_id)
        or not scope.may_see_protected(referral.person.protection_level)
    ):
        raise Http404
    return referral


def _form_page(
    request: HttpRequest,
    scope: Scope,
    person: Person,
    form: ReferralForm,
    *,
    referral: Referral | None = None,
    refused: GateResult | None = None,
) -> HttpResponse:
    if referral is not None:
        programme_type: ProgrammeType | None = referral.programme_type
    else:
        programme_type = form.cleaned_data.get("programme_type") if form.is_bound else None
    context: dict[str, Any] = {
        "title": _("Ny henvisning") if referral is None else _("Endre henvisning"),
        "person": person,
        "referral": referral,
        "form": form,
        "refused": refused,
    }
    context.update(_preview(person, programme_type, form, referral))
    return render(request, "intake/referral_form.html", context)


def _preview(
    person: Person,
    programme_type: ProgrammeType | None,
    form: ReferralForm,
    referral: Referral | None,
) -> dict[str, Any]:
    """The gate's verdict on the values in the form (saved or not), and the line ahead."""
    if programme_type is None:
        return {"programme_type": None}
    if form.is_bound:
        justification = {name: form.data.get(name, "") for name in JUSTIFICATION_FIELDS}
    else:
        justification = {name: str(form.initial.get(name, "")) for name in JUSTIFICATION_FIELDS}
    result = gate_check(
        person=person,
        programme_type=programme_type,
        justification=justification,
        today=timezone.localdate(),
        referral=referral,
    )
    return {
        "programme_type": programme_type,
        "gate": result,
        "checklist": gate_checklist(result, programme_type),
        "outlook": _outlook(person, programme_type),
    }


def _submit(
    request: HttpRequest, scope: Scope, person: Person, referral: Referral, data: QueryDict
) -> HttpResponse:
    """Submit a saved referral; if the gate refuses, show the form again with every failure."""
    try:
        referral_services.referral_submit(
            actor=acting_user(request), referral_id=referral.pk, expected_version=referral.version
        )
    except GateRefused as error:
        form = ReferralForm(data, referral=referral)
        form.carry_version(referral.version)  # the text was saved: the form is current
        form.is_valid()
        form.add_error(None, error.message)
        return _form_page(request, scope, person, form, referral=referral, refused=error.result)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("referral-detail", referral.pk)
    messages.success(
        request,
        _("Henvisningen er sendt inn. Inntaksteamet i %(county)s vurderer den.")
        % {"county": referral.county.name},
    )
    return redirect("referral-detail", referral.pk)


@login_required
def referral_create(request: HttpRequest, person_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    person = editable_person(scope, person_id)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = referral_services.referral_create(
                actor=acting_user(request),
                person=person,
                programme_type=form.cleaned_data["programme_type"],
                justification=form.justification(),
            )
        except AlreadyOpen as error:
            # A double click, or a referral started earlier: continue on the one that exists.
            messages.info(request, error.message)
            return redirect("referral-detail", error.existing.pk)
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            if request.POST.get("handling") == SUBMIT:
                return _submit(request, scope, person, referral, request.POST)
            messages.success(request, _("Utkastet er lagret."))
            return redirect("referral-update", referral.pk)
    return _form_page(request, scope, person, form)


@login_required
def referral_update(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Edit a draft or a returned referral; "Send inn" saves the text, then submits."""
    scope = scope_for(request.user)
    referral = _own_referral(scope, referral_id)
    if referral.status not in EDITABLE:
        messages.info(request, _not_editable(referral))
        return redirect("referral-detail", referral.pk)
    person = visible_person(scope, referral.person_id)
    form = ReferralForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            referral = referral_services.referral_update(
                actor=acting_user(request),
                referral_id=referral.pk,
                expected_version=form.cleaned_data["version"],
                justification=form.justification(),
            )
        except ApplicationError as error:
            if error.code != "STALE":
                form.add_service_error(error)
            else:
                current = _own_referral(scope, referral_id)
                if _is_repeat_of_submit(request, form, current):
                    messages.info(request, _not_editable(current))
                    return redirect("referral-detail", current.pk)
                form.add_service_error(error)
                form.show_saved(current)
                referral = current
        else:
            if request.POST.get("handling") == SUBMIT:
                return _submit(request, scope, person, referral, request.POST)
            messages.success(request, _("Endringene er lagret."))
            return redirect("referral-update", referral.pk)
    return _form_page(request, scope, person, form, referral=referral)


def _not_editable(referral: Referral) -> str:
    if referral.status == S.SOKT_INN:
        return _("Henvisningen er sendt inn til inntaksteamet.")
    return _("Henvisningen kan ikke endres når den har status «%(status)s».") % {
        "status": referral.get_status_display()
    }


def _is_repeat_of_submit(request: HttpRequest, form: ReferralForm, current: Referral) -> bool:
    """A second "Send inn" of the same text (a double click) after the first went through."""
    return (
        request.POST.get("handling") == SUBMIT
        and current.status == S.SOKT_INN
        and form.justification() == {name: getattr(current, name) for name in JUSTIFICATION_FIELDS}
    )


@login_required
@require_POST
def referral_gate_preview(request: HttpRequest, person_id: int) -> HttpResponse:
    """The gate's verdict on a new referral's unsaved values (HTMX, as the caseworker types)."""
    scope = scope_for(request.user)
    person = editable_person(scope, person_id)
    form = ReferralForm(request.POST)
    form.is_valid()
    context = _preview(person, form.cleaned_data.get("programme_type"), form, None)
    return render(request, "intake/caseworker/_gate_preview.html", context)


@login_required
@require_POST
def referral_gate_preview_existing(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The gate's verdict on an existing referral's unsaved values (HTMX)."""
    scope = scope_for(request.user)
    referral = _own_referral(scope, referral_id)
    person = visible_person(scope, referral.person_id)
    form = ReferralForm(request.POST, referral=referral)
    context = _preview(person, referral.programme_type, form, referral)
    return render(request, "intake/caseworker/_gate_preview.html", context)


def _detail_page(
    request: HttpRequest,
    scope: Scope,
    referral: Referral,
    withdraw_form: WithdrawForm | None = None,
) -> HttpResponse:
    events = list(selectors.referral_history(referral=referral))
    may_act = scope.may_work_for_office(referral.person.office_id) and scope.may_see_protected(
        referral.person.protection_level
    )
    latest_return = None
    if referral.status == S.RETURNERT:
        latest_return = next((e for e in reversed(events) if e.kind == EventKind.RETURNERT), None)
    gate = checklist = None
    if referral.status in CHECKED:
        gate = referral_services.referral_gate(referral=referral)
        checklist = gate_checklist(gate, referral.programme_type)
    if withdraw_form is None and may_act and referral.status in WITHDRAWABLE:
        withdraw_form = WithdrawForm(initial={"version": referral.version})
    context = {
        "title": _("Henvisning til %(type)s") % {"type": referral.programme_type.short_name},
        "referral": referral,
        "events": events,
        "may_act": may_act,
        "editable": may_act and referral.status in EDITABLE,
        "latest_return": latest_return,
        "gate": gate,
        "checklist": checklist,
        "outlook": _outlook(referral, referral.programme_type)
        if referral.status == S.VENTELISTE
        else None,
        "withdraw_form": withdraw_form if may_act and referral.status in WITHDRAWABLE else None,
    }
    return render(request, "intake/referral_detail.html", context)


def _detail_referral(scope: Scope, referral_id: int) -> Referral:
    referral = (
        selectors.with_positions(selectors.referral_list(scope=scope).filter(pk=referral_id))
        .select_related("person__home_municipality", "person__caseworker", "created_by")
        .first()
    )
    if referral is None:
        raise Http404
    return referral


@login_required
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    return _detail_page(request, scope, _detail_referral(scope, referral_id))


@login_required
@require_POST
def referral_withdraw(request: HttpRequest, referral_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    referral = _detail_referral(scope, referral_id)
    if not scope.may_work_for_office(referral.person.office_id) or not scope.may_see_protected(
        referral.person.protection_level
    ):
        raise Http404
    was_draft = referral.status == S.KLADD
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            referral_services.referral_withdraw(
                actor=acting_user(request),
                referral_id=referral.pk,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request, _("Utkastet er avbrutt.") if was_draft else _("Henvisningen er trukket.")
            )
            return redirect("referral-detail", referral.pk)
    return _detail_page(request, scope, referral, withdraw_form=form)


@login_required
def caseworker_referrals(request: HttpRequest) -> HttpResponse:
    """ "Mine henvisninger": the referrals of the user's offices, by status, returned ones with
    their reasons."""
    scope = scope_for(request.user)
    if not (scope.is_caseworker or scope.is_office_leader):
        raise Http404
    user = acting_user(request)
    status = request.GET.get("status", "")
    if status not in S.values:
        status = ""
    mine = request.GET.get("mine") == "1"
    referrals = selectors.caseworker_referrals(scope=scope)
    if mine:
        referrals = referrals.filter(Q(created_by=user) | Q(person__caseworker=user))
    counts = selectors.status_counts(referrals)
    imported_drafts = referrals.filter(status=S.KLADD, imported_from__isnull=False).count()
    if status:
        referrals = referrals.filter(status=status)
    page = Paginator(selectors.with_latest_return(referrals), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    sizes = selectors.waitlist_sizes(
        keys={(r.county_id, r.programme_type_id) for r in page if r.status == S.VENTELISTE}
    )
    for referral in page:
        referral.waitlist_size = sizes.get((referral.county_id, referral.programme_type_id))  # type: ignore[attr-defined]
    tabs = [
        {"status": value, "label": S(value).label, "count": counts.get(value, 0)}
        for value in STATUS_TABS
        if value in ALWAYS_SHOWN_TABS or counts.get(value)
    ]
    query = "&".join(
        part for part in (f"status={status}" if status else "", "mine=1" if mine else "") if part
    )
    return render(
        request,
        "intake/referral_list.html",
        {
            "title": _("Mine henvisninger"),
            "page": page,
            "tabs": tabs,
            "total": sum(counts.values()),
            "returned": counts.get(S.RETURNERT, 0),
            "imported_drafts": imported_drafts,
            "status": status,
            "mine": mine,
            "extra_query": query,
        },
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's unread notifications about referrals."""
    notifications = selectors.unread_notifications(user=acting_user(request))
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request, "intake/caseworker/notification_list.html", {"title": _("Varsler"), "page": page}
    )


@login_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    count = notification_services.notifications_mark_read(user=acting_user(request))
    messages.success(
        request,
        ngettext(
            "%(count)s varsel er markert som lest.", "%(count)s varsler er markert som lest.", count
        )
        % {"count": count},
    )
    return redirect("notification-list")
