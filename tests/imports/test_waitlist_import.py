"""The waitlist import end to end at the service level (issue 8): dry run verdicts and exact
counts, apply all or nothing, a second import changes nothing, stale plans are refused."""

from __future__ import annotations

import datetime
from pathlib import Path
from unittest import mock

import pytest
from django.test import TestCase
from django.utils import timezone

from config.errors import ApplicationError
from imports.models import BatchStatus, ImportBatch, ImportRow, RowOutcome, SavedMapping
from imports.services import batch_apply_request, batch_configure, batch_upload
from intake.models import Person, Referral, ReferralEvent, ReferralStatus
from intake.services.referrals import referral_approve, referral_submit
from org.models import Office
from providers.models import ProgrammeType
from tests.factories import ReferralFactory, make_fodselsnummer
from tests.intake.review_world import ready_person

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADER = "Fødselsnummer;Navn;NAV-kontor;Tiltak;Henvist dato;Ønsket arrangør;Merknad"


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("cp1252")


def upload(actor, content: bytes, filename: str = "venteliste.csv") -> ImportBatch:
    return batch_upload(
        actor=actor, county_number="50", kind="VENTELISTE", filename=filename, content=content
    )


def check(actor, batch: ImportBatch, **kwargs) -> ImportBatch:
    # The dry run is a task queued on commit: run it as the commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch_configure(
            actor=actor,
            batch_id=batch.pk,
            expected_version=batch.version,
            mapping=kwargs.pop("mapping", batch.mapping),
            **kwargs,
        )
    batch.refresh_from_db()
    return batch


def apply(actor, batch: ImportBatch, accept_errors: bool = False) -> ImportBatch:
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch_apply_request(
            actor=actor,
            batch_id=batch.pk,
            expected_version=batch.version,
            accept_errors=accept_errors,
        )
    batch.refresh_from_db()
    return batch


def outcomes(batch: ImportBatch) -> dict[int, str]:
    return dict(batch.rows.values_list("line", "outcome"))


def counts() -> tuple[int, int, int]:
    return Person.objects.count(), Referral.objects.count(), ReferralEvent.objects.count()


@pytest.fixture
def messy(personas):
    """A county's list with one of each kind of row."""
    aft = ProgrammeType.objects.get(short_name="AFT")
    ready = ready_person(office=personas.office_a)
    waiting = ready_person(office=personas.office_b)
    ReferralFactory.create(
        person=waiting,
        programme_type=aft,
        status=ReferralStatus.VENTELISTE,
        waitlisted_at=timezone.now(),
        queue_since=timezone.now(),
    )
    bare = ready_person(office=personas.office_a)
    bare.cv.delete()
    new_a = make_fodselsnummer(datetime.date(1990, 5, 17))
    new_b = make_fodselsnummer(datetime.date(1985, 1, 3))
    content = csv_file(
        f"{new_a[:6]} {new_a[6:]};Ås, Kåre;Nav Midtbyen;AFT;12.03.2026;Prima;Ringt inn",  # 2
        f"{new_b.lstrip('0')};Øvrebø, Siv;Nav Falkenborg;AFT;2026-01-05;;",  # 3
        ";;;;;;",  # empty: left out
        f"{new_a};Ås, Kåre;Midtbyen;AFT;01.02.2026;;Står også på Primas liste",  # 5: dup of 2
        f"{ready.fodselsnummer};X, Y;Nav Midtbyen;AFT;45292;;",  # 6: ready (Excel serial)
        f"{waiting.fodselsnummer};Z, W;Nav Falkenborg;AFT;01.01.2026;;",  # 7: exists
        f"{bare.fodselsnummer};Q, R;Nav Midtbyen;AFT;01.01.2026;;",  # 8: documents missing
        "12345678901;Feil, Nummer;Nav Midtbyen;AFT;01.01.2026;;",  # 9: bad fnr
        f"{make_fodselsnummer(datetime.date(1970, 1, 1))};Ny, Person;Nav Ukjent;AFT;31.12.2099;;",
    )
    batch = upload(personas.intake_x, content)
    batch = check(personas.intake_x, batch)
    return batch, {"ready": ready, "waiting": waiting, "bare": bare, "new_a": new_a}


def test_the_dry_run_says_what_each_row_would_do_and_counts_exactly(messy):
    batch, _people = messy
    assert batch.status == BatchStatus.KONTROLLERT
    assert outcomes(batch) == {
        2: RowOutcome.MANGLER_DOKUMENTER,
        3: RowOutcome.MANGLER_DOKUMENTER,
        5: RowOutcome.DUPLIKAT_RAD,
        6: RowOutcome.KLAR,
        7: RowOutcome.DUPLIKAT_FINNES,
        8: RowOutcome.MANGLER_DOKUMENTER,
        9: RowOutcome.FEIL,
        10: RowOutcome.FEIL,
    }
    assert batch.summary == {
        "rows": 8,
        "people": 5,
        "new_people": 2,
        "existing_people": 3,
        "duplicates_merged": 1,
        "already_in_inntak": 1,
        "ready": 1,
        "needs_documents": 3,
        "errors": 2,
    }
    rows = {row.line: row for row in batch.rows.all()}
    assert rows[5].duplicate_of_line == 2
    assert rows[2].new_person is True and rows[6].new_person is False
    assert rows[9].column == "Fødselsnummer"
    # Row 10: two things wrong, each named with its column and how to fix it.
    assert rows[10].column == "NAV-kontor, Henvist dato"
    assert "Nav Ukjent" in rows[10].message and "fram i tid" in rows[10].message
    assert "CV" in rows[8].message
    # The preview never holds a whole fødselsnummer.
    assert all(
        len(row.shown["fodselsnummer"].replace(" ", "").strip("*")) <= 6 for row in rows.values()
    )
    assert counts() == (
        Person.objects.count(),
        Referral.objects.count(),
        ReferralEvent.objects.count(),
    )


def test_apply_writes_drafts_and_waitlist_entries_and_a_second_import_changes_nothing(
    messy, personas
):
    batch, people = messy
    before = counts()
    batch = apply(personas.intake_x, batch, accept_errors=True)
    assert batch.status == BatchStatus.IMPORTERT, batch.failure
    assert batch.applied_by == personas.intake_x and batch.applied_at is not None
    assert batch.result == {
        "persons_created": 2,
        "referrals_created": 4,
        "waitlisted": 1,
        "drafts": 3,
    }
    assert counts()[0] == before[0] + 2 and counts()[1] == before[1] + 4

    # The person with documents is on the waitlist, waiting since the list's date.
    on_list = Referral.objects.get(person=people["ready"], status=ReferralStatus.VENTELISTE)
    assert timezone.localtime(on_list.waitlisted_at).date() == datetime.date(2024, 1, 1)
    assert on_list.imported_from == batch
    # The new person's two rows became one draft: the earliest date, both notes.
    kare = Person.objects.get(fodselsnummer=people["new_a"])
    draft = Referral.objects.get(person=kare)
    assert draft.status == ReferralStatus.KLADD
    assert draft.listed_on == datetime.date(2026, 2, 1)
    assert "Ønsket arrangør: Prima" in draft.import_note
    assert "Står også på Primas liste" in draft.import_note
    assert (kare.first_name, kare.last_name, kare.birth_date) == (
        "Kåre",
        "Ås",
        datetime.date(1990, 5, 17),
    )
    assert kare.office == personas.office_a and kare.home_municipality_id
    # Rows point at the persons they made, for the access log.
    assert ImportRow.objects.filter(batch=batch, line__in=[2, 5], person=kare).count() == 2

    # The same file again: every row is already there.
    after = counts()
    again = check(personas.intake_x, upload(personas.intake_x, bytes(batch.content)))
    again = apply(personas.intake_x, again, accept_errors=True)
    assert again.summary["ready"] == again.summary["needs_documents"] == 0
    assert again.summary["already_in_inntak"] == 5
    assert again.result == {
        "persons_created": 0,
        "referrals_created": 0,
        "waitlisted": 0,
        "drafts": 0,
    }
    assert counts() == after


def test_rows_with_errors_are_not_applied_unless_the_team_says_so(messy, personas):
    batch, _people = messy
    with pytest.raises(ApplicationError) as refused:
        apply(personas.intake_x, batch)
    assert refused.value.code == "HAS_ERRORS"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.KONTROLLERT


def test_a_failure_while_applying_leaves_the_database_as_it_was(messy, personas):
    batch, _people = messy
    before = counts()
    with mock.patch.object(ReferralEvent.objects, "bulk_create", side_effect=RuntimeError("boom")):
        batch = apply(personas.intake_x, batch, accept_errors=True)
    assert batch.status == BatchStatus.FEILET
    assert "Ingenting ble lagret" in batch.failure
    assert counts() == before
    assert not Referral.objects.filter(imported_from=batch).exists()


def test_a_change_in_inntak_after_the_dry_run_stops_the_apply(messy, personas):
    batch, people = messy
    people["bare"].cv.__class__.objects.create(
        person=people["bare"], last_updated=timezone.localdate()
    )
    before = counts()
    batch = apply(personas.intake_x, batch, accept_errors=True)
    assert batch.status == BatchStatus.FEILET
    assert "Kontroller filen på nytt" in batch.failure
    assert counts() == before
    # A new dry run sees the change and can be applied.
    batch = check(personas.intake_x, batch)
    assert batch.summary["ready"] == 2


def test_a_double_click_on_apply_applies_once(messy, personas):
    batch, _people = messy
    version = batch.version
    with TestCase.captureOnCommitCallbacks(execute=True):
        for _click in range(2):
            batch_apply_request(
                actor=personas.intake_x,
                batch_id=batch.pk,
                expected_version=version,
                accept_errors=True,
            )
    assert Referral.objects.filter(imported_from=batch).count() == 4


def test_another_countys_team_cannot_see_or_apply_the_batch(messy, personas):
    batch, _people = messy
    for actor in (personas.intake_y, personas.caseworker_a, personas.provider_user_p):
        with pytest.raises(ApplicationError) as refused:
            apply(actor, batch, accept_errors=True)
        assert refused.value.code == "NOT_FOUND"
    with pytest.raises(ApplicationError):
        upload(personas.intake_y, csv_file())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("not_a_spreadsheet.pdf", "ikke ut som et regneark"),
        ("old_excel.xls", "xlsx"),
        ("broken.xlsx", "kan ikke åpnes"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_and_nothing_is_kept(personas, name, expected):
    with pytest.raises(ApplicationError) as refused:
        upload(personas.intake_x, (FIXTURES / name).read_bytes(), filename=name)
    assert expected.lower() in refused.value.message.lower()
    assert not ImportBatch.objects.exists()


def test_a_100_mb_file_is_refused_before_it_is_read(personas):
    with (
        mock.patch("imports.services.read_table") as reader,
        pytest.raises(ApplicationError) as refused,
    ):
        upload(personas.intake_x, b"a;b\r\n" * (100 * 1024 * 1024 // 5))
    assert refused.value.code == "TOO_LARGE"
    assert "for stor" in refused.value.message
    reader.assert_not_called()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "waitlist_windows1252_semicolon.csv",
        "waitlist_utf8_bom_comma.csv",
        "waitlist_utf8_semicolon.csv",
        "waitlist_messy.xlsx",
    ],
)
def test_each_fixture_file_gives_the_same_verdicts(personas, name):
    batch = check(
        personas.intake_x, upload(personas.intake_x, (FIXTURES / name).read_bytes(), name)
    )
    assert batch.status == BatchStatus.KONTROLLERT, batch.failure
    verdicts = sorted(batch.rows.values_list("outcome", flat=True))
    people = 2 if name.endswith(".xlsx") else 3
    assert verdicts == [RowOutcome.MANGLER_DOKUMENTER] * people, list(
        batch.rows.values_list("column", "message")
    )
    assert batch.summary["people"] == people and batch.summary["errors"] == 0
    if name.endswith(".xlsx"):
        # "Navn" merged over first and last name: both kept, in the right order.
        assert batch.mapping["first_name"] == "Navn"
        assert batch.rows.get(line=4).shown["name"] == "Ås, Kåre"


def test_a_saved_mapping_is_used_for_the_next_file_with_those_columns(personas):
    header = "Personnr;Hvem;Hvor;Når"
    number = make_fodselsnummer(datetime.date(1980, 2, 2))
    content = csv_file(f"{number};Berg, Ola;5083;01.01.2026", header=header)
    aft = ProgrammeType.objects.get(short_name="AFT")
    batch = upload(personas.intake_x, content)
    assert batch.mapping == {}
    mapping = {
        "fodselsnummer": "Personnr",
        "name": "Hvem",
        "office": "Hvor",
        "referred_on": "Når",
    }
    with pytest.raises(ApplicationError) as refused:
        check(personas.intake_x, batch, mapping=mapping)
    assert "programme_type" in refused.value.fields
    batch = check(
        personas.intake_x,
        batch,
        mapping=mapping,
        programme_type_id=aft.pk,
        save_as="Gammel liste fra Midtbyen",
    )
    assert batch.summary["needs_documents"] == 1
    assert SavedMapping.objects.get().name == "Gammel liste fra Midtbyen"
    second = upload(personas.intake_x, content)
    assert second.mapping == mapping and second.programme_type == aft


def test_a_mapping_naming_a_column_twice_or_a_missing_column_is_explained(personas):
    row = f"{make_fodselsnummer(datetime.date(1980, 2, 2))};Berg, Ola;Nav Midtbyen;AFT;01.01.2026;;"
    batch = upload(personas.intake_x, csv_file(row))
    with pytest.raises(ApplicationError) as refused:
        check(
            personas.intake_x,
            batch,
            mapping={**batch.mapping, "notes": "Navn", "office": "Finnes ikke"},
        )
    assert set(refused.value.fields) == {"notes", "office"}


def test_an_approved_imported_draft_keeps_its_wait_from_the_list(messy, personas):
    batch, people = messy
    apply(personas.intake_x, batch, accept_errors=True)
    bare = people["bare"]
    bare.cv.__class__.objects.create(person=bare, last_updated=timezone.localdate())
    draft = Referral.objects.get(person=bare, imported_from=batch)
    draft.justification_need = draft.justification_goal = "x" * 60
    draft.justification_why_programme = draft.justification_why_not_ordinary = "y" * 60
    draft.save()
    submitted = referral_submit(
        actor=personas.caseworker_a, referral_id=draft.pk, expected_version=draft.version
    )
    approved = referral_approve(
        actor=personas.intake_x, referral_id=draft.pk, expected_version=submitted.version
    )
    assert timezone.localtime(approved.waitlisted_at).date() == datetime.date(2026, 1, 1)


def test_other_offices_and_counties_are_errors_with_a_sentence(personas):
    oslo = ready_person(office=Office.objects.get(number="0382"))
    content = csv_file(
        f"{make_fodselsnummer(datetime.date(1980, 2, 2))};Berg, Ola;Nav Frogner;AFT;01.01.2026;;",
        f"{oslo.fodselsnummer};Berg, Kari;Nav Midtbyen;AFT;01.01.2026;;",
        f"{make_fodselsnummer(datetime.date(1980, 2, 3))};Berg, Per;Nav Midtbyen;Kurs;01.01.2026;;",
    )
    batch = check(personas.intake_x, upload(personas.intake_x, content))
    rows = {row.line: row for row in batch.rows.all()}
    assert "annet fylke" in rows[2].message and rows[2].column == "NAV-kontor"
    assert "annet fylke" in rows[3].message and rows[3].column == "Fødselsnummer"
    assert "Tiltakstypen «Kurs» finnes ikke" in rows[4].message and "AFT" in rows[4].message


def test_rows_are_linked_to_new_persons_without_postgresql_too(messy, personas):
    """The demo runs on SQLite: the portable path links the rows as PostgreSQL's does."""
    from django.db import connection

    batch, people = messy
    with mock.patch.object(connection, "vendor", "sqlite"):
        batch = apply(personas.intake_x, batch, accept_errors=True)
    kare = Person.objects.get(fodselsnummer=people["new_a"])
    assert ImportRow.objects.filter(batch=batch, line__in=[2, 5], person=kare).count() == 2
