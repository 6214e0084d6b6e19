"""The imports as management commands (issue 8): `import_waitlist` and `import_capacity` run
the whole lifecycle in-process as an intake team member, print the dry run's summary and the
rows with errors, and write only with --apply. Their output never holds a fødselsnummer."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from stdnum.no import fodselsnummer

from imports.models import BatchStatus, ImportBatch, SavedMapping
from intake.models import Person, Referral, ReferralEvent, ReferralStatus
from providers.models import CapacityReport, ReportChannel
from tests.factories import OfferingFactory, make_fodselsnummer
from tests.intake.review_world import ready_person

pytestmark = pytest.mark.django_db

HEADER = "Fødselsnummer;Navn;NAV-kontor;Tiltak;Henvist dato;Merknad"


def write_csv(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "liste.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("cp1252"))
    return path


def run(command: str, path: Path, *args: str, user: str = "intake_x") -> str:
    out = io.StringIO()
    call_command(command, str(path), "--county", "50", "--user", user, *args, stdout=out)
    text = out.getvalue()
    assert_no_fodselsnummer(text)
    return text


def assert_no_fodselsnummer(text: str) -> None:
    for match in re.finditer(r"(?<!\d)(\d{6}) ?(\d{5})(?!\d)", text):
        assert not fodselsnummer.is_valid(match.group(1) + match.group(2)), "fnr in output"


def counts() -> tuple[int, int, int]:
    return Person.objects.count(), Referral.objects.count(), ReferralEvent.objects.count()


@pytest.fixture
def waitlist(tmp_path, personas) -> tuple[Path, dict[str, str]]:
    """Two new people (one on two rows), one who is ready, and a row with a bad number."""
    ready = ready_person(office=personas.office_a)
    new_a = make_fodselsnummer(datetime.date(1990, 5, 17))
    new_b = make_fodselsnummer(datetime.date(1985, 1, 3))
    path = write_csv(
        tmp_path,
        f"{new_a};Ås, Kåre;Nav Midtbyen;AFT;12.03.2026;Ringt inn",  # 2
        f"{new_b};Øvrebø, Siv;Nav Falkenborg;AFT;2026-01-05;",  # 3
        f"{new_a};Ås, Kåre;Midtbyen;AFT;01.02.2026;",  # 4: merged into 2
        f"{ready.fodselsnummer};X, Y;5083;AFT;45292;",  # 5: ready (Excel serial)
        "12345678901;Feil, Nummer;Nav Midtbyen;AFT;01.01.2026;",  # 6: bad check digits
    )
    return path, {"new_a": new_a, "new_b": new_b, "ready": ready.fodselsnummer}


def test_a_dry_run_prints_the_summary_and_the_errors_and_writes_nothing(waitlist):
    path, _numbers = waitlist
    before = counts()
    out = run("import_waitlist", path)
    assert re.search(r"Rader\s+5\n", out)
    assert re.search(r"Nye personer i Inntak\s+2\n", out)
    assert re.search(r"Duplikater slått sammen\s+1\n", out)
    assert re.search(r"Klare for ventelisten\s+1\n", out)
    assert re.search(r"Feil\s+1\n", out)
    assert "rad 6, kolonne Fødselsnummer: Fødselsnummeret har feil kontrollsiffer" in out
    assert "--apply" in out
    assert counts() == before
    assert ImportBatch.objects.get().status == BatchStatus.KONTROLLERT


def test_apply_writes_and_the_same_file_again_changes_nothing(waitlist, personas):
    path, numbers = waitlist
    before = counts()
    out = run("import_waitlist", path, "--apply", "--accept-errors")
    assert re.search(r"Nye personer opprettet\s+2\n", out)
    assert re.search(r"Henvisninger opprettet\s+3\n", out)
    assert re.search(r"Satt på ventelisten\s+1\n", out)
    assert counts()[:2] == (before[0] + 2, before[1] + 3)
    kare = Person.objects.get(fodselsnummer=numbers["new_a"])
    assert Referral.objects.get(person=kare).status == ReferralStatus.KLADD
    assert Referral.objects.filter(
        person__fodselsnummer=numbers["ready"], status=ReferralStatus.VENTELISTE
    ).exists()

    after = counts()
    again = run("import_waitlist", path, "--apply", "--accept-errors")
    assert re.search(r"Har allerede en åpen henvisning\s+3\n", again)
    assert re.search(r"Henvisninger opprettet\s+0\n", again)
    assert counts() == after


def test_rows_with_errors_are_not_applied_without_accept_errors(waitlist):
    path, _numbers = waitlist
    before = counts()
    with pytest.raises(CommandError) as refused:
        run("import_waitlist", path, "--apply")
    assert "1 rader har feil" in str(refused.value)
    assert "--accept-errors" in str(refused.value)
    assert counts() == before


def test_the_number_of_error_rows_shown_is_limited(tmp_path, personas):
    bad = [f"1234567890{i};Feil, Nummer;Nav Midtbyen;AFT;01.01.2026;" for i in range(5)]
    out = run("import_waitlist", write_csv(tmp_path, *bad), "--errors", "2")
    assert out.count("kontrollsiffer") == 2
    assert "og 3 rader til med feil" in out


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_sentence(tmp_path, personas):
    path = tmp_path / "bilde.csv"
    path.write_bytes(b"\x00\x01\x02\x03 not a sheet")
    with pytest.raises(CommandError, match="ser ikke ut som et regneark"):
        run("import_waitlist", path)
    missing = tmp_path / "finnes-ikke.csv"
    with pytest.raises(CommandError, match="Kan ikke lese"):
        run("import_waitlist", missing)


def test_only_the_countys_intake_team_may_import(waitlist, personas):
    path, _numbers = waitlist
    for user in ("intake_y", "caseworker_a", "nobody-at-all"):
        with pytest.raises(CommandError):
            run("import_waitlist", path, "--apply", "--accept-errors", user=user)
    assert not ImportBatch.objects.exists()
    assert not Referral.objects.filter(imported_from__isnull=False).exists()


def test_a_column_given_on_the_command_line_overrides_the_guess(tmp_path, personas):
    number = make_fodselsnummer(datetime.date(1979, 9, 9))
    header = "Fødselsnummer;Navn;Kontor for brukeren;Tiltak;Henvist dato;Kommune"
    path = write_csv(tmp_path, f"{number};Li, Ola;Nav Midtbyen;VTA;01.01.2026;", header=header)
    # "Kontor for brukeren" is not a header the guess knows: the office is missing.
    with pytest.raises(CommandError, match=r"office \(--column office=KOLONNE\).*Nav-kontor"):
        run("import_waitlist", path)
    out = run(
        "import_waitlist",
        path,
        "--column",
        "office=Kontor for brukeren",
        "--save-mapping",
        "Fylkets liste",
        "--apply",
    )
    assert re.search(r"Nye personer opprettet\s+1\n", out)
    saved = SavedMapping.objects.get(name="Fylkets liste")
    assert saved.mapping["office"] == "Kontor for brukeren"
    # The saved mapping is used by name the next time (and finds the person this time).
    out = run("import_waitlist", path, "--mapping", "Fylkets liste")
    assert re.search(r"Har allerede en åpen henvisning\s+1\n", out)
    with pytest.raises(CommandError, match="Fylkets liste"):
        run("import_waitlist", path, "--mapping", "Ukjent oppsett")
    with pytest.raises(CommandError, match="felt=Kolonne"):
        run("import_waitlist", path, "--column", "kontor=Kontor for brukeren")


def test_a_sheet_without_a_type_column_takes_the_programme_type_given(tmp_path, personas):
    number = make_fodselsnummer(datetime.date(1981, 4, 4))
    path = write_csv(
        tmp_path,
        f"{number};Berg, Tone;Nav Falkenborg;11.11.2025",
        header="Fødselsnummer;Navn;NAV-kontor;Henvist dato",
    )
    with pytest.raises(CommandError, match="tiltakstype"):
        run("import_waitlist", path)
    out = run("import_waitlist", path, "--programme-type", "vta", "--apply")
    assert re.search(r"Henvisninger opprettet\s+1\n", out)
    referral = Referral.objects.get(person__fodselsnummer=number)
    assert referral.programme_type.short_name == "VTA"
    with pytest.raises(CommandError, match="--programme-type"):
        run("import_waitlist", path, "--programme-type", "NOPE")


def test_a_capacity_sheet_is_imported_by_the_command(tmp_path, personas):
    offering = OfferingFactory.create(
        provider=personas.provider_p, name="AFT Midtbyen", contracted_places=10
    )
    free_from = datetime.date.today() + datetime.timedelta(days=7)
    path = write_csv(
        tmp_path,
        f"AFT Midtbyen;3;{free_from:%d.%m.%Y};Ring først",
        "AFT Ukjent;1;01.01.2030;",
        header="Tiltak;Ledige;Fra dato;Kommentar",
        name="kapasitet.csv",
    )
    out = run("import_capacity", path)
    assert re.search(r"Nye meldinger\s+1\n", out)
    assert re.search(r"Feil\s+1\n", out)
    assert "rad 3, kolonne Tiltak: Fant ingen gjennomføring «AFT Ukjent»" in out
    assert not CapacityReport.objects.filter(offering=offering).exists()

    out = run("import_capacity", path, "--apply", "--accept-errors")
    assert re.search(r"Kapasitetsmeldinger\s+1\n", out)
    report = CapacityReport.objects.get(offering=offering)
    assert report.channel == ReportChannel.IMPORT and report.free_places == 3
    out = run("import_capacity", path, "--apply", "--accept-errors")
    assert re.search(r"Uendret\s+1\n", out)
    assert CapacityReport.objects.filter(offering=offering).count() == 1


def test_the_import_benchmark_runs_small_and_leaves_the_database_as_it_was(
    tmp_path, personas, monkeypatch
):
    ready_person(office=personas.office_a)
    monkeypatch.setenv("BENCH_IMPORT_ROWS", "300")
    monkeypatch.setenv("BENCH_IMPORT_FORMATS", "csv,xlsx")
    before = counts(), ImportBatch.objects.count()
    out = io.StringIO()
    call_command("bench", "import", "--json", str(tmp_path / "bench.json"), stdout=out)
    text = out.getvalue()
    assert_no_fodselsnummer(text)
    assert "database_unchanged_afterwards: True" in text
    assert re.search(r"csv: second import changes nothing\s+yes\s+yes\s+yes", text)
    assert re.search(r"xlsx: second import changes nothing\s+yes\s+yes\s+yes", text)
    assert (counts(), ImportBatch.objects.count()) == before
    assert '"benchmark": "import"' in (tmp_path / "bench.json").read_text()
