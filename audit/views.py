"""The access log's pages, for office and county leaders: a search, and one person's access
report ("who has looked at me") that can be printed and handed to the person."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from audit import selectors
from audit.forms import FindPersonForm, LogFilterForm
from audit.models import AccessKind
from audit.recording import describe
from intake.models import Person
from org.access import Scope, scope_for

PAGE_SIZE = 50
# A report longer than this asks for a shorter period rather than being cut off unsaid.
REPORT_ROWS = 5000


def _leader_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not scope.is_leader:
        raise Http404
    return scope


def _query(
    form: LogFilterForm, person_id: int | None, *, with_log_reads: bool = False
) -> selectors.LogQuery:
    data = form.cleaned_data
    return selectors.LogQuery(
        start=data["fra"],
        end=data["til"],
        person_id=person_id,
        actor=data.get("ansatt") or "",
        kind=data.get("type") or "",
        with_log_reads=with_log_reads or bool(data.get("med_logg")),
    )


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    scope = _leader_scope(request)
    find = FindPersonForm(request.POST or None)
    if request.method == "POST" and find.is_valid():
        person = selectors.person_by_fodselsnummer(
            scope=scope, fodselsnummer=find.cleaned_data["fodselsnummer"]
        )
        if person is not None:
            kept = {key: str(request.GET.get(key, "")) for key in ("fra", "til", "type", "ansatt")}
            query = urlencode({**kept, "bruker": str(person.pk)})
            return redirect(f"{reverse('access-log')}?{query}")
        # The same answer for a number nobody has and a person out of reach.
        find.add_error("fodselsnummer", _("Fant ingen bruker med dette fødselsnummeret hos deg."))
    filters = LogFilterForm(request.GET)
    person = None
    page = None
    if filters.is_valid():
        person_id = filters.cleaned_data.get("bruker")
        if person_id is not None:
            person = selectors.person_for_log(scope=scope, person_id=person_id)
            if person is None:
                raise Http404
        records = selectors.accesses(scope=scope, query=_query(filters, person_id))
        page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("side"))
        page.object_list = selectors.rows_for(page.object_list)  # type: ignore[assignment]
    extra = request.GET.copy()
    extra.pop("side", None)
    return render(
        request,
        "audit/access_log.html",
        {
            "title": _("Tilgangslogg"),
            "filters": filters,
            "find": find,
            "person": person,
            "page": page,
            "extra_query": extra.urlencode(),
        },
    )


def _report(
    request: HttpRequest, person_id: int
) -> tuple[LogFilterForm, Person, list[selectors.Row]]:
    scope = _leader_scope(request)
    person = selectors.person_for_log(scope=scope, person_id=person_id)
    if person is None:
        raise Http404
    filters = LogFilterForm(request.GET)
    rows: list[selectors.Row] = []
    if filters.is_valid():
        # The person's own report leaves nothing out, not even leaders reading the log.
        records = selectors.accesses(
            scope=scope, query=_query(filters, person.pk, with_log_reads=True)
        )
        rows = selectors.rows_for(records[: REPORT_ROWS + 1])
    return filters, person, rows


@login_required
def access_report(request: HttpRequest, person_id: int) -> HttpResponse:
    filters, person, rows = _report(request, person_id)
    return render(
        request,
        "audit/access_report.html",
        {
            "title": _("Innsyn: hvem har sett opplysningene dine"),
            "filters": filters,
            "person": person,
            "rows": rows[:REPORT_ROWS],
            "too_many": len(rows) > REPORT_ROWS,
            "report_rows": REPORT_ROWS,
            "made_at": timezone.now(),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def access_report_csv(request: HttpRequest, person_id: int) -> HttpResponse:
    filters, _person, rows = _report(request, person_id)
    if not filters.is_valid() or len(rows) > REPORT_ROWS:
        # Never a silently shortened report: the page says to choose a shorter period.
        return redirect(f"{reverse('access-report', args=[person_id])}?{request.GET.urlencode()}")
    describe(kind=AccessKind.EKSPORT, detail=_("Innsynsrapport fra tilgangsloggen"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="innsyn-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("Tidspunkt"), _("Hvem"), _("Enhet"), _("Hva"), _("Type")])
    for row in rows:
        writer.writerow(
            [
                timezone.localtime(row.at).strftime("%d.%m.%Y %H:%M"),
                row.actor_name,
                row.actor_unit,
                row.what,
                row.kind_label,
            ]
        )
    return response
