"""`python manage.py bench NAME [--runs N] [--json FILE]`: run one benchmark, print a table,
and optionally write the same figures as JSON.

A benchmark returns `(timings, context)`: timings print as the timing table, the context's
key/values as lines above it. A benchmark may also put tables of its own in
`context["tables"]`, a list of `{"title", "columns", "rows"}`; they print as aligned text
tables after the timings, and go into the JSON as "tables"."""

import json
from argparse import ArgumentParser
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError

from portfolio.bench import flags, imports, matching, pages
from portfolio.bench.timing import Timing

BENCHMARKS: dict[str, Callable[..., tuple[list[Timing], dict[str, object]]]] = {
    "pages": pages.run,
    "matching": matching.run,
    "flags": flags.run,
    "import": imports.run,
}


def _decimals(value: object) -> int:
    """Decimals a float needs, up to two (0.25 -> 2, 18.0 -> 0)."""
    if not isinstance(value, float):
        return 0
    return len(f"{value:.2f}".rstrip("0").partition(".")[2])


def _cell(value: object, decimals: int) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    return str(value)


def format_table(table: dict[str, Any]) -> list[str]:
    """A table as aligned text: numeric columns to the right, each with as many decimals as
    its values need (at most two); other columns to the left."""
    columns = [str(c) for c in table["columns"]]
    values: list[list[object]] = [list(row) for row in table["rows"]]
    numeric = [
        bool(values)
        and all(
            (isinstance(row[i], int | float) and not isinstance(row[i], bool)) or row[i] is None
            for row in values
        )
        for i in range(len(columns))
    ]
    decimals = [max((_decimals(row[i]) for row in values), default=0) for i in range(len(columns))]
    rows = [[_cell(v, decimals[i]) for i, v in enumerate(row)] for row in values]
    widths = [max(len(x) for x in [columns[i]] + [r[i] for r in rows]) for i in range(len(columns))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if right else c.ljust(w)
            for c, w, right in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    header = line(columns)
    return [str(table["title"]), header, "-" * len(header), *(line(r) for r in rows)]


class Command(BaseCommand):
    help = "Run a benchmark: " + ", ".join(BENCHMARKS)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", choices=sorted(BENCHMARKS))
        parser.add_argument(
            "--runs",
            type=int,
            default=50,
            help="timed runs per case (the matching benchmark runs each case once)",
        )
        parser.add_argument("--json", type=Path, help="also write the figures to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["runs"] < 1:
            raise CommandError("--runs must be at least 1.")
        timings, context = BENCHMARKS[options["name"]](runs=options["runs"])
        tables = cast(list[dict[str, Any]], context.pop("tables", None) or [])
        for key, value in context.items():
            self.stdout.write(f"{key}: {value}")
        if timings or not tables:
            header = (
                f"{'case':<48} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}"
            )
            self.stdout.write(header)
            self.stdout.write("-" * len(header))
            for t in timings:
                queries = "" if t.queries is None else str(t.queries)
                self.stdout.write(
                    f"{t.name:<48} {t.runs:>5} {t.p50_ms:>8.1f} {t.p95_ms:>8.1f} "
                    f"{t.max_ms:>8.1f} {queries:>8}"
                )
        for table in tables:
            self.stdout.write("")
            for text in format_table(table):
                self.stdout.write(text)
        if options["json"]:
            figures: dict[str, object] = {
                "benchmark": options["name"],
                "context": context,
                "results": [t.as_dict() for t in timings],
            }
            if tables:
                figures["tables"] = tables
            options["json"].write_text(json.dumps(figures, indent=2, ensure_ascii=False))
            self.stdout.write(f"Wrote {options['json']}")
