"""Downloads of a county's waitlist and capacity (issue 8): the waitlist re-imports without a
manual mapping, protected persons are masked for users without clearance, other counties are
404, queries stay bounded, the management commands write the same files, and every download is
recorded in the access log as an export."""

from __future__ import annotations

import datetime
import io
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from imports.mapping import WAITLIST_FIELDS, guess_mapping
from imports.reading import read_table
from intake import exports
from intake.models import Referral
from intake.services.priority import UNG
from org.models import User
from org.vocabulary import ProtectionLevel
from providers.models import ProgrammeType
from tests.conftest import Personas
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def aft() -> ProgrammeType:
    return ProgrammeType.objects.get(code="ARBFORB")


def waiting(days: int, **person: Any) -> Referral:
    approved_at = timezone.now() - datetime.timedelta(days=days)
    return ReferralFactory.create(
        person=PersonFactory.create(**person),
        programme_type=aft(),
        waitlisted_at=approved_at,
        queue_since=approved_at,
    )


def url(fmt: str, county: str = "50") -> str:
    return reverse("waitlist-export", args=[county, aft().pk, fmt])


def download(client: Client, user: User, address: str, **params: Any) -> bytes:
    client.force_login(user)
    response = client.get(address, params)
    assert response.status_code == 200, response.status_code
    return bytes(response.content)


def newest_event() -> AccessEvent:
    event = AccessEvent.objects.order_by("-pk").first()
    assert event is not None
    return event


# --- the headers ------------------------------------------------------------------------------


def test_the_waitlist_headers_map_every_field_of_the_import():
    mapping = guess_mapping(exports.waitlist_headers())
    assert mapping == {
        "fodselsnummer": "Fødselsnummer",
        "name": "Navn",
        "office": "Nav-kontor",
        "programme_type": "Tiltakstype",
        "referred_on": "Dato henvist",
        "wished_provider": "Ønsket arrangør",
        "notes": "Merknad",
    }
    # Each of those is a field of the import (not the split name's halves: the export writes
    # "Etternavn, Fornavn" in one column).
    assert set(mapping) <= {f.key for f in WAITLIST_FIELDS} - {"first_name", "last_name"}


# --- the waitlist -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_waitlist_round_trips_through_the_import_reader(personas, client, fmt):
    listed = waiting(40, first_name="Åse", last_name="Øvrebø")
    listed.listed_on = datetime.date(2025, 3, 1)
    listed.import_note = "Fra gammel liste"
    listed.priority_groups = [UNG]
    listed.save()
    later = waiting(10, first_name="Per", last_name="Berg")

    data = download(client, personas.intake_x, url(fmt))
    table = read_table(data, f"liste.{fmt}")
    mapping = guess_mapping(table.columns)

    assert len(mapping) == 7
    rows = [{key: row.cells[column] for key, column in mapping.items()} for row in table.rows]
    assert [row["fodselsnummer"] for row in rows] == [
        listed.person.fodselsnummer,
        later.person.fodselsnummer,
    ]
    assert rows[0]["name"] == "Øvrebø, Åse"
    assert rows[0]["office"] == "Nav Midtbyen"
    assert rows[0]["programme_type"] == "AFT"
    assert rows[0]["notes"] == "Fra gammel liste"
    assert rows[0]["wished_provider"] in ("", None)
    referred = [row["referred_on"] for row in rows]
    later_on = timezone.localtime(later.waitlisted_at).date()
    if fmt == "csv":
        assert referred == ["01.03.2025", later_on.strftime("%d.%m.%Y")]
    else:
        assert referred == [datetime.date(2025, 3, 1), later_on]
    extra = table.rows[0].cells
    assert str(extra["Plass i køen"]) == "1"
    assert extra["Prioriterte grupper"] == "Ung under 30"


def test_the_csv_is_utf8_with_a_bom_and_semicolons(personas, client):
    waiting(5, first_name="Åse", last_name="Ærlig")
    response_bytes = download(client, personas.intake_x, url("csv"))
    assert response_bytes.startswith(b"\xef\xbb\xbf")
    lines = response_bytes.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Fødselsnummer;Navn;Nav-kontor;Tiltakstype;Dato henvist;Ønsket arrangør;Merknad;"
        "Plass i køen;På venteliste fra;Prioriterte grupper"
    )
    assert "Ærlig, Åse" in lines[1]


def test_the_response_is_an_attachment_named_without_personal_data(personas, client):
    waiting(5, last_name="Hemmelig")
    client.force_login(personas.intake_x)
    response = client.get(url("xlsx"))
    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="venteliste-50-AFT-{stamp}.xlsx"'
    )
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_text_that_a_spreadsheet_reads_as_a_formula_is_prefixed(personas, client, fmt):
    referral = waiting(5, first_name="Kari", last_name="=HYPERLINK(1)")
    referral.import_note = "+47 sa han"
    referral.save()

    table = read_table(download(client, personas.intake_x, url(fmt)), f"liste.{fmt}")
    cells = table.rows[0].cells
    assert cells["Navn"] == "'=HYPERLINK(1), Kari"
    assert cells["Merknad"] == "'+47 sa han"


def test_a_protected_person_is_masked_for_a_user_without_clearance(personas, client):
    protected = waiting(
        20,
        first_name="Skjult",
        last_name="Person",
        protection_level=ProtectionLevel.STRENGT_FORTROLIG,
    )
    protected.import_note = "Bor hos Skjult"
    protected.save()
    waiting(5, last_name="Vanlig")

    data = download(client, personas.intake_x, url("csv"))
    text = data.decode("utf-8-sig")
    assert protected.person.fodselsnummer not in text
    assert "Skjult" not in text and "Person" not in text
    first = text.splitlines()[1].split(";")
    assert first[:3] == ["", "Adressebeskyttet", ""]
    assert first[6] == ""  # the note
    assert first[7] == "1"


def test_a_protected_person_is_shown_in_full_to_a_user_with_clearance(personas, client):
    protected = waiting(
        20, first_name="Skjult", last_name="Person", protection_level=ProtectionLevel.FORTROLIG
    )
    personas.intake_x.may_see_fortrolig = True
    personas.intake_x.save()

    text = download(client, personas.intake_x, url("csv")).decode("utf-8-sig")
    assert protected.person.fodselsnummer in text and "Person, Skjult" in text


def test_the_county_leader_may_download_the_waitlist_as_on_the_page(personas, client):
    waiting(5)
    assert download(client, personas.county_leader_x, url("csv"))


@pytest.mark.parametrize(
    "who", ["intake_y", "caseworker_a", "office_leader_a", "provider_user_p", "nobody"]
)
def test_a_waitlist_the_user_may_not_see_is_404_like_a_missing_one(personas, client, who):
    waiting(5, last_name="Utenfor")
    client.force_login(getattr(personas, who))
    assert client.get(url("csv")).status_code == 404
    assert client.get(reverse("waitlist-export", args=["99", aft().pk, "csv"])).status_code == 404


def test_an_unknown_format_or_programme_type_is_404(personas, client):
    client.force_login(personas.intake_x)
    assert client.get(url("pdf")).status_code == 404
    assert client.get(reverse("waitlist-export", args=["50", 987654, "csv"])).status_code == 404


def test_post_is_not_allowed(personas, client):
    client.force_login(personas.intake_x)
    assert client.post(url("csv")).status_code == 405


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(url("csv"))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_the_download_is_recorded_as_an_export_naming_the_persons(personas, client):
    first, second = waiting(30), waiting(10)
    download(client, personas.intake_x, url("xlsx"))

    event = newest_event()
    assert (event.kind, event.what, event.actor_id) == (
        "EKSPORT",
        "waitlist-export",
        personas.intake_x.pk,
    )
    assert "fylke=50" in event.detail and "format=xlsx" in event.detail
    assert sorted(event.persons.values_list("person_id", flat=True)) == sorted(
        [first.person_id, second.person_id]
    )


def test_an_empty_list_is_recorded_too(personas, client):
    download(client, personas.intake_x, url("csv"))
    assert newest_event().what == "waitlist-export"


def test_the_waitlist_export_costs_the_same_queries_for_30_rows(
    personas, client, django_assert_max_num_queries
):
    client.force_login(personas.intake_x)
    for days in range(3):
        waiting(days + 1, protection_level=ProtectionLevel.FORTROLIG)
    with CaptureQueriesContext(connection) as three:
        client.get(url("xlsx"))
    for days in range(27):
        waiting(days + 10)

    with django_assert_max_num_queries(len(three)) as thirty:
        response = client.get(url("xlsx"))

    assert len(read_table(bytes(response.content), "liste.xlsx").rows) == 30
    assert len(thirty) == len(three)


# --- capacity ---------------------------------------------------------------------------------


def capacity_url(fmt: str) -> str:
    return reverse("capacity-export", args=[fmt])


def offerings(personas: Personas) -> None:
    OfferingFactory.create(
        provider=personas.provider_p,
        name="AFT Midtbyen",
        contracted_places=10,
        free_places=2,
        free_from=datetime.date(2026, 12, 1),
        places_occupied=7,
        places_assigned=1,
    )
    OfferingFactory.create(provider=personas.provider_q, name="=Kvarts", open_for_intake=False)
    OfferingFactory.create(provider=personas.provider_q, name="Oslo-tiltak", municipality_id="0301")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_capacity_export_has_a_row_per_offering_in_the_county(personas, client, fmt):
    offerings(personas)
    data = download(client, personas.intake_x, capacity_url(fmt), fylke="50")
    table = read_table(data, f"kapasitet.{fmt}")
    assert table.columns == [
        "Gjennomføring-id",
        "Gjennomføring",
        "Arrangør",
        "Tiltakstype",
        "Kommune",
        "Avtalte plasser",
        "Ledige plasser",
        "Ledig fra",
        "Deltakere",
        "Tildelt, ikke startet",
        "Åpen for inntak",
    ]
    rows = [row.cells for row in table.rows]
    # Per provider, by name: Kvarts before Prima; Oslo's offering is not in Trøndelag.
    assert [row["Gjennomføring"] for row in rows] == ["'=Kvarts", "AFT Midtbyen"]
    closed, first = rows
    assert first["Arrangør"] == "Prima Arbeidssenter AS"
    assert first["Kommune"] == "Trondheim"
    assert [str(first[c]) for c in ("Avtalte plasser", "Ledige plasser", "Deltakere")] == [
        "10",
        "2",
        "7",
    ]
    assert first["Ledig fra"] == ("01.12.2026" if fmt == "csv" else datetime.date(2026, 12, 1))
    assert (first["Åpen for inntak"], closed["Åpen for inntak"]) == ("Ja", "Nei")


def test_the_capacity_export_follows_the_chosen_county_and_is_recorded(personas, client):
    offerings(personas)
    client.force_login(personas.intake_x)
    response = client.get(capacity_url("csv"), {"fylke": "03"})  # not theirs: their own county
    assert response.status_code == 200
    assert "Oslo-tiltak" not in response.content.decode("utf-8-sig")
    assert 'filename="kapasitet-50-' in response["Content-Disposition"]
    event = newest_event()
    assert (event.kind, event.what) == ("EKSPORT", "capacity-export")
    assert event.persons.count() == 0


@pytest.mark.parametrize("who", ["caseworker_a", "office_leader_a", "provider_user_p", "nobody"])
def test_the_capacity_export_is_404_outside_county_work(personas, client, who):
    client.force_login(getattr(personas, who))
    assert client.get(capacity_url("csv")).status_code == 404


def test_the_capacity_export_costs_the_same_queries_for_30_offerings(
    personas, client, django_assert_max_num_queries
):
    client.force_login(personas.intake_x)
    for n in range(3):
        OfferingFactory.create(provider=personas.provider_p, name=f"Gruppe {n}")
    with CaptureQueriesContext(connection) as three:
        client.get(capacity_url("xlsx"))
    for n in range(27):
        OfferingFactory.create(name=f"Gruppe {n + 3}")

    with django_assert_max_num_queries(len(three)) as thirty:
        response = client.get(capacity_url("xlsx"))

    assert len(read_table(bytes(response.content), "k.xlsx").rows) == 30
    assert len(thirty) == len(three)


# --- the pages link to the downloads ----------------------------------------------------------


def test_the_pages_link_to_the_downloads(personas, client):
    client.force_login(personas.intake_x)
    page = client.get(reverse("waitlist-detail", args=["50", aft().pk])).content.decode()
    assert url("csv") in page and url("xlsx") in page
    capacity = client.get(reverse("capacity-overview")).content.decode()
    assert f"{capacity_url('csv')}?fylke=50" in capacity
    assert f"{capacity_url('xlsx')}?fylke=50" in capacity


# --- the management commands ------------------------------------------------------------------


def test_export_waitlist_writes_the_file_with_the_users_masking(personas, tmp_path: Path):
    waiting(20, last_name="Skjult", protection_level=ProtectionLevel.STRENGT_FORTROLIG)
    shown = waiting(5, last_name="Synlig")
    output = tmp_path / "liste.xlsx"
    out = StringIO()

    call_command(
        "export_waitlist",
        "--county=50",
        "--programme-type=AFT",
        "--format=xlsx",
        f"--output={output}",
        "--user=intake_x",
        stdout=out,
    )

    assert out.getvalue().strip().startswith("Wrote 2 rows (1 masked)")
    assert "Synlig" not in out.getvalue()
    book = openpyxl.load_workbook(io.BytesIO(output.read_bytes()), read_only=True)
    values = [[c for c in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert values[1][1] == "Adressebeskyttet"
    assert values[2][0] == shown.person.fodselsnummer


def test_export_waitlist_refuses_a_county_the_user_may_not_see(personas, tmp_path: Path):
    with pytest.raises(CommandError):
        call_command(
            "export_waitlist",
            "--county=03",
            "--programme-type=ARBFORB",
            "--format=csv",
            f"--output={tmp_path / 'x.csv'}",
            "--user=intake_x",
        )
    assert not (tmp_path / "x.csv").exists()


def test_export_capacity_writes_the_file(personas, tmp_path: Path):
    offerings(personas)
    output = tmp_path / "kapasitet.csv"
    out = StringIO()
    call_command(
        "export_capacity",
        "--county=50",
        "--format=csv",
        f"--output={output}",
        "--user=county_leader_x",
        stdout=out,
    )
    assert out.getvalue().strip().startswith("Wrote 2 offerings of county 50")
    assert output.read_bytes().startswith(b"\xef\xbb\xbfGjennomf")


def test_export_capacity_refuses_an_unknown_user(personas, tmp_path: Path):
    with pytest.raises(CommandError):
        call_command(
            "export_capacity",
            "--county=50",
            "--format=csv",
            f"--output={tmp_path / 'x.csv'}",
            "--user=finnes-ikke",
        )
