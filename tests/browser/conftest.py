"""Browser tests (issue 9): Debian's Chromium driven by Playwright against the application
served by this test run (pytest-django's live server, on the test database in PostgreSQL),
with a real Celery worker taking the tasks the pages queue.

Chromium comes from `bin/chromium` (bin/test exports its path as CHROMIUM); a missing browser
fails the run, it is never skipped."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from config.celery import app as celery_app
from tests.browser.support import AxeReport
from tests.conftest import Worker


def _chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Chromium is not installed: run bin/chromium (bin/test does).")
    return path


@pytest.fixture
def playwright(monkeypatch: pytest.MonkeyPatch) -> Iterator[Playwright]:
    """Per test: Playwright's sync API keeps an event loop running in this thread while it is
    open, and Django refuses ORM calls while a loop runs. Started after the test database and
    stopped before it is emptied, the loop never meets the fixtures' own queries; the test's
    queries in between are synchronous all the same, hence the setting."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as running:
        try:
            yield running
        finally:
            # Queries made while the loop ran had connections of the loop's own context
            # (Django keeps them per context): closed here, from that context, or they
            # would hold the test database open until the end of the run.
            connections.close_all()


@pytest.fixture
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=_chromium(),
        headless=True,
        # No sandbox (containers), and no calls home: the machines reach only the registries.
        args=["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="nb-NO")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def axe() -> Iterator[AxeReport]:
    """Collects axe-core's findings on the pages a test visits; fails the test at the end on
    any serious or critical violation, and prints the rest."""
    report = AxeReport()
    yield report
    report.assert_clean()


@pytest.fixture
def worker_tasks(celery_worker: Worker) -> Iterator[None]:
    """Tasks the pages queue (through the outbox) go to the test's own worker."""
    _route_everything_to(celery_worker.queue)
    yield
    _route_everything_to(None)


def _route_everything_to(queue: str | None) -> None:
    # Celery caches its routes and router: both are rebuilt after the setting changes.
    celery_app.conf.task_routes = {"*": {"queue": queue}} if queue else None
    celery_app.amqp.flush_routes()
    amqp: Any = celery_app.amqp
    amqp.router = amqp.Router()
