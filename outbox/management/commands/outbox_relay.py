import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from outbox.services import outbox_relay


class Command(BaseCommand):
    help = "Publish the outbox's pending tasks to the broker (once, or every few seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep relaying until stopped.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between rounds.")

    def handle(self, *args: Any, loop: bool, interval: float, **options: Any) -> None:
        while True:
            sent = outbox_relay()
            self.stdout.write(f"outbox: {sent} sent")
            if not loop:
                return
            time.sleep(interval)
