"""Filters with exact counts, for the intake team's lists: each choice says how many rows it
would show, counted in one query per filter whatever the length of the list."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from intake.models import Referral


@dataclass(frozen=True)
class Option:
    """One choice of a filter, with how many rows it would show."""

    value: str
    label: str
    count: int
    selected: bool


def options(
    choices: Iterable[tuple[Any, Any]], counts: dict[Any, int], selected: Any
) -> list[Option]:
    """The choices that have rows, and the selected one whatever its count."""
    return [
        Option(str(value), str(label), counts.get(value, 0), value == selected)
        for value, label in choices
        if counts.get(value, 0) or value == selected
    ]


def group_counts(queryset: QuerySet[Referral], field: str) -> dict[Any, int]:
    rows = queryset.order_by().values(field).annotate(n=Count("pk"))
    return {row[field]: row["n"] for row in rows}


def wait_options(
    queryset: QuerySet[Referral], field: str, steps: Iterable[int], selected: int | None
) -> list[Option]:
    """How many rows waited more than each number of days, counted in one query."""
    now = timezone.now()
    steps = sorted({*steps, *([selected] if selected else [])})
    counts = queryset.order_by().aggregate(
        **{
            f"d{days}": Count(
                "pk", filter=Q(**{f"{field}__lte": now - datetime.timedelta(days=days)})
            )
            for days in steps
        }
    )
    return [
        Option(
            str(days),
            ngettext("Mer enn %(n)s dag", "Mer enn %(n)s dager", days) % {"n": days},
            counts[f"d{days}"],
            days == selected,
        )
        for days in steps
    ]
