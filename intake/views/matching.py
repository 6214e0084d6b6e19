"""The intake team's matching pages (DOMAIN.md section 7): the lists of their counties with
something to match; one list's open proposals, each explaining itself, to confirm or reject
one by one or in bulk (with a result per row), and the latest run's report; "run now" with a
status that polls until the run is done; the list's run history; and what-if runs, which save
nothing.

Only the county's intake team sees these pages; anyone else gets the same 404 as for a list
that does not exist. The services check access again."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from intake import selectors_matching as selectors
from intake.forms.matching import REJECT, BulkForm, RejectForm, WhatIfForm
from intake.matching.presenting import (
    ReportTable,
    person_label,
    proposal_rows,
    report_table,
    run_columns,
)
from intake.models import MatchingRun, MatchProposal
from intake.services import matching as matching_services
from intake.services.priority import county_settings
from org.access import Scope, scope_for
from org.models import County, User
from providers.models import ProgrammeType

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 25
# Where a bulk action's per-row results wait for the redirect back to the list.
SESSION_BULK_RESULTS = "inntak_matching_bulk_results"
# "Run now": the page polls a cache entry named by a random token (never personal data).
RUN_TOKEN = re.compile(r"^[0-9a-f]{32}$")
RUN_STATUS_SECONDS = 3600
RUN_SLOW_SECONDS = 10 * 60


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _team_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not scope.is_intake:
        raise Http404
    return scope


@dataclass(frozen=True)
class MatchingListRef:
    scope: Scope
    county: County
    programme_type: ProgrammeType

    @property
    def args(self) -> list[Any]:
        return [self.county.number, self.programme_type.pk]

    @property
    def url(self) -> str:
        return reverse("matching-list", args=self.args)


def _list_of(request: HttpRequest, county_number: str, programme_type_id: int) -> MatchingListRef:
    """A list of a county whose intake team the user is on; 404 otherwise, the same as for a
    list that does not exist."""
    scope = scope_for(request.user)
    if not scope.may_review_for_county(county_number):
        raise Http404
    county = scope.counties().filter(number=county_number).first()
    programme_type = ProgrammeType.objects.filter(pk=programme_type_id, has_waitlist=True).first()
    if county is None or programme_type is None:
        raise Http404
    return MatchingListRef(scope, county, programme_type)


# --- "run now" and its status ------------------------------------------------------------


def run_cache_key(county_number: str, programme_type_id: int, token: str) -> str:
    # The list is part of the key: a token seen by someone else opens nothing of theirs.
    return f"inntak:matching-run:{county_number}:{programme_type_id}:{token}"


@dataclass(frozen=True)
class RunStatus:
    token: str
    state: str  # running, slow, done, unchanged, nothing, missing
    placed: int | None = None


def run_status(ref: MatchingListRef, token: str) -> RunStatus:
    found = cache.get(run_cache_key(ref.county.number, ref.programme_type.pk, token))
    if not isinstance(found, dict):
        return RunStatus(token, "missing")
    if found.get("pending"):
        slow = time.time() - float(found.get("started", 0)) > RUN_SLOW_SECONDS
        return RunStatus(token, "slow" if slow else "running")
    if found.get("run") is None:
        return RunStatus(token, "nothing")
    if not found.get("created"):
        return RunStatus(token, "unchanged")
    run = selectors.run_of_list(
        county_number=ref.county.number,
        programme_type_id=ref.programme_type.pk,
        run_id=found["run"],
    )
    placed = run.report.get("exact", {}).get("placed") if run is not None else None
    return RunStatus(token, "done", placed)


@login_required
@require_POST
def matching_run_now(
    request: HttpRequest, county_number: str, programme_type_id: int
) -> HttpResponse:
    """Start a run for the list and go to its page, which follows the run until it is done."""
    ref = _list_of(request, county_number, programme_type_id)
    token = uuid.uuid4().hex
    key = run_cache_key(county_number, programme_type_id, token)
    cache.set(key, {"pending": True, "started": time.time()}, RUN_STATUS_SECONDS)
    matching_services.matching_run_request(
        actor=_actor(request),
        county_number=county_number,
        programme_type_id=programme_type_id,
        request_key=key,
    )
    return redirect(f"{ref.url}?kjoring={token}")


@login_required
def matching_run_status(
    request: HttpRequest, county_number: str, programme_type_id: int, token: str
) -> HttpResponse:
    """The run's status, polled by the list page; once it is done, the page reloads."""
    ref = _list_of(request, county_number, programme_type_id)
    if not RUN_TOKEN.match(token):
        raise Http404
    status = run_status(ref, token)
    response = render(
        request, "intake/matching/_run_status.html", {"run_status": status, "list": ref}
    )
    if request.headers.get("HX-Request") and status.state not in ("running", "slow"):
        response["HX-Refresh"] = "true"
    return response


# --- the overview ------------------------------------------------------------------------


@login_required
def matching_overview(request: HttpRequest) -> HttpResponse:
    scope = _team_scope(request)
    lists = selectors.matching_lists(scope=scope)
    return render(
        request,
        "intake/matching/overview.html",
        {
            "title": _("Matching"),
            "lists": lists,
            "several_counties": len(scope.intake_county_numbers) > 1,
        },
    )


# --- one list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkRow:
    proposal_id: int
    proposal: MatchProposal | None
    name: str
    ok: bool
    message: str


def _bulk_rows(request: HttpRequest, scope: Scope) -> tuple[str, list[BulkRow]] | None:
    """The per-row results of the bulk action just done, once."""
    stored = request.session.pop(SESSION_BULK_RESULTS, None)
    if not stored:
        return None
    found = selectors.proposals_by_id(scope=scope, proposal_ids=[r[0] for r in stored["results"]])
    rows = []
    for proposal_id, ok, message in stored["results"]:
        proposal = found.get(proposal_id)
        name = (
            person_label(scope, proposal.referral.person, proposal.referral_id) if proposal else "–"
        )
        rows.append(BulkRow(proposal_id, proposal, name, ok, message))
    return stored["action"], rows


def _render_list(
    request: HttpRequest,
    ref: MatchingListRef,
    *,
    page_number: Any = None,
    bulk_form: BulkForm | None = None,
    failed: tuple[int, RejectForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    county_number, type_id = ref.county.number, ref.programme_type.pk
    page = Paginator(
        selectors.open_proposals(
            scope=ref.scope, county_number=county_number, programme_type_id=type_id
        ),
        PAGE_SIZE,
    ).get_page(page_number or request.GET.get("side"))
    proposals = list(page.object_list)
    ticked = set(request.POST.getlist("valgt")) if bulk_form is not None else set()
    rows = proposal_rows(ref.scope, county_number, proposals, ticked=ticked, failed=failed)
    run = selectors.latest_run(county_number=county_number, programme_type_id=type_id)
    token = request.GET.get("kjoring", "")
    return render(
        request,
        "intake/matching/list.html",
        {
            "title": _("Matching %(type)s") % {"type": ref.programme_type.short_name},
            "list": ref,
            "page": page,
            "rows": rows,
            "counts": selectors.list_counts(county_number=county_number, programme_type_id=type_id),
            "run": run,
            "report": report_table(run_columns(run)) if run is not None else None,
            "run_status": run_status(ref, token) if RUN_TOKEN.match(token) else None,
            "bulk": _bulk_rows(request, ref.scope),
            "bulk_form": bulk_form or BulkForm(),
            "failed_id": failed[0] if failed else None,
        },
        status=status,
    )


@login_required
def matching_list(request: HttpRequest, county_number: str, programme_type_id: int) -> HttpResponse:
    return _render_list(request, _list_of(request, county_number, programme_type_id))


def _back(ref: MatchingListRef, page_number: Any) -> str:
    page = str(page_number or "")
    return f"{ref.url}?side={page}" if page.isdigit() and page != "1" else ref.url


@login_required
@require_POST
def matching_bulk(request: HttpRequest, county_number: str, programme_type_id: int) -> HttpResponse:
    """Confirm or reject several proposals, each on its own: one that no longer holds leaves
    the others done, and the page shows a result per row."""
    ref = _list_of(request, county_number, programme_type_id)
    form = BulkForm(request.POST)
    if not form.is_valid():
        return _render_list(
            request, ref, page_number=request.POST.get("side"), bulk_form=form, status=400
        )
    action = form.cleaned_data["handling"]
    outcomes = matching_services.proposals_decide(
        actor=_actor(request),
        proposal_ids=form.proposal_ids(),
        action=form.service_action,
        reason=form.cleaned_data["reason"],
        comment=form.cleaned_data["comment"],
    )
    done = sum(1 for o in outcomes if o.ok)
    if done < len(outcomes):
        request.session[SESSION_BULK_RESULTS] = {
            "action": action,
            "results": [[o.proposal_id, o.ok, o.message] for o in outcomes],
        }
    elif action == REJECT:
        messages.success(
            request,
            ngettext("%(n)s forslag er avvist.", "%(n)s forslag er avvist.", done) % {"n": done},
        )
    else:
        messages.success(
            request,
            ngettext(
                "%(n)s forslag er bekreftet, og plassen er tildelt. Veilederen og arrangøren er "
                "varslet.",
                "%(n)s forslag er bekreftet, og plassene er tildelt. Veilederne og arrangørene er "
                "varslet.",
                done,
            )
            % {"n": done},
        )
    return redirect(_back(ref, form.cleaned_data.get("side")))


def _proposal_list(request: HttpRequest, proposal_id: int) -> MatchingListRef:
    scope = _team_scope(request)
    key = selectors.proposal_list_key(scope=scope, proposal_id=proposal_id)
    if key is None:
        raise Http404
    return _list_of(request, *key)


@login_required
@require_POST
def matching_confirm(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Confirm one proposal: the person gets the place. A second click, or a proposal that no
    longer holds, is refused with the reason."""
    ref = _proposal_list(request, proposal_id)
    try:
        placement = matching_services.proposal_confirm(
            actor=_actor(request), proposal_id=proposal_id
        )
    except ApplicationError as refusal:
        messages.error(request, refusal.message)
    else:
        referral = placement.referral
        messages.success(
            request,
            _(
                "%(person)s har fått plass i %(offering)s hos %(provider)s. Veilederen og "
                "arrangøren er varslet."
            )
            % {
                "person": person_label(ref.scope, referral.person, referral.pk),
                "offering": placement.offering.name,
                "provider": placement.offering.provider.name,
            },
        )
    return redirect(_back(ref, request.POST.get("side")))


@login_required
@require_POST
def matching_reject(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Reject one proposal with a reason; the pair is not proposed again."""
    ref = _proposal_list(request, proposal_id)
    page_number = request.POST.get("side")
    form = RejectForm(request.POST, prefix=f"p{proposal_id}")
    if not form.is_valid():
        return _render_list(
            request, ref, page_number=page_number, failed=(proposal_id, form), status=400
        )
    try:
        proposal = matching_services.proposal_reject(
            actor=_actor(request),
            proposal_id=proposal_id,
            reason=form.cleaned_data["reason"],
            comment=form.cleaned_data["comment"],
        )
    except ApplicationError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("Forslaget om plass for %(person)s i %(offering)s er avvist.")
            % {
                "person": person_label(ref.scope, proposal.referral.person, proposal.referral_id),
                "offering": proposal.offering.name,
            },
        )
    return redirect(_back(ref, page_number))


# --- history -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRow:
    run: MatchingRun
    exact: Mapping[str, Any]
    greedy: Mapping[str, Any]
    report: ReportTable


@login_required
def matching_history(
    request: HttpRequest, county_number: str, programme_type_id: int
) -> HttpResponse:
    ref = _list_of(request, county_number, programme_type_id)
    page = Paginator(
        selectors.list_runs(county_number=county_number, programme_type_id=programme_type_id),
        HISTORY_PAGE_SIZE,
    ).get_page(request.GET.get("side"))
    rows = [
        RunRow(
            run,
            run.report.get("exact", {}),
            run.report.get("greedy", {}),
            report_table(run_columns(run)),
        )
        for run in page
    ]
    return render(
        request,
        "intake/matching/history.html",
        {
            "title": _("Kjøringer for %(type)s") % {"type": ref.programme_type.short_name},
            "list": ref,
            "page": page,
            "rows": rows,
        },
    )


# --- what if -----------------------------------------------------------------------------

WHAT_IF_FIELDS = frozenset(WhatIfForm.base_fields)


@login_required
def matching_what_if(
    request: HttpRequest, county_number: str, programme_type_id: int
) -> HttpResponse:
    """The matcher on today's data with other weights, another distance limit or extra places,
    beside the last real run. Nothing is saved."""
    ref = _list_of(request, county_number, programme_type_id)
    offerings = list(
        selectors.list_offerings(county_number=county_number, programme_type_id=programme_type_id)
    )
    rules = county_settings(county_number)
    if WHAT_IF_FIELDS & set(request.GET):
        form = WhatIfForm(request.GET, offerings=offerings)
    else:
        form = WhatIfForm(
            initial={
                "vekt_km": rules.weight_km,
                "vekt_ventetid": rules.weight_wait,
                "vekt_match": rules.weight_fit,
                "maks_km": rules.max_travel_km,
            },
            offerings=offerings,
        )
    result: dict[str, Any] | None = None
    if form.is_bound and form.is_valid():
        try:
            result = matching_services.matching_what_if(
                actor=_actor(request),
                county_number=county_number,
                programme_type_id=programme_type_id,
                what_if=form.what_if(),
            )
        except ApplicationError as refusal:
            form.add_service_error(refusal)
    run = selectors.latest_run(county_number=county_number, programme_type_id=programme_type_id)
    columns: list[tuple[str, Mapping[str, Any]]] = []
    if result is not None:
        columns += [
            (_("Hva om, optimal"), result["exact"]),
            (_("Hva om, enkel regel"), result["greedy"]),
        ]
    if run is not None:
        columns += run_columns(run, what=_("Siste kjøring"))
    return render(
        request,
        "intake/matching/what_if.html",
        {
            "title": _("Hva om – %(type)s") % {"type": ref.programme_type.short_name},
            "list": ref,
            "form": form,
            "rules": rules,
            "result": result,
            "run": run,
            "report": report_table(columns) if columns else None,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
