"""The intake team's review: the queue of submitted referrals (filters with exact counts, bulk
approve and return with a result per row), and one referral with the person's documents, the
gate's checklist, its history and the actions approve, return and decline."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from intake import selectors
from intake.forms.review import (
    APPROVE,
    PRIORITY_GROUP_LABELS,
    RETURN,
    ApproveForm,
    BulkForm,
    DeclineForm,
    QueueFilterForm,
    ReturnForm,
    VersionedForm,
    add_service_error,
)
from intake.gate import JUSTIFICATION_PARTS, GateCode, GateFailure, GateResult, gate_check
from intake.models import Referral, ReferralStatus
from intake.services import referrals as referral_services
from intake.services.referrals import (
    JUSTIFICATION_FIELDS,
    RETURN_REASONS,
    referral_authored_by,
)
from intake.views.facets import Option, group_counts, options, wait_options
from org.access import Scope, scope_for
from org.models import Municipality, Office, User
from org.vocabulary import CompetenceTag
from providers.models import ProgrammeType

S = ReferralStatus
PAGE_SIZE = 50
# The queue's waiting-time filter: submitted more than this many days ago.
WAIT_STEPS = (7, 14, 30, 60, 90)
# Where a bulk action's per-row results wait for the redirect back to the queue.
SESSION_BULK_RESULTS = "inntak_review_bulk_results"


# --- shared --------------------------------------------------------------------------------


def _reviewer_scope(request: HttpRequest) -> Scope:
    """The intake team works here, county leaders read; nobody else has a queue."""
    scope = scope_for(request.user)
    if not (scope.is_intake or scope.is_county_leader):
        raise Http404
    return scope


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def gate_of(referral: Referral, today: datetime.date) -> GateResult:
    """The gate's verdict on a referral loaded by `selectors.with_gate_documents` (no query)."""
    return gate_check(
        person=referral.person,
        programme_type=referral.programme_type,
        justification={name: getattr(referral, name) for name in JUSTIFICATION_FIELDS},
        today=today,
        referral=referral,
    )


def safe_next(url: str | None) -> str | None:
    """A path on this site to go back to, or None (never another site)."""
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return None


# --- the queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    referral: Referral
    gate: GateResult
    may_act: bool
    days_waiting: int
    checked: bool

    @property
    def key(self) -> str:
        """The checkbox value: the id and the version the user saw."""
        return f"{self.referral.pk}:{self.referral.version}"


@dataclass(frozen=True)
class BulkRow:
    referral_id: int
    referral: Referral | None
    ok: bool
    message: str


def _queue_filters(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "county_number": values["fylke"],
        "programme_type_id": values["tiltakstype"],
        "office_id": values["kontor"],
        "municipality_number": values["kommune"],
        "min_days": values["dager"],
    }


def _queue_facets(
    scope: Scope, filters: dict[str, Any], counties: list[Any]
) -> dict[str, list[Option]]:
    """Each filter's choices with exact counts under the other filters (a query each)."""

    def without(name: str) -> QuerySet[Referral]:
        return selectors.review_queue(scope=scope, **{**filters, name: None})

    county_numbers = [c.number for c in counties]
    return {
        "counties": options(
            [(c.number, c.name) for c in counties],
            group_counts(without("county_number"), "county_id"),
            filters["county_number"],
        )
        if len(counties) > 1
        else [],
        "programme_types": options(
            ProgrammeType.objects.filter(has_waitlist=True)
            .order_by("short_name")
            .values_list("pk", "short_name"),
            group_counts(without("programme_type_id"), "programme_type_id"),
            filters["programme_type_id"],
        ),
        "offices": options(
            Office.objects.filter(county__in=county_numbers)
            .order_by("name")
            .values_list("pk", "name"),
            group_counts(without("office_id"), "office_id"),
            filters["office_id"],
        ),
        "municipalities": options(
            Municipality.objects.filter(county__in=county_numbers)
            .order_by("norwegian_name")
            .values_list("number", "norwegian_name"),
            group_counts(
                without("municipality_number").filter(selectors.seen_in_full(scope)),
                "person__home_municipality_id",
            ),
            filters["municipality_number"],
        ),
        "waits": wait_options(without("min_days"), "submitted_at", WAIT_STEPS, filters["min_days"]),
    }


def _bulk_rows(request: HttpRequest, scope: Scope) -> tuple[str, list[BulkRow]] | None:
    """The per-row results of the bulk action just done, once."""
    stored = request.session.pop(SESSION_BULK_RESULTS, None)
    if not stored:
        return None
    ids = [row[0] for row in stored["results"]]
    found = {r.pk: r for r in selectors.referral_list(scope=scope).filter(pk__in=ids)}
    return stored["action"], [
        BulkRow(referral_id, found.get(referral_id), ok, message)
        for referral_id, ok, message in stored["results"]
    ]


def _render_queue(
    request: HttpRequest,
    scope: Scope,
    params: QueryDict,
    bulk_form: BulkForm | None = None,
    status: int = 200,
) -> HttpResponse:
    values = QueueFilterForm(params).values()
    filters = _queue_filters(values)
    order = values["sorter"] or "submitted_at"
    page = Paginator(
        selectors.review_queue(scope=scope, order=order, **filters), PAGE_SIZE
    ).get_page(params.get("side"))
    if bulk_form is None:
        bulk_form = BulkForm(initial={"filtre": params.urlencode()})
    # After a refused bulk form, what the user ticked and wrote is shown again.
    posted = request.POST
    ticked = set(posted.getlist("valgt"))
    now = timezone.now()
    today = timezone.localdate()
    rows = []
    for r in page:
        assert r.submitted_at is not None
        row = QueueRow(
            r,
            gate_of(r, today),
            scope.may_review_for_county(r.county_id),
            (now - r.submitted_at).days,
            f"{r.pk}:{r.version}" in ticked,
        )
        rows.append(row)
    counties = list(scope.counties())
    filter_query = params.copy()
    filter_query.pop("side", None)
    reasons = posted.getlist("reasons")
    return render(
        request,
        "intake/review/queue.html",
        {
            "title": _("Henvisninger til vurdering"),
            "page": page,
            "rows": rows,
            "facets": _queue_facets(scope, filters, counties),
            "several_counties": len(counties) > 1,
            "order": order,
            "extra_query": filter_query.urlencode(),
            "filtered": any(filters.values()),
            "may_act": any(row.may_act for row in rows),
            "bulk_form": bulk_form,
            "bulk_returning": posted.get("handling") == RETURN,
            "bulk_comment": posted.get("comment", ""),
            "bulk": _bulk_rows(request, scope),
            "return_reasons": [
                (code, label, code in reasons) for code, label in RETURN_REASONS.items()
            ],
        },
        status=status,
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    return _render_queue(request, _reviewer_scope(request), request.GET)


def _queue_url(filter_query: str) -> str:
    params = QueryDict(filter_query, mutable=True)
    # Only the queue's own parameters go back into the address.
    kept = QueryDict(mutable=True)
    for name in (*QueueFilterForm.base_fields, "side"):
        if name in params:
            kept.setlist(name, params.getlist(name))
    url = reverse("review-queue")
    return f"{url}?{kept.urlencode()}" if kept else url


@login_required
@require_POST
def review_bulk(request: HttpRequest) -> HttpResponse:
    """Approve or return the ticked referrals, each on its own: one that fails (four-eyes,
    changed meanwhile) leaves the others done, and the queue shows a result per row."""
    scope = _reviewer_scope(request)
    if not scope.is_intake:
        # County leaders read the queue; only the intake team acts on it.
        raise Http404
    form = BulkForm(request.POST)
    if not form.is_valid():
        return _render_queue(
            request, scope, QueryDict(form.data.get("filtre", "")), form, status=400
        )
    actor = _actor(request)
    versions: dict[int, int] = form.cleaned_data["valgt"]
    action: Callable[[int], Referral]
    if form.cleaned_data["handling"] == APPROVE:

        def action(referral_id: int) -> Referral:
            return referral_services.referral_approve(
                actor=actor, referral_id=referral_id, expected_version=versions[referral_id]
            )

    else:

        def action(referral_id: int) -> Referral:
            return referral_services.referral_return(
                actor=actor,
                referral_id=referral_id,
                expected_version=versions[referral_id],
                reasons=form.cleaned_data["reasons"],
                comment=form.cleaned_data["comment"],
            )

    outcome = referral_services.referrals_bulk(list(versions), action)
    approve = form.cleaned_data["handling"] == APPROVE
    if outcome.failed:
        request.session[SESSION_BULK_RESULTS] = {
            "action": form.cleaned_data["handling"],
            "results": [[r.referral_id, r.ok, r.message] for r in outcome.results],
        }
    else:
        done = outcome.succeeded
        messages.success(
            request,
            (
                ngettext(
                    "%(n)s henvisning er godkjent og satt på venteliste.",
                    "%(n)s henvisninger er godkjent og satt på venteliste.",
                    done,
                )
                if approve
                else ngettext(
                    "%(n)s henvisning er returnert til veileder.",
                    "%(n)s henvisninger er returnert til veileder.",
                    done,
                )
            )
            % {"n": done},
        )
    return redirect(_queue_url(form.cleaned_data["filtre"]))


# --- one referral --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    label: Promise
    passed_text: Promise
    failures: tuple[GateFailure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


# The gate's rules, grouped as the reviewer reads them; each group passes or lists its failures.
CHECKLIST = (
    (
        gettext_lazy("CV"),
        gettext_lazy("CV-en er oppdatert."),
        (GateCode.CV_MANGLER, GateCode.CV_UTDATERT),
    ),
    (
        gettext_lazy("Arbeidsevnevurdering"),
        gettext_lazy("Arbeidsevnevurderingen er ny nok og viser nedsatt arbeidsevne."),
        (GateCode.AEV_MANGLER, GateCode.AEV_UTDATERT, GateCode.AEV_IKKE_NEDSATT),
    ),
    (
        gettext_lazy("Aktivitetsplan"),
        gettext_lazy("Aktivitetsplanen er godkjent, har et mål og er oppdatert."),
        (
            GateCode.AKTIVITETSPLAN_MANGLER,
            GateCode.AKTIVITETSPLAN_IKKE_GODKJENT,
            GateCode.AKTIVITETSPLAN_UTEN_MAL,
            GateCode.AKTIVITETSPLAN_UTDATERT,
        ),
    ),
    (
        gettext_lazy("Begrunnelse"),
        gettext_lazy("Alle fire deler av begrunnelsen er skrevet ut."),
        (GateCode.BEGRUNNELSE_MANGELFULL,),
    ),
    (
        gettext_lazy("Innsatsgruppe"),
        gettext_lazy("Brukerens innsatsgruppe passer for tiltakstypen."),
        (GateCode.FEIL_INNSATSGRUPPE,),
    ),
    (
        gettext_lazy("Andre henvisninger"),
        gettext_lazy("Ingen annen åpen henvisning eller deltakelse i tiltakstypen."),
        (GateCode.ALLEREDE_AKTIV,),
    ),
)


def checklist(result: GateResult, programme_type: ProgrammeType) -> list[ChecklistItem]:
    items = []
    for label, passed_text, codes in CHECKLIST:
        if GateCode.AEV_MANGLER in codes and not programme_type.requires_work_capacity_assessment:
            continue
        failures = tuple(f for f in result.failures if f.code in codes)
        items.append(ChecklistItem(label, passed_text, failures))
    return items


def _load(scope: Scope, referral_id: int) -> Referral:
    """A referral of the county work the user does or leads, with everything the page shows."""
    referral = (
        selectors.with_positions(
            selectors.with_gate_documents(
                selectors.referral_list(scope=scope).filter(
                    scope.county_work_q("county"), pk=referral_id
                )
            )
        )
        .exclude(status__in=[S.KLADD, S.AVBRUTT_UTKAST])
        .select_related(
            "person__home_municipality",
            "person__caseworker",
            "person__cv__attachment",
            "person__activity_plan__attachment",
        )
        .prefetch_related("person__work_capacity_assessments__attachment")
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def _render_detail(
    request: HttpRequest,
    scope: Scope,
    referral: Referral,
    *,
    forms: dict[str, VersionedForm] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    result = gate_of(referral, today)
    events = list(selectors.referral_history(referral=referral))
    person = referral.person
    assessments = sorted(
        person.work_capacity_assessments.all(), key=lambda a: a.assessed_on, reverse=True
    )
    may_review = scope.may_review_for_county(referral.county_id)
    version = {"version": referral.version}
    forms = {
        "approve": ApproveForm(initial=version),
        "return": ReturnForm(
            initial={
                **version,
                "reasons": [code for code in result.codes if code in RETURN_REASONS],
            }
        ),
        "decline": DeclineForm(initial=version),
        **(forms or {}),
    }
    return_form = forms["return"]
    ticked = (
        request.POST.getlist("reasons")
        if return_form.is_bound
        else return_form.initial.get("reasons", [])
    )
    minimum = referral.programme_type.justification_min_chars
    return render(
        request,
        "intake/review/detail.html",
        {
            "title": _("Vurdering av henvisning %(id)s") % {"id": referral.pk},
            "referral": referral,
            "person": person,
            "age": person.age_on(today),
            "needs": [CompetenceTag(n).label for n in person.needs if n in CompetenceTag.values],
            "priority_groups": [PRIORITY_GROUP_LABELS.get(g, g) for g in referral.priority_groups],
            "cv": getattr(person, "cv", None),
            "plan": getattr(person, "activity_plan", None),
            "assessment": assessments[0] if assessments else None,
            "older_assessments": assessments[1:],
            "justification": [
                (label, getattr(referral, name), len(getattr(referral, name).strip()) >= minimum)
                for name, label in JUSTIFICATION_PARTS
            ],
            "minimum": minimum,
            "gate": result,
            "checklist": checklist(result, referral.programme_type),
            "events": events,
            "days_in_queue": (
                (timezone.now() - referral.submitted_at).days if referral.submitted_at else None
            ),
            "position": getattr(referral, "ahead", 0) + 1
            if referral.status == S.VENTELISTE
            else None,
            "may_review": may_review,
            "can_approve": may_review and referral.status == S.SOKT_INN,
            "can_decline": may_review and referral.status in (S.SOKT_INN, S.VENTELISTE),
            "submitted_by_me": referral_authored_by(referral, request.user.pk or 0, events),
            "forms": forms,
            "error": error,
            "return_reasons": [
                (code, label, code in ticked) for code, label in RETURN_REASONS.items()
            ],
        },
        status=status,
    )


@login_required
def review_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    scope = _reviewer_scope(request)
    return _render_detail(request, scope, _load(scope, referral_id))


def _act(
    request: HttpRequest,
    referral_id: int,
    name: str,
    form_class: type[VersionedForm],
    run: Callable[[User, Referral, dict[str, Any]], str],
    done_url: Callable[[VersionedForm], str],
) -> HttpResponse:
    """Parse one action's form, call its service, and either go on with a message or show
    the page again with the refusal, the user's input kept and the current version."""
    scope = _reviewer_scope(request)
    referral = _load(scope, referral_id)
    if not scope.may_review_for_county(referral.county_id):
        # A county leader reads the referral; only the county's intake team acts on it (as
        # placement_assign: 404, the answer for a referral that is not theirs to act on).
        raise Http404
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message = run(_actor(request), referral, form.cleaned_data)
        except ApplicationError as refusal:
            error = refusal
        else:
            messages.success(request, message)
            return redirect(done_url(form))
    else:
        error = ApplicationError(
            _("Skjemaet kom ikke fram helt. Last siden på nytt og prøv igjen."), code="INVALID"
        )
    # Show the referral as it is now; keep what the user wrote, with the current version so
    # that they can try again once they have seen what changed.
    current = _load(scope, referral_id)
    data = request.POST.copy()
    data["version"] = str(current.version)
    again = form_class(data)
    again.is_valid()
    add_service_error(again, error)
    return _render_detail(
        request, scope, current, forms={name: again}, error=error.message, status=400
    )


def _to_queue(form: VersionedForm) -> str:
    return reverse("review-queue")


@login_required
@require_POST
def review_approve(request: HttpRequest, referral_id: int) -> HttpResponse:
    def run(actor: User, referral: Referral, data: dict[str, Any]) -> str:
        referral_services.referral_approve(
            actor=actor, referral_id=referral.pk, expected_version=data["version"]
        )
        return _("Henvisning %(id)s er godkjent og satt på ventelisten for %(type)s.") % {
            "id": referral.pk,
            "type": referral.programme_type.short_name,
        }

    return _act(request, referral_id, "approve", ApproveForm, run, _to_queue)


@login_required
@require_POST
def review_return(request: HttpRequest, referral_id: int) -> HttpResponse:
    def run(actor: User, referral: Referral, data: dict[str, Any]) -> str:
        referral_services.referral_return(
            actor=actor,
            referral_id=referral.pk,
            expected_version=data["version"],
            reasons=data["reasons"],
            comment=data["comment"],
        )
        return _("Henvisning %(id)s er returnert til veilederen.") % {"id": referral.pk}

    return _act(request, referral_id, "return", ReturnForm, run, _to_queue)


@login_required
@require_POST
def review_decline(request: HttpRequest, referral_id: int) -> HttpResponse:
    def run(actor: User, referral: Referral, data: dict[str, Any]) -> str:
        referral_services.referral_decline(
            actor=actor,
            referral_id=referral.pk,
            expected_version=data["version"],
            reason=data["reason"],
            comment=data["comment"],
        )
        return _("Henvisning %(id)s er avslått.") % {"id": referral.pk}

    def back(form: VersionedForm) -> str:
        return safe_next(form.cleaned_data.get("tilbake")) or reverse("review-queue")

    return _act(request, referral_id, "decline", DeclineForm, run, back)
