"""Capacity import (issue 8): a capacity sheet's rows become capacity reports of the channel
IMPORT, checked by the capacity page's own code, with a sentence and a column per bad row."""

import csv
import datetime
import hashlib
import io

import pytest
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from config.errors import ApplicationError
from imports.capacity import CAPACITY_FIELDS, SUMMARY_LABELS, CapacityPlanner
from imports.mapping import guess_mapping
from imports.models import ImportBatch, ImportKind, RowOutcome
from imports.reading import Table, read_table
from intake.exports import capacity_headers
from providers.models import CapacityReport, Offering, ReportChannel
from providers.services import capacity_report
from tests.factories import OfferingFactory
from tests.providers.support import placed

pytestmark = pytest.mark.django_db

# The capacity export's own header row: what goes out must come back in.
EXPORT_HEADER = capacity_headers()
PROVIDER_HEADER = ["Tiltak", "Ledige", "Fra dato", "Kommentar"]


def today() -> datetime.date:
    return timezone.localdate()


def csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def batch_for(data: bytes, personas, county=None) -> tuple[ImportBatch, Table]:
    table = read_table(data)
    batch = ImportBatch.objects.create(
        kind=ImportKind.KAPASITET,
        county=county or personas.county_x,
        filename="kapasitet.csv",
        content=data,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=personas.intake_x,
        columns=table.columns,
        mapping=guess_mapping(table.columns, CAPACITY_FIELDS),
    )
    return batch, table


def plan_of(data: bytes, personas, county=None):
    batch, table = batch_for(data, personas, county)
    seen: list[int] = []
    plan = CapacityPlanner().plan(batch, table, seen.append)
    assert seen and seen[-1] == len(table.rows)
    return batch, plan


def apply(batch, plan, actor):
    with transaction.atomic():
        return CapacityPlanner().apply(batch, plan, actor, lambda n: None)


def only_row(plan):
    assert len(plan.rows) == 1
    return plan.rows[0]


@pytest.fixture
def offerings(personas):
    """Two offerings in Trondheim (county X) and one in Oslo (county Y)."""
    a = OfferingFactory.create(
        provider=personas.provider_p, name="AFT Midtbyen", contracted_places=10
    )
    b = OfferingFactory.create(provider=personas.provider_q, name="AFT Lade", contracted_places=6)
    oslo = OfferingFactory.create(
        provider=personas.provider_p, name="AFT Frogner", municipality_id="0301"
    )
    return a, b, oslo


def test_the_exports_header_row_is_recognised():
    assert guess_mapping(EXPORT_HEADER, CAPACITY_FIELDS) == {
        "offering_id": "Gjennomføring-id",
        "offering": "Gjennomføring",
        "free_places": "Ledige plasser",
        "free_from": "Ledig fra",
    }


def test_a_providers_own_headers_are_recognised():
    assert guess_mapping(PROVIDER_HEADER, CAPACITY_FIELDS) == {
        "offering": "Tiltak",
        "free_places": "Ledige",
        "free_from": "Fra dato",
        "note": "Kommentar",
    }


def test_the_summary_has_a_label_for_every_key(personas, offerings):
    a, _b, _oslo = offerings
    _batch, plan = plan_of(csv_bytes(PROVIDER_HEADER, [[a.name, 1, "", ""]]), personas)
    assert set(plan.summary) == set(SUMMARY_LABELS)
    assert str(SUMMARY_LABELS["new_reports"]) == "Nye meldinger"


def test_the_exported_sheet_is_imported_as_capacity_reports_by_the_intake_team(personas, offerings):
    a, b, _oslo = offerings
    day = today()
    rows = [
        [a.pk, a.name, "Prima", "AFT", "Trondheim", 10, 3, day, 0, 0, "Ja"],
        [b.pk, b.name, "Kvarts", "AFT", "Trondheim", 6, 2, day + datetime.timedelta(days=7)],
    ]
    batch, plan = plan_of(xlsx_bytes(EXPORT_HEADER, rows), personas)

    assert [r.outcome for r in plan.rows] == [RowOutcome.NY_MELDING] * 2
    assert plan.summary == {"rows": 2, "new_reports": 2, "unchanged": 0, "errors": 0}
    assert plan.rows[0].shown == {
        "offering": "AFT Midtbyen",
        "provider": "Prima Arbeidssenter AS",
        "free_places": "3",
        "free_from": day.strftime("%d.%m.%Y"),
    }
    assert CapacityReport.objects.count() == 0  # the dry run writes nothing

    assert apply(batch, plan, personas.intake_x) == {"reports": 2}

    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.free_places, a.free_from) == (3, day)
    assert (b.free_places, b.free_from) == (2, day + datetime.timedelta(days=7))
    reports = CapacityReport.objects.order_by("offering__name")
    assert [(r.offering.name, r.channel, r.reported_by) for r in reports] == [
        ("AFT Lade", ReportChannel.IMPORT, personas.intake_x),
        ("AFT Midtbyen", ReportChannel.IMPORT, personas.intake_x),
    ]
    assert {r.idempotency_key for r in reports} == {f"import-{batch.pk}-2", f"import-{batch.pk}-3"}

    # The same file again: nothing to do, nothing written.
    again_batch, again = plan_of(xlsx_bytes(EXPORT_HEADER, rows), personas)
    assert [r.outcome for r in again.rows] == [RowOutcome.UENDRET] * 2
    assert again.summary == {"rows": 2, "new_reports": 0, "unchanged": 2, "errors": 0}
    assert apply(again_batch, again, personas.intake_x) == {"reports": 0}
    assert CapacityReport.objects.count() == 2


def test_a_providers_sheet_by_name_with_text_dates_and_notes(personas, offerings):
    a, _b, _oslo = offerings
    a.free_places, a.free_from = 1, today()
    a.save()
    day = today() + datetime.timedelta(days=3)
    data = csv_bytes(
        PROVIDER_HEADER, [["  aft   MIDTBYEN ", " 4 ", day.strftime("%d.%m.%Y"), "Ny gruppe"]]
    )
    batch, plan = plan_of(data, personas)

    assert only_row(plan).outcome == RowOutcome.NY_MELDING
    apply(batch, plan, personas.intake_x)

    report = CapacityReport.objects.get(offering=a)
    assert (report.free_places, report.free_from, report.note) == (4, day, "Ny gruppe")


@pytest.mark.parametrize("cell", ["3", "3.0", " 3 ", "3,0"])
def test_whole_numbers_written_several_ways(personas, offerings, cell):
    a, _b, _oslo = offerings
    _batch, plan = plan_of(
        csv_bytes(PROVIDER_HEADER, [[a.name, cell, today().isoformat(), ""]]), personas
    )
    row = only_row(plan)
    assert (row.outcome, row.shown["free_places"]) == (RowOutcome.NY_MELDING, "3")


def test_an_excel_serial_date(personas, offerings):
    a, _b, _oslo = offerings
    serial = (today() - datetime.date(1899, 12, 30)).days
    _batch, plan = plan_of(csv_bytes(PROVIDER_HEADER, [[a.name, 2, str(serial), ""]]), personas)
    row = only_row(plan)
    assert (row.outcome, row.shown["free_from"]) == (
        RowOutcome.NY_MELDING,
        today().strftime("%d.%m.%Y"),
    )


def _error(personas, rows, header=PROVIDER_HEADER):
    _batch, plan = plan_of(csv_bytes(header, rows), personas)
    row = plan.rows[-1]
    assert row.outcome == RowOutcome.FEIL
    assert plan.summary["errors"] >= 1
    return row


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("tre", "Ledige plasser «tre» er ikke et helt tall."),
        ("2,5", "Ledige plasser «2,5» er ikke et helt tall."),
        ("", "Ledige plasser mangler."),
        ("-1", "Antall ledige plasser kan ikke være negativt."),
    ],
)
def test_bad_numbers_of_free_places(personas, offerings, cell, message):
    a, _b, _oslo = offerings
    row = _error(personas, [[a.name, cell, today().isoformat(), ""]])
    assert row.column == "Ledige"
    assert row.message.startswith(message)


def test_more_free_places_than_the_contract_allows_gives_the_pages_sentence(personas, offerings):
    _a, b, _oslo = offerings
    b.free_places = 1
    b.save()
    placed(b, personas.intake_x)  # one given, not started: 5 can be free at most

    row = _error(personas, [[b.name, 6, today().isoformat(), ""]])

    assert row.column == "Ledige"
    assert row.message == (
        "Dere kan melde høyst 5 ledige plasser: 6 avtalte plasser, minus 0 deltakere og 1 "
        "som har fått plass og ikke startet ennå."
    )


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-15, "«Ledig fra» kan ikke være mer enn 14 dager tilbake i tid."),
        (400, "«Ledig fra» kan ikke være mer enn ett år fram i tid."),
    ],
)
def test_free_from_too_early_or_too_late(personas, offerings, days, message):
    a, _b, _oslo = offerings
    day = today() + datetime.timedelta(days=days)
    row = _error(personas, [[a.name, 1, day.strftime("%d.%m.%Y"), ""]])
    assert row.column == "Fra dato"
    assert row.message.startswith(message)


def test_a_date_that_is_no_date(personas, offerings):
    a, _b, _oslo = offerings
    row = _error(personas, [[a.name, 1, "snart", ""]])
    assert row.column == "Fra dato"
    assert row.message.startswith("Ledig fra «snart» er ikke en dato.")


def test_an_unknown_offering_is_named_and_the_way_out_given(personas, offerings):
    row = _error(personas, [["AFT Ukjent", 1, today().isoformat(), ""]])
    assert row.column == "Tiltak"
    assert row.message == (
        "Fant ingen gjennomføring «AFT Ukjent» i Trøndelag. Sjekk navnet mot kapasitetssiden, "
        "eller bruk kolonnen «Gjennomføring-id» fra eksporten."
    )


def test_an_offering_in_another_county_is_not_found_by_name_or_id(personas, offerings):
    _a, _b, oslo = offerings
    by_name = _error(personas, [[oslo.name, 1, today().isoformat(), ""]])
    assert by_name.column == "Tiltak"
    assert "Fant ingen gjennomføring «AFT Frogner» i Trøndelag" in by_name.message

    export_row = [oslo.pk, oslo.name, "", "", "", 20, 1, today().isoformat()]
    by_id = _error(personas, [export_row], header=EXPORT_HEADER)
    assert by_id.column == "Gjennomføring-id"
    assert f"Fant ingen gjennomføring med id «{oslo.pk}» i Trøndelag" in by_id.message


def test_an_id_and_a_name_that_disagree(personas, offerings):
    a, b, _oslo = offerings
    row = _error(personas, [[a.pk, b.name, "", "", "", 10, 1, today().isoformat()]], EXPORT_HEADER)
    assert row.column == "Gjennomføring"
    assert "Sjekk at id og navn står på samme rad." in row.message


def test_a_name_shared_by_two_offerings_asks_for_the_id(personas, offerings):
    a, _b, _oslo = offerings
    OfferingFactory.create(provider=personas.provider_q, name="aft midtbyen")

    row = _error(personas, [[a.name, 1, today().isoformat(), ""]])

    assert row.column == "Tiltak"
    assert row.message.startswith("2 gjennomføringer i Trøndelag heter «AFT Midtbyen».")
    assert "«Gjennomføring-id»" in row.message

    # The export's id column tells them apart.
    export_row = [a.pk, a.name, "", "", "", 10, 1, today().isoformat()]
    _batch, plan = plan_of(csv_bytes(EXPORT_HEADER, [export_row]), personas)
    assert only_row(plan).outcome == RowOutcome.NY_MELDING


def test_the_same_offering_twice_is_an_error_on_the_later_row(personas, offerings):
    a, b, _oslo = offerings
    rows = [
        [a.name, 1, today().isoformat(), ""],
        [b.name, 1, today().isoformat(), ""],
        [a.name.upper(), 2, today().isoformat(), ""],
    ]
    _batch, plan = plan_of(csv_bytes(PROVIDER_HEADER, rows), personas)

    assert [r.outcome for r in plan.rows] == [
        RowOutcome.NY_MELDING,
        RowOutcome.NY_MELDING,
        RowOutcome.FEIL,
    ]
    later = plan.rows[2]
    assert (later.line, later.column) == (4, "Tiltak")
    assert "står også på rad 2; en gjennomføring kan bare stå én gang" in later.message
    assert plan.summary == {"rows": 3, "new_reports": 2, "unchanged": 0, "errors": 1}


def test_another_countys_intake_team_cannot_apply_a_plan_for_county_x(personas, offerings):
    a, _b, _oslo = offerings
    batch, plan = plan_of(
        csv_bytes(PROVIDER_HEADER, [[a.name, 2, today().isoformat(), ""]]), personas
    )

    with pytest.raises(ApplicationError) as refused:
        apply(batch, plan, personas.intake_y)

    assert refused.value.code == "NOT_FOUND"
    assert not CapacityReport.objects.exists()
    assert Offering.objects.get(pk=a.pk).free_places == 0


def test_a_refusal_while_applying_undoes_the_whole_import(personas, offerings):
    a, b, _oslo = offerings
    rows = [[a.name, 2, today().isoformat(), ""], [b.name, 3, today().isoformat(), ""]]
    batch, plan = plan_of(csv_bytes(PROVIDER_HEADER, rows), personas)
    Offering.objects.filter(pk=b.pk).update(contracted_places=2)  # changed since the dry run

    with pytest.raises(ApplicationError) as refused:
        apply(batch, plan, personas.intake_x)

    assert refused.value.code == "ABOVE_CAPACITY"
    assert not CapacityReport.objects.exists()
    assert Offering.objects.get(pk=a.pk).free_places == 0


def test_the_intake_team_still_cannot_report_through_the_web_path(personas, offerings):
    a, _b, _oslo = offerings
    for actor in (personas.intake_x, personas.county_leader_x):
        with pytest.raises(ApplicationError) as refused:
            capacity_report(offering_id=a.pk, free_places=1, free_from=today(), reported_by=actor)
        assert refused.value.code == "NOT_FOUND"
    # Naming the wrong county does not help either.
    with pytest.raises(ApplicationError):
        capacity_report(
            offering_id=a.pk,
            free_places=1,
            free_from=today(),
            reported_by=personas.intake_y,
            for_county="03",
        )
    assert not CapacityReport.objects.exists()


def test_what_the_offering_has_already_is_unchanged_however_old_its_date(personas, offerings):
    a, b, _oslo = offerings
    long_ago = today() - datetime.timedelta(days=90)
    Offering.objects.filter(pk=a.pk).update(free_places=2, free_from=long_ago)
    Offering.objects.filter(pk=b.pk).update(free_places=0, free_from=None)
    rows = [[a.name, 2, long_ago.strftime("%d.%m.%Y"), ""], [b.name, 0, "", ""]]
    _batch, plan = plan_of(csv_bytes(PROVIDER_HEADER, rows), personas)
    assert [row.outcome for row in plan.rows] == [RowOutcome.UENDRET, RowOutcome.UENDRET]


def test_no_free_places_needs_no_date(personas, offerings):
    a, _b, _oslo = offerings
    Offering.objects.filter(pk=a.pk).update(free_places=1, free_from=today())
    _batch, plan = plan_of(csv_bytes(PROVIDER_HEADER, [[a.name, 0, "", ""]]), personas)
    assert plan.rows[0].outcome == RowOutcome.NY_MELDING
    assert plan.rows[0].shown["free_from"] == today().strftime("%d.%m.%Y")
