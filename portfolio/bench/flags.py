"""`bench flags`: the portfolio flag job (DOMAIN.md section 8) on the national instance, beside
the naive per-person ORM loop it replaces.

Everything runs inside one transaction that is rolled back at the end, so the database is the
same afterwards (checked by a fingerprint of the flags and their history, and said so):

1. Full nightly run from nothing: the existing flags and events are deleted (raw DELETEs inside
   the transaction), then `flags_refresh(today=today)` runs for everyone and is timed end to end
   with perf_counter. Each SQL statement of the job is timed through a database execute wrapper,
   so each rule's "close what no longer holds" UPDATE and "raise what holds" INSERT get their
   own time and row count.
2. Steady state: the same job again with nothing changed (STEADY_RUNS runs, the median
   reported); it must change nothing.
3. Naive loop: the flags are deleted again, and for a deterministic sample (every
   SAMPLE_EVERY-th person by id) each rule is evaluated per person with per-person ORM queries
   (`rule.people(s, today).filter(pk=...).exists()`, then its fact), the flag fetched or created
   with `get_or_create` (and its history row written), or an open flag that no longer holds
   closed one by one. Timed, and scaled by persons / sample to the whole country. Its flags are
   compared with the set-based job's for the same people (they must agree).

`--runs` is ignored: a nightly run from nothing is one event.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from intake.models import Person
from portfolio.bench.timing import rolled_back
from portfolio.flag_rules import RULES
from portfolio.models import (
    OPEN_FLAG_STATUSES,
    FlagEvent,
    FlagEventKind,
    FlagSettings,
    FlagStatus,
    PortfolioFlag,
)
from portfolio.services.flags import FlagRunResult, flags_refresh
from providers.models import ProgrammeType

SAMPLE_EVERY = 25
STEADY_RUNS = 3
# Targets (issue): the whole country from nothing in under a minute, and at least 20 times
# faster than the per-person loop.
TARGET_FULL_SECONDS = 60.0
TARGET_SPEED_UP = 20.0

FLAGS = PortfolioFlag._meta.db_table
EVENTS = FlagEvent._meta.db_table


def _fingerprint() -> str:
    """The flags and their history, every column."""
    flags = list(PortfolioFlag.objects.order_by("pk").values_list())
    events = list(FlagEvent.objects.order_by("pk").values_list())
    return hashlib.sha256(repr((flags, events)).encode()).hexdigest()


def _delete_flags() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(EVENTS)}")  # noqa: S608
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(FLAGS)}")  # noqa: S608


@dataclass
class Statements:
    """Every statement run inside `watch()`: its SQL, time and row count."""

    rows: list[tuple[str, float, int]] = field(default_factory=list)

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            cursor = context["cursor"]
            self.rows.append((sql, time.perf_counter() - started, max(cursor.rowcount, 0)))


@contextmanager
def watch() -> Iterator[Statements]:
    statements = Statements()
    with connection.execute_wrapper(statements):
        yield statements


@dataclass
class JobStep:
    label: str
    seconds: float
    rows: int


def job_steps(
    statements: Statements,
) -> tuple[list[tuple[str, JobStep, JobStep]], list[JobStep]]:
    """The job's statements in the order flags_refresh runs them: per rule a closing UPDATE and
    a raising INSERT, then the reopening UPDATE and the history INSERT."""
    writes = [
        (sql, seconds, rows)
        for sql, seconds, rows in statements.rows
        if sql.startswith((f"UPDATE {FLAGS} ", f"INSERT INTO {FLAGS} ", f"INSERT INTO {EVENTS} "))
    ]
    expected = 2 * len(RULES) + 2
    if len(writes) != expected:
        raise RuntimeError(f"flags_refresh ran {len(writes)} writes, expected {expected}")
    per_rule = [
        (
            str(rule.code),
            JobStep(f"{rule.code} close", writes[2 * i][1], writes[2 * i][2]),
            JobStep(f"{rule.code} raise", writes[2 * i + 1][1], writes[2 * i + 1][2]),
        )
        for i, rule in enumerate(RULES)
    ]
    reopen, history = writes[-2], writes[-1]
    return per_rule, [
        JobStep("reopen snoozed", reopen[1], reopen[2]),
        JobStep("history events", history[1], history[2]),
    ]


@dataclass
class Naive:
    people: int = 0
    seconds: float = 0.0
    queries: int = 0
    raised: int = 0
    cleared: int = 0


def naive_refresh(person_ids: list[int], today: Any) -> Naive:
    """What the set-based job replaces: every rule, person by person, through the ORM."""
    s = FlagSettings.current()
    suggestions = dict(ProgrammeType.objects.values_list("code", "pk"))
    now = timezone.now()
    result = Naive(people=len(person_ids))
    for pk in person_ids:
        person = Person.objects.get(pk=pk)
        for rule in RULES:
            holds: QuerySet[Any] = rule.people(s, today).filter(pk=person.pk)
            if holds.exists():
                fact = holds.values_list("fact_date", flat=True).first()
                flag, created = PortfolioFlag.objects.get_or_create(
                    person=person,
                    code=rule.code,
                    status__in=OPEN_FLAG_STATUSES,
                    defaults={
                        "status": FlagStatus.AKTIV,
                        "fact_date": fact,
                        "suggested_programme_type_id": (
                            suggestions.get(rule.suggestion) if rule.suggestion else None
                        ),
                        "raised_at": now,
                    },
                )
                if created:
                    FlagEvent.objects.create(flag=flag, kind=FlagEventKind.FLAGGET, at=now)
                    result.raised += 1
            else:
                for flag in PortfolioFlag.objects.filter(
                    person=person, code=rule.code, status__in=OPEN_FLAG_STATUSES
                ):
                    flag.status = FlagStatus.OPPHORT
                    flag.cleared_at = now
                    flag.save(update_fields=["status", "cleared_at"])
                    FlagEvent.objects.create(flag=flag, kind=FlagEventKind.OPPHORT, at=now)
                    result.cleared += 1
    return result


def _open_flags_of(person_ids: list[int]) -> set[tuple[Any, ...]]:
    """(person, code, fact date, suggestion) of the open flags of these people."""
    found: set[tuple[Any, ...]] = set()
    step = 5000
    for start in range(0, len(person_ids), step):
        found |= set(
            PortfolioFlag.objects.filter(
                person_id__in=person_ids[start : start + step], status__in=OPEN_FLAG_STATUSES
            ).values_list("person_id", "code", "fact_date", "suggested_programme_type_id")
        )
    return found


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


RULE_COLUMNS = ["rule", "flags raised", "close ms", "raise ms", "rule ms"]
RUN_COLUMNS = [
    "case",
    "persons",
    "seconds",
    "raised",
    "cleared",
    "reopened",
    "queries",
]


def run(*, runs: int) -> tuple[list[Any], dict[str, object]]:
    del runs  # see the module's docstring
    today = timezone.localdate()
    persons = Person.objects.count()
    if not persons:
        raise SystemExit("No persons: run seed_demo --scale national first.")
    existing = PortfolioFlag.objects.count()
    existing_events = FlagEvent.objects.count()
    before = _fingerprint()

    with rolled_back():
        _delete_flags()
        # 1. The nightly run from nothing.
        with watch() as full_statements:
            started = time.perf_counter()
            full = flags_refresh(today=today)
            full_seconds = time.perf_counter() - started
        per_rule, tail = job_steps(full_statements)
        by_code = dict(
            PortfolioFlag.objects.filter(status__in=OPEN_FLAG_STATUSES)
            .values_list("code")
            .annotate(n=Count("pk"))
            .order_by()
        )
        events_written = FlagEvent.objects.count()

        # 2. Nothing changed: the same job again.
        steady: list[tuple[float, FlagRunResult, int]] = []
        for _ in range(STEADY_RUNS):
            with watch() as statements:
                started = time.perf_counter()
                again = flags_refresh(today=today)
                steady.append((time.perf_counter() - started, again, len(statements.rows)))
        steady_seconds = statistics.median(s for s, _r, _q in steady)
        steady_changed = sum(r.changed for _s, r, _q in steady)

        # 3. The naive loop over a sample, from nothing as well.
        ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
        sample = ids[::SAMPLE_EVERY]
        set_based = _open_flags_of(sample)
        _delete_flags()
        with watch() as statements:
            started = time.perf_counter()
            naive = naive_refresh(sample, today)
            naive.seconds = time.perf_counter() - started
        naive.queries = len(statements.rows)
        naive_flags = _open_flags_of(sample)
    unchanged = _fingerprint() == before

    scale = persons / len(sample)
    naive_scaled = naive.seconds * scale
    speed_up = naive_scaled / full_seconds if full_seconds else None
    agree = naive_flags == set_based

    rule_rows: list[list[Any]] = [
        [
            code,
            by_code.get(code, 0),
            _ms(close.seconds),
            _ms(raise_.seconds),
            _ms(close.seconds + raise_.seconds),
        ]
        for code, close, raise_ in per_rule
    ]
    for step in tail:
        rule_rows.append([f"({step.label})", step.rows, None, None, _ms(step.seconds)])
    rule_rows.append(["total (wall, end to end)", full.raised, None, None, _ms(full_seconds)])

    run_rows: list[list[Any]] = [
        [
            "full nightly run from nothing",
            persons,
            round(full_seconds, 2),
            full.raised,
            full.cleared,
            full.reopened,
            len(full_statements.rows),
        ],
        [
            f"steady-state re-run (median of {STEADY_RUNS})",
            persons,
            round(steady_seconds, 2),
            sum(r.raised for _s, r, _q in steady),
            sum(r.cleared for _s, r, _q in steady),
            sum(r.reopened for _s, r, _q in steady),
            steady[0][2],
        ],
        [
            f"naive ORM loop, every {SAMPLE_EVERY}th person",
            len(sample),
            round(naive.seconds, 2),
            naive.raised,
            naive.cleared,
            0,
            naive.queries,
        ],
        [
            f"naive ORM loop scaled x{scale:g} to everyone",
            persons,
            round(naive_scaled, 2),
            None,
            None,
            None,
            round(naive.queries * scale),
        ],
    ]
    targets: list[list[Any]] = [
        [
            "full run from nothing (s)",
            f"< {TARGET_FULL_SECONDS:g}",
            round(full_seconds, 2),
            _yes(full_seconds < TARGET_FULL_SECONDS),
        ],
        [
            "speed-up vs naive loop (x)",
            f">= {TARGET_SPEED_UP:g}",
            round(speed_up, 1) if speed_up is not None else None,
            _yes(speed_up is not None and speed_up >= TARGET_SPEED_UP),
        ],
        [
            "steady-state re-run changes (rows)",
            "0",
            steady_changed,
            _yes(steady_changed == 0),
        ],
        [
            "naive and set-based agree on the sample",
            "yes",
            f"{len(naive_flags):,} vs {len(set_based):,} flags",
            _yes(agree),
        ],
        ["database unchanged afterwards", "yes", _yes(unchanged), _yes(unchanged)],
    ]
    context: dict[str, object] = {
        "database": connection.vendor,
        "today": today.isoformat(),
        "persons": persons,
        "existing": (
            f"{existing:,} flags and {existing_events:,} events before; deleted inside a "
            "transaction that is rolled back at the end"
        ),
        "full_run": (
            f"flags_refresh(today={today.isoformat()}) for everyone from nothing: "
            f"{full.raised:,} flags raised, {events_written:,} history events written"
        ),
        "naive_loop": (
            f"{len(sample):,} persons (every {SAMPLE_EVERY}th by id), per person and rule: "
            "exists(), its fact, get_or_create (or close one by one); scaled x"
            f"{scale:g} to {persons:,}"
        ),
        "runs": "ignored (one nightly event; the steady state runs "
        f"{STEADY_RUNS} times, median reported)",
        "full_run_seconds": round(full_seconds, 2),
        "steady_rerun_seconds": round(steady_seconds, 2),
        "naive_scaled_seconds": round(naive_scaled, 2),
        "speed_up": round(speed_up, 1) if speed_up is not None else None,
        "naive_agrees": agree,
        "database_unchanged_afterwards": unchanged,
        "tables": [
            {"title": "Targets", "columns": ["check", "target", "result", "met"], "rows": targets},
            {"title": "Runs", "columns": RUN_COLUMNS, "rows": run_rows},
            {
                "title": "Full nightly run from nothing, per rule",
                "columns": RULE_COLUMNS,
                "rows": rule_rows,
            },
        ],
    }
    return [], context


__all__ = ["job_steps", "naive_refresh", "run"]
