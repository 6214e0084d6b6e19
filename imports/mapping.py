"""Which of a spreadsheet's columns holds which of Inntak's fields (issue 8). The first guess
comes from the headers counties use; the intake team confirms or changes it before a dry run,
and can save the mapping for the next file of the same kind."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from imports.reading import Cell


@dataclass(frozen=True)
class Field:
    key: str
    label: Promise
    required: bool
    # Headers seen in counties' sheets, compared without case, accents or punctuation.
    headers: tuple[str, ...]


WAITLIST_FIELDS: tuple[Field, ...] = (
    Field(
        "fodselsnummer",
        _("Fødselsnummer"),
        True,
        (
            "fodselsnummer",
            "fodselsnr",
            "fnr",
            "fnr dnr",
            "personnummer",
            "dnummer",
            "fodselsnummer dnummer",
            "national identity number",
            "personal number",
        ),
    ),
    Field(
        "name",
        _("Navn (etternavn, fornavn)"),
        False,
        ("navn", "fullt navn", "bruker", "deltaker", "brukers navn", "name", "full name"),
    ),
    Field("first_name", _("Fornavn"), False, ("fornavn", "first name")),
    Field("last_name", _("Etternavn"), False, ("etternavn", "last name", "surname")),
    Field(
        "office",
        _("Nav-kontor"),
        True,
        ("navkontor", "nav kontor", "kontor", "enhet", "henvisende kontor", "nav office", "office"),
    ),
    Field(
        "municipality",
        _("Bostedskommune"),
        False,
        ("kommune", "bostedskommune", "bosted", "kommunenummer", "kommunenr", "municipality"),
    ),
    Field(
        "programme_type",
        _("Tiltakstype"),
        True,
        ("tiltak", "tiltakstype", "program", "tiltakskode", "programme type", "programme"),
    ),
    Field(
        "referred_on",
        _("Dato henvist"),
        True,
        (
            "henvist dato",
            "dato henvist",
            "henvist",
            "henvisningsdato",
            "dato",
            "meldt dato",
            "satt pa liste",
            "date referred",
            "referred",
        ),
    ),
    Field(
        "wished_provider",
        _("Ønsket arrangør"),
        False,
        (
            "onsket arrangor",
            "arrangor",
            "tiltaksarrangor",
            "leverandor",
            "onsket leverandor",
            "wished provider",
            "provider",
        ),
    ),
    Field(
        "notes",
        _("Merknad"),
        False,
        ("merknad", "merknader", "kommentar", "notat", "notater", "notes", "note", "comment"),
    ),
)


def normalised(header: str) -> str:
    """Lower case, without accents (ø and æ spelled out as o and ae) or punctuation."""
    text = header.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"\(\d+\)$", "", text)  # "Navn (2)": a repeated header's number
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def guess_mapping(
    columns: list[str], fields: tuple[Field, ...] = WAITLIST_FIELDS
) -> dict[str, str]:
    """field key -> column, for the columns whose header is one counties use for the field;
    each column is used once, the first field that claims it wins."""
    found: dict[str, str] = {}
    taken: set[str] = set()
    for field in fields:
        for column in columns:
            if column not in taken and normalised(column) in field.headers:
                found[field.key] = column
                taken.add(column)
                break
    # "Navn" merged over two columns reads as "Navn" and "Navn (2)": first and last name.
    name = found.get("name")
    if name is not None and f"{name} (2)" in columns and "first_name" not in found:
        keys = {f.key for f in fields}
        if {"first_name", "last_name"} <= keys and "last_name" not in found:
            del found["name"]
            found["first_name"], found["last_name"] = name, f"{name} (2)"
    return found


def split_name(cell: Cell) -> tuple[str, str]:
    """(first name, last name) from one cell: "Ås, Kåre" (as lists sort) or "Kåre Ås"."""
    text = " ".join(str(cell or "").split())
    if "," in text:
        last, _sep, first = text.partition(",")
        return first.strip(), last.strip()
    first, _sep, last = text.rpartition(" ")
    return (first, last) if first else ("", last)
