"""The dry run and the apply as they run in production (issue 8): tasks taken by a real
Celery worker on Redis, reading and writing the test database, with the progress the page
shows kept in the shared cache."""

from __future__ import annotations

import pytest

from imports.models import BatchStatus
from imports.services import batch_apply_request, batch_progress
from imports.tasks import import_apply, import_check
from intake.models import Person, Referral
from tests.imports.support import configured_import
from tests.imports.test_import_concurrency import HEADER, numbers, team_member

pytestmark = pytest.mark.worker


def test_a_worker_checks_and_applies_a_list_and_reports_its_progress(celery_worker):
    actor = team_member()
    rows = [
        f"{n};Berg, Ola {i};Nav Midtbyen;AFT;01.02.2026" for i, n in enumerate(numbers(40, 1984))
    ]
    batch = configured_import(actor, [HEADER, *rows])
    import_check.apply_async(args=(batch.pk,), queue=celery_worker.queue).get(timeout=60)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.KONTROLLERT, batch.failure
    assert batch.summary["needs_documents"] == 40
    assert batch_progress(batch.pk) == (40, 40)

    batch_apply_request(
        actor=actor, batch_id=batch.pk, expected_version=batch.version, enqueue=False
    )
    import_apply.apply_async(args=(batch.pk,), queue=celery_worker.queue).get(timeout=60)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTERT, batch.failure
    assert Person.objects.count() == 40
    assert Referral.objects.filter(imported_from=batch).count() == 40

    # Delivered again (a redelivery after a lost acknowledgement): applied once.
    import_apply.apply_async(args=(batch.pk,), queue=celery_worker.queue).get(timeout=60)
    import_check.apply_async(args=(batch.pk,), queue=celery_worker.queue).get(timeout=60)
    assert Referral.objects.filter(imported_from=batch).count() == 40
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTERT
