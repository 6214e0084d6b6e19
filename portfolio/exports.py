"""The portfolio list as CSV (for Excel in Norway: UTF-8 with BOM, semicolons) and XLSX, with
the list's columns and never a fødselsnummer. Every export is recorded in the audit log."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook

from portfolio.selectors_portfolio import PortfolioRow

# A cell starting with one of these is a formula to a spreadsheet: prefixed, it stays text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | None


def headers() -> list[str]:
    return [
        _("Navn"),
        _("Alder"),
        _("Innsatsgruppe"),
        _("Ytelse"),
        _("Bostedskommune"),
        _("Kontor"),
        _("Veileder"),
        _("Åpne flagg"),
        _("Åpen henvisning"),
        _("Ventedager"),
    ]


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def row_cells(row: PortfolioRow) -> list[Cell]:
    return [
        _text(row.name),
        row.age,
        _text(row.need_group),
        _text(row.benefit),
        _text(row.municipality),
        _text(row.office),
        _text(row.caseworker),
        row.flag_codes,
        _text(row.referral_text),
        row.waiting_days,
    ]


def csv_bytes(rows: Sequence[PortfolioRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers())
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row_cells(row)])
    # The byte order mark tells Excel the file is UTF-8 (else æøå come out wrong).
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: Sequence[PortfolioRow]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Portefølje"))
    sheet.append(headers())
    for row in rows:
        sheet.append(row_cells(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
