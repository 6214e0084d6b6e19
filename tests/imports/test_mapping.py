"""The first guess at which column holds which field, and names in one cell."""

import pytest

from imports.mapping import guess_mapping, normalised, split_name
from imports.reading import read_table
from tests.imports.test_reading import fixture


def test_the_headers_counties_use_are_recognised():
    table = read_table(fixture("waitlist_windows1252_semicolon.csv"))

    assert guess_mapping(table.columns) == {
        "fodselsnummer": "Fødselsnummer",
        "name": "Navn",
        "office": "NAV-kontor",
        "programme_type": "Tiltak",
        "referred_on": "Henvist dato",
        "wished_provider": "Ønsket arrangør",
        "notes": "Merknad",
    }


def test_other_spellings_and_split_names():
    columns = ["FNR", "Etternavn", "Fornavn", "Nav kontor", "Tiltakstype", "Dato", "Kommentar", "X"]

    assert guess_mapping(columns) == {
        "fodselsnummer": "FNR",
        "first_name": "Fornavn",
        "last_name": "Etternavn",
        "office": "Nav kontor",
        "programme_type": "Tiltakstype",
        "referred_on": "Dato",
        "notes": "Kommentar",
    }


def test_a_column_is_used_for_one_field_only():
    assert guess_mapping(["Navn", "Navn", "Bosted"]) == {"name": "Navn", "municipality": "Bosted"}


def test_a_name_header_merged_over_two_columns_is_first_and_last_name():
    assert guess_mapping(["Navn", "Navn (2)"]) == {"first_name": "Navn", "last_name": "Navn (2)"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [("Ønsket arrangør", "onsket arrangor"), ("NAV-kontor", "nav kontor"), ("Navn (2)", "navn")],
)
def test_headers_are_compared_without_case_accents_or_punctuation(header, expected):
    assert normalised(header) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Ås, Kåre", ("Kåre", "Ås")),
        ("Kåre Ås", ("Kåre", "Ås")),
        ("Siv  Marie   Øvrebø", ("Siv Marie", "Øvrebø")),
        ("Øvrebø", ("", "Øvrebø")),
        (None, ("", "")),
    ],
)
def test_a_name_in_one_cell(cell, expected):
    assert split_name(cell) == expected


def test_english_headers_are_recognised_too():
    columns = ["National identity number", "Name", "NAV office", "Programme type", "Date referred"]
    assert guess_mapping(columns) == {
        "fodselsnummer": "National identity number",
        "name": "Name",
        "office": "NAV office",
        "programme_type": "Programme type",
        "referred_on": "Date referred",
    }
