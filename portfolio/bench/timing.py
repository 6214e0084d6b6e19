"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from django.db import transaction


@dataclass(frozen=True)
class Timing:
    name: str
    runs: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    queries: int | None = None
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile: an observed value, not an interpolation."""
    ordered = sorted(samples)
    rank = max(1, round(share * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def measure(name: str, call: Callable[[], object], *, runs: int, warmup: int = 2) -> Timing:
    for _ in range(warmup):
        call()
    samples: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(
        name=name,
        runs=runs,
        p50_ms=round(statistics.median(samples), 1),
        p95_ms=round(percentile(samples, 0.95), 1),
        max_ms=round(max(samples), 1),
    )


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    """Everything inside is undone at the end, also when it is itself inside a transaction:
    benchmarks on the national instance leave it as they found it."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass
