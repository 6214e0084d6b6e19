"""An import's lifecycle (issue 8): upload, map the columns, dry run, apply.

The dry run and the apply run as Celery tasks (through the outbox), because a county's file
can have tens of thousands of rows; their progress is kept in the cache for the page to show.
Applying re-plans against the database as it is at that moment, under a lock on the county,
and writes everything in one transaction or nothing: if anything differs from the dry run the
intake team saw, it stops and asks for a new dry run.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from imports.capacity import CapacityPlanner
from imports.mapping import Field, guess_mapping
from imports.models import BatchStatus, ImportBatch, ImportKind, ImportRow, SavedMapping
from imports.planning import Plan, Planner
from imports.reading import MAX_BYTES, UnreadableFile, read_table
from imports.waitlist import WaitlistPlanner
from org.access import scope_for
from org.models import County, User
from outbox.services import outbox_enqueue
from providers.models import ProgrammeType

logger = logging.getLogger(__name__)

B = BatchStatus
_ROW_CHUNK = 2000


def planner_for(kind: str) -> Planner:
    return CapacityPlanner() if kind == ImportKind.KAPASITET else WaitlistPlanner()


def fields_for(kind: str) -> tuple[Field, ...]:
    return planner_for(kind).fields


def _not_found() -> ApplicationError:
    return ApplicationError(_("Fant ikke importen."), code="NOT_FOUND")


def _require_intake(actor: User, county_number: str) -> None:
    if not scope_for(actor).may_review_for_county(county_number):
        raise _not_found()


def _lock(actor: User, batch_id: int, expected_version: int | None) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise _not_found()
    _require_intake(actor, batch.county_id)
    if expected_version is not None and batch.version != expected_version:
        raise ApplicationError(
            _(
                "Importen er endret siden du åpnet siden (av deg i en annen fane, eller av en "
                "kollega). Se over den nye tilstanden og prøv igjen."
            ),
            code="STALE",
        )
    return batch


# -- upload and mapping ---------------------------------------------------------------------


def batch_upload(
    *, actor: User, county_number: str, kind: str, filename: str, content: bytes
) -> ImportBatch:
    """Keep the file and read its columns; a file that cannot be read is refused with a
    sentence that says why, and nothing is kept."""
    _require_intake(actor, county_number)
    if kind not in ImportKind.values:
        raise ApplicationError(_("Ukjent type import."), code="INVALID")
    if len(content) > MAX_BYTES:
        raise ApplicationError(_too_large(len(content)), code="TOO_LARGE")
    try:
        table = read_table(content, filename)
    except UnreadableFile as unreadable:
        raise ApplicationError(unreadable.message, code="UNREADABLE") from None
    if not table.rows:
        raise ApplicationError(
            _("Fant overskriftene, men ingen rader under dem. Er det riktig fil?"),
            code="NO_ROWS",
        )
    description = (
        _("Excel-ark «%(sheet)s»") % {"sheet": table.sheet}
        if table.kind == "xlsx"
        else _("CSV, %(encoding)s, skilletegn «%(delimiter)s»")
        % {"encoding": table.encoding, "delimiter": table.delimiter}
    )
    saved = _saved_mapping_for(county_number, kind, table.columns)
    batch = ImportBatch.objects.create(
        kind=kind,
        county_id=county_number,
        filename=filename[:200],
        content=content,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
        columns=table.columns,
        file_description=description[:200],
        # The last saved mapping that fits this file's columns, else the guess.
        mapping=dict(saved.mapping) if saved else guess_mapping(table.columns, fields_for(kind)),
        programme_type_id=saved.programme_type_id if saved else None,
    )
    return batch


def _too_large(size: int) -> str:
    return _(
        "Filen er for stor (%(size)s MB). Største tillatte størrelse er %(max)s MB: del den "
        "opp, eller lagre den som CSV."
    ) % {"size": size // (1024 * 1024), "max": MAX_BYTES // (1024 * 1024)}


def _saved_mapping_for(county_number: str, kind: str, columns: list[str]) -> SavedMapping | None:
    """The most recently used saved mapping whose columns are all in this file."""
    present = set(columns)
    for saved in SavedMapping.objects.filter(county_id=county_number, kind=kind).order_by(
        "-updated_at"
    ):
        if set(saved.mapping.values()) <= present:
            return saved
    return None


@transaction.atomic
def batch_configure(
    *,
    actor: User,
    batch_id: int,
    expected_version: int | None,
    mapping: dict[str, str],
    programme_type_id: int | None = None,
    save_as: str = "",
    enqueue: bool = True,
) -> ImportBatch:
    """Confirm the mapping and start the dry run. `enqueue=False` leaves the dry run to the
    caller (the management command runs it in-process)."""
    batch = _lock(actor, batch_id, expected_version)
    if batch.status not in (B.LASTET_OPP, B.KONTROLLERT, B.FEILET):
        raise ApplicationError(
            _("Importen er %(status)s og kan ikke endres.")
            % {"status": batch.get_status_display().lower()},
            code="NOT_ALLOWED",
        )
    fields = fields_for(batch.kind)
    mapping = {key: column for key, column in mapping.items() if column}
    errors: dict[str, list[str]] = {}
    known = {f.key for f in fields}
    for key, column in mapping.items():
        if key not in known:
            errors.setdefault(key, []).append(_("Ukjent felt."))
        elif column not in batch.columns:
            errors.setdefault(key, []).append(
                _("Filen har ingen kolonne «%(column)s».") % {"column": column}
            )
    seen: dict[str, str] = {}
    for field in fields:
        chosen = mapping.get(field.key)
        if chosen is None:
            continue
        if chosen in seen:
            errors.setdefault(field.key, []).append(
                _("Kolonnen «%(column)s» er allerede valgt for %(other)s.")
                % {"column": chosen, "other": _label(fields, seen[chosen])}
            )
        seen[chosen] = field.key
    programme_type = None
    if programme_type_id is not None:
        programme_type = ProgrammeType.objects.filter(
            pk=programme_type_id, has_waitlist=True
        ).first()
        if programme_type is None:
            errors.setdefault("programme_type", []).append(_("Velg en tiltakstype med venteliste."))
    for field in fields:
        if not field.required or field.key in mapping:
            continue
        if field.key == "programme_type" and programme_type is not None:
            continue
        errors.setdefault(field.key, []).append(
            _("Velg kolonnen for «%(field)s».") % {"field": field.label}
            if field.key != "programme_type"
            else _("Velg kolonnen med tiltakstype, eller én tiltakstype for alle radene.")
        )
    if batch.kind == ImportKind.KAPASITET and not ({"offering", "offering_id"} & set(mapping)):
        errors.setdefault("offering", []).append(
            _("Velg kolonnen med gjennomføringens navn eller id.")
        )
    if errors:
        raise ApplicationError(
            _("Kolonnene er ikke riktig valgt ennå. Se merknadene ved feltene."),
            code="INVALID_MAPPING",
            fields=errors,
        )
    batch.mapping = mapping
    batch.programme_type = programme_type
    batch.status = B.KONTROLLERES
    batch.summary = {}
    batch.failure = ""
    batch.version += 1
    batch.save()
    name = " ".join(save_as.split())[:100]
    if name:
        SavedMapping.objects.update_or_create(
            county_id=batch.county_id,
            kind=batch.kind,
            name=name,
            defaults={"mapping": mapping, "programme_type": programme_type, "created_by": actor},
        )
    _progress(batch.pk, 0, 0)
    if enqueue:
        from imports.tasks import import_check

        outbox_enqueue(import_check, batch.pk)
    return batch


def _label(fields: tuple[Field, ...], key: str) -> str:
    return next((str(f.label) for f in fields if f.key == key), key)


# -- the dry run ----------------------------------------------------------------------------


def progress_key(batch_id: int) -> str:
    return f"import-progress-{batch_id}"


def _progress(batch_id: int, done: int, total: int) -> None:
    cache.set(progress_key(batch_id), {"done": done, "total": total}, 3600)


def batch_progress(batch_id: int) -> tuple[int, int]:
    found = cache.get(progress_key(batch_id)) or {}
    return int(found.get("done", 0)), int(found.get("total", 0))


def _plan(batch: ImportBatch, weight: float, offset: float) -> Plan:
    table = read_table(bytes(batch.content), batch.filename)
    total = len(table.rows)
    _progress(batch.pk, int(offset * total), total)

    def progress(done: int) -> None:
        _progress(batch.pk, int((offset + weight * done / max(total, 1)) * total), total)

    return planner_for(batch.kind).plan(batch, table, progress)


def batch_check(batch_id: int) -> None:
    """The dry run: every row's verdict, kept with the batch. Writes nothing else."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=B.KONTROLLERES).first()
    if batch is None:
        return  # a repeat delivery, or the mapping changed again since
    try:
        plan = _plan(batch, 0.8, 0.0)
    except Exception as error:
        _fail(batch_id, B.KONTROLLERES, error)
        return
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if locked is None or locked.status != B.KONTROLLERES or locked.version != batch.version:
            return
        locked.rows.all().delete()
        ImportRow.objects.bulk_create(
            (
                ImportRow(
                    batch=locked,
                    line=row.line,
                    outcome=row.outcome,
                    new_person=row.new_person,
                    person_id=row.person_id,
                    column=row.column[:200],
                    message=row.message,
                    duplicate_of_line=row.duplicate_of_line,
                    shown=row.shown,
                )
                for row in plan.rows
            ),
            batch_size=_ROW_CHUNK,
        )
        locked.summary = plan.summary
        locked.status = B.KONTROLLERT
        locked.checked_at = timezone.now()
        locked.version += 1
        locked.save()
    _progress(batch_id, len(plan.rows), len(plan.rows))


def _fail(batch_id: int, expected_status: str, error: Exception) -> None:
    # The message a user sees; the log names the batch and the kind of error only, since a
    # database error's text can quote a row of the file (a fødselsnummer, say).
    message = (
        error.message
        if isinstance(error, ApplicationError | UnreadableFile)
        else _("Noe gikk galt under importen. Ingenting ble lagret. Prøv igjen.")
    )
    if not isinstance(error, ApplicationError | UnreadableFile):
        logger.error("import %s failed: %s", batch_id, type(error).__name__)
    ImportBatch.objects.filter(pk=batch_id, status=expected_status).update(
        status=B.FEILET, failure=message, version=F("version") + 1
    )


# -- applying -------------------------------------------------------------------------------


@transaction.atomic
def batch_apply_request(
    *,
    actor: User,
    batch_id: int,
    expected_version: int | None,
    accept_errors: bool = False,
    enqueue: bool = True,
) -> ImportBatch:
    """Ask for a checked batch to be applied. A second click, or a click on a batch already
    applied, changes nothing."""
    batch = _lock(actor, batch_id, None)
    if batch.status in (B.IMPORTERES, B.IMPORTERT):
        return batch
    if expected_version is not None and batch.version != expected_version:
        raise ApplicationError(
            _("Importen er endret siden du så kontrollen. Se over den nye kontrollen."),
            code="STALE",
        )
    if batch.status != B.KONTROLLERT:
        raise ApplicationError(_("Kontroller filen før den importeres."), code="NOT_ALLOWED")
    errors = int(batch.summary.get("errors", 0))
    if errors and not accept_errors:
        raise ApplicationError(
            _(
                "%(count)s rader har feil. Rett dem i filen og last den opp på nytt, eller "
                "kryss av for å importere uten dem."
            )
            % {"count": errors},
            code="HAS_ERRORS",
            fields={"accept_errors": [_("Kryss av for å importere uten radene med feil.")]},
        )
    batch.status = B.IMPORTERES
    batch.applied_by = actor
    batch.version += 1
    batch.save()
    _progress(batch.pk, 0, int(batch.summary.get("rows", 0)))
    if enqueue:
        from imports.tasks import import_apply

        outbox_enqueue(import_apply, batch.pk)
    return batch


def batch_apply(batch_id: int) -> None:
    """Apply a batch whose apply was requested: everything in one transaction, or nothing."""
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
            if batch is None or batch.status != B.IMPORTERES:
                return  # applied already (a repeat delivery), or never asked for
            # One import at a time per county: two files naming the same person are decided
            # one after the other, each against what the other wrote.
            County.objects.select_for_update().filter(pk=batch.county_id).first()
            actor = batch.applied_by
            assert actor is not None
            _require_intake(actor, batch.county_id)
            plan = _plan(batch, 0.4, 0.0)
            if plan.summary != batch.summary:
                raise ApplicationError(
                    _(
                        "Inntak er endret siden kontrollen (noen har for eksempel henvist en "
                        "av personene i mellomtiden). Ingenting ble importert. Kontroller "
                        "filen på nytt og se over resultatet."
                    ),
                    code="CHANGED",
                )
            total = len(plan.rows)
            planner = planner_for(batch.kind)

            def progress(done: int) -> None:
                _progress(batch_id, int((0.4 + 0.5 * done / max(total, 1)) * total), total)

            result = planner.apply(batch, plan, actor, progress)
            _link_rows(batch, plan, planner)
            batch.status = B.IMPORTERT
            batch.applied_at = timezone.now()
            batch.result = result
            batch.version += 1
            batch.save()
        _progress(batch_id, total, total)
    except Exception as error:
        _fail(batch_id, B.IMPORTERES, error)


def _link_rows(batch: ImportBatch, plan: Plan, planner: Planner) -> None:
    """Point the batch's rows at the persons they created, so that reading them later is
    recorded in the access log as reading those persons."""
    by_line = getattr(planner, "persons_by_line", None)
    if by_line is None:
        return
    from intake.models import Person

    numbers = by_line(plan)
    if not numbers:
        return
    ids: dict[str, int] = {}
    distinct = sorted(set(numbers.values()))
    for start in range(0, len(distinct), _ROW_CHUNK):
        ids.update(
            Person.objects.filter(
                fodselsnummer__in=distinct[start : start + _ROW_CHUNK]
            ).values_list("fodselsnummer", "pk")
        )
    # Only rows of persons new to Inntak are unlinked; rows merged into one above point to
    # the same person.
    unlinked = {row.line for row in plan.rows if row.person_id is None}
    links = {line: ids[number] for line, number in numbers.items() if line in unlinked}
    for row in plan.rows:
        if row.duplicate_of_line in links and row.line in unlinked:
            links[row.line] = links[row.duplicate_of_line]
    if not links:
        return
    if connection.vendor == "postgresql":
        # One statement for tens of thousands of rows (bulk_update's CASE is far slower).
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE imports_importrow AS r SET person_id = v.person_id "
                "FROM unnest(%s::integer[], %s::bigint[]) AS v(line, person_id) "
                "WHERE r.batch_id = %s AND r.line = v.line",
                [list(links), list(links.values()), batch.pk],
            )
        return
    lines = list(links)
    for start in range(0, len(lines), _ROW_CHUNK):
        linked = list(
            batch.rows.filter(line__in=lines[start : start + _ROW_CHUNK]).only(
                "pk", "batch", "line"
            )
        )
        for import_row in linked:
            import_row.person_id = links[import_row.line]
        ImportRow.objects.bulk_update(linked, ["person"])
