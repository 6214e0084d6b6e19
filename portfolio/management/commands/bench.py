"""`python manage.py bench NAME [--runs N] [--json FILE]`: run one benchmark, print a table,
and optionally write the same figures as JSON."""

import json
from argparse import ArgumentParser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portfolio.bench import pages
from portfolio.bench.timing import Timing

BENCHMARKS: dict[str, Callable[..., tuple[list[Timing], dict[str, object]]]] = {
    "pages": pages.run,
}


class Command(BaseCommand):
    help = "Run a benchmark: " + ", ".join(BENCHMARKS)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", choices=sorted(BENCHMARKS))
        parser.add_argument("--runs", type=int, default=50, help="timed runs per case")
        parser.add_argument("--json", type=Path, help="also write the figures to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["runs"] < 1:
            raise CommandError("--runs must be at least 1.")
        timings, context = BENCHMARKS[options["name"]](runs=options["runs"])
        for key, value in context.items():
            self.stdout.write(f"{key}: {value}")
        header = (
            f"{'case':<48} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for t in timings:
            queries = "" if t.queries is None else str(t.queries)
            self.stdout.write(
                f"{t.name:<48} {t.runs:>5} {t.p50_ms:>8.1f} {t.p95_ms:>8.1f} {t.max_ms:>8.1f} "
                f"{queries:>8}"
            )
        if options["json"]:
            options["json"].write_text(
                json.dumps(
                    {
                        "benchmark": options["name"],
                        "context": context,
                        "results": [t.as_dict() for t in timings],
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
            self.stdout.write(f"Wrote {options['json']}")
