"""`python manage.py export_capacity --county 50 --format csv|xlsx --output FILE --user
USERNAME`: write a county's offerings and their places to a file, as the capacity overview's
download does (intake.exports).

The user's scope decides what is in it: a county the user does not do or lead intake work for
is refused. Nothing is written to the access log: a management command is not a request
(audit.recording collects per request), and the file names no person.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake import exports
from org.access import Scope, scope_for
from org.models import User


def export_scope(username: str, county_number: str, what: str) -> Scope:
    """The access of the user named, who must see the county's `what` on the pages."""
    user = User.objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"No active user with the username {username!r}.")
    scope = scope_for(user)
    if county_number not in scope.intake_county_numbers | scope.leader_county_numbers:
        raise CommandError(f"{username} may not see the {what} of county {county_number!r}.")
    return scope


class Command(BaseCommand):
    help = "Write a county's offerings and their places to a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="County number, e.g. 50.")
        parser.add_argument("--format", required=True, choices=exports.FORMATS)
        parser.add_argument("--output", required=True, type=Path)
        parser.add_argument("--user", required=True, help="Whose access decides the content.")

    def handle(self, *args: Any, **options: Any) -> None:
        county_number: str = options["county"]
        scope = export_scope(options["user"], county_number, "capacity")
        offerings = list(exports.capacity_offerings(scope=scope, county_number=county_number))
        output: Path = options["output"]
        output.write_bytes(exports.capacity_file(offerings, options["format"]))
        self.stdout.write(
            f"Wrote {len(offerings)} offerings of county {county_number} to {output}."
        )
