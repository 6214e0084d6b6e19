"""The waitlist import (issue 8): a county's list of people waiting, checked row by row against
Inntak and then written as referrals.

What a row becomes:
- a person already in Inntak whose documents pass the quality gate goes on the waitlist
  (KLAR), dated the day the county's list says they were put on it, so they keep their wait;
- anyone else (new to Inntak, or with documents missing or out of date) gets a draft referral
  (KLADD) for the office's caseworkers to complete, marked as imported and dated the same way:
  the gate still applies before they reach the waitlist;
- a second row for the same person and programme type is merged into the first (the earliest
  date counts, the notes are kept together); a person who already has an open referral of
  that type is left as they are. Importing the same file twice therefore changes nothing.

The justification is the one part of the gate an old list cannot have: for people whose
documents pass, the county's own list is the intake team's earlier approval, and the import
is done by the intake team, so their referral records where it came from instead.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.no import fodselsnummer as fnr_module

from imports.mapping import WAITLIST_FIELDS, normalised, split_name
from imports.models import ImportBatch, RowOutcome
from imports.planning import Plan, PlannedRow, Progress
from imports.reading import Cell, Row, Table
from imports.values import BadValue, date_value, fodselsnummer_value
from intake.gate import GateCode, gate_check
from intake.models import (
    OPEN_STATUSES,
    EventKind,
    Person,
    Referral,
    ReferralEvent,
    ReferralStatus,
    WorkCapacityAssessment,
)
from intake.services.priority import apply_priority, county_settings, priority_for
from intake.services.referrals import listed_since
from intake.signals import person_changed
from org.access import scope_for
from org.models import Municipality, Office, Provider, User
from providers.models import ProgrammeType

# The gate's checks that a spreadsheet row cannot meet (see the module's docstring).
_NOT_FROM_A_LIST = {GateCode.BEGRUNNELSE_MANGELFULL, GateCode.ALLEREDE_AKTIV}
_CHUNK = 2000
MASKED = gettext_lazy("Adressebeskyttet")

SUMMARY_LABELS = {
    "rows": gettext_lazy("Rader"),
    "people": gettext_lazy("Ulike personer"),
    "new_people": gettext_lazy("Nye personer i Inntak"),
    "existing_people": gettext_lazy("Finnes i Inntak fra før"),
    "duplicates_merged": gettext_lazy("Duplikater slått sammen"),
    "already_in_inntak": gettext_lazy("Har allerede en åpen henvisning"),
    "ready": gettext_lazy("Klare for ventelisten"),
    "needs_documents": gettext_lazy("Mangler dokumenter (kladd til veileder)"),
    "errors": gettext_lazy("Feil"),
}


@dataclass
class _Entry:
    """A row that will become a referral (KLAR or MANGLER_DOKUMENTER)."""

    line: int
    fodselsnummer: str
    programme_type_id: int
    listed_on: datetime.date
    notes: list[str]
    ready: bool
    person_id: int | None = None
    first_name: str = ""
    last_name: str = ""
    office_id: int | None = None
    municipality_id: str = ""


@dataclass
class _Parsed:
    row: Row
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, sentence)
    fodselsnummer: str = ""
    first_name: str = ""
    last_name: str = ""
    office: Office | None = None
    municipality_id: str = ""
    programme_type: ProgrammeType | None = None
    referred_on: datetime.date | None = None
    wished_provider: str = ""
    notes: str = ""


class _Lookup:
    """The county's offices, municipalities, programme types and providers, by every name a
    sheet may use for them."""

    def __init__(self, county_number: str) -> None:
        self.offices: dict[str, Office] = {}
        self.other_offices: dict[str, Office] = {}
        for office in Office.objects.prefetch_related("municipalities"):
            into = self.offices if office.county_id == county_number else self.other_offices
            for key in _office_keys(office):
                into.setdefault(key, office)
        self.municipalities: dict[str, Municipality] = {}
        for municipality in Municipality.objects.filter(county_id=county_number):
            self.municipalities[municipality.number] = municipality
            self.municipalities[normalised(municipality.norwegian_name)] = municipality
            self.municipalities[normalised(municipality.name)] = municipality
        self.types: dict[str, ProgrammeType] = {}
        for programme_type in ProgrammeType.objects.all():
            for name in (programme_type.code, programme_type.short_name, programme_type.name):
                self.types.setdefault(normalised(name), programme_type)
        self.providers: dict[str, Provider] = {}
        for provider in Provider.objects.all():
            self.providers[provider.orgnr] = provider
            self.providers.setdefault(normalised(provider.name), provider)

    def default_municipality(self, office: Office) -> Municipality | None:
        served = list(office.municipalities.all())
        return max(served, key=lambda m: m.population) if served else None


def _office_keys(office: Office) -> Iterator[str]:
    yield office.number
    name = normalised(office.name)
    yield name
    if name.startswith("nav "):
        yield name[4:]


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime.date):
        return cell.strftime("%d.%m.%Y")
    return " ".join(str(cell).split())


def _masked_number(fodselsnummer: str) -> str:
    # The preview shows the birth date part only: enough to tell rows apart, not a number.
    return f"{fodselsnummer[:6]} *****" if fodselsnummer else ""


class WaitlistPlanner:
    fields = WAITLIST_FIELDS

    def __init__(self) -> None:
        self.today = timezone.localdate()

    # -- the dry run ------------------------------------------------------------------------

    def plan(self, batch: ImportBatch, table: Table, progress: Progress) -> Plan:
        lookup = _Lookup(batch.county_id)
        columns = {key: column for key, column in batch.mapping.items() if column}
        parsed = [self._parse(row, columns, batch, lookup) for row in table.rows]
        progress(len(parsed) // 3)
        persons = self._existing_persons({p.fodselsnummer for p in parsed if p.fodselsnummer})
        open_types = self._open_referrals([p.pk for p in persons.values()])
        # The gate's documents only for those who may get a new referral (a second import of
        # the same file needs none).
        self._load_documents(
            {
                persons[p.fodselsnummer]
                for p in parsed
                if p.fodselsnummer in persons
                and p.programme_type is not None
                and (persons[p.fodselsnummer].pk, p.programme_type.pk) not in open_types
            }
        )
        progress(len(parsed) // 2)
        viewer = scope_for(batch.uploaded_by)

        rows: list[PlannedRow] = []
        entries: list[_Entry] = []
        first_of: dict[tuple[str, int], tuple[int, _Entry | None]] = {}
        people: set[str] = set()
        for parsed_row in parsed:
            row = self._decide(
                parsed_row, batch, lookup, persons, open_types, first_of, entries, viewer
            )
            if row.outcome != RowOutcome.FEIL:
                people.add(parsed_row.fodselsnummer)
            rows.append(row)
        counts: dict[str, int] = {outcome: 0 for outcome in RowOutcome.values}
        for row in rows:
            counts[row.outcome] += 1
        existing = sum(1 for number in people if number in persons)
        summary = {
            "rows": len(rows),
            "people": len(people),
            "new_people": len(people) - existing,
            "existing_people": existing,
            "duplicates_merged": counts[RowOutcome.DUPLIKAT_RAD],
            "already_in_inntak": counts[RowOutcome.DUPLIKAT_FINNES],
            "ready": counts[RowOutcome.KLAR],
            "needs_documents": counts[RowOutcome.MANGLER_DOKUMENTER],
            "errors": counts[RowOutcome.FEIL],
        }
        return Plan(rows=rows, summary=summary, payload=entries)

    def _parse(
        self, row: Row, columns: dict[str, str], batch: ImportBatch, lookup: _Lookup
    ) -> _Parsed:
        out = _Parsed(row)
        cells = row.cells

        def cell(key: str) -> Cell:
            column = columns.get(key)
            return cells.get(column) if column else None

        def fail(key: str, message: str) -> None:
            out.errors.append((columns.get(key, ""), message))

        try:
            out.fodselsnummer = fodselsnummer_value(cell("fodselsnummer"))
        except BadValue as bad:
            fail("fodselsnummer", bad.message)

        if "name" in columns:
            out.first_name, out.last_name = split_name(cell("name"))
        if "first_name" in columns:
            out.first_name = _text(cell("first_name")) or out.first_name
        if "last_name" in columns:
            out.last_name = _text(cell("last_name")) or out.last_name

        office_text = _text(cell("office"))
        if office_text:
            key = normalised(office_text)
            office = lookup.offices.get(key) or lookup.offices.get(key.removeprefix("nav "))
            if office is not None:
                out.office = office
            elif key in lookup.other_offices or key.removeprefix("nav ") in lookup.other_offices:
                fail(
                    "office",
                    _(
                        "Nav-kontoret «%(office)s» hører til et annet fylke. Personer fra "
                        "andre fylker importeres av det fylkets inntaksteam."
                    )
                    % {"office": office_text},
                )
            else:
                fail(
                    "office",
                    _(
                        "Fant ikke Nav-kontoret «%(office)s» i fylket. Skriv kontorets navn "
                        "slik det står i Inntak, eller enhetsnummeret (fire siffer)."
                    )
                    % {"office": office_text},
                )

        municipality_text = _text(cell("municipality"))
        if municipality_text:
            found = lookup.municipalities.get(
                municipality_text.zfill(4) if municipality_text.isdigit() else ""
            ) or lookup.municipalities.get(normalised(municipality_text))
            if found is None:
                fail(
                    "municipality",
                    _(
                        "Fant ikke kommunen «%(value)s» i fylket. Skriv kommunens navn eller "
                        "kommunenummeret (fire siffer)."
                    )
                    % {"value": municipality_text},
                )
            else:
                out.municipality_id = found.number

        if "programme_type" in columns:
            type_text = _text(cell("programme_type"))
            found_type = lookup.types.get(normalised(type_text)) if type_text else None
            if not type_text and batch.programme_type is not None:
                found_type = batch.programme_type
            if found_type is None:
                fail(
                    "programme_type",
                    _("Tiltakstypen «%(value)s» finnes ikke. Bruk en av kodene: %(codes)s.")
                    % {"value": type_text, "codes": _waitlist_codes(lookup)}
                    if type_text
                    else _("Tiltakstype mangler. Skriv tiltakstypen, for eksempel AFT eller VTA."),
                )
            elif not found_type.has_waitlist:
                fail(
                    "programme_type",
                    _("%(type)s har ikke fylkesvis venteliste i Inntak. Ta raden ut av filen.")
                    % {"type": found_type.name},
                )
            else:
                out.programme_type = found_type
        else:
            out.programme_type = batch.programme_type

        try:
            referred = date_value(cell("referred_on"), label=str(_("Dato henvist")))
        except BadValue as bad:
            fail("referred_on", bad.message)
        else:
            if referred > self.today:
                fail(
                    "referred_on",
                    _("Datoen %(date)s er fram i tid. Skriv datoen personen ble satt på listen.")
                    % {"date": referred.strftime("%d.%m.%Y")},
                )
            else:
                out.referred_on = referred

        wished = _text(cell("wished_provider"))
        if wished:
            provider = lookup.providers.get(wished) or lookup.providers.get(normalised(wished))
            out.wished_provider = provider.name if provider else wished
        out.notes = _text(cell("notes"))
        return out

    def _existing_persons(self, numbers: set[str]) -> dict[str, Person]:
        found: dict[str, Person] = {}
        ordered = sorted(numbers)
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            for person in Person.objects.filter(fodselsnummer__in=chunk).select_related("office"):
                found[person.fodselsnummer] = person
        return found

    def _load_documents(self, persons: set[Person]) -> None:
        assessments = Prefetch(
            "work_capacity_assessments",
            queryset=WorkCapacityAssessment.objects.order_by("-assessed_on"),
        )
        ordered = sorted(persons, key=lambda person: person.pk)
        for start in range(0, len(ordered), _CHUNK):
            prefetch_related_objects(
                ordered[start : start + _CHUNK], "cv", "activity_plan", assessments
            )

    def _open_referrals(self, person_ids: list[int]) -> dict[tuple[int, int], str]:
        found: dict[tuple[int, int], str] = {}
        for start in range(0, len(person_ids), _CHUNK):
            for person_id, type_id, status in Referral.objects.filter(
                person_id__in=person_ids[start : start + _CHUNK], status__in=OPEN_STATUSES
            ).values_list("person_id", "programme_type_id", "status"):
                found[(person_id, type_id)] = status
        return found

    def _decide(
        self,
        p: _Parsed,
        batch: ImportBatch,
        lookup: _Lookup,
        persons: dict[str, Person],
        open_types: dict[tuple[int, int], str],
        first_of: dict[tuple[str, int], tuple[int, _Entry | None]],
        entries: list[_Entry],
        viewer: Any,
    ) -> PlannedRow:
        person = persons.get(p.fodselsnummer) if p.fodselsnummer else None
        hidden = person is not None and not viewer.may_see_protected(person.protection_level)
        shown = {
            "fodselsnummer": "" if hidden else _masked_number(p.fodselsnummer),
            "name": str(MASKED) if hidden else f"{p.last_name}, {p.first_name}".strip(", "),
            "office": "" if hidden else (p.office.name if p.office else ""),
            "programme_type": p.programme_type.short_name if p.programme_type else "",
            "referred_on": p.referred_on.strftime("%d.%m.%Y") if p.referred_on else "",
        }
        errors = list(p.errors)
        if person is not None and person.office.county_id != batch.county_id:
            errors.append(
                (
                    batch.mapping.get("fodselsnummer", ""),
                    _(
                        "Personen er registrert ved et Nav-kontor i et annet fylke. Det fylkets "
                        "inntaksteam må importere henvisningen."
                    ),
                )
            )
        if person is None and not errors:
            if not (p.first_name and p.last_name):
                errors.append(
                    (
                        batch.mapping.get("name") or batch.mapping.get("last_name", ""),
                        _(
                            "Personen er ny i Inntak, og navnet mangler. Skriv navnet som "
                            "«Etternavn, Fornavn»."
                        ),
                    )
                )
            if p.office is None and "office" not in {column for column, _m in errors}:
                errors.append(
                    (
                        batch.mapping.get("office", ""),
                        _(
                            "Personen er ny i Inntak, og Nav-kontoret mangler. Skriv hvilket "
                            "kontor personen hører til."
                        ),
                    )
                )
        if errors:
            return PlannedRow(
                p.row.line,
                RowOutcome.FEIL,
                column=", ".join(dict.fromkeys(column for column, _m in errors if column)),
                message=" ".join(message for _c, message in errors),
                new_person=None,
                shown=shown,
            )
        assert p.programme_type is not None and p.referred_on is not None
        key = (p.fodselsnummer, p.programme_type.pk)
        if key in first_of:
            line, entry = first_of[key]
            if entry is not None:
                entry.listed_on = min(entry.listed_on, p.referred_on)
                entry.notes.extend(self._notes(p))
            return PlannedRow(
                p.row.line,
                RowOutcome.DUPLIKAT_RAD,
                message=_("Samme person og tiltakstype som rad %(line)s: slått sammen med den.")
                % {"line": line},
                new_person=person is None,
                person_id=person.pk if person else None,
                duplicate_of_line=line,
                shown=shown,
            )
        if person is not None and (person.pk, p.programme_type.pk) in open_types:
            status = ReferralStatus(open_types[(person.pk, p.programme_type.pk)]).label
            first_of[key] = (p.row.line, None)
            return PlannedRow(
                p.row.line,
                RowOutcome.DUPLIKAT_FINNES,
                message=_("Har allerede en åpen henvisning til %(type)s (%(status)s).")
                % {"type": p.programme_type.short_name, "status": status},
                new_person=False,
                person_id=person.pk,
                shown=shown,
            )
        missing = self._missing_documents(person, p.programme_type)
        entry = _Entry(
            line=p.row.line,
            fodselsnummer=p.fodselsnummer,
            programme_type_id=p.programme_type.pk,
            listed_on=p.referred_on,
            notes=self._notes(p),
            ready=not missing,
            person_id=person.pk if person else None,
            first_name=p.first_name,
            last_name=p.last_name,
        )
        note = ""
        if person is None:
            assert p.office is not None
            entry.office_id = p.office.pk
            municipality = p.municipality_id
            if not municipality:
                default = lookup.default_municipality(p.office)
                municipality = default.number if default else ""
                if default is not None:
                    note = _(
                        "Bostedskommune er ikke oppgitt: satt til %(municipality)s (kontorets "
                        "største kommune). Veilederen retter den ved behov."
                    ) % {"municipality": default.norwegian_name}
            entry.municipality_id = municipality
        entries.append(entry)
        first_of[key] = (p.row.line, entry)
        if missing:
            return PlannedRow(
                p.row.line,
                RowOutcome.MANGLER_DOKUMENTER,
                message=" ".join([*missing, note]).strip(),
                new_person=person is None,
                person_id=person.pk if person else None,
                shown=shown,
            )
        return PlannedRow(
            p.row.line,
            RowOutcome.KLAR,
            message=note,
            new_person=False,
            person_id=person.pk if person else None,
            shown=shown,
        )

    def _notes(self, p: _Parsed) -> list[str]:
        notes = []
        if p.wished_provider:
            notes.append(_("Ønsket arrangør: %(provider)s") % {"provider": p.wished_provider})
        if p.notes:
            notes.append(p.notes)
        return notes

    def _missing_documents(self, person: Person | None, programme_type: ProgrammeType) -> list[str]:
        if person is None:
            return [_("Ny i Inntak: veilederen registrerer CV, arbeidsevnevurdering og plan.")]
        result = gate_check(
            person=person, programme_type=programme_type, justification={}, today=self.today
        )
        return [f.message for f in result.failures if f.code not in _NOT_FROM_A_LIST]

    # -- applying ---------------------------------------------------------------------------

    def apply(
        self, batch: ImportBatch, plan: Plan, actor: User, progress: Progress
    ) -> dict[str, int]:
        entries: list[_Entry] = plan.payload
        now = timezone.now()
        new_people: dict[str, Person] = {}
        for entry in entries:
            if entry.person_id is None and entry.fodselsnummer not in new_people:
                assert entry.office_id is not None
                new_people[entry.fodselsnummer] = Person(
                    fodselsnummer=entry.fodselsnummer,
                    birth_date=fnr_module.get_birth_date(entry.fodselsnummer),
                    first_name=entry.first_name[:100],
                    last_name=entry.last_name[:100],
                    office_id=entry.office_id,
                    home_municipality_id=entry.municipality_id,
                    created_at=now,
                )
        created = Person.objects.bulk_create(list(new_people.values()), batch_size=_CHUNK)
        progress(len(entries) // 3)
        person_of = {p.fodselsnummer: p for p in created}
        existing_ids = [e.person_id for e in entries if e.person_id is not None]
        for start in range(0, len(existing_ids), _CHUNK):
            for person in Person.objects.filter(pk__in=existing_ids[start : start + _CHUNK]):
                person_of[person.fodselsnummer] = person

        rules = county_settings(batch.county_id)
        referrals: list[Referral] = []
        for entry in entries:
            person = person_of[entry.fodselsnummer]
            referral = Referral(
                person=person,
                programme_type_id=entry.programme_type_id,
                county_id=batch.county_id,
                office_id=person.office_id,
                created_by=actor,
                status=ReferralStatus.VENTELISTE if entry.ready else ReferralStatus.KLADD,
                imported_from=batch,
                listed_on=entry.listed_on,
                import_note="\n".join(entry.notes),
                created_at=now,
            )
            if entry.ready:
                referral.waitlisted_at = listed_since(entry.listed_on)
                apply_priority(referral, priority_for(person, rules, self.today))
            referrals.append(referral)
        Referral.objects.bulk_create(referrals, batch_size=_CHUNK)
        progress(2 * len(entries) // 3)

        comment = _("Importert fra fylkets liste (import %(id)s).") % {"id": batch.pk}
        events: list[ReferralEvent] = []
        for referral in referrals:
            events.append(
                ReferralEvent(
                    referral=referral,
                    kind=EventKind.IMPORTERT,
                    from_status="",
                    to_status=ReferralStatus.KLADD,
                    actor=actor,
                    actor_county_id=batch.county_id,
                    comment=comment,
                    at=now,
                )
            )
            if referral.status == ReferralStatus.VENTELISTE:
                events.append(
                    ReferralEvent(
                        referral=referral,
                        kind=EventKind.GODKJENT,
                        from_status=ReferralStatus.KLADD,
                        to_status=ReferralStatus.VENTELISTE,
                        actor=actor,
                        actor_county_id=batch.county_id,
                        comment=comment,
                        at=now,
                    )
                )
        ReferralEvent.objects.bulk_create(events, batch_size=_CHUNK)
        # People who were in Inntak before may have portfolio flags that a referral settles.
        for person_id in {e.person_id for e in entries if e.person_id is not None}:
            person_changed.send(sender=Referral, person_id=person_id)
        return {
            "persons_created": len(created),
            "referrals_created": len(referrals),
            "waitlisted": sum(1 for r in referrals if r.status == ReferralStatus.VENTELISTE),
            "drafts": sum(1 for r in referrals if r.status == ReferralStatus.KLADD),
        }

    def persons_by_line(self, plan: Plan) -> dict[int, str]:
        """line -> fødselsnummer of the rows that became referrals, to link the batch's rows
        to the persons afterwards (kept in memory only)."""
        return {entry.line: entry.fodselsnummer for entry in plan.payload}


def _waitlist_codes(lookup: _Lookup) -> str:
    codes = sorted({t.short_name for t in lookup.types.values() if t.has_waitlist})
    return ", ".join(codes)
