"""Shared pieces of the caseworker page tests: form data as the browser posts it, uploads, and
a private storage of the test's own for attachments."""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from intake.models import DocumentAttachment
from org.vocabulary import NeedGroup
from tests.factories import make_fodselsnummer

LONG = "Brukeren trenger tett oppfølging over tid for å komme nærmere arbeidslivet."
JUSTIFICATION = {
    "justification_need": LONG,
    "justification_goal": "Målet er å prøve seg i ordinært arbeid på lager innen ett år.",
    "justification_why_programme": "AFT gir trening i et skjermet miljø med tett veiledning.",
    "justification_why_not_ordinary": "Ordinær praksis har vært prøvd to ganger og ble avbrutt.",
}


def days_ago(days: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days)).isoformat()


def person_data(office_id: int, **overrides: Any) -> dict[str, Any]:
    """The person form, filled in as a caseworker would."""
    data: dict[str, Any] = {
        "fodselsnummer": make_fodselsnummer(datetime.date(1990, 5, 17)),
        "first_name": "Sigrid",
        "last_name": "Lykke",
        "home_municipality": "5001",
        "office": str(office_id),
        "need_group": NeedGroup.SPESIELT_TILPASSET_INNSATS,
        "need_group_decided_on": days_ago(100),
        "benefit": "AAP",
        "aap_maksdato": (timezone.localdate() + datetime.timedelta(days=200)).isoformat(),
        "education_level": "VIDEREGAENDE",
        "country_background": "NORGE",
        "job_seeker_since": days_ago(400),
        "needs": ["PSYKISK_HELSE", "SOSIAL"],
        "max_travel_km": "40",
        "protection_level": "UGRADERT",
    }
    data.update(overrides)
    return data


def pdf(name: str = "cv.pdf", size: int = 0) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n%test\n"
    return SimpleUploadedFile(name, body + b"0" * max(0, size - len(body)), "application/pdf")


@pytest.fixture
def attachment_storage(tmp_path: Any) -> Iterator[FileSystemStorage]:
    """Attachments of the test go to a temporary directory, not the project's var/media."""
    field = DocumentAttachment._meta.get_field("file")
    previous = field.storage
    field.storage = FileSystemStorage(location=tmp_path, base_url=None)
    yield field.storage
    field.storage = previous
