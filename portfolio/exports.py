"""The portfolio list as CSV (for Excel in Norway: UTF-8 with BOM, semicolons) and XLSX, with
the list's columns and never a fødselsnummer. Every export is recorded in the audit log."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from config import spreadsheets
from config.spreadsheets import text_cell as _text
from portfolio.selectors_portfolio import PortfolioRow

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
    return spreadsheets.csv_bytes(headers(), (row_cells(row) for row in rows))


def xlsx_bytes(rows: Sequence[PortfolioRow]) -> bytes:
    return spreadsheets.xlsx_bytes(_("Portefølje"), headers(), (row_cells(row) for row in rows))
