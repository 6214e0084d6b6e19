"""`python manage.py create_api_token USERNAME [--rotate]`: print a member of staff's token for
the REST API (header `Authorization: Token <token>`), creating it on first use.

The token opens what the user's memberships open, exactly as their login does: it is not a
role of its own. `--rotate` replaces a token that may have leaked.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from org.access import scope_for
from org.models import User


class Command(BaseCommand):
    help = "Print the REST API token of a member of staff, creating it if needed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--rotate", action="store_true", help="Replace the existing token with a new one."
        )

    @transaction.atomic
    def handle(self, *args: Any, username: str, rotate: bool, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user with the username {username!r}.")
        if rotate:
            Token.objects.filter(user=user).delete()
        token, _created = Token.objects.get_or_create(user=user)
        if not scope_for(user).has_any_role:
            self.stderr.write(
                f"Note: {username} has no memberships, so the API will show them nothing."
            )
        self.stdout.write(token.key)
