"""Importing a file in-process, as the management command does (issue 8), for tests that need
a checked batch without the pages."""

from __future__ import annotations

from imports.models import BatchStatus, ImportBatch
from imports.services import batch_check, batch_configure, batch_upload
from org.models import User


def configured_import(
    actor: User, lines: list[str], *, county: str = "50", kind: str = "VENTELISTE"
) -> ImportBatch:
    """Upload the lines as a CSV file and keep the guessed mapping; the dry run is not run
    (`batch_check` runs it, in-process or as a task)."""
    batch = batch_upload(
        actor=actor,
        county_number=county,
        kind=kind,
        filename="liste.csv",
        content="\r\n".join(lines).encode(),
    )
    batch_configure(
        actor=actor,
        batch_id=batch.pk,
        expected_version=batch.version,
        mapping=batch.mapping,
        enqueue=False,
    )
    return batch


def checked_import(
    actor: User, lines: list[str], *, county: str = "50", kind: str = "VENTELISTE"
) -> ImportBatch:
    """Upload the lines as a CSV file, keep the guessed mapping, and run the dry run."""
    batch = configured_import(actor, lines, county=county, kind=kind)
    batch_check(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.KONTROLLERT, batch.failure
    return batch
