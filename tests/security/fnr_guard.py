"""A pytest plugin that fails any test which lets a fødselsnummer escape (DOMAIN.md section 10).

A fødselsnummer (or D-nummer) must never appear in a URL, a log line, an error page or a task
argument: those end up in access logs, log shipping, browser history and the broker, none of
which is covered by the audit log or access control. For the whole suite, from the start of a
test's setup to the end of its call, the guard reads:

- every log record (a handler on the root logger; no logger's level is changed, so it sees what
  production would log),
- the path and query string of every request made through Django's test client, DRF's
  APIClient or a RequestFactory,
- the body of every response with status 500 or more,
- the arguments of every Celery task published (before_task_publish) or run (task_prerun,
  which includes eager tasks).

Any 11-digit number (also written with a space after the sixth digit) that python-stdnum
accepts as a fødselsnummer or D-nummer fails the test, naming where it was found. The number
itself is never printed: only its first two digits.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

import pytest
from celery.signals import before_task_publish, task_prerun
from django.test.client import Client, RequestFactory
from stdnum.no import fodselsnummer

# Eleven digits not inside a longer run of digits; a space after the sixth is how people write it.
_CANDIDATE = re.compile(r"(?<!\d)(\d{6}) ?(\d{5})(?!\d)")
_CONTEXT = 40


def mask(number: str) -> str:
    digits = number.replace(" ", "")
    return digits[:2] + "*" * (len(digits) - 2)


def find_fodselsnummer(text: str) -> list[str]:
    """Every valid fødselsnummer or D-nummer in `text`, masked, with a little context around
    it (also masked) to find it by."""
    found = []
    for match in _CANDIDATE.finditer(text):
        number = match.group(1) + match.group(2)
        if not fodselsnummer.is_valid(number):
            continue
        start, end = max(match.start() - _CONTEXT, 0), match.end() + _CONTEXT
        context = (
            text[start : match.start()] + mask(match.group(0)) + text[match.end() : end]
        ).replace("\n", " ")
        found.append(f"{mask(number)} in …{context}…")
    return found


@dataclass
class Finding:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class Collector:
    """What one test let out. Scans as things happen and keeps only masked findings."""

    findings: list[Finding] = field(default_factory=list)

    def scan(self, where: str, text: str) -> None:
        for what in find_fodselsnummer(text):
            self.findings.append(Finding(where, what))

    def clear(self) -> None:
        self.findings.clear()


_active: Collector | None = None


def active_collector() -> Collector | None:
    """The running test's collector (None between tests); the guard's own tests use it."""
    return _active


def _scan(where: str, text: str) -> None:
    if _active is not None:
        _active.scan(where, text)


class _LogHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is the logging call's problem, not ours
            text = f"{record.msg!r} {record.args!r}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]}"
        _scan(f"log record ({record.levelname} {record.name})", text)


def _scan_request(kind: str, environ: dict[str, Any]) -> None:
    method = environ.get("REQUEST_METHOD", "")
    path = str(environ.get("PATH_INFO", ""))
    _scan(f"{kind} {method} path", path)
    query = str(environ.get("QUERY_STRING", ""))
    if query:
        _scan(f"{kind} {method} query string of {path}", unquote_plus(query))


def _patch_test_client() -> None:
    client_request = Client.request
    factory_request = RequestFactory.request

    def request_through_client(self: Client, **request: Any) -> Any:
        _scan_request("test client request", request)
        response = client_request(self, **request)
        if response.status_code >= 500 and not getattr(response, "streaming", False):
            body = response.content.decode("utf-8", "replace")
            _scan(
                f"body of the {response.status_code} response to {request.get('PATH_INFO')}", body
            )
        return response

    def request_through_factory(self: RequestFactory, **request: Any) -> Any:
        _scan_request("RequestFactory request", request)
        return factory_request(self, **request)

    Client.request = request_through_client  # type: ignore[method-assign]
    RequestFactory.request = request_through_factory  # type: ignore[method-assign,assignment]


def _on_publish(sender: Any = None, body: Any = None, headers: Any = None, **_: Any) -> None:
    # Protocol 2: the body is (args, kwargs, embed); the headers repeat them as argsrepr.
    _scan(f"arguments of the published Celery task {sender}", repr(body))


def _on_prerun(
    sender: Any = None, task: Any = None, args: Any = None, kwargs: Any = None, **_: Any
) -> None:
    name = getattr(task, "name", sender)
    _scan(f"arguments of the Celery task {name} when it ran", f"{args!r} {kwargs!r}")


_log_handler = _LogHandler(level=logging.NOTSET)


def pytest_configure(config: pytest.Config) -> None:
    _patch_test_client()
    before_task_publish.connect(_on_publish, weak=False)
    task_prerun.connect(_on_prerun, weak=False)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    global _active
    _active = Collector()
    # Again for every test: anything that configures logging (Django's setup, Celery, a test's
    # dictConfig) replaces the root logger's handlers.
    root = logging.getLogger()
    if _log_handler not in root.handlers:
        root.addHandler(_log_handler)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    result = yield
    findings = list(_active.findings) if _active is not None else []
    if findings:
        lines = "\n".join(f"  - {finding}" for finding in findings)
        pytest.fail(
            f"A fødselsnummer escaped into a URL, log line, error page or task argument "
            f"(DOMAIN.md section 10):\n{lines}",
            pytrace=False,
        )
    return result


def pytest_runtest_teardown(item: pytest.Item) -> None:
    global _active
    _active = None
