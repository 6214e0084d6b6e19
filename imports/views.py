"""The intake team's import pages (issue 8): upload a file, map its columns, see the dry run
row by row, apply it, and find every earlier import with its original file.

Only the county's intake team sees a batch; anyone else gets the same 404 as for a batch that
does not exist. The services check access again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from audit import recording as audit
from audit.models import AccessKind
from config.errors import ApplicationError
from config.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from imports import capacity, waitlist
from imports.forms import ApplyForm, MappingForm, UploadForm
from imports.models import (
    BatchStatus,
    ImportBatch,
    ImportKind,
    ImportRow,
    RowOutcome,
    SavedMapping,
)
from imports.services import (
    batch_apply_request,
    batch_configure,
    batch_progress,
    batch_upload,
    fields_for,
)
from org.access import Scope, scope_for
from org.models import County, User

B = BatchStatus
PAGE_SIZE = 100
LIST_PAGE_SIZE = 25
RUNNING = (B.KONTROLLERES, B.IMPORTERES)


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _counties(scope: Scope) -> QuerySet[County]:
    """The counties whose intake team the user is on."""
    return County.objects.filter(number__in=scope.intake_county_numbers)


def _batch(request: HttpRequest, batch_id: int) -> ImportBatch:
    scope = scope_for(_actor(request))
    batch = (
        ImportBatch.objects.defer("content")
        .select_related("county", "uploaded_by", "applied_by", "programme_type")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None or not scope.may_review_for_county(batch.county_id):
        raise Http404
    return batch


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(_actor(request))
    if not scope.intake_county_numbers:
        raise Http404
    counties = _counties(scope)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        counties=counties,
        initial={"county": min(scope.intake_county_numbers)},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = batch_upload(
                actor=_actor(request),
                county_number=form.cleaned_data["county"].number,
                kind=form.cleaned_data["kind"],
                filename=upload.name,
                content=upload.read(),
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            return redirect("import-detail", batch_id=batch.pk)
    batches = (
        ImportBatch.objects.defer("content")
        .filter(county__in=counties)
        .select_related("county", "uploaded_by", "applied_by")
    )
    page = Paginator(batches, LIST_PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "imports/list.html",
        {
            "title": _("Import fra regneark"),
            "form": form,
            "page": page,
            "several_counties": len(scope.intake_county_numbers) > 1,
        },
        status=400 if request.method == "POST" else 200,
    )


SHOWN_COLUMNS = {
    ImportKind.VENTELISTE: (
        ("fodselsnummer", gettext_lazy("Fødselsdato")),
        ("name", gettext_lazy("Navn")),
        ("office", gettext_lazy("Kontor")),
        ("programme_type", gettext_lazy("Tiltakstype")),
        ("referred_on", gettext_lazy("Henvist")),
    ),
    ImportKind.KAPASITET: (
        ("offering", gettext_lazy("Gjennomføring")),
        ("provider", gettext_lazy("Arrangør")),
        ("free_places", gettext_lazy("Ledige plasser")),
        ("free_from", gettext_lazy("Ledig fra")),
    ),
}


ROW_FIELDS = (
    "batch_id",
    "line",
    "outcome",
    "new_person",
    "column",
    "message",
    "duplicate_of_line",
    "shown",
    "person__id",
    "person__protection_level",
)
MASKED_KEYS = {"fodselsnummer", "name", "office"}


def _shown(row: ImportRow, columns: Any, scope: Scope) -> list[str]:
    """The row's cells as the viewer may see them: a protected person the viewer has no
    clearance for shows as "Adressebeskyttet", whoever ran the dry run."""
    hidden = row.person is not None and not scope.may_see_protected(row.person.protection_level)
    values = []
    for key, _label in columns:
        if hidden and key in MASKED_KEYS:
            values.append(_("Adressebeskyttet") if key == "name" else "")
        else:
            values.append(row.shown.get(key, ""))
    return values


def _summary(batch: ImportBatch) -> list[tuple[str, str, int]]:
    labels: dict[str, Any] = (
        capacity.SUMMARY_LABELS if batch.kind == ImportKind.KAPASITET else waitlist.SUMMARY_LABELS
    )
    return [
        (key, str(label), batch.summary[key])
        for key, label in labels.items()
        if key in batch.summary
    ]


def _mapping_form(request: HttpRequest, batch: ImportBatch, data: Any = None) -> MappingForm:
    initial: dict[str, Any] = {f"col_{key}": column for key, column in batch.mapping.items()}
    initial["version"] = batch.version
    initial["programme_type"] = batch.programme_type_id
    chosen = request.GET.get("oppsett", "")
    if chosen.isdigit():
        saved = SavedMapping.objects.filter(
            pk=int(chosen), county_id=batch.county_id, kind=batch.kind
        ).first()
        if saved is not None:
            initial.update(
                {f"col_{key}": c for key, c in saved.mapping.items() if c in batch.columns}
            )
            initial["programme_type"] = saved.programme_type_id
    return MappingForm(
        data,
        fields=fields_for(batch.kind),
        columns=batch.columns,
        kind=batch.kind,
        initial=initial,
    )


@login_required
@require_GET
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    return _detail(request, batch)


def _detail(
    request: HttpRequest,
    batch: ImportBatch,
    mapping_form: MappingForm | None = None,
    apply_form: ApplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "title": _("Import %(id)s") % {"id": batch.pk},
        "batch": batch,
        "running": batch.status in RUNNING,
    }
    if batch.status in (B.LASTET_OPP, B.KONTROLLERT, B.FEILET):
        context["mapping_form"] = mapping_form or _mapping_form(request, batch)
        context["saved_mappings"] = SavedMapping.objects.filter(
            county_id=batch.county_id, kind=batch.kind
        )
    if batch.status in RUNNING:
        context["progress"] = _progress_context(batch)
    if batch.status in (B.KONTROLLERT, B.IMPORTERT):
        context["summary"] = _summary(batch)
        outcome = request.GET.get("utfall", "")
        rows = batch.rows.all()
        if outcome in RowOutcome.values:
            rows = rows.filter(outcome=outcome)
        else:
            outcome = ""
        context["outcome"] = outcome
        counts = dict(
            batch.rows.values_list("outcome").annotate(n=Count("pk")).values_list("outcome", "n")
        )
        context["outcomes"] = [
            (value, label, counts[value])
            for value, label in RowOutcome.choices
            if counts.get(value)
        ]
        rows = rows.select_related("person").only(*ROW_FIELDS)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("side"))
        columns = SHOWN_COLUMNS[ImportKind(batch.kind)]
        scope = scope_for(_actor(request))
        context["page"] = page
        context["shown_columns"] = [label for _key, label in columns]
        context["rows"] = [(row, _shown(row, columns, scope)) for row in page]
    if batch.status == B.KONTROLLERT:
        context["apply_form"] = apply_form or ApplyForm(initial={"version": batch.version})
        context["errors"] = int(batch.summary.get("errors", 0))
    return render(request, "imports/detail.html", context, status=status)


@login_required
@require_POST
def import_map(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    form = _mapping_form(request, batch, request.POST)
    if form.is_valid():
        try:
            batch_configure(
                actor=_actor(request),
                batch_id=batch.pk,
                expected_version=form.cleaned_data["version"],
                mapping=form.mapping(),
                programme_type_id=(
                    form.cleaned_data["programme_type"].pk
                    if form.cleaned_data.get("programme_type")
                    else None
                ),
                save_as=form.cleaned_data.get("save_as", ""),
            )
        except ApplicationError as error:
            form.add_service_error(error)
            batch.refresh_from_db()
            if error.code == "STALE":
                form.carry_version(batch.version)
        else:
            return redirect("import-detail", batch_id=batch.pk)
    return _detail(request, batch, mapping_form=form, status=400)


@login_required
@require_POST
def import_apply(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    form = ApplyForm(request.POST)
    if form.is_valid():
        try:
            batch_apply_request(
                actor=_actor(request),
                batch_id=batch.pk,
                expected_version=form.cleaned_data["version"],
                accept_errors=form.cleaned_data["accept_errors"],
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            return redirect("import-detail", batch_id=batch.pk)
    batch.refresh_from_db()
    return _detail(request, batch, apply_form=form, status=400)


def _progress_context(batch: ImportBatch) -> dict[str, Any]:
    done, total = batch_progress(batch.pk)
    total = total or int(batch.summary.get("rows", 0))
    percent = min(100, int(100 * done / total)) if total else 0
    return {"done": done, "total": total, "percent": percent}


@login_required
@require_GET
def import_progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The progress bar, asked for every second while a batch is being checked or applied;
    once it is done, the page reloads to show the result."""
    batch = _batch(request, batch_id)
    if batch.status not in RUNNING:
        return HttpResponseClientRefresh()
    return render(
        request,
        "imports/_progress.html",
        {"batch": batch, "progress": _progress_context(batch)},
    )


@login_required
@require_GET
def import_original(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The file as it was uploaded. It holds everyone on the list: recorded as an export."""
    batch = _batch(request, batch_id)
    scope = scope_for(_actor(request))
    levels = set(
        batch.rows.filter(person__isnull=False).values_list("person__protection_level", flat=True)
    )
    if not all(scope.may_see_protected(level) for level in levels):
        return render(
            request,
            "imports/original_refused.html",
            {"title": _("Originalfilen kan ikke lastes ned"), "batch": batch},
            status=403,
        )
    content = ImportBatch.objects.values_list("content", flat=True).get(pk=batch.pk)
    audit.describe(kind=AccessKind.EKSPORT, detail=f"import={batch.pk}; originalfil")
    audit.note_persons(batch.rows.values_list("person_id", flat=True))
    audit.record_without_persons()
    extension = "xlsx" if bytes(content[:2]) == b"PK" else "csv"
    response = HttpResponse(
        bytes(content),
        content_type=XLSX_CONTENT_TYPE if extension == "xlsx" else CSV_CONTENT_TYPE,
    )
    # A name of our own: the uploaded one may name a person.
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}.{extension}"'
    return response
