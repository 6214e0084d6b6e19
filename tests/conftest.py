"""Shared fixtures: personas for every role, and a real Celery worker on Redis.

Personas (DOMAIN.md section 2), in county X = Trøndelag (50) and county Y = Oslo (03):
caseworker_a (Nav Midtbyen), caseworker_b (Nav Falkenborg), office_leader_a, intake_x, intake_y,
county_leader_x, provider_p, provider_q, admin, and nobody (no memberships at all).
"""

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from celery._state import _set_task_join_will_block  # type: ignore[attr-defined]
from django.core.cache import cache
from django.db import connection

from config.celery import app as celery_app
from org.models import (
    County,
    CountyMembership,
    CountyRole,
    Office,
    OfficeMembership,
    OfficeRole,
    Provider,
    ProviderMembership,
    User,
)
from tests.factories import ProviderFactory, UserFactory
from tests.faults.processes import worker_argv

# Fails any test that lets a fødselsnummer into a URL, log line, error page or task argument.
pytest_plugins = ["tests.security.fnr_guard"]

PASSWORD = "riktig-passord-123"
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Personas:
    office_a: Office
    office_b: Office
    office_y: Office
    county_x: County
    county_y: County
    provider_p: Provider
    provider_q: Provider
    caseworker_a: User
    caseworker_b: User
    office_leader_a: User
    intake_x: User
    intake_y: User
    county_leader_x: User
    provider_user_p: User
    provider_user_q: User
    admin: User
    nobody: User


@pytest.fixture
def personas(db: None) -> Personas:
    office_a = Office.objects.get(number="5083")  # Nav Midtbyen, Trondheim
    office_b = Office.objects.get(number="5080")  # Nav Falkenborg, Trondheim
    office_y = Office.objects.get(number="0382")  # Nav Frogner, Oslo
    county_x = County.objects.get(number="50")
    county_y = County.objects.get(number="03")
    provider_p = ProviderFactory.create(name="Prima Arbeidssenter AS")
    provider_q = ProviderFactory.create(name="Kvarts Vekst AS")

    def user(username: str, **extra: object) -> User:
        return UserFactory.create(username=username, first_name=username.replace("_", " "), **extra)

    p = Personas(
        office_a=office_a,
        office_b=office_b,
        office_y=office_y,
        county_x=county_x,
        county_y=county_y,
        provider_p=provider_p,
        provider_q=provider_q,
        caseworker_a=user("caseworker_a"),
        caseworker_b=user("caseworker_b"),
        office_leader_a=user("office_leader_a"),
        intake_x=user("intake_x"),
        intake_y=user("intake_y"),
        county_leader_x=user("county_leader_x"),
        provider_user_p=user("provider_p"),
        provider_user_q=user("provider_q"),
        admin=user("admin", is_superuser=True, is_staff=True),
        nobody=user("nobody"),
    )
    OfficeMembership.objects.create(user=p.caseworker_a, office=office_a, role=OfficeRole.VEILEDER)
    OfficeMembership.objects.create(user=p.caseworker_b, office=office_b, role=OfficeRole.VEILEDER)
    OfficeMembership.objects.create(user=p.office_leader_a, office=office_a, role=OfficeRole.LEDER)
    CountyMembership.objects.create(user=p.intake_x, county=county_x, role=CountyRole.INNTAKSTEAM)
    CountyMembership.objects.create(user=p.intake_y, county=county_y, role=CountyRole.INNTAKSTEAM)
    CountyMembership.objects.create(user=p.county_leader_x, county=county_x, role=CountyRole.LEDER)
    ProviderMembership.objects.create(user=p.provider_user_p, provider=provider_p)
    ProviderMembership.objects.create(user=p.provider_user_q, provider=provider_q)
    return p


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The access log refuses TRUNCATE (audit migrations 0002 and 0004), but Django empties
    every table after a transactional test: in this throwaway database only, the TRUNCATE
    triggers are disabled (tests/audit turns them on again to prove the refusal)."""
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("audit_accessevent", "audit_accessedperson"):
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_truncate")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache (debounces, cached dashboard figures)."""
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Real hashing costs ~0.3 s per persona; the tests are not about the hash.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # to check hashes made elsewhere
    ]


@pytest.fixture(autouse=True)
def _celery_eager_by_default() -> Iterator[None]:
    """Tasks run in-process unless a test asks for the real worker, so nothing a test queues
    is left behind in Redis for another test's worker to pick up."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@dataclass
class Worker:
    queue: str


@pytest.fixture
def celery_worker(transactional_db: None, django_db_serialized_rollback: None) -> Iterator[Worker]:
    """A real `celery worker` process on Redis, reading the test database, consuming a queue of
    its own. Fails (never skips) when Redis is not configured: the suite needs it. The worker
    reads committed data, so the test is transactional; serialized rollback restores the
    reference data that the flush after it would otherwise remove for later tests."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.fail("REDIS_URL is not set: the worker tests need Redis (run bin/test).")
    queue = f"test-{uuid.uuid4().hex[:12]}"
    db_url = os.environ.get("DATABASE_URL", "")
    if not db_url.startswith("postgres"):
        pytest.fail("DATABASE_URL must point at PostgreSQL for the worker tests (run bin/test).")
    test_db_url = db_url.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    env = {**os.environ, "DATABASE_URL": test_db_url, "DEBUG": "1"}
    process = subprocess.Popen(
        worker_argv(queue, pool="solo", host="inntak-test", loglevel="WARNING"),
        cwd=ROOT,
        env=env,
    )
    celery_app.conf.task_always_eager = False
    # Eager tasks run in threads by earlier tests can leave Celery's process-wide "inside a
    # task" flag set, which makes result.get() refuse; this process is not a worker.
    _set_task_join_will_block(False)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            replies = celery_app.control.ping([f"{queue}@inntak-test"], timeout=1.0) or []
            if replies:
                break
            if process.poll() is not None:
                pytest.fail(f"celery worker exited with {process.returncode}")
        else:
            pytest.fail("celery worker did not answer within 60 s")
        yield Worker(queue=queue)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skipped test here is a hidden failure (usually a missing service): fail the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if reporter and skipped and exitstatus == pytest.ExitCode.OK:
        reporter.write_line(f"{len(skipped)} skipped: Inntak's suite allows no skips.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
