"""An independent check of a matching export (README, "Matching export").

    python tools/check_matching_export.py run.json

Reads only the JSON file and knows nothing of Inntak's code. It checks that
- every eligible pair is right: distance (haversine between the municipalities' points),
  within the person's limit, not excluded, fit and cost by the published formulas;
- no feasible pair is missing from the eligible list;
- the solution is feasible: eligible pairs only, each person at most once, no offering
  beyond its free places, and `placed` and `objective` add up;
- the solution is optimal: as many placed as any feasible assignment, and among those the
  least total cost. This is solved again here as a linear programme with SciPy's HiGHS (the
  assignment constraints are totally unimodular, so the LP optimum is the integer optimum),
  a different method from the min-cost flow Inntak uses.
Prints what it found; exits 1 on any failure.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack

EARTH_RADIUS_KM = 6371.0088


def haversine_km(a: dict[str, float], b: dict[str, float]) -> float:
    phi1, phi2 = math.radians(a["lat"]), math.radians(b["lat"])
    dphi, dlam = phi2 - phi1, math.radians(b["lon"] - a["lon"])
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def check(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    w = data["weights"]
    people = {p["id"]: p for p in data["people"]}
    offerings = {o["id"]: o for o in data["offerings"]}
    places = data.get("municipalities", {})
    eligible = data["eligible"]

    seen: set[tuple[str, str]] = set()
    for e in eligible:
        key = (e["person"], e["offering"])
        p, o = people.get(e["person"]), offerings.get(e["offering"])
        if p is None or o is None:
            problems.append(f"eligible pair {key} names an unknown person or offering")
            continue
        if key in seen:
            problems.append(f"eligible pair {key} is listed twice")
        seen.add(key)
        if places:
            km = round(haversine_km(places[p["municipality"]], places[o["municipality"]]), 1)
            if abs(km - e["km"]) > 0.051:
                problems.append(f"{key}: km {e['km']} but the points give {km}")
        if e["km"] > p["max_km"]:
            problems.append(f"{key}: {e['km']} km is beyond the limit {p['max_km']}")
        if o["id"] in p["excluded_offerings"]:
            problems.append(f"{key}: the person excluded this offering")
        needs = p["needs"]
        fit = sum(1 for n in needs if n in o["tags"]) / len(needs) if needs else 1.0
        if abs(fit - e["fit"]) > 1e-4:
            problems.append(f"{key}: fit {e['fit']} but the needs and tags give {fit:.4f}")
        cost = w["km"] * e["km"] - w["wait"] * p["effective_wait_days"] - w["fit"] * e["fit"]
        if abs(cost - e["cost"]) > 1e-3:
            problems.append(f"{key}: cost {e['cost']} but the formula gives {cost:.3f}")

    if places:
        for p in data["people"]:
            for o in data["offerings"]:
                if (p["id"], o["id"]) in seen or o["id"] in p["excluded_offerings"]:
                    continue
                km = round(haversine_km(places[p["municipality"]], places[o["municipality"]]), 1)
                if km <= p["max_km"] and o["free_places"] > 0:
                    problems.append(f"feasible pair {(p['id'], o['id'])} is not listed")

    solution = data["solution"]
    index = {(e["person"], e["offering"]): i for i, e in enumerate(eligible)}
    chosen: list[int] = []
    per_person: dict[str, int] = {}
    per_offering: dict[str, int] = {}
    for pair in solution["pairs"]:
        key = (pair["person"], pair["offering"])
        if key not in index:
            problems.append(f"solution pair {key} is not eligible")
            continue
        chosen.append(index[key])
        per_person[key[0]] = per_person.get(key[0], 0) + 1
        per_offering[key[1]] = per_offering.get(key[1], 0) + 1
    problems += [f"person {p} is placed {n} times" for p, n in per_person.items() if n > 1]
    problems += [
        f"offering {o} gets {n} people for {offerings[o]['free_places']} free places"
        for o, n in per_offering.items()
        if n > offerings[o]["free_places"]
    ]
    if solution["placed"] != len(solution["pairs"]):
        problems.append(f"placed is {solution['placed']}, pairs are {len(solution['pairs'])}")
    total = sum(eligible[i]["cost"] for i in chosen)
    if abs(total - solution["objective"]) > 1e-6 * max(1.0, abs(total)) + 1e-3:
        problems.append(f"objective is {solution['objective']}, the pairs add up to {total:.3f}")

    best_count, best_cost = optimum(data)
    if len(chosen) != best_count:
        problems.append(f"{len(chosen)} placed, but {best_count} could have been")
    elif best_cost is not None and total > best_cost + 1e-6 * max(1.0, abs(best_cost)) + 1e-3:
        problems.append(f"objective {total:.3f}, but {best_cost:.3f} was possible")
    return problems


def optimum(data: dict[str, Any]) -> tuple[int, float | None]:
    """Most people placed, then least cost with that many, as two linear programmes."""
    eligible = data["eligible"]
    if not eligible:
        return 0, None
    person_row = {p["id"]: i for i, p in enumerate(data["people"])}
    offering_row = {o["id"]: i for i, o in enumerate(data["offerings"])}
    n = len(eligible)
    cols = np.arange(n)
    a_person = coo_matrix(
        (np.ones(n), ([person_row[e["person"]] for e in eligible], cols)),
        shape=(len(person_row), n),
    )
    a_offering = coo_matrix(
        (np.ones(n), ([offering_row[e["offering"]] for e in eligible], cols)),
        shape=(len(offering_row), n),
    )
    a_ub = vstack([a_person, a_offering]).tocsr()
    b_ub = np.concatenate([np.ones(len(person_row)), [o["free_places"] for o in data["offerings"]]])
    most = linprog(-np.ones(n), A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    if most.status != 0:
        raise RuntimeError(f"the cardinality LP failed: {most.message}")
    count = round(-most.fun)
    costs = np.array([e["cost"] for e in eligible])
    cheapest = linprog(
        costs,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=np.ones((1, n)),
        b_eq=[count],
        bounds=(0, 1),
        method="highs",
    )
    if cheapest.status != 0:
        raise RuntimeError(f"the cost LP failed: {cheapest.message}")
    return count, float(cheapest.fun)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        data = json.load(f)
    problems = check(data)
    count, cost = optimum(data)
    print(
        f"{len(data['people'])} people, {len(data['offerings'])} offerings, "
        f"{len(data['eligible'])} eligible pairs; solution places "
        f"{data['solution']['placed']} with objective {data['solution']['objective']}; "
        f"the LP optimum places {count} with objective "
        f"{'-' if cost is None else f'{cost:.3f}'}"
    )
    for problem in problems[:50]:
        print("FAIL:", problem)
    if problems:
        print(f"{len(problems)} problem(s) found")
        return 1
    print("OK: feasible and optimal")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
