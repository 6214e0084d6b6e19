"""The intake team's import pages (issue 8): upload, map, preview, apply, progress, and the
original file; bad input answered in words, and nothing kept after a refusal."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from imports.models import BatchStatus, ImportBatch
from imports.services import _progress
from intake.models import Referral, ReferralStatus
from org.vocabulary import ProtectionLevel
from tests.factories import ReferralFactory, make_fodselsnummer
from tests.intake.review_world import ready_person

pytestmark = pytest.mark.django_db

HEADER = "Fødselsnummer;Navn;NAV-kontor;Tiltak;Henvist dato;Ønsket arrangør;Merknad"


def csv_upload(*rows: str, name: str = "liste.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1252"))


def new_row(day: str = "01.02.2026", name: str = "Berg, Ola") -> str:
    return f"{make_fodselsnummer(datetime.date(1980, 2, 2))};{name};Nav Midtbyen;AFT;{day};;"


def upload(client, file: SimpleUploadedFile, kind: str = "VENTELISTE"):
    return client.post(reverse("import-list"), {"county": "50", "kind": kind, "file": file})


@pytest.fixture
def team(client, personas):
    client.force_login(personas.intake_x)
    return client


def checked(team, django_capture_on_commit_callbacks, *rows: str) -> ImportBatch:
    response = upload(team, csv_upload(*rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.latest("pk")
    data = {f"col_{key}": column for key, column in batch.mapping.items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = team.post(
            reverse("import-map", args=[batch.pk]), {**data, "version": batch.version}
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    batch.refresh_from_db()
    return batch


def test_upload_map_preview_and_apply(team, personas, django_capture_on_commit_callbacks):
    waiting_before = Referral.objects.filter(status=ReferralStatus.VENTELISTE).count()
    ready = ready_person(office=personas.office_a)
    response = upload(
        team,
        csv_upload(
            new_row(),
            f"{ready.fodselsnummer};{ready.last_name}, Kari;Nav Midtbyen;AFT;01.01.2026;;",
            "123;Feil, Nummer;Nav Midtbyen;AFT;01.01.2026;;",
        ),
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    page = team.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "Hvilken kolonne er hva?" in body
    # The guess is selected in the form.
    assert '<option value="Fødselsnummer" selected>' in body

    data = {f"col_{key}": column for key, column in batch.mapping.items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = team.post(
            reverse("import-map", args=[batch.pk]), {**data, "version": batch.version}
        )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.KONTROLLERT
    page = team.get(reverse("import-detail", args=[batch.pk])).content.decode()
    assert "Klare for ventelisten" in page and "Mangler dokumenter" in page
    assert "er ikke 11 siffer" in page  # the error row's sentence
    assert ready.fodselsnummer not in page

    # Errors: refused until the team accepts leaving those rows out.
    response = team.post(reverse("import-apply", args=[batch.pk]), {"version": batch.version})
    assert response.status_code == 400
    assert "1 rader har feil" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = team.post(
            reverse("import-apply", args=[batch.pk]),
            {"version": batch.version, "accept_errors": "on"},
        )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTERT
    page = team.get(reverse("import-detail", args=[batch.pk])).content.decode()
    assert "1 satt på ventelisten og 1 kladder" in page
    assert Referral.objects.filter(status=ReferralStatus.VENTELISTE).count() == waiting_before + 1

    # Filtered to the errors only.
    only_errors = team.get(reverse("import-detail", args=[batch.pk]), {"utfall": "FEIL"})
    assert only_errors.context["page"].paginator.count == 1


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (SimpleUploadedFile("liste.pdf", b"%PDF-1.4\n\x00\x00"), "ikke ut som et regneark"),
        (SimpleUploadedFile("tom.csv", b""), "tom"),
        (SimpleUploadedFile("bare-overskrift.csv", HEADER.encode()), "ingen rader"),
    ],
)
def test_a_file_that_cannot_be_used_is_explained_and_not_kept(team, file, expected):
    response = upload(team, file)
    assert response.status_code == 400
    assert expected in response.content.decode().lower()
    assert not ImportBatch.objects.exists()


def test_an_oversized_upload_is_refused_by_its_size(team, settings):
    big = SimpleUploadedFile("stor.csv", b"a;b\r\n" * (21 * 1024 * 1024 // 5))
    response = upload(team, big)
    assert response.status_code == 400
    assert "for stor" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_stale_mapping_form_is_refused_and_shows_the_current_state(
    team, django_capture_on_commit_callbacks
):
    batch = checked(team, django_capture_on_commit_callbacks, new_row())
    data = {f"col_{key}": column for key, column in batch.mapping.items()}
    response = team.post(
        reverse("import-map", args=[batch.pk]), {**data, "version": batch.version - 2}
    )
    assert response.status_code == 400
    assert "endret siden du åpnet siden" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.KONTROLLERT


def test_a_mapping_without_a_required_column_is_explained_on_the_field(
    team, django_capture_on_commit_callbacks
):
    batch = checked(team, django_capture_on_commit_callbacks, new_row())
    data = {f"col_{key}": column for key, column in batch.mapping.items()}
    del data["col_referred_on"]
    response = team.post(reverse("import-map", args=[batch.pk]), {**data, "version": batch.version})
    assert response.status_code == 400
    assert response.context["mapping_form"].errors["col_referred_on"] == [
        "Velg kolonnen for «Dato henvist»."
    ]


def test_progress_is_shown_while_running_and_the_page_reloads_when_done(team, personas):
    batch = ImportBatch.objects.create(
        kind="VENTELISTE",
        county_id="50",
        filename="x.csv",
        content=b"a;b\r\n1;2\r\n",
        size=10,
        sha256="0" * 64,
        uploaded_by=personas.intake_x,
        status=BatchStatus.KONTROLLERES,
    )
    _progress(batch.pk, 250, 1000)
    response = team.get(reverse("import-progress", args=[batch.pk]))
    assert response.status_code == 200
    assert 'value="25"' in response.content.decode()
    assert "250 av 1000 rader" in response.content.decode()
    detail = team.get(reverse("import-detail", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in detail
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.KONTROLLERT)
    done = team.get(reverse("import-progress", args=[batch.pk]))
    assert done["HX-Refresh"] == "true"


def test_only_the_countys_intake_team_sees_a_batch(
    client, team, personas, django_capture_on_commit_callbacks
):
    batch = checked(team, django_capture_on_commit_callbacks, new_row())
    for outsider in (
        personas.intake_y,
        personas.caseworker_a,
        personas.county_leader_x,
        personas.provider_user_p,
    ):
        client.force_login(outsider)
        for name in ("import-detail", "import-progress", "import-original"):
            assert client.get(reverse(name, args=[batch.pk])).status_code == 404
        assert client.post(reverse("import-apply", args=[batch.pk])).status_code == 404
    client.force_login(personas.caseworker_a)
    assert client.get(reverse("import-list")).status_code == 404


def test_the_original_file_is_kept_and_its_download_recorded(
    team, personas, django_capture_on_commit_callbacks
):
    batch = checked(team, django_capture_on_commit_callbacks, new_row())
    response = team.get(reverse("import-original", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="import-{batch.pk}.csv"'
    assert response.content == bytes(batch.content)
    event = AccessEvent.objects.latest("pk")
    assert event.kind == "EKSPORT" and f"import={batch.pk}" in event.detail


def test_a_protected_person_is_masked_in_the_preview(
    team, personas, django_capture_on_commit_callbacks
):
    hidden = ready_person(office=personas.office_a, protection_level=ProtectionLevel.FORTROLIG)
    ReferralFactory.create(
        person=hidden,
        status=ReferralStatus.VENTELISTE,
        waitlisted_at=timezone.now(),
        queue_since=timezone.now(),
    )
    row = f"{hidden.fodselsnummer};{hidden.last_name}, Kari;Nav Midtbyen;AFT;01.01.2026;;"
    batch = checked(team, django_capture_on_commit_callbacks, row)
    page = team.get(reverse("import-detail", args=[batch.pk])).content.decode()
    assert "Adressebeskyttet" in page
    assert hidden.last_name not in page


def test_the_preview_costs_a_bounded_number_of_queries(
    team, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    batch = checked(
        team,
        django_capture_on_commit_callbacks,
        *(new_row(name=f"Berg, Ola {i}") for i in range(150)),
    )
    with django_assert_max_num_queries(16):
        response = team.get(reverse("import-detail", args=[batch.pk]))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 100


def test_the_caseworker_sees_imported_drafts_that_need_documents(
    client, team, personas, django_capture_on_commit_callbacks
):
    batch = checked(team, django_capture_on_commit_callbacks, new_row(day="15.08.2025"))
    with django_capture_on_commit_callbacks(execute=True):
        team.post(reverse("import-apply", args=[batch.pk]), {"version": batch.version})
    draft = Referral.objects.get(imported_from=batch)
    client.force_login(personas.caseworker_a)
    listing = client.get(reverse("caseworker-referrals")).content.decode()
    assert "1 bruker fra fylkets gamle venteliste trenger dokumenter" in listing
    assert "Fra fylkets liste: mangler dokumenter" in listing
    detail = client.get(reverse("referral-detail", args=[draft.pk])).content.decode()
    assert "stod på fylkets gamle venteliste fra 15.08.2025" in detail


def test_a_capacity_export_edited_in_excel_goes_back_in_through_the_capacity_checks(
    team, personas, django_capture_on_commit_callbacks
):
    from providers.models import CapacityReport, Offering, ReportChannel
    from tests.factories import OfferingFactory

    first = OfferingFactory.create(provider=personas.provider_p, name="Verksted A")
    OfferingFactory.create(provider=personas.provider_p, name="Verksted B")
    exported = team.get(reverse("capacity-export", args=["csv"]), {"fylke": "50"})
    assert exported.status_code == 200
    text = exported.content.decode("utf-8-sig")
    lines = text.splitlines()
    header = lines[0].split(";")
    edited = [lines[0]]
    for line in lines[1:]:
        cells = line.split(";")
        if cells[header.index("Gjennomføring")] == "Verksted A":
            cells[header.index("Ledige plasser")] = "4"
            cells[header.index("Ledig fra")] = timezone.localdate().strftime("%d.%m.%Y")
        edited.append(";".join(cells))
    file = SimpleUploadedFile("kapasitet.csv", ("\r\n".join(edited) + "\r\n").encode("utf-8-sig"))
    assert upload(team, file, kind="KAPASITET").status_code == 302
    batch = ImportBatch.objects.latest("pk")
    assert {"offering_id", "offering", "free_places", "free_from"} <= set(batch.mapping)
    data = {f"col_{key}": column for key, column in batch.mapping.items()}
    with django_capture_on_commit_callbacks(execute=True):
        team.post(reverse("import-map", args=[batch.pk]), {**data, "version": batch.version})
    batch.refresh_from_db()
    assert batch.summary["new_reports"] == 1, list(batch.rows.values_list("column", "message"))
    assert batch.summary["errors"] == 0, list(batch.rows.values_list("column", "message"))
    assert "Verksted A" in team.get(reverse("import-detail", args=[batch.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        team.post(reverse("import-apply", args=[batch.pk]), {"version": batch.version})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTERT, batch.failure
    assert Offering.objects.get(pk=first.pk).free_places == 4
    report = CapacityReport.objects.get(offering=first)
    assert report.channel == ReportChannel.IMPORT and report.reported_by == personas.intake_x


def test_a_waitlist_export_imports_again_as_already_in_inntak(
    team, personas, django_capture_on_commit_callbacks
):
    from providers.models import ProgrammeType

    aft = ProgrammeType.objects.get(short_name="AFT")
    for office in (personas.office_a, personas.office_b):
        ReferralFactory.create(
            person=ready_person(office=office),
            programme_type=aft,
            status=ReferralStatus.VENTELISTE,
            waitlisted_at=timezone.now(),
            queue_since=timezone.now(),
        )
    exported = team.get(reverse("waitlist-export", args=["50", aft.pk, "xlsx"]))
    assert exported.status_code == 200
    file = SimpleUploadedFile("venteliste.xlsx", exported.content)
    assert upload(team, file).status_code == 302
    batch = ImportBatch.objects.latest("pk")
    data = {f"col_{key}": column for key, column in batch.mapping.items()}
    with django_capture_on_commit_callbacks(execute=True):
        team.post(reverse("import-map", args=[batch.pk]), {**data, "version": batch.version})
    batch.refresh_from_db()
    assert batch.summary["rows"] == batch.summary["already_in_inntak"] == 2
    assert batch.summary["errors"] == 0
