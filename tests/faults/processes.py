"""Starting and always stopping the real processes the fault tests break: a private Redis, a
private PostgreSQL cluster, an application server and a Celery worker. A missing binary fails
the test (never skips it), and every process is killed at the end, whatever happened."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def binary(path: str) -> str:
    found = shutil.which(path)
    if found is None:
        pytest.fail(f"{path} is not installed: the fault tests need it.")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    pytest.fail(f"{what}: not within {timeout:.0f} s")


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


class Processes:
    """Every process a test starts, each in a session of its own: stop() ends the whole group
    (a worker's pool, a server's workers) and nothing outlives the test."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(
        self, name: str, args: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.started.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
        # Anything the group left behind (a pool process that outlived its parent).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for process in reversed(self.started):
            self.stop(process)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@contextlib.contextmanager
def processes() -> Iterator[Processes]:
    logs = Path(tempfile.mkdtemp(prefix="inntak-faults-"))
    running = Processes(logs)
    try:
        yield running
    except BaseException:
        # What the processes said, for the failure report (pytest shows captured output).
        for path in sorted(logs.glob("*.log")):
            print(f"--- {path.name} ---\n{path.read_text(errors='replace')[-6000:]}")
        raise
    finally:
        running.stop_all()
        shutil.rmtree(logs, ignore_errors=True)


def start_redis(running: Processes, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """A Redis of the test's own (never the machine's, which others use), without persistence:
    stopping it loses what it held, as an outage may."""
    port = port or free_port()
    process = running.start(
        f"redis-{port}",
        [
            binary("/usr/bin/redis-server"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
    )
    wait_until(lambda: port_open(port), timeout=20, what="the private Redis")
    return process, f"redis://127.0.0.1:{port}/0"


def wait_for_worker(running: Processes, name: str = "worker") -> None:
    wait_until(lambda: " ready." in running.log(name), timeout=60, what="the worker starting")


def suite_database_url() -> str:
    """The test database, for processes started by a transactional test."""
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def app_env(database_url: str, redis_url: str | None, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in (
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "CELERY_RESULT_BACKEND",
            "DATABASE_URL",
            "DJANGO_SETTINGS_MODULE",
        )
    }
    env.update(DEBUG="1", DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="tests.faults.settings")
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def start_server(
    running: Processes, env: dict[str, str], name: str = "server"
) -> tuple[subprocess.Popen[bytes], str]:
    """Gunicorn, as in production: the same processes serve before, during and after a fault."""
    port = free_port()
    process = running.start(
        name,
        [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--timeout",
            "60",
        ],
        env,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"the application server exited:\n{running.log(name)}")
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{base}/logg-inn/", timeout=2).status_code == 200
        return False

    wait_until(answers, timeout=60, what="the application server answering")
    return process, base


def worker_argv(queue: str, *, pool: str, host: str, loglevel: str) -> list[str]:
    """A `celery worker` consuming only `queue` (the suite's worker fixture uses it too)."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        pool,
        "--concurrency",
        "1",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-Q",
        queue,
        "-n",
        f"{queue}@{host}",
        "--loglevel",
        loglevel,
    ]


def start_worker(
    running: Processes, env: dict[str, str], queue: str, name: str = "worker"
) -> subprocess.Popen[bytes]:
    argv = worker_argv(queue, pool="prefork", host="inntak-faults", loglevel="INFO")
    return running.start(name, argv, env)


def manage(env: dict[str, str], *command: str, timeout: float = 300) -> str:
    """`manage.py command` in a process of its own; fails the test if it fails."""
    done = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def log_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/logg-inn/", timeout=10)
    response = session.post(
        f"{base}/logg-inn/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/logg-inn/"},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, f"login failed: {response.status_code}"
    return session


def post_form(
    session: requests.Session, base: str, path: str, data: dict[str, str]
) -> requests.Response:
    return session.post(
        f"{base}{path}",
        data={**data, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{base}{path}"},
        timeout=10,
        allow_redirects=False,
    )


def as_postgres_user() -> list[str]:
    """initdb refuses to run as root: the private cluster then belongs to `postgres`."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("running as root needs a `postgres` user for the private cluster")
    return [binary("runuser"), "-u", "postgres", "--"]


def chown_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own on a free port (never the machine's, which others
    use). pg_ctl runs the server detached, so it is stopped with pg_ctl, always."""

    def __init__(self) -> None:
        self.as_owner = as_postgres_user()
        self.pg_ctl = binary("/usr/local/bin/pg_ctl")
        self.home = Path(tempfile.mkdtemp(prefix="inntak-faults-pg-"))
        chown_to_postgres(self.home)
        self.data = self.home / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self.options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"

    def _pg_ctl(self, *args: str) -> None:
        # Output to a file, never a pipe: the server pg_ctl starts would inherit the pipe and
        # keep it open for as long as it runs.
        with open(self.home / "pg_ctl.log", "ab") as log:
            subprocess.run(
                [*self.as_owner, self.pg_ctl, "-D", str(self.data), *args],
                check=True,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=120,
            )

    def start(self) -> None:
        initdb = binary("/usr/local/bin/initdb")
        subprocess.run(
            [
                *self.as_owner,
                initdb,
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        self._pg_ctl("-l", str(self.home / "server.log"), "-o", self.options, "-w", "start")

    def restart(self) -> None:
        self._pg_ctl("-l", str(self.home / "server.log"), "-m", "fast", "-w", "restart")

    def pause(self, seconds: float) -> None:
        """Down for a while: stopped (fast), then started again on the same port."""
        self._pg_ctl("-m", "fast", "-w", "stop")
        time.sleep(seconds)
        self._pg_ctl("-l", str(self.home / "server.log"), "-o", self.options, "-w", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self._pg_ctl("-m", "immediate", "-w", "stop")
        shutil.rmtree(self.home, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
