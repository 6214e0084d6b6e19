"""The matcher itself, free of Django: the eligible pairs of a problem, the exact min-cost
assignment (OR-Tools' min-cost flow), the greedy baseline, the run report and the export.

The problem (DOMAIN.md section 7): people waiting, offerings with free places. A pair is
eligible when the distance is within the person's limit and the person has not excluded the
offering (need group, open offering and protection are settled when the problem is built).
Place as many people as possible; among assignments of that size, minimise the total cost
`w_km * km - w_wait * effective_wait_days - w_fit * fit`.

Costs are rounded to thousandths and solved as integers, so the answer is exactly optimal for
the costs the export shows, and the same data give the same answer (inputs are sorted).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from org.geo import EARTH_RADIUS_KM

EXPORT_FORMAT = "inntak-matching/1"
# How many other candidates each proposal names in its explanation.
CANDIDATES_SHOWN = 3


@dataclass(frozen=True)
class Weights:
    km: float
    wait: float
    fit: float

    def as_dict(self) -> dict[str, float]:
        return {"km": self.km, "wait": self.wait, "fit": self.fit}


@dataclass(frozen=True)
class Person:
    """A waiting referral as the matcher sees it: an opaque id, no identity."""

    id: str
    municipality: str
    lat: float
    lon: float
    effective_wait_days: int
    max_km: float
    needs: tuple[str, ...]
    excluded_offerings: tuple[str, ...]
    position: int  # place in the waitlist's line, 1 first


@dataclass(frozen=True)
class Offering:
    id: str
    municipality: str
    lat: float
    lon: float
    free_places: int
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    county: str
    programme_type: str
    weights: Weights
    people: Sequence[Person]
    offerings: Sequence[Offering]
    # Facts for the report that the solver does not use: people left out before solving
    # (protected, need group not admitted) and offerings closed on their start date.
    waiting_total: int = 0
    left_out: dict[str, int] = field(default_factory=dict)

    def inputs(self) -> dict[str, Any]:
        """The inputs in the export's plain-JSON shape."""
        excluded_by: dict[str, list[str]] = {}
        for p in self.people:
            for o in p.excluded_offerings:
                excluded_by.setdefault(o, []).append(p.id)
        return {
            "format": EXPORT_FORMAT,
            "county": self.county,
            "programme_type": self.programme_type,
            "weights": self.weights.as_dict(),
            "people": [
                {
                    "id": p.id,
                    "municipality": p.municipality,
                    "effective_wait_days": p.effective_wait_days,
                    "max_km": p.max_km,
                    "needs": list(p.needs),
                    "excluded_offerings": list(p.excluded_offerings),
                    "position": p.position,
                }
                for p in self.people
            ],
            "offerings": [
                {
                    "id": o.id,
                    "municipality": o.municipality,
                    "free_places": o.free_places,
                    "tags": list(o.tags),
                    "excluded_by": excluded_by.get(o.id, []),
                }
                for o in self.offerings
            ],
            "municipalities": {
                m: {"lat": lat, "lon": lon}
                for m, lat, lon in sorted(
                    {(p.municipality, p.lat, p.lon) for p in self.people}
                    | {(o.municipality, o.lat, o.lon) for o in self.offerings}
                )
            },
        }

    def digest(self) -> str:
        """A fingerprint of everything the answer depends on: equal digests, equal answers."""
        text = json.dumps(self.inputs(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Pairs:
    """The eligible pairs, as parallel arrays sorted by (person, offering)."""

    person: npt.NDArray[np.int64]
    offering: npt.NDArray[np.int64]
    km: npt.NDArray[np.float64]
    fit: npt.NDArray[np.float64]
    cost_milli: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.person)

    def cost(self, i: int) -> float:
        return int(self.cost_milli[i]) / 1000


@dataclass(frozen=True)
class Solution:
    """Chosen pairs, as indices into `Pairs`."""

    arcs: npt.NDArray[np.int64]
    solve_seconds: float = 0.0


def _km_matrix(
    a_lat: npt.NDArray[np.float64],
    a_lon: npt.NDArray[np.float64],
    b_lat: npt.NDArray[np.float64],
    b_lon: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Great-circle distances (haversine, as org.geo) between every a and every b."""
    phi1, phi2 = np.radians(a_lat)[:, None], np.radians(b_lat)[None, :]
    dphi = phi2 - phi1
    dlambda = np.radians(b_lon)[None, :] - np.radians(a_lon)[:, None]
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h))))


def fit_share(needs: Sequence[str], tags: Sequence[str]) -> float:
    """The share of the person's recorded needs that the offering's tags cover; 1.0 with none."""
    if not needs:
        return 1.0
    return sum(1 for n in needs if n in tags) / len(needs)


def pair_cost(weights: Weights, km: float, wait_days: int, fit: float) -> float:
    return weights.km * km - weights.wait * wait_days - weights.fit * fit


def eligible_pairs(problem: Problem) -> Pairs:
    """Every (person, offering) pair within the person's distance limit and not excluded.
    km is rounded to 0.1, fit to 0.0001 and the cost, computed from those, to 0.001: the export
    shows exactly the numbers the solver used."""
    people, offerings = problem.people, problem.offerings
    if not people or not offerings:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_f = np.zeros(0, dtype=np.float64)
        return Pairs(empty_i, empty_i, empty_f, empty_f, empty_i)
    # Distances between distinct municipalities only: a county has a few dozen.
    p_mun = sorted({(p.municipality, p.lat, p.lon) for p in people})
    o_mun = sorted({(o.municipality, o.lat, o.lon) for o in offerings})
    p_index = {m: i for i, (m, _, _) in enumerate(p_mun)}
    o_index = {m: i for i, (m, _, _) in enumerate(o_mun)}
    km_mun = _km_matrix(
        np.array([m[1] for m in p_mun]),
        np.array([m[2] for m in p_mun]),
        np.array([m[1] for m in o_mun]),
        np.array([m[2] for m in o_mun]),
    )
    p_row = np.array([p_index[p.municipality] for p in people], dtype=np.int64)
    o_col = np.array([o_index[o.municipality] for o in offerings], dtype=np.int64)
    km = np.round(km_mun[p_row][:, o_col], 1)  # people x offerings
    max_km = np.array([p.max_km for p in people])
    ok = km <= max_km[:, None]
    offering_index = {o.id: j for j, o in enumerate(offerings)}
    for i, p in enumerate(people):
        for excluded in p.excluded_offerings:
            j = offering_index.get(excluded)
            if j is not None:
                ok[i, j] = False
    person_i, offering_j = np.nonzero(ok)  # row-major: sorted by person, then offering
    # Fit by bit masks: needs and tags are short lists of a few codes.
    codes = sorted({n for p in people for n in p.needs} | {t for o in offerings for t in o.tags})
    bit = {c: 1 << k for k, c in enumerate(codes)}
    need_mask = np.array([sum(bit[n] for n in set(p.needs)) for p in people], dtype=np.int64)
    tag_mask = np.array([sum(bit[t] for t in set(o.tags)) for o in offerings], dtype=np.int64)
    need_count = np.array([len(set(p.needs)) for p in people], dtype=np.int64)
    covered = _popcount(need_mask[person_i] & tag_mask[offering_j])
    counts = need_count[person_i]
    fit = np.where(counts == 0, 1.0, np.round(covered / np.maximum(counts, 1), 4))
    pair_km = km[person_i, offering_j]
    wait = np.array([p.effective_wait_days for p in people], dtype=np.float64)[person_i]
    w = problem.weights
    cost = w.km * pair_km - w.wait * wait - w.fit * fit
    cost_milli = np.round(cost * 1000).astype(np.int64)
    return Pairs(person_i.astype(np.int64), offering_j.astype(np.int64), pair_km, fit, cost_milli)


def _popcount(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    counts = np.zeros_like(values)
    v = values.copy()
    while np.any(v):
        counts += v & 1
        v >>= 1
    return counts


def solve_exact(problem: Problem, pairs: Pairs) -> Solution:
    """Maximum number placed, then minimum total cost: a max-flow min-cost problem on the
    graph source -> person (1) -> offering (1 per pair) -> sink (free places)."""
    import time

    started = time.perf_counter()
    n, m = len(problem.people), len(problem.offerings)
    if len(pairs) == 0:
        return Solution(np.zeros(0, dtype=np.int64), time.perf_counter() - started)
    source, sink = 0, n + m + 1
    people_with_pairs = np.unique(pairs.person)
    offerings_with_pairs = np.unique(pairs.offering)
    free = np.array([o.free_places for o in problem.offerings], dtype=np.int64)
    tails = np.concatenate(
        [
            np.full(len(people_with_pairs), source, dtype=np.int64),
            1 + pairs.person,
            1 + n + offerings_with_pairs,
        ]
    )
    heads = np.concatenate(
        [
            1 + people_with_pairs,
            1 + n + pairs.offering,
            np.full(len(offerings_with_pairs), sink, dtype=np.int64),
        ]
    )
    capacities = np.concatenate(
        [
            np.ones(len(people_with_pairs), dtype=np.int64),
            np.ones(len(pairs), dtype=np.int64),
            free[offerings_with_pairs],
        ]
    )
    costs = np.concatenate(
        [
            np.zeros(len(people_with_pairs), dtype=np.int64),
            pairs.cost_milli,
            np.zeros(len(offerings_with_pairs), dtype=np.int64),
        ]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    most = int(min(len(people_with_pairs), free[offerings_with_pairs].sum()))
    flow.set_node_supply(source, most)
    flow.set_node_supply(sink, -most)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    pair_arcs = arcs[len(people_with_pairs) : len(people_with_pairs) + len(pairs)]
    chosen = np.nonzero(flow.flows(pair_arcs))[0].astype(np.int64)
    return Solution(chosen, time.perf_counter() - started)


def solve_greedy(problem: Problem, pairs: Pairs) -> Solution:
    """The baseline for comparison: longest effective wait first, each takes the nearest
    eligible offering that still has a free place (ties: better fit, then input order)."""
    import time

    started = time.perf_counter()
    left = [o.free_places for o in problem.offerings]
    first = np.searchsorted(pairs.person, np.arange(len(problem.people) + 1))
    order = sorted(
        range(len(problem.people)),
        key=lambda i: (-problem.people[i].effective_wait_days, problem.people[i].position),
    )
    chosen: list[int] = []
    for i in order:
        options = range(int(first[i]), int(first[i + 1]))
        best = min(
            (a for a in options if left[int(pairs.offering[a])] > 0),
            key=lambda a: (pairs.km[a], -pairs.fit[a], int(pairs.offering[a])),
            default=None,
        )
        if best is not None:
            left[int(pairs.offering[best])] -= 1
            chosen.append(best)
    return Solution(np.array(sorted(chosen), dtype=np.int64), time.perf_counter() - started)


def _median(values: Sequence[float] | npt.NDArray[Any]) -> float | None:
    return float(np.median(values)) if len(values) else None


def _p95(values: npt.NDArray[np.float64]) -> float | None:
    # Nearest-rank: a value that occurred, and the same figure another tool would give.
    if not len(values):
        return None
    ordered = np.sort(values)
    return float(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)])


def passed_over(problem: Problem, pairs: Pairs, solution: Solution) -> int:
    """Pairs (q, proposal) where q waited longer than the person proposed, was eligible for
    that offering and lives no farther from it, but got nothing."""
    placed = np.zeros(len(problem.people), dtype=bool)
    placed[pairs.person[solution.arcs]] = True
    wait = np.array([p.effective_wait_days for p in problem.people], dtype=np.int64)
    unplaced_arcs = np.nonzero(~placed[pairs.person])[0]
    by_offering: dict[int, npt.NDArray[np.int64]] = {}
    if len(unplaced_arcs):
        offs = pairs.offering[unplaced_arcs]
        order = np.argsort(offs, kind="stable")
        sorted_arcs, sorted_offs = unplaced_arcs[order], offs[order]
        bounds = np.flatnonzero(np.diff(sorted_offs)) + 1
        for group in np.split(sorted_arcs, bounds):
            by_offering[int(pairs.offering[group[0]])] = group
    total = 0
    for a in solution.arcs:
        others = by_offering.get(int(pairs.offering[a]))
        if others is None:
            continue
        p = int(pairs.person[a])
        total += int(
            np.count_nonzero(
                (wait[pairs.person[others]] > wait[p]) & (pairs.km[others] <= pairs.km[a])
            )
        )
    return total


def report(problem: Problem, pairs: Pairs, solution: Solution) -> dict[str, Any]:
    """The run report's figures for one solution."""
    people = problem.people
    wait = np.array([p.effective_wait_days for p in people], dtype=np.int64)
    placed = np.zeros(len(people), dtype=bool)
    placed[pairs.person[solution.arcs]] = True
    km = pairs.km[solution.arcs]
    placed_wait, waiting_wait = wait[placed], wait[~placed]
    return {
        "people_waiting": problem.waiting_total or len(people),
        "people_considered": len(people),
        "people_with_options": len(np.unique(pairs.person)),
        "left_out": dict(problem.left_out),
        "offerings": len(problem.offerings),
        "places_free": int(sum(o.free_places for o in problem.offerings)),
        "eligible_pairs": len(pairs),
        "placed": len(solution.arcs),
        "objective": int(pairs.cost_milli[solution.arcs].sum()) / 1000,
        "total_km": round(float(km.sum()), 1),
        "p95_km": _p95(km),
        "placed_wait_median": _median(placed_wait),
        "placed_wait_max": int(placed_wait.max()) if len(placed_wait) else None,
        "waiting_wait_median": _median(waiting_wait),
        "waiting_wait_max": int(waiting_wait.max()) if len(waiting_wait) else None,
        "passed_over": passed_over(problem, pairs, solution),
        "solve_ms": round(solution.solve_seconds * 1000, 1),
    }


@dataclass(frozen=True)
class Candidate:
    """Someone else who could have had the place, and what became of them."""

    person: int
    km: float
    fit: float
    cost: float
    wait_days: int
    position: int
    proposed_offering: int | None  # where they got a proposal instead, if anywhere


def explain(
    problem: Problem, pairs: Pairs, solution: Solution, limit: int = CANDIDATES_SHOWN
) -> dict[int, list[Candidate]]:
    """For each chosen arc: the next candidates for that offering by cost, other than the
    person chosen. (In an optimal answer, anyone unplaced costs at least as much there.)"""
    assigned: dict[int, int] = {int(pairs.person[a]): int(pairs.offering[a]) for a in solution.arcs}
    order = np.lexsort((pairs.person, pairs.cost_milli, pairs.offering))
    offs = pairs.offering[order]
    starts = np.searchsorted(offs, np.arange(len(problem.offerings) + 1))
    result: dict[int, list[Candidate]] = {}
    for a in solution.arcs:
        o, chosen = int(pairs.offering[a]), int(pairs.person[a])
        found: list[Candidate] = []
        for b in order[starts[o] : starts[o + 1]]:
            q = int(pairs.person[b])
            if q == chosen:
                continue
            found.append(
                Candidate(
                    person=q,
                    km=float(pairs.km[b]),
                    fit=float(pairs.fit[b]),
                    cost=pairs.cost(int(b)),
                    wait_days=problem.people[q].effective_wait_days,
                    position=problem.people[q].position,
                    proposed_offering=assigned.get(q),
                )
            )
            if len(found) == limit:
                break
        result[int(a)] = found
    return result


def export(problem: Problem, pairs: Pairs, solution: Solution) -> dict[str, Any]:
    """Inputs and answer in plain JSON, for anyone to check (README, "Matching export")."""
    people, offerings = problem.people, problem.offerings
    data = problem.inputs()
    data["eligible"] = [
        {
            "person": people[int(pairs.person[a])].id,
            "offering": offerings[int(pairs.offering[a])].id,
            "km": float(pairs.km[a]),
            "fit": float(pairs.fit[a]),
            "cost": pairs.cost(a),
        }
        for a in range(len(pairs))
    ]
    data["solution"] = {
        "pairs": [
            {
                "person": people[int(pairs.person[a])].id,
                "offering": offerings[int(pairs.offering[a])].id,
            }
            for a in solution.arcs
        ],
        "placed": len(solution.arcs),
        "objective": int(pairs.cost_milli[solution.arcs].sum()) / 1000,
    }
    return data
