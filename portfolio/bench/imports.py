"""`bench import`: the waitlist import (issue 8) of a county's list of 50,000 rows, end to end
through the services the page and the management command use: upload (read and keep), the
dry run (batch_check), applying (batch_apply), and the same file a second time, which must
change nothing. Target: dry run + apply of 50,000 rows under 60 s.

The file is synthetic and made fresh for county 50 (Trøndelag): valid fødselsnumre (made by
the mod-11 generator below; the numbers are never printed), names, the county's offices by
name or unit number, AFT or VTA, dates as text and as Excel serial numbers (or date cells in
XLSX), ~2 % duplicate rows, ~1 % bad rows (wrong check digits, an unknown office, a date in
the future, an unknown programme type) and ~5 % people already in Inntak (as many of the
county's persons as there are, up to that).

The bench command has no options of its own for a benchmark, so the size and formats come
from the environment: BENCH_IMPORT_ROWS (default 50000) and BENCH_IMPORT_FORMATS (default
"csv,xlsx"). `--runs` is ignored: one timed run per phase (a 50,000-row import is its own
warm-up). Each format runs inside a transaction that is rolled back at the end (the services'
own transactions nest in it as savepoints), so the database is left as it was; that also
means the time of the final COMMIT is not in the figures.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from imports.models import BatchStatus, ImportBatch, ImportKind, ImportRow
from imports.services import (
    batch_apply,
    batch_apply_request,
    batch_check,
    batch_configure,
    batch_upload,
)
from imports.waitlist import SUMMARY_LABELS
from intake.models import Person, Referral, ReferralEvent
from org.models import County, CountyMembership, CountyRole, Office, User
from portfolio.bench.timing import Timing, rolled_back
from portfolio.demo_data.numbers import fodselsnummer

COUNTY = "50"
TARGET_SECONDS = 60.0
SEED = 20260801
HEADER = ["Fødselsnummer", "Navn", "NAV-kontor", "Tiltak", "Henvist dato", "Merknad"]
TEMP_USERNAME = "bench-import-inntak"

_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_FIRST = ["Kari", "Ola", "Siv", "Kåre", "Ingrid", "Per", "Aisha", "Jonas", "Mari", "Ali", "Åse"]
_LAST = ["Nordmann", "Hansen", "Øvrebø", "Ås", "Berg", "Dahl", "Haugen", "Lie", "Moe", "Bakke"]


def synthetic_fodselsnummer(rng: random.Random, taken: set[str]) -> str:
    """A valid fødselsnummer of someone born 1950-1999, not in `taken` (added to it)."""
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(18262))
    return fodselsnummer(rng, birth, male=rng.random() < 0.5, taken=taken)


@dataclass
class Sheet:
    rows: list[list[Any]]  # cells as written: str, or datetime.date for an XLSX date cell
    counts: dict[str, int] = field(default_factory=dict)


def make_sheet(size: int, *, xlsx: bool, seed: int = SEED) -> Sheet:
    rng = random.Random(seed)
    offices = list(Office.objects.filter(county_id=COUNTY).order_by("number"))
    existing = list(
        Person.objects.filter(office__county_id=COUNTY)
        .order_by("pk")
        .values_list("fodselsnummer", flat=True)[: size // 20]
    )
    n_bad, n_dup = size // 100, size // 50
    n_new = size - n_bad - n_dup - len(existing)
    numbers: set[str] = set()
    while len(numbers) < n_new:
        synthetic_fodselsnummer(rng, numbers)
    taken: set[str] = set()
    ordered = sorted(numbers)
    for start in range(0, len(ordered), 5000):
        taken.update(
            Person.objects.filter(fodselsnummer__in=ordered[start : start + 5000]).values_list(
                "fodselsnummer", flat=True
            )
        )
    numbers -= taken  # (vanishingly rare) a synthetic number that is someone real here
    today = timezone.localdate()

    def day_cell(day: datetime.date) -> Any:
        kind = rng.randrange(4)
        if kind == 0:
            return day if xlsx else day.strftime("%Y-%m-%d")
        if kind == 1:
            return str((day - _EXCEL_EPOCH).days)
        return day.strftime("%d.%m.%Y")

    def row(number: str) -> list[Any]:
        office = rng.choice(offices)
        day = today - datetime.timedelta(days=rng.randrange(1, 900))
        return [
            number,
            f"{rng.choice(_LAST)}, {rng.choice(_FIRST)}",
            office.number if rng.random() < 0.2 else office.name,
            "AFT" if rng.random() < 0.6 else "VTA",
            day_cell(day),
            "Ringt inn" if rng.random() < 0.1 else "",
        ]

    good = [row(n) for n in sorted(numbers)] + [row(n) for n in existing]
    rng.shuffle(good)
    bad: list[list[Any]] = []
    for i in range(n_bad):
        broken = row(synthetic_fodselsnummer(rng, set()))
        kind = i % 4
        if kind == 0:
            number = str(broken[0])
            broken[0] = number[:10] + str((int(number[10]) + 1) % 10)  # wrong check digit
        elif kind == 1:
            broken[2] = "Nav Ukjent"
        elif kind == 2:
            broken[4] = (today + datetime.timedelta(days=30)).strftime("%d.%m.%Y")
        else:
            broken[3] = "XYZ"
        bad.append(broken)
    rows: list[list[Any]] = []
    duplicates = 0
    queue = good + bad
    rng.shuffle(queue)
    every = max(len(queue) // max(n_dup, 1), 1)
    for i, r in enumerate(queue, start=1):
        rows.append(r)
        if i % every == 0 and duplicates < n_dup:
            twin = list(rng.choice(good[: max(i // 2, 1)]))
            twin[4] = day_cell(today - datetime.timedelta(days=rng.randrange(1, 900)))
            twin[5] = "Står også på arrangørens liste"
            rows.append(twin)
            duplicates += 1
    return Sheet(
        rows,
        {
            "rows": len(rows),
            "new people": len(numbers),
            "people already in Inntak": len(existing),
            "duplicate rows": duplicates,
            "bad rows": n_bad,
        },
    )


def csv_bytes(sheet: Sheet) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(sheet.rows)
    return out.getvalue().encode("cp1252")


def xlsx_bytes(sheet: Sheet) -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet("Venteliste")
    ws.append(HEADER)
    for r in sheet.rows:
        ws.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- timing ----------------------------------------------------------------------------------


@dataclass
class _Clock:
    phases: list[tuple[str, float, int]] = field(default_factory=list)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        queries = 0

        def count(execute: Callable[..., Any], *args: Any) -> Any:
            nonlocal queries
            queries += 1
            return execute(*args)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            yield
        self.phases.append((name, time.perf_counter() - started, queries))

    def seconds(self, name: str) -> float:
        return next(s for n, s, _q in self.phases if n == name)


def _fingerprint() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        Referral.objects.count(),
        ReferralEvent.objects.count(),
        ImportBatch.objects.count(),
        ImportRow.objects.count(),
        User.objects.count(),
    )


def _intake_user() -> User:
    """A member of county 50's intake team; a temporary one (rolled back with the rest) if
    there is none."""
    membership = (
        CountyMembership.objects.filter(
            county_id=COUNTY, role=CountyRole.INNTAKSTEAM, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    if membership is not None:
        return membership.user
    user = User.objects.create(username=TEMP_USERNAME, first_name="Benchmark")
    user.set_unusable_password()
    user.save()
    CountyMembership.objects.create(user=user, county_id=COUNTY, role=CountyRole.INNTAKSTEAM)
    return user


def _import(actor: User, content: bytes, filename: str, clock: _Clock, label: str) -> ImportBatch:
    with clock.phase(f"{label}: upload (read + keep)"):
        batch = batch_upload(
            actor=actor,
            county_number=COUNTY,
            kind=ImportKind.VENTELISTE,
            filename=filename,
            content=content,
        )
    with clock.phase(f"{label}: dry run (batch_check)"):
        batch = batch_configure(
            actor=actor,
            batch_id=batch.pk,
            expected_version=batch.version,
            mapping=batch.mapping,
            enqueue=False,
        )
        batch_check(batch.pk)
    batch.refresh_from_db()
    if batch.status != BatchStatus.KONTROLLERT:
        raise SystemExit(f"{label}: the dry run failed: {batch.failure}")
    with clock.phase(f"{label}: apply (batch_apply)"):
        batch_apply_request(
            actor=actor,
            batch_id=batch.pk,
            expected_version=batch.version,
            accept_errors=True,
            enqueue=False,
        )
        batch_apply(batch.pk)
    batch.refresh_from_db()
    if batch.status != BatchStatus.IMPORTERT:
        raise SystemExit(f"{label}: applying failed: {batch.failure}")
    return batch


def _one_format(fmt: str, size: int) -> dict[str, Any]:
    clock = _Clock()
    with clock.phase(f"{fmt}: make the file"):
        sheet = make_sheet(size, xlsx=fmt == "xlsx")
        content = xlsx_bytes(sheet) if fmt == "xlsx" else csv_bytes(sheet)
    with rolled_back():
        actor = _intake_user()
        first = _import(actor, content, f"venteliste.{fmt}", clock, f"{fmt} first")
        after_first = _fingerprint()
        second = _import(actor, content, f"venteliste.{fmt}", clock, f"{fmt} again")
        after_second = _fingerprint()
    # The second import adds a batch and its rows, and nothing else.
    people_referrals_events = after_second[:3] == after_first[:3]
    nothing_new = second.summary["ready"] == second.summary["needs_documents"] == 0 and not any(
        second.result.values()
    )
    return {
        "format": fmt,
        "bytes": len(content),
        "sheet": sheet.counts,
        "clock": clock,
        "first": first,
        "second": second,
        "second_changes_nothing": people_referrals_events and nothing_new,
    }


def run(*, runs: int) -> tuple[list[Timing], dict[str, object]]:
    del runs  # see the module's docstring
    size = int(os.environ.get("BENCH_IMPORT_ROWS", "50000"))
    formats = [
        f.strip() for f in os.environ.get("BENCH_IMPORT_FORMATS", "csv,xlsx").split(",") if f
    ]
    if not Office.objects.filter(county_id=COUNTY).exists():
        raise SystemExit(f"County {COUNTY} has no offices: run migrate (and seed_demo) first.")
    before = _fingerprint()
    results = [_one_format(fmt, size) for fmt in formats]
    unchanged = _fingerprint() == before

    timings: list[Timing] = []
    targets: list[list[Any]] = []
    summaries: list[list[Any]] = []
    for r in results:
        clock: _Clock = r["clock"]
        for name, seconds, queries in clock.phases:
            ms = round(seconds * 1000, 1)
            timings.append(Timing(name, 1, ms, ms, ms, queries))
        fmt = r["format"]
        total = clock.seconds(f"{fmt} first: dry run (batch_check)") + clock.seconds(
            f"{fmt} first: apply (batch_apply)"
        )
        again = clock.seconds(f"{fmt} again: dry run (batch_check)") + clock.seconds(
            f"{fmt} again: apply (batch_apply)"
        )
        targets.append(
            [
                f"{fmt}: {size:,} rows, dry run + apply (s)",
                f"< {TARGET_SECONDS:g}",
                round(total, 2),
                _yes(total < TARGET_SECONDS),
            ]
        )
        targets.append([f"{fmt}: second import, dry run + apply (s)", "–", round(again, 2), "–"])
        targets.append(
            [
                f"{fmt}: second import changes nothing",
                "yes",
                "yes" if r["second_changes_nothing"] else "no",
                _yes(r["second_changes_nothing"]),
            ]
        )
        first, second = r["first"], r["second"]
        for key in sorted(first.summary, key=_summary_order):
            summaries.append([fmt, key, first.summary[key], second.summary.get(key)])
        for key in first.result:
            summaries.append([fmt, f"applied: {key}", first.result[key], second.result.get(key)])
    targets.append(
        ["database unchanged afterwards", "yes", "yes" if unchanged else "no", _yes(unchanged)],
    )
    county = County.objects.get(pk=COUNTY)
    context: dict[str, object] = {
        "database": connection.vendor,
        "county": f"{county.name} ({county.number})",
        "rows": size,
        "files": "; ".join(
            f"{r['format']}: {r['bytes'] / 1e6:.1f} MB, "
            + ", ".join(f"{k} {v:,}" for k, v in r["sheet"].items())
            for r in results
        ),
        "runs": "ignored (one timed run per phase; each format rolled back afterwards)",
        "database_unchanged_afterwards": unchanged,
        "tables": [
            {"title": "Targets", "columns": ["check", "target", "result", "met"], "rows": targets},
            {
                "title": "Dry run summary and what was applied",
                "columns": ["format", "count", "first import", "second import"],
                "rows": summaries,
            },
        ],
    }
    return timings, context


def _summary_order(key: str) -> int:
    keys = list(SUMMARY_LABELS)
    return keys.index(key) if key in keys else len(keys)


def _yes(value: bool) -> str:
    return "yes" if value else "NO"
