"""What every kind of import has in common (issue 8): a planner turns a read table and a
mapping into a verdict per row (the dry run), and applies that plan inside the caller's
transaction. `imports.services` runs planners; `imports.waitlist` and `imports.capacity` are
the two kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from imports.mapping import Field
from imports.models import ImportBatch
from imports.reading import Table
from org.models import User

# Called now and then with the number of rows done so far, for the progress bar.
Progress = Callable[[int], None]


@dataclass
class PlannedRow:
    line: int
    outcome: str  # a RowOutcome
    # For an error: the column to fix and a sentence that says how. For other rows: an
    # optional note (what was assumed), in the same field.
    column: str = ""
    message: str = ""
    new_person: bool | None = None
    person_id: int | None = None
    duplicate_of_line: int | None = None
    # What the preview shows of the row: from the file, never a whole fødselsnummer.
    shown: dict[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    rows: list[PlannedRow]
    # Exact counts for the summary; keys are the planner's (see its SUMMARY_LABELS).
    summary: dict[str, int]
    # Whatever the planner needs to apply the plan; never stored.
    payload: Any = None


class Planner(Protocol):
    fields: tuple[Field, ...]

    def plan(self, batch: ImportBatch, table: Table, progress: Progress) -> Plan:
        """The dry run: reads the database, writes nothing."""
        ...

    def apply(
        self, batch: ImportBatch, plan: Plan, actor: User, progress: Progress
    ) -> dict[str, int]:
        """Writes the plan. Runs inside the caller's transaction (all or nothing), after the
        caller has re-planned against the database as it is now; returns counts of what was
        written, for the batch's result."""
        ...
