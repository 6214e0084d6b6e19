"""Writing spreadsheets people open in Excel in Norway: CSV in UTF-8 with a byte order mark
and semicolons, or XLSX with a bold header row and real date cells. Here, below every app,
so that the portfolio's and the intake team's exports share one writer."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Value = str | int | datetime.date | None

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")

# A cell starting with one of these is a formula to a spreadsheet: prefixed, it stays text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def csv_bytes(headers: list[str], rows: Iterable[Sequence[Value]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            [
                ""
                if cell is None
                else cell.strftime("%d.%m.%Y")
                if isinstance(cell, datetime.date)
                else cell
                for cell in row
            ]
        )
    # The byte order mark tells Excel the file is UTF-8 (else æøå come out wrong).
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def _cell(sheet: WriteOnlyWorksheet, value: Value) -> Cell | Value:
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet)
        cell.value = value  # a date cell, shown as Norwegians write dates
        cell.number_format = "DD.MM.YYYY"
        return cell
    return value


def xlsx_bytes(title: str, headers: list[str], rows: Iterable[Sequence[Value]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
