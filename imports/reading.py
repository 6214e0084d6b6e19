"""Reading the spreadsheets counties keep today (issue 8): CSV in whatever encoding and
separator Excel or an older system wrote, and XLSX, into one plain table of text and dates.

Nothing here knows Inntak's fields: it finds the header row, names the columns, keeps each
row's line number in the file (for error messages a person can act on) and leaves empty rows
out. A file it cannot read raises `UnreadableFile` with a sentence that says what to do.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# Larger than any county's list (50,000 rows of a dozen columns is about 5 MB as CSV).
MAX_BYTES = 20 * 1024 * 1024
# A header is looked for among the first rows: sheets often start with a title and a blank.
HEADER_SEARCH_ROWS = 10

Cell = str | datetime.date | None


class UnreadableFile(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Row:
    line: int  # the row's number in the file or sheet, as the user sees it (1 = first)
    cells: dict[str, Cell]


@dataclass
class Table:
    kind: str  # "csv" or "xlsx"
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""


def read_table(data: bytes, filename: str = "") -> Table:
    """The table in a CSV or XLSX file's bytes."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile(
            _(
                "Filen er for stor (%(size)s MB). Største tillatte størrelse er %(max)s MB: "
                "del den opp, eller lagre den som CSV."
            )
            % {"size": len(data) // (1024 * 1024), "max": MAX_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise UnreadableFile(_("Filen er tom."))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(
            _("Dette er en gammel Excel-fil (.xls). Lagre den som .xlsx eller CSV og prøv igjen.")
        )
    return _read_csv(data)


# --- CSV -------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) if the bytes are UTF-8, else Windows-1252: what Excel in
    Norway writes when it saves "CSV (semikolonseparert)"."""
    if b"\x00" in data[:4096]:
        raise UnreadableFile(
            _(
                "Filen ser ikke ut som et regneark (CSV eller XLSX). Lagre listen fra Excel som "
                ".xlsx eller CSV og prøv igjen."
            )
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise UnreadableFile(
            _("Tegnene i filen kan ikke leses. Lagre den som CSV UTF-8 fra Excel og prøv igjen.")
        ) from None


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[: HEADER_SEARCH_ROWS + 20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        # One column, or a sample the sniffer cannot decide on: the most frequent candidate.
        counts = {d: sample.count(d) for d in ";,\t"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ";"


def _read_csv(data: bytes) -> Table:
    text, encoding = _decode(data)
    delimiter = _delimiter(text)
    try:
        raw = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise UnreadableFile(
            _("Filen kan ikke leses som CSV (%(error)s).") % {"error": error}
        ) from None
    cells: list[list[Cell]] = [[_clean_text(value) for value in row] for row in raw]
    table = _table("csv", cells)
    table.encoding, table.delimiter = encoding, delimiter
    return table


# --- XLSX ------------------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise UnreadableFile(
            _("Filen ser ut som en Excel-fil, men kan ikke åpnes. Lagre den på nytt fra Excel.")
        ) from None
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        raise UnreadableFile(_("Arbeidsboken har ingen ark."))
    # A merged cell holds its value in the top-left cell only: give it to every cell it covers,
    # so a header merged over two columns names both.
    merged: dict[tuple[int, int], object] = {}
    for ranges in sheet.merged_cells.ranges:
        value = sheet.cell(ranges.min_row, ranges.min_col).value
        for r in range(ranges.min_row, ranges.max_row + 1):
            for c in range(ranges.min_col, ranges.max_col + 1):
                merged[(r, c)] = value
    cells: list[list[Cell]] = []
    for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells.append([_xlsx_cell(merged.get((line, c), v)) for c, v in enumerate(values, start=1)])
    table = _table("xlsx", cells)
    table.sheet = sheet.title
    return table


def _xlsx_cell(value: object) -> Cell:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _clean_text(str(value))


# --- the table -------------------------------------------------------------------------------


def _clean_text(value: str) -> str | None:
    value = value.replace("\u00a0", " ").strip()
    return value or None


def _header_index(cells: list[list[Cell]]) -> int:
    """The header is the first of the first rows that names at least half as many columns as
    the widest of them: a title row merged across the sheet has one distinct value, a blank
    row none, the header row as many as there are columns."""
    counts = [len({v for v in row if isinstance(v, str)}) for row in cells[:HEADER_SEARCH_ROWS]]
    widest = max(counts, default=0)
    if widest < 2:
        raise UnreadableFile(
            _("Fant ingen overskriftsrad med minst to kolonner i de %(n)s første radene.")
            % {"n": HEADER_SEARCH_ROWS}
        )
    return next(i for i, count in enumerate(counts) if count >= max(2, widest / 2))


def _column_names(header: list[Cell]) -> list[str]:
    names: list[str] = []
    for i, value in enumerate(header, start=1):
        base = str(value) if value is not None else _("Kolonne %(n)s") % {"n": i}
        name, n = base, 2
        while name in names:
            name, n = f"{base} ({n})", n + 1
        names.append(name)
    return names


def _table(kind: str, cells: list[list[Cell]]) -> Table:
    start = _header_index(cells)
    columns = _column_names(cells[start])
    table = Table(kind=kind, columns=columns)
    for offset, row in enumerate(cells[start + 1 :], start=start + 2):
        if all(v is None for v in row):
            continue
        padded = list(row) + [None] * (len(columns) - len(row))
        if len(padded) > len(columns) and any(v is not None for v in padded[len(columns) :]):
            raise UnreadableFile(
                _("Rad %(line)s har flere verdier enn overskriftsraden har kolonner.")
                % {"line": offset}
            )
        table.rows.append(Row(line=offset, cells=dict(zip(columns, padded, strict=False))))
    return table
