"""Capacity import (issue 8): a provider's or the county's capacity sheet, one row per
offering with its free places and the date they are free from, checked by the same code as the
capacity page (`providers.services.capacity_check`) and written as capacity reports of the
channel IMPORT by the county's intake team.

The county's export (intake.exports) names an offering by id ("Gjennomføring-id") and by name
("Gjennomføring"); a provider's own sheet usually by name only. Either is enough: the id wins.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import ApplicationError
from imports.mapping import Field, normalised
from imports.models import ImportBatch, RowOutcome
from imports.planning import Plan, PlannedRow, Progress
from imports.reading import Cell, Row, Table
from imports.values import BadValue, date_value
from org.models import User
from providers.models import Offering, ReportChannel
from providers.services import capacity_check, capacity_report

CAPACITY_FIELDS: tuple[Field, ...] = (
    # Before "offering", so that "Gjennomføring-id" is the id and "Gjennomføring" the name.
    Field(
        "offering_id",
        gettext_lazy("Gjennomføring-id"),
        False,
        (
            "gjennomforing id",
            "gjennomforingsid",
            "gjennomforings id",
            "gjennomforing nr",
            "offering id",
        ),
    ),
    # Required in practice: the id or the name (checked by the planner, row by row).
    Field(
        "offering",
        gettext_lazy("Gjennomføring (navn)"),
        False,
        (
            "gjennomforing",
            "gjennomforingsnavn",
            "gjennomforing navn",
            "tiltak",
            "tiltaksnavn",
            "navn",
            "tilbud",
            "offering",
        ),
    ),
    Field(
        "free_places",
        gettext_lazy("Ledige plasser"),
        True,
        (
            "ledige plasser",
            "ledige",
            "ledig",
            "antall ledige",
            "antall ledige plasser",
            "free places",
        ),
    ),
    Field(
        "free_from", gettext_lazy("Ledig fra"), True, ("ledig fra", "fra dato", "fra", "free from")
    ),
    Field(
        "note",
        gettext_lazy("Merknad"),
        False,
        ("merknad", "kommentar", "merknader", "note", "notes"),
    ),
)

# The keys of CapacityPlanner's summary, in the order shown.
SUMMARY_LABELS: dict[str, str] = {
    "rows": gettext_lazy("Rader"),  # type: ignore[dict-item]
    "new_reports": gettext_lazy("Nye meldinger"),  # type: ignore[dict-item]
    "unchanged": gettext_lazy("Uendret"),  # type: ignore[dict-item]
    "errors": gettext_lazy("Feil"),  # type: ignore[dict-item]
}

# How often the progress callback is told, in rows.
_PROGRESS_EVERY = 200


@dataclass(frozen=True)
class _Report:
    """A row to write: what `apply` passes to capacity_report."""

    line: int
    offering_id: int
    free_places: int
    free_from: datetime.date
    note: str


class _RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime.date):
        return cell.strftime("%d.%m.%Y")
    return " ".join(cell.split())


def free_places_value(cell: Cell, *, label: str) -> int:
    """A whole number from a cell: "3", " 3 ", "3.0" (and "3,0"). The sign is kept, so that a
    negative number is refused by capacity_check with the capacity page's own sentence."""
    if cell is None:
        raise BadValue(_("%(label)s mangler.") % {"label": label})
    text = _text(cell).replace(" ", "")
    match = re.fullmatch(r"([+-]?\d+)(?:[.,](\d+))?", text)
    if match is None or (match.group(2) is not None and set(match.group(2)) != {"0"}):
        raise BadValue(
            _(
                "%(label)s «%(value)s» er ikke et helt tall. Skriv antallet som et heltall, "
                "f.eks. 3."
            )
            % {"label": label, "value": _text(cell)[:40]}
        )
    return int(match.group(1))


class CapacityPlanner:
    """Plans and applies a capacity sheet for the batch's county."""

    fields = CAPACITY_FIELDS

    def plan(self, batch: ImportBatch, table: Table, progress: Progress) -> Plan:
        mapping: dict[str, str] = dict(batch.mapping or {})
        offerings = list(
            Offering.objects.filter(municipality__county_id=batch.county_id)
            .select_related("provider")
            .order_by("pk")
        )
        by_id = {o.pk: o for o in offerings}
        by_name: dict[str, list[Offering]] = {}
        for offering in offerings:
            by_name.setdefault(normalised(offering.name), []).append(offering)
        county_name = batch.county.name
        today = timezone.localdate()

        rows: list[PlannedRow] = []
        reports: list[_Report] = []
        seen: dict[int, int] = {}  # offering id -> the first line it stood on
        for done, row in enumerate(table.rows, start=1):
            planned = self._plan_row(
                row, mapping, by_id, by_name, county_name, seen, today, reports
            )
            rows.append(planned)
            if done % _PROGRESS_EVERY == 0:
                progress(done)
        progress(len(table.rows))
        summary = {
            "rows": len(rows),
            "new_reports": sum(1 for r in rows if r.outcome == RowOutcome.NY_MELDING),
            "unchanged": sum(1 for r in rows if r.outcome == RowOutcome.UENDRET),
            "errors": sum(1 for r in rows if r.outcome == RowOutcome.FEIL),
        }
        return Plan(rows=rows, summary=summary, payload=reports)

    def _plan_row(
        self,
        row: Row,
        mapping: dict[str, str],
        by_id: dict[int, Offering],
        by_name: dict[str, list[Offering]],
        county_name: str,
        seen: dict[int, int],
        today: datetime.date,
        reports: list[_Report],
    ) -> PlannedRow:
        def cell(key: str) -> Cell:
            column = mapping.get(key)
            return row.cells.get(column) if column else None

        shown = {
            "offering": _text(cell("offering")) or _text(cell("offering_id")),
            "provider": "",
            "free_places": _text(cell("free_places")),
            "free_from": _text(cell("free_from")),
        }
        try:
            offering, offering_column = self._offering(row, mapping, by_id, by_name, county_name)
            shown["offering"], shown["provider"] = offering.name, offering.provider.name
            first = seen.get(offering.pk)
            if first is not None:
                raise _RowError(
                    offering_column,
                    _(
                        "«%(name)s» står også på rad %(line)s; en gjennomføring kan bare stå én "
                        "gang. Fjern den ene raden."
                    )
                    % {"name": offering.name, "line": first},
                )
            seen[offering.pk] = row.line
            places_column = mapping.get("free_places", "")
            from_column = mapping.get("free_from", "")
            try:
                free_places = free_places_value(cell("free_places"), label=_("Ledige plasser"))
            except BadValue as error:
                raise _RowError(places_column, error.message) from None
            if free_places == 0 and not _text(cell("free_from")):
                # No places free needs no date (the export leaves it empty): nothing free
                # from today, or unchanged if nothing was free before either.
                free_from = offering.free_from if offering.free_places == 0 else today
            else:
                try:
                    free_from = date_value(cell("free_from"), label=_("Ledig fra"))
                except BadValue as error:
                    raise _RowError(from_column, error.message) from None
            shown["free_places"] = str(free_places)
            shown["free_from"] = free_from.strftime("%d.%m.%Y") if free_from else ""
            # What the offering has already is not reported again, however old its date
            # (an exported sheet goes back in unchanged).
            if (offering.free_places, offering.free_from) == (free_places, free_from):
                return PlannedRow(
                    line=row.line,
                    outcome=RowOutcome.UENDRET,
                    message=_("Samme tall som meldt fra før; ingenting endres."),
                    shown=shown,
                )
            assert free_from is not None
            try:
                capacity_check(offering, free_places, free_from, today)
            except ApplicationError as error:
                column = from_column if "free_from" in error.fields else places_column
                raise _RowError(column, error.message) from None
        except _RowError as error:
            return PlannedRow(
                line=row.line,
                outcome=RowOutcome.FEIL,
                column=error.column,
                message=error.message,
                shown=shown,
            )
        reports.append(
            _Report(
                line=row.line,
                offering_id=offering.pk,
                free_places=free_places,
                free_from=free_from,
                note=str(cell("note") or "").strip(),
            )
        )
        return PlannedRow(line=row.line, outcome=RowOutcome.NY_MELDING, shown=shown)

    def _offering(
        self,
        row: Row,
        mapping: dict[str, str],
        by_id: dict[int, Offering],
        by_name: dict[str, list[Offering]],
        county_name: str,
    ) -> tuple[Offering, str]:
        """The row's offering in the county, and the column that named it."""
        id_column, name_column = mapping.get("offering_id", ""), mapping.get("offering", "")
        id_text = _text(row.cells.get(id_column)) if id_column else ""
        name_text = _text(row.cells.get(name_column)) if name_column else ""
        if not id_column and not name_column:
            raise _RowError(
                "",
                _(
                    "Ingen kolonne er valgt for gjennomføringen. Velg kolonnen med "
                    "gjennomføringens id eller navn."
                ),
            )
        if id_text:
            number = id_text.removesuffix(".0")
            offering = by_id.get(int(number)) if number.isdigit() else None
            if offering is None:
                raise _RowError(
                    id_column,
                    _(
                        "Fant ingen gjennomføring med id «%(value)s» i %(county)s. Bruk id-en fra "
                        "eksporten av kapasitetssiden, eller la cellen stå tom og bruk navnet."
                    )
                    % {"value": id_text[:40], "county": county_name},
                )
            if name_text and normalised(name_text) != normalised(offering.name):
                raise _RowError(
                    name_column,
                    _(
                        "Id %(id)s er gjennomføringen «%(name)s», men raden sier «%(value)s». "
                        "Sjekk at id og navn står på samme rad."
                    )
                    % {"id": offering.pk, "name": offering.name, "value": name_text[:80]},
                )
            return offering, id_column
        if not name_text:
            raise _RowError(
                name_column or id_column,
                _("Gjennomføringen mangler. Skriv gjennomføringens navn eller id."),
            )
        found = by_name.get(normalised(name_text), [])
        if len(found) > 1:
            raise _RowError(
                name_column,
                _(
                    "%(count)s gjennomføringer i %(county)s heter «%(value)s». Bruk kolonnen "
                    "«Gjennomføring-id» fra eksporten av kapasitetssiden for å skille dem."
                )
                % {"count": len(found), "county": county_name, "value": name_text[:80]},
            )
        if not found:
            raise _RowError(
                name_column,
                _(
                    "Fant ingen gjennomføring «%(value)s» i %(county)s. Sjekk navnet mot "
                    "kapasitetssiden, eller bruk kolonnen «Gjennomføring-id» fra eksporten."
                )
                % {"value": name_text[:80], "county": county_name},
            )
        return found[0], name_column

    def apply(
        self, batch: ImportBatch, plan: Plan, actor: User, progress: Progress
    ) -> dict[str, int]:
        """One capacity report per new row, by the intake team for the batch's county. Any
        refusal (ApplicationError) goes to the caller, whose transaction undoes the rest."""
        reports: list[_Report] = plan.payload or []
        for done, report in enumerate(reports, start=1):
            capacity_report(
                offering_id=report.offering_id,
                free_places=report.free_places,
                free_from=report.free_from,
                note=report.note,
                channel=ReportChannel.IMPORT,
                reported_by=actor,
                for_county=batch.county_id,
                idempotency_key=f"import-{batch.pk}-{report.line}",
            )
            if done % _PROGRESS_EVERY == 0:
                progress(done)
        progress(len(reports))
        return {"reports": len(reports)}
