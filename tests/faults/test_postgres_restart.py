"""PostgreSQL restarted under light load (issue 7, faults): the application reconnects without
a restart of its own.

A private cluster, migrated; gunicorn serving the application on it; a few requests a second
to a page that reads the database and to /healthz; `pg_ctl restart -m fast`; the same server
processes serve database-backed requests again within a few seconds."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import psutil
import requests

from tests.faults.processes import (
    app_env,
    log_in,
    manage,
    private_postgres,
    processes,
    start_server,
)

USERNAME, PASSWORD = "driftsleder", "Omstart-under-last-2026"


@dataclass(frozen=True)
class Answer:
    at: float
    path: str
    status: int  # 0: no answer (refused, or timed out)
    seconds: float


def load(
    session: requests.Session, base: str, stop: threading.Event, answers: list[Answer]
) -> None:
    """About four requests a second, alternating a database-backed page and the health check."""
    paths = ["/", "/healthz"]
    i = 0
    while not stop.is_set():
        path = paths[i % 2]
        started = time.monotonic()
        try:
            status = session.get(f"{base}{path}", timeout=10, allow_redirects=False).status_code
        except requests.RequestException:
            status = 0
        answers.append(Answer(started, path, status, time.monotonic() - started))
        i += 1
        stop.wait(0.25)


def test_the_application_reconnects_after_postgresql_restarts():
    with private_postgres() as cluster, processes() as running:
        env = app_env(
            cluster.url, None, DJANGO_SUPERUSER_PASSWORD=PASSWORD, FAULTS_PRODUCTION_ERRORS="1"
        )
        for command in (
            ["migrate", "--noinput"],
            [
                "createsuperuser",
                "--noinput",
                "--username",
                USERNAME,
                "--email",
                "drift@nav.example",
            ],
        ):
            manage(env, *command)
        server, base = start_server(running, env)
        session = log_in(base, USERNAME, PASSWORD)
        assert session.get(f"{base}/", timeout=10).status_code == 200
        processes_before = {p.pid for p in psutil.Process(server.pid).children(recursive=True)}

        answers: list[Answer] = []
        stop = threading.Event()
        loader = threading.Thread(target=load, args=(session, base, stop, answers))
        loader.start()
        try:
            time.sleep(2)
            began = time.monotonic()
            cluster.restart()
            restarted = time.monotonic()
            time.sleep(4)
            # Then down for a few seconds, so that requests arrive while it is away.
            paused = time.monotonic()
            cluster.pause(3)
            resumed = time.monotonic()
            time.sleep(4)
        finally:
            stop.set()
            loader.join(timeout=30)

        # The same server processes throughout: nothing restarted the application.
        assert server.poll() is None
        assert {
            p.pid for p in psutil.Process(server.pid).children(recursive=True)
        } == processes_before
        timeline = [(round(a.at - began, 1), a.path, a.status) for a in answers]
        assert all(a.status == 200 for a in answers if a.at < began), timeline
        # While the database was away: a clean 503 ("try again"), never a 500, never a hang.
        assert {a.status for a in answers} <= {200, 503}, timeline
        assert any(a.status == 503 for a in answers if paused <= a.at <= resumed), timeline
        assert max(a.seconds for a in answers) < 5, timeline
        for back, until in ((restarted, paused), (resumed, float("inf"))):
            after = [a for a in answers if back < a.at < until]
            first = min(a.at for a in after if a.status == 200) - back
            assert first < 3, f"first success {first:.1f} s after it came back: {timeline}"
            # From then on, every request is served, the database-backed page and the check.
            served = [a for a in after if a.at > back + first]
            assert {a.path for a in served} == {"/", "/healthz"}, timeline
            assert all(a.status == 200 for a in served), timeline
