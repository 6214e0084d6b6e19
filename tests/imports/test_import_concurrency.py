"""Two imports of overlapping lists at the same moment, and one import delivered twice, on
PostgreSQL with real concurrent transactions (issue 8): the county lock puts one after the
other, the second sees what the first wrote and stops without writing anything, and nobody
is created twice.

Transactional tests (each thread must see what the other commits); serialized rollback
restores the reference data afterwards."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import Count

from imports.models import BatchStatus, ImportBatch
from imports.services import (
    batch_apply,
    batch_apply_request,
)
from intake.models import OPEN_STATUSES, Person, Referral
from org.models import CountyMembership, CountyRole, User
from tests.factories import UserFactory, make_fodselsnummer
from tests.imports.support import checked_import
from tests.intake.test_placement_concurrency import at_once

concurrent = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HEADER = "Fødselsnummer;Navn;NAV-kontor;Tiltak;Henvist dato"


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("The concurrency proof needs PostgreSQL (run bin/test).")


@pytest.fixture(autouse=True)
def _no_flag_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    # Celery's eager mode keeps a process-wide flag that concurrent eager tasks would leave set.
    monkeypatch.setattr("portfolio.tasks.flags_refresh_person.delay", lambda *a, **k: None)


def team_member() -> User:
    user = UserFactory.create(username="inntak_import_samtidig")
    CountyMembership.objects.create(user=user, county_id="50", role=CountyRole.INNTAKSTEAM)
    return user


def checked_batch(actor: User, numbers: list[str]) -> ImportBatch:
    """A checked list of new people at Nav Midtbyen, asked to be applied."""
    rows = [f"{n};Berg, Ola {i};Nav Midtbyen;AFT;01.02.2026" for i, n in enumerate(numbers)]
    batch = checked_import(actor, [HEADER, *rows])
    batch_apply_request(
        actor=actor, batch_id=batch.pk, expected_version=batch.version, enqueue=False
    )
    return batch


def numbers(count: int, year: int) -> list[str]:
    return [make_fodselsnummer(datetime.date(year, 1, 1 + i % 28)) for i in range(count)]


@concurrent
def test_two_overlapping_lists_applied_at_once_create_nobody_twice():
    actor = team_member()
    shared = numbers(30, 1981)
    first = checked_batch(actor, shared)
    second = checked_batch(actor, shared + numbers(10, 1982))

    outcomes = at_once([lambda: batch_apply(first.pk), lambda: batch_apply(second.pk)])

    assert outcomes == ["OK", "OK"]  # batch_apply records a failure on the batch itself
    statuses = sorted(ImportBatch.objects.values_list("status", flat=True))
    assert statuses == [BatchStatus.FEILET, BatchStatus.IMPORTERT]
    failed = ImportBatch.objects.get(status=BatchStatus.FEILET)
    assert "Inntak er endret siden kontrollen" in failed.failure
    # The one that went second wrote nothing: only the first one's people and referrals.
    applied = ImportBatch.objects.get(status=BatchStatus.IMPORTERT)
    expected = 30 if applied.pk == first.pk else 40
    assert Person.objects.count() == expected
    assert not Referral.objects.filter(imported_from=failed).exists()
    doubled = (
        Referral.objects.filter(status__in=OPEN_STATUSES)
        .values("person", "programme_type")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not doubled.exists()


@concurrent
def test_an_apply_delivered_twice_at_once_applies_once():
    actor = team_member()
    batch = checked_batch(actor, numbers(25, 1983))

    outcomes = at_once([lambda: batch_apply(batch.pk), lambda: batch_apply(batch.pk)])

    assert outcomes == ["OK", "OK"]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTERT
    assert Person.objects.count() == 25
    assert Referral.objects.filter(imported_from=batch).count() == 25
