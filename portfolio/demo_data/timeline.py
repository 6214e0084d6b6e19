"""Dates and times of generated data, all relative to one reference day, so that the same seed
and day give the same data."""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from itertools import accumulate

from django.utils import timezone

# Approvals onto waitlists by month: little in summer, a rush in October-November when offices
# "fill places" before the year ends (DOMAIN.md section 11, seed L7868-7871, L9508-9510).
MONTH_WEIGHTS = {
    1: 1.0,
    2: 1.0,
    3: 1.0,
    4: 0.85,
    5: 0.9,
    6: 0.7,
    7: 0.2,
    8: 0.75,
    9: 1.1,
    10: 1.7,
    11: 1.7,
    12: 0.6,
}
# How far back the waitlists reach.
WAITLIST_SPAN_DAYS = 730


def weekday_on_or_before(day: datetime.date) -> datetime.date:
    """Staff work on weekdays: a Saturday or Sunday becomes the Friday before."""
    return day - datetime.timedelta(days=max(0, day.weekday() - 4))


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class Timeline:
    def __init__(self, today: datetime.date) -> None:
        self.today = today
        # The newest generated event happens yesterday, never later today than the run itself.
        self.last_working_day = weekday_on_or_before(today - datetime.timedelta(days=1))
        self._zone = timezone.get_default_timezone()

    def days_ago(self, days: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days)

    def between(
        self, rng: random.Random, first: datetime.date, last: datetime.date
    ) -> datetime.date:
        """A day in [first, last]; `first` if the range is empty."""
        span = (last - first).days
        return first + datetime.timedelta(days=rng.randint(0, span)) if span > 0 else first

    def working_day_before(
        self, day: datetime.date, rng: random.Random, low: int, high: int
    ) -> datetime.date:
        """A weekday `low` to `high` days before `day`."""
        return weekday_on_or_before(day - datetime.timedelta(days=rng.randint(low, high)))

    def moments(self, rng: random.Random, days: Sequence[datetime.date]) -> list[datetime.datetime]:
        """Strictly increasing times in office hours, one on each of `days` (in order)."""
        result: list[datetime.datetime] = []
        for day in days:
            if result and result[-1].date() == day:
                moment = result[-1] + datetime.timedelta(minutes=rng.randint(3, 45))
            else:
                minute = rng.randint(8 * 60, 15 * 60 + 30)
                moment = datetime.datetime.combine(
                    day, datetime.time(minute // 60, minute % 60), tzinfo=self._zone
                )
            result.append(moment)
        return result

    def morning(self, day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(8, 0), tzinfo=self._zone)

    def waitlist_days(self, rng: random.Random, count: int) -> list[datetime.date]:
        """Approval days of the people still waiting: weekdays over the last two years, by
        season, fewer the further back (most of those approved long ago have had a place)."""
        days = [self.days_ago(ago) for ago in range(1, WAITLIST_SPAN_DAYS + 1)]
        weights = [
            0.0
            if day.weekday() >= 5
            else MONTH_WEIGHTS[day.month] * (1.0 - 0.6 * ago / WAITLIST_SPAN_DAYS)
            for ago, day in enumerate(days, start=1)
        ]
        return rng.choices(days, cum_weights=list(accumulate(weights)), k=count)
