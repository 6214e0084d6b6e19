"""Turning a spreadsheet cell into a value Inntak can use, or a sentence that says how to fix
it. Spreadsheets lose leading zeros, write dates three ways and put spaces in numbers."""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _
from stdnum.no import fodselsnummer

from imports.reading import Cell

# Excel counts days from 30 December 1899 (its 1900 leap-year bug included).
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_TEXT_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d/%m/%y")


class BadValue(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def fodselsnummer_value(cell: Cell) -> str:
    """The 11 digits of a valid fødselsnummer or D-number. A number that Excel stored as a
    number has lost its leading zero (10 digits): it is put back."""
    if cell is None:
        raise BadValue(_("Fødselsnummer mangler."))
    digits = re.sub(r"[\s.\-]", "", str(cell))
    if digits.isdigit() and len(digits) == 10:
        digits = "0" + digits
    if not digits.isdigit() or len(digits) != 11:
        raise BadValue(
            _("«%(value)s» er ikke 11 siffer. Skriv fødselsnummeret med alle 11 sifrene.")
            % {"value": _shown(cell)}
        )
    if not fodselsnummer.is_valid(digits):
        raise BadValue(
            _(
                "Fødselsnummeret har feil kontrollsiffer. Sjekk det mot folkeregisteret; "
                "et sifferbytte er den vanligste feilen."
            )
        )
    return digits


def date_value(cell: Cell, *, label: str) -> datetime.date:
    """A date from an Excel date, an Excel serial number or text (31.12.2025, 2025-12-31,
    31/12/2025, 31.12.25)."""
    if cell is None:
        raise BadValue(_("%(label)s mangler.") % {"label": label})
    if isinstance(cell, datetime.date):
        return cell
    text = cell.strip()
    if text.isdigit() and 20000 < int(text) < 80000:  # an Excel serial (1954-2119)
        return _EXCEL_EPOCH + datetime.timedelta(days=int(text))
    for fmt in _TEXT_DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise BadValue(
        _("%(label)s «%(value)s» er ikke en dato. Skriv den som dd.mm.åååå, f.eks. 31.12.2025.")
        % {"label": label, "value": _shown(cell)}
    )


def _shown(cell: Cell) -> str:
    """A cell as quoted back in a message: never a full fødselsnummer-like run of digits."""
    text = str(cell)
    return re.sub(r"\d{6,}", lambda m: m.group()[:2] + "…", text)[:40]
