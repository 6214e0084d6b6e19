"""The provider portal's pages about participants: the people given a place at the provider's
offerings (waiting to start, participating, ended in the last 40 days), and the provider's
three actions on them: confirm a start, end a participation, or report a place not taken up.

Providers see the minimum (DOMAIN.md section 6): name, the referring office, dates, and what
the referral says the person needs. Never the fødselsnummer, the assessment or anyone else on
the waitlist; a protected person is "Adressebeskyttet" with nothing identifying, whatever the
user's clearance. Someone else's participant answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from config.errors import ApplicationError
from config.forms import AkselForm
from intake import selectors
from intake.forms.provider import EndForm, NotStartedForm, ParticipantActionForm, StartForm
from intake.models import Placement, PlacementStatus
from intake.services import placements as placement_services
from intake.services.placements import PERSONS_OWN_REASONS
from org.access import Scope, scope_for
from org.models import User
from org.vocabulary import CompetenceTag

P = PlacementStatus
PAGE_SIZE = 50
TABS = (
    (P.TILDELT, gettext_lazy("Venter på oppstart")),
    (P.DELTAR, gettext_lazy("Deltar")),
    (P.AVSLUTTET, gettext_lazy("Avsluttet siste 40 dager")),
)
NEED_LABELS = dict(CompetenceTag.choices)


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required let only users through
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _provider_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not scope.is_provider:
        raise Http404
    return scope


@dataclass
class ParticipantRow:
    placement: Placement
    visible: bool
    needs: list[str] = field(default_factory=list)
    forms: dict[str, AkselForm] = field(default_factory=dict)


def _action_forms(placement: Placement) -> dict[str, AkselForm]:
    """Unbound forms for the actions the placement's status allows, with ids of their own."""
    version = {"version": placement.version}
    today = timezone.localdate()
    if placement.status == P.TILDELT:
        return {
            "start": StartForm(
                initial={**version, "started_on": min(placement.planned_start or today, today)},
                auto_id=f"start-{placement.pk}-%s",
            ),
            "not_started": NotStartedForm(
                initial=version, auto_id=f"not_started-{placement.pk}-%s"
            ),
        }
    if placement.status == P.DELTAR:
        return {
            "end": EndForm(initial={**version, "ended_on": today}, auto_id=f"end-{placement.pk}-%s")
        }
    return {}


def _row(placement: Placement, forms: dict[str, AkselForm] | None = None) -> ParticipantRow:
    person = placement.referral.person
    visible = selectors.provider_may_see_person(person)
    return ParticipantRow(
        placement=placement,
        visible=visible,
        needs=[str(NEED_LABELS.get(code, code)) for code in person.needs] if visible else [],
        forms=_action_forms(placement) if forms is None else forms,
    )


def _own_reason_labels() -> list[str]:
    return [str(reason.label) for reason in PERSONS_OWN_REASONS]


@login_required
def participant_list(request: HttpRequest) -> HttpResponse:
    scope = _provider_scope(request)
    participants = selectors.provider_participants(scope=scope)
    counts = {
        row["status"]: row["n"]
        for row in participants.order_by().values("status").annotate(n=Count("pk"))
    }
    orders = selectors.PROVIDER_PARTICIPANT_ORDERS
    status = request.GET.get("status")
    if status not in orders:
        status = P.TILDELT
    page = Paginator(
        participants.filter(status=status).order_by(*orders[status]), PAGE_SIZE
    ).get_page(request.GET.get("side"))
    return render(
        request,
        "intake/provider/participant_list.html",
        {
            "title": _("Deltakere"),
            "status": status,
            "tabs": [
                {"status": value, "label": label, "count": counts.get(value, 0)}
                for value, label in TABS
            ],
            "page": page,
            "rows": [_row(placement) for placement in page],
            "extra_query": f"status={status}",
            "own_reasons": _own_reason_labels(),
        },
    )


@dataclass(frozen=True)
class Action:
    form_class: type[ParticipantActionForm]
    template: str
    title: str | Promise
    # Calls the service with the form's data and says what happened.
    run: Callable[[User, Placement, dict[str, Any]], str]


def _start(actor: User, placement: Placement, data: dict[str, Any]) -> str:
    placement_services.placement_start(
        actor=actor,
        placement_id=placement.pk,
        started_on=data["started_on"],
        expected_version=data["version"],
    )
    return _("Oppstarten er bekreftet.")


def _end(actor: User, placement: Placement, data: dict[str, Any]) -> str:
    placement_services.placement_end(
        actor=actor,
        placement_id=placement.pk,
        ended_on=data["ended_on"],
        reason=data["reason"],
        outcome=data["outcome"],
        expected_version=data["version"],
    )
    return _("Deltakelsen er avsluttet.")


def _not_started(actor: User, placement: Placement, data: dict[str, Any]) -> str:
    placement_services.placement_not_started(
        actor=actor,
        placement_id=placement.pk,
        reason=data["reason"],
        comment=data["comment"],
        expected_version=data["version"],
    )
    if data["reason"] in PERSONS_OWN_REASONS:
        return _("Meldt som ikke startet. Årsaken er personens egen, så henvisningen er avsluttet.")
    return _(
        "Meldt som ikke startet. Personen er tilbake på inntaksteamets venteliste og beholder "
        "plassen sin i køen."
    )


ACTIONS = {
    "start": Action(
        StartForm, "intake/provider/_start_form.html", gettext_lazy("Bekreft oppstart"), _start
    ),
    "end": Action(
        EndForm, "intake/provider/_end_form.html", gettext_lazy("Avslutt deltakelse"), _end
    ),
    "not_started": Action(
        NotStartedForm,
        "intake/provider/_not_started_form.html",
        gettext_lazy("Meld at plassen ikke ble tatt i bruk"),
        _not_started,
    ),
}


def _participant(scope: Scope, placement_id: int) -> Placement:
    placement = selectors.provider_participants(scope=scope).filter(pk=placement_id).first()
    if placement is None:
        raise Http404
    return placement


def _act(request: HttpRequest, placement_id: int, name: str) -> HttpResponse:
    scope = _provider_scope(request)
    placement = _participant(scope, placement_id)
    action = ACTIONS[name]
    form = action.form_class(request.POST, auto_id=f"{name}-{placement.pk}-%s")
    if form.is_valid():
        try:
            message = action.run(_actor(request), placement, form.cleaned_data)
        except ApplicationError as error:
            if error.code == "NOT_FOUND":
                raise Http404 from None
            form.add_service_error(error)
            if error.code == "STALE":
                # Show the placement as it is now (maybe off the list already); a knowing
                # resend then applies to it.
                now = selectors.provider_placement_get(scope=scope, placement_id=placement_id)
                if now is None:
                    raise Http404 from None
                placement = now
                form.carry_version(placement.version)
        else:
            messages.success(request, message)
            url = f"{reverse('provider-participants')}?status={placement.status}"
            return HttpResponseClientRedirect(url) if _is_htmx(request) else redirect(url)
    row = _row(placement, forms={name: form})
    context = {"row": row, "form": form, "own_reasons": _own_reason_labels()}
    if _is_htmx(request):
        return render(request, action.template, context)
    return render(
        request,
        "intake/provider/participant_action.html",
        {**context, "title": action.title, "action_template": action.template},
        status=400,
    )


@require_POST
@login_required
def participant_start(request: HttpRequest, placement_id: int) -> HttpResponse:
    return _act(request, placement_id, "start")


@require_POST
@login_required
def participant_end(request: HttpRequest, placement_id: int) -> HttpResponse:
    return _act(request, placement_id, "end")


@require_POST
@login_required
def participant_not_started(request: HttpRequest, placement_id: int) -> HttpResponse:
    return _act(request, placement_id, "not_started")
