"""`manage.py seed_demo`: fill the database with demo or benchmark data (portfolio/demo_data)."""

from __future__ import annotations

import datetime
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from portfolio.demo_data import DEMO_PASSWORD, SCALES, seed_demo


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _reference_day(value: datetime.date | str | None) -> datetime.date:
    # call_command(today="2026-11-02") hands the option over as given, unparsed.
    if isinstance(value, str):
        return _day(value)
    return value or timezone.localdate()


class Command(BaseCommand):
    help = (
        "Create synthetic persons, documents, providers, offerings, referrals, waitlists, "
        "participants and reported free places. "
        "'demo' is small and quick; 'national' is the benchmark instance (250,000 persons, "
        "20,000 waiting). The same --seed and --today give the same data. Without --reset an "
        "existing data set is left alone. Demo logins (veileder, inntak, arrangor, leder, "
        f"fylkesleder, admin) all have the password '{DEMO_PASSWORD}'. --reset deletes all "
        "persons, referrals, offerings and providers and the generated users first."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--today", type=_day, default=None, help="reference day (default: today)"
        )
        parser.add_argument(
            "--reset", action="store_true", help="delete the existing demo data first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = seed_demo(
            scale=SCALES[options["scale"]],
            seed=options["seed"],
            today=_reference_day(options["today"]),
            reset=options["reset"],
            progress=options["verbosity"] >= 1,
        )
        if not report.created:
            self.stdout.write(
                f"Demo data already present ({report.persons} persons); use --reset to rebuild"
            )
        else:
            width = max(len(label) for label, _ in report.counts)
            self.stdout.write(self.style.MIGRATE_HEADING("Created"))
            for label, count in report.counts:
                self.stdout.write(f"  {label:<{width}}  {count:>9,}")
            self.stdout.write(self.style.MIGRATE_HEADING("Seconds"))
            for phase, seconds in report.timings:
                self.stdout.write(f"  {phase:<{width}}  {seconds:>9.1f}")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        for username, password, role in report.logins:
            self.stdout.write(f"  {username:<12} {password:<12} {role}")
