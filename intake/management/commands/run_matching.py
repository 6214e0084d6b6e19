"""`python manage.py run_matching --county NN --programme CODE [--dry-run] [--export FILE]`:
run the matcher for one county's waitlist of one programme type (DOMAIN.md section 7) and
print its report, the exact matcher beside the greedy baseline.

Without --dry-run it is a real run, exactly as the Celery task does it (locks, proposals,
"nothing changed" when the inputs are those of the last run), started as KOMMANDO. With
--dry-run it solves on today's data and saves nothing. --export writes the inputs and the
answer as JSON for anyone to check (tools/check_matching_export.py).
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from intake.matching.problem import matching_problem
from intake.models import MatchingTrigger
from intake.services.matching import matching_compute, matching_run
from org.models import County
from providers.models import ProgrammeType

# (label, report key, decimals); None decimals: a count or a whole number of days.
ROWS: list[tuple[str, str, int | None]] = [
    ("Venter på listen", "people_waiting", None),
    ("Vurdert av matcheren", "people_considered", None),
    ("Ledige plasser", "places_free", None),
    ("Plassert", "placed", None),
    ("Målfunksjon (lavere er bedre)", "objective", 3),
    ("Reisevei totalt (km)", "total_km", 1),
    ("Reisevei p95 (km)", "p95_km", 1),
    ("Ventetid plasserte, median (dager)", "placed_wait_median", 1),
    ("Ventetid plasserte, lengst (dager)", "placed_wait_max", None),
    ("Ventetid fortsatt ventende, median (dager)", "waiting_wait_median", 1),
    ("Ventetid fortsatt ventende, lengst (dager)", "waiting_wait_max", None),
    ("Forbigåtte par", "passed_over", None),
    ("Løsetid (ms)", "solve_ms", 1),
]


def _cell(value: Any, decimals: int | None) -> str:
    if value is None:
        return "–"
    if decimals is None:
        return f"{value:g}" if isinstance(value, float) else str(value)
    return f"{value:.{decimals}f}"


def report_table(report: dict[str, Any]) -> list[str]:
    """The run report as text lines: one row per figure, exact beside greedy."""
    exact, greedy = report["exact"], report["greedy"]
    header = ("", "Eksakt", "Grådig (referanse)")
    rows = [
        (label, _cell(exact.get(key), dec), _cell(greedy.get(key), dec)) for label, key, dec in ROWS
    ]
    width = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = [
        f"{header[0]:<{width[0]}}  {header[1]:>{width[1]}}  {header[2]:>{width[2]}}",
        "-" * (width[0] + width[1] + width[2] + 4),
    ]
    lines += [f"{a:<{width[0]}}  {b:>{width[1]}}  {c:>{width[2]}}" for a, b, c in rows]
    return lines


class Command(BaseCommand):
    help = (
        "Run the matcher for one county and programme type and print its report (exact "
        "matcher beside the greedy baseline). --dry-run saves nothing; --export writes the "
        "inputs and the answer as JSON."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--county", required=True, help="county number, e.g. 50")
        parser.add_argument("--programme", required=True, help="programme type code, e.g. ARBFORB")
        parser.add_argument("--dry-run", action="store_true", help="solve, but save nothing")
        parser.add_argument("--export", type=Path, help="write the export JSON to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        county = self._county(str(options["county"]))
        programme_type = self._programme_type(str(options["programme"]))
        export_path: Path | None = options["export"]
        dry_run: bool = options["dry_run"]
        self.stdout.write(
            f"Matching for {county.name} ({county.number}), {programme_type.name} "
            f"({programme_type.code})" + (" – prøvekjøring, ingenting lagres" if dry_run else "")
        )
        if dry_run:
            computed = matching_compute(
                matching_problem(county_number=county.number, programme_type=programme_type)
            )
            report: dict[str, Any] | None = computed.report
            export = computed.export() if export_path else None
            self.stdout.write("Prøvekjøring: ingen kjøring og ingen forslag er lagret.")
        else:
            result = matching_run(
                county_number=county.number,
                programme_type_id=programme_type.pk,
                trigger=MatchingTrigger.KOMMANDO,
                want_export=export_path is not None,
            )
            export = result.export
            report = result.run.report if result.run is not None else None
            if result.created and result.run is not None:
                proposals = result.run.proposals.count()
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Ny kjøring lagret (#{result.run.pk}) med {proposals} forslag."
                    )
                )
            elif result.run is not None:
                self.stdout.write(
                    f"Ingenting er endret siden forrige kjøring (#{result.run.pk}, "
                    f"{result.run.finished_at:%Y-%m-%d %H:%M}): ingen ny kjøring er lagret. "
                    "Rapporten under er fra den kjøringen."
                )
            else:
                self.stdout.write(
                    "Ingen venter og ingen plasser er ledige: ingenting å matche, "
                    "ingen kjøring er lagret."
                )
        if report is not None:
            left_out = report["exact"].get("left_out") or {}
            if any(left_out.values()):
                self.stdout.write(
                    f"Holdt utenfor: {left_out.get('protected', 0)} med adressebeskyttelse, "
                    f"{left_out.get('need_group', 0)} med innsatsgruppe tiltaket ikke tar imot, "
                    f"{left_out.get('closed_offerings', 0)} stengte gjennomføringer."
                )
            for line in report_table(report):
                self.stdout.write(line)
        if export_path is not None and export is not None:
            export_path.write_text(
                json.dumps(export, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            self.stdout.write(
                f"Eksport skrevet til {export_path.resolve()} ({len(export['people'])} personer, "
                f"{len(export['offerings'])} gjennomføringer, {len(export['eligible'])} "
                f"mulige par). Sjekk den med: python tools/check_matching_export.py {export_path}"
            )

    def _county(self, number: str) -> County:
        number = number.strip().zfill(2)
        county = County.objects.filter(number=number).first()
        if county is None:
            known = ", ".join(County.objects.values_list("number", flat=True))
            raise CommandError(f"Fant ikke fylke «{number}». Kjente fylkesnumre: {known}.")
        return county

    def _programme_type(self, code: str) -> ProgrammeType:
        programme_type = ProgrammeType.objects.filter(code__iexact=code.strip()).first()
        if programme_type is None:
            known = ", ".join(ProgrammeType.objects.values_list("code", flat=True))
            raise CommandError(
                f"Fant ingen tiltakstype med koden «{code}». Kjente tiltakskoder: {known}."
            )
        return programme_type
