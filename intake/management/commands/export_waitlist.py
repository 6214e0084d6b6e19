"""`python manage.py export_waitlist --county 50 --programme-type AFT --format csv|xlsx
--output FILE --user USERNAME`: write one county's waitlist for one programme type to a file,
as the waitlist page's download does (intake.exports).

The user's scope decides what is in it: a county whose waitlists the user may not see is
refused, and protected persons they may not see in full are masked. Nothing is written to the
access log: a management command is not a request (audit.recording collects per request).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake import exports
from intake.management.commands.export_capacity import export_scope
from providers.models import ProgrammeType


def programme_type_named(name: str) -> ProgrammeType:
    """A programme type by its code (ARBFORB) or short name (AFT), without case."""
    found = ProgrammeType.objects.filter(code__iexact=name).first()
    if found is not None:
        return found
    matches = list(ProgrammeType.objects.filter(short_name__iexact=name)[:2])
    if len(matches) != 1:
        raise CommandError(f"No single programme type with the code or short name {name!r}.")
    return matches[0]


class Command(BaseCommand):
    help = "Write a county's waitlist for one programme type to a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="County number, e.g. 50.")
        parser.add_argument(
            "--programme-type", required=True, help="Programme type code or short name."
        )
        parser.add_argument("--format", required=True, choices=exports.FORMATS)
        parser.add_argument("--output", required=True, type=Path)
        parser.add_argument("--user", required=True, help="Whose access decides the content.")

    def handle(self, *args: Any, **options: Any) -> None:
        county_number: str = options["county"]
        scope = export_scope(options["user"], county_number, "waitlists")
        programme_type = programme_type_named(options["programme_type"])
        entries = exports.waitlist_entries(
            scope=scope, county_number=county_number, programme_type_id=programme_type.pk
        )
        rows = list(exports.waitlist_rows(entries.iterator(chunk_size=2000), scope=scope))
        output: Path = options["output"]
        output.write_bytes(exports.waitlist_file(rows, options["format"]))
        masked = sum(1 for row in rows if not row.fodselsnummer)
        self.stdout.write(
            f"Wrote {len(rows)} rows ({masked} masked) of the {programme_type.short_name} "
            f"waitlist of county {county_number} to {output}."
        )
