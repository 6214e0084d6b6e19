"""A county's waitlist for one programme type, and its capacity, as CSV (for Excel in Norway:
UTF-8 with BOM, semicolons) and XLSX (issue 8): "so that a county can go back" to its own
spreadsheet. The waitlist's first seven columns carry the headers the import recognises
(`imports.mapping.guess_mapping`), so an exported list re-imports without a manual mapping.

A protected person the user may not see in full is one row that says "Adressebeskyttet" and
nothing that identifies them: no fødselsnummer, office or note. Text cells that a spreadsheet
would read as a formula are prefixed, as in the portfolio's export."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from config.spreadsheets import (  # noqa: F401 - the views and commands use them from here
    CSV_CONTENT_TYPE,
    FORMATS,
    XLSX_CONTENT_TYPE,
    Value,
    csv_bytes,
    xlsx_bytes,
)
from config.spreadsheets import text_cell as _text
from intake import selectors
from intake.forms.review import PRIORITY_GROUP_LABELS
from intake.models import Referral
from org.access import Scope
from providers import selectors as provider_selectors
from providers.models import Offering

# The import's own vocabulary (imports.mapping.WAITLIST_FIELDS), Norwegian in every language:
# translated, the file would no longer re-import without a manual mapping.
IMPORT_HEADERS = (
    "Fødselsnummer",
    "Navn",
    "Nav-kontor",
    "Tiltakstype",
    "Dato henvist",
    "Ønsket arrangør",
    "Merknad",
)


# --- the waitlist ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitlistExportRow:
    fodselsnummer: str
    name: str  # "Etternavn, Fornavn", or "Adressebeskyttet"
    office: str
    programme_type: str
    referred_on: datetime.date | None
    wished_provider: str
    note: str
    position: int
    waitlisted_on: datetime.date | None
    groups: str


def waitlist_headers() -> list[str]:
    return [*IMPORT_HEADERS, _("Plass i køen"), _("På venteliste fra"), _("Prioriterte grupper")]


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def waitlist_entries(
    *, scope: Scope, county_number: str, programme_type_id: int
) -> QuerySet[Referral]:
    """The whole list in waiting order, with what the rows show, in one query."""
    return selectors.waitlist(
        scope=scope, county_number=county_number, programme_type_id=programme_type_id
    )


def waitlist_rows(referrals: Iterable[Referral], *, scope: Scope) -> Iterator[WaitlistExportRow]:
    """One row per referral of a whole waitlist in waiting order: the position is the row's
    place in it (the list's order is the one positions are counted in)."""
    for position, referral in enumerate(referrals, start=1):
        person = referral.person
        visible = scope.may_see_protected(person.protection_level)
        waitlisted_on = _local_date(referral.waitlisted_at)
        yield WaitlistExportRow(
            fodselsnummer=person.fodselsnummer if visible else "",
            name=f"{person.last_name}, {person.first_name}" if visible else _("Adressebeskyttet"),
            office=referral.office.name if visible else "",
            programme_type=referral.programme_type.short_name,
            referred_on=referral.listed_on or waitlisted_on,
            wished_provider="",
            # The note came from the county's sheet and may name the person.
            note=referral.import_note if visible else "",
            position=position,
            waitlisted_on=waitlisted_on,
            groups=", ".join(
                str(PRIORITY_GROUP_LABELS.get(group, group)) for group in referral.priority_groups
            ),
        )


def waitlist_cells(row: WaitlistExportRow) -> list[Value]:
    return [
        _text(row.fodselsnummer),
        _text(row.name),
        _text(row.office),
        _text(row.programme_type),
        row.referred_on,
        _text(row.wished_provider),
        _text(row.note),
        row.position,
        row.waitlisted_on,
        _text(row.groups),
    ]


# --- capacity -------------------------------------------------------------------------------


# The capacity import's vocabulary (imports.capacity.CAPACITY_FIELDS) first, Norwegian in
# every language for the same reason as IMPORT_HEADERS.
CAPACITY_IMPORT_HEADERS = ("Gjennomføring-id", "Gjennomføring")
CAPACITY_PLACES_HEADERS = ("Ledige plasser", "Ledig fra")


def capacity_headers() -> list[str]:
    return [
        *CAPACITY_IMPORT_HEADERS,
        _("Arrangør"),
        _("Tiltakstype"),
        _("Kommune"),
        _("Avtalte plasser"),
        *CAPACITY_PLACES_HEADERS,
        _("Deltakere"),
        _("Tildelt, ikke startet"),
        _("Åpen for inntak"),
    ]


def capacity_offerings(
    *, scope: Scope, county_number: str, programme_type_id: int | None = None
) -> QuerySet[Offering]:
    """The offerings in the county's municipalities, per provider, in one query."""
    offerings = provider_selectors.offering_list(scope=scope).filter(
        municipality__county_id=county_number
    )
    if programme_type_id:
        offerings = offerings.filter(programme_type_id=programme_type_id)
    return offerings.order_by("provider__name", "provider_id", "name", "pk")


def capacity_cells(offering: Offering) -> list[Value]:
    return [
        offering.pk,
        _text(offering.name),
        _text(offering.provider.name),
        _text(offering.programme_type.short_name),
        _text(str(offering.municipality)),
        offering.contracted_places,
        offering.free_places,
        offering.free_from,
        offering.places_occupied,
        offering.places_assigned,
        _("Ja") if offering.open_for_intake else _("Nei"),
    ]


# --- the files ------------------------------------------------------------------------------


def waitlist_file(rows: Iterable[WaitlistExportRow], fmt: str) -> bytes:
    cells = (waitlist_cells(row) for row in rows)
    if fmt == "xlsx":
        return xlsx_bytes(_("Venteliste"), waitlist_headers(), cells)
    return csv_bytes(waitlist_headers(), cells)


def capacity_file(offerings: Iterable[Offering], fmt: str) -> bytes:
    cells = (capacity_cells(offering) for offering in offerings)
    if fmt == "xlsx":
        return xlsx_bytes(_("Kapasitet"), capacity_headers(), cells)
    return csv_bytes(capacity_headers(), cells)


def content_type(fmt: str) -> str:
    return XLSX_CONTENT_TYPE if fmt == "xlsx" else CSV_CONTENT_TYPE
