"""Reading counties' spreadsheets (issue 8, first part): encodings, separators, Excel files
with titles and merged headers, dates written three ways, fødselsnumre with spaces or a lost
leading zero, empty rows, and files that are not spreadsheets at all."""

import datetime
from pathlib import Path

import pytest

from imports.reading import MAX_BYTES, UnreadableFile, read_table
from imports.values import BadValue, date_value, fodselsnummer_value

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [
        ("waitlist_windows1252_semicolon.csv", "windows-1252", ";"),
        ("waitlist_utf8_bom_comma.csv", "utf-8", ","),
        ("waitlist_utf8_semicolon.csv", "utf-8", ";"),
    ],
)
def test_csv_in_any_encoding_and_separator_reads_the_same(name, encoding, delimiter):
    table = read_table(fixture(name))

    assert (table.kind, table.encoding, table.delimiter) == ("csv", encoding, delimiter)
    assert table.columns == [
        "Fødselsnummer",
        "Navn",
        "NAV-kontor",
        "Tiltak",
        "Henvist dato",
        "Ønsket arrangør",
        "Merknad",
    ]
    # The empty row is left out; the others keep their line numbers in the file.
    assert [row.line for row in table.rows] == [2, 3, 5]
    first = table.rows[0].cells
    assert first["Navn"] == "Ås, Kåre" and first["Ønsket arrangør"] == "Prima"
    assert table.rows[1].cells["Merknad"] is None


def test_an_excel_sheet_with_a_title_row_and_a_merged_header():
    table = read_table(fixture("waitlist_messy.xlsx"))

    assert (table.kind, table.sheet) == ("xlsx", "Venteliste")
    assert table.columns[:3] == ["Fødselsnummer", "Navn", "Navn (2)"]
    assert [row.line for row in table.rows] == [4, 6]
    kare, siv = (row.cells for row in table.rows)
    assert (kare["Navn"], kare["Navn (2)"]) == ("Kåre", "Ås")
    assert kare["Henvist dato"] == datetime.date(2026, 3, 12)  # an Excel date
    assert siv["Henvist dato"] == "05.01.2026"  # a date typed as text
    assert siv["Fødselsnummer"] == "3018500360"  # a number that lost its leading zero


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not_a_spreadsheet.pdf", "ser ikke ut som et regneark"),
        ("old_excel.xls", r"gammel Excel-fil \(\.xls\)"),
        ("broken.xlsx", "kan ikke åpnes"),
    ],
)
def test_a_file_that_is_not_a_readable_spreadsheet_is_explained(name, message):
    with pytest.raises(UnreadableFile, match=message):
        read_table(fixture(name))


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    with pytest.raises(UnreadableFile, match="Filen er for stor"):
        read_table(b"a;b\n" * (MAX_BYTES // 4 + 1))


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n"])
def test_an_empty_file_is_explained(data):
    with pytest.raises(UnreadableFile, match="Filen er tom"):
        read_table(data)


def test_a_file_without_a_header_row_is_explained():
    with pytest.raises(UnreadableFile, match="Fant ingen overskriftsrad"):
        read_table(b"12345\n67890\n")


def test_a_row_longer_than_the_header_is_explained_with_its_line():
    with pytest.raises(UnreadableFile, match="Rad 3 har flere verdier"):
        read_table(b"a;b\n1;2\n1;2;3\n")


# --- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("17059000039", "17059000039"),
        ("170590 00039", "17059000039"),
        ("170590.00039", "17059000039"),
        ("3018500360", "03018500360"),  # Excel dropped the leading zero
    ],
)
def test_fodselsnummer_with_spaces_or_a_lost_leading_zero(cell, expected):
    assert fodselsnummer_value(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (None, "Fødselsnummer mangler"),
        ("1705900003", "feil kontrollsiffer"),  # 10 digits, but not a lost zero
        ("17059000038", "feil kontrollsiffer"),
        ("17.05.1990", "er ikke 11 siffer"),
    ],
)
def test_a_bad_fodselsnummer_says_how_to_fix_it(cell, message):
    with pytest.raises(BadValue, match=message):
        fodselsnummer_value(cell)


def test_a_bad_value_never_repeats_a_whole_number():
    with pytest.raises(BadValue) as refused:
        fodselsnummer_value("1705900003912")
    assert "1705900003912" not in refused.value.message


@pytest.mark.parametrize(
    "cell",
    [
        datetime.date(2026, 3, 12),
        "12.03.2026",
        "12.3.2026",
        "12.03.26",
        "2026-03-12",
        "12/03/2026",
        "46093",  # Excel's serial number for 12.03.2026
    ],
)
def test_dates_written_every_way_counties_write_them(cell):
    assert date_value(cell, label="Henvist dato") == datetime.date(2026, 3, 12)


def test_a_date_that_is_not_a_date_is_explained():
    with pytest.raises(BadValue, match="«i fjor» er ikke en dato"):
        date_value("i fjor", label="Henvist dato")
