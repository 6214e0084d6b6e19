"""The matcher alone, without the database: on random small problems the exact answer is
feasible and optimal by an independent check (SciPy's LP, tools/check_matching_export.py) and
never worse than the greedy baseline; answers are deterministic; the hard rules (distance,
exclusions) and fit hold; passed-over pairs and explanations are counted as defined."""

import random

import pytest

from intake.matching import solver
from intake.matching.solver import Offering, Person, Problem, Weights
from org.geo import great_circle_km
from org.vocabulary import CompetenceTag
from tools import check_matching_export

TAGS = list(CompetenceTag.values)
# Points around Trondheim, 0-70 km apart: some pairs within the limits, some not.
PLACES = [(f"9{n:03d}", 63.2 + 0.07 * (n % 7), 10.0 + 0.15 * (n // 7)) for n in range(14)]
WEIGHTS = [Weights(1.0, 1.0, 10.0), Weights(2.0, 0.5, 25.0), Weights(1.0, 0.0, 0.0)]


def random_problem(seed: int) -> Problem:
    rng = random.Random(seed)
    offerings = []
    for j in range(rng.randint(1, 5)):
        mun, lat, lon = rng.choice(PLACES)
        offerings.append(
            Offering(
                id=f"o{j + 1}",
                municipality=mun,
                lat=lat,
                lon=lon,
                free_places=rng.randint(0, 3),
                tags=tuple(sorted(rng.sample(TAGS, rng.randint(0, 3)))),
            )
        )
    people = []
    n = rng.randint(1, 14)
    waits = [rng.choice([rng.randint(0, 900), 100, 200]) for _ in range(n)]  # ties happen
    line = sorted(range(n), key=lambda i: (-waits[i], i))
    for i in range(n):
        mun, lat, lon = rng.choice(PLACES)
        excluded = [o.id for o in offerings if rng.random() < 0.15]
        people.append(
            Person(
                id=f"r{i + 1}",
                municipality=mun,
                lat=lat,
                lon=lon,
                effective_wait_days=waits[i],
                max_km=rng.choice([15.0, 30.0, 45.0, 60.0]),
                needs=tuple(sorted(rng.sample(TAGS, rng.randint(0, 3)))),
                excluded_offerings=tuple(excluded),
                position=line.index(i) + 1,
            )
        )
    return Problem("50", "ARBFORB", rng.choice(WEIGHTS), people, offerings)


def solve(problem: Problem):
    pairs = solver.eligible_pairs(problem)
    return pairs, solver.solve_exact(problem, pairs), solver.solve_greedy(problem, pairs)


SEEDS = range(50)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_exact_answer_is_feasible_optimal_and_no_worse_than_greedy(seed):
    problem = random_problem(seed)
    pairs, exact, greedy = solve(problem)

    assert check_matching_export.check(solver.export(problem, pairs, exact)) == []

    e, g = solver.report(problem, pairs, exact), solver.report(problem, pairs, greedy)
    assert e["placed"] >= g["placed"]
    if e["placed"] == g["placed"]:
        assert e["objective"] <= g["objective"]
    # Greedy gives the longest waiter the first pick: nobody who waited longer is left out.
    assert g["passed_over"] == 0
    # Greedy is feasible too (if not optimal).
    greedy_problems = check_matching_export.check(solver.export(problem, pairs, greedy))
    assert not [p for p in greedy_problems if "possible" not in p and "could have" not in p]


def test_the_random_problems_are_not_trivial():
    """Some have no eligible pair, most have several, and greedy sometimes loses."""
    sizes, greedy_worse = [], 0
    for seed in SEEDS:
        problem = random_problem(seed)
        pairs, exact, greedy = solve(problem)
        sizes.append(len(pairs))
        e, g = solver.report(problem, pairs, exact), solver.report(problem, pairs, greedy)
        greedy_worse += (e["placed"], e["objective"]) != (g["placed"], g["objective"])
    assert min(sizes) <= 2 and max(sizes) >= 20
    assert greedy_worse >= 10


def test_the_same_problem_gives_the_same_answer():
    for seed in range(10):
        problem = random_problem(seed)
        _, first, _ = solve(problem)
        _, second, _ = solve(problem)
        assert first.arcs.tolist() == second.arcs.tolist()
        assert problem.digest() == random_problem(seed).digest()


@pytest.mark.parametrize("seed", range(10))
def test_the_order_of_the_people_does_not_change_the_result(seed):
    problem = random_problem(seed)
    shuffled = list(problem.people)
    random.Random(seed).shuffle(shuffled)
    other = Problem(
        problem.county, problem.programme_type, problem.weights, shuffled, problem.offerings
    )

    pairs, exact, _ = solve(problem)
    other_pairs, other_exact, _ = solve(other)
    first = solver.report(problem, pairs, exact)
    second = solver.report(other, other_pairs, other_exact)

    assert second["eligible_pairs"] == first["eligible_pairs"]
    assert second["placed"] == first["placed"]
    assert second["objective"] == first["objective"]


def test_distance_limit_exclusions_and_fit_are_respected():
    for seed in SEEDS:
        problem = random_problem(seed)
        pairs = solver.eligible_pairs(problem)
        listed = set()
        for a in range(len(pairs)):
            p = problem.people[int(pairs.person[a])]
            o = problem.offerings[int(pairs.offering[a])]
            listed.add((p.id, o.id))
            assert pairs.km[a] <= p.max_km
            assert o.id not in p.excluded_offerings
            assert pairs.fit[a] == pytest.approx(solver.fit_share(p.needs, o.tags), abs=1e-4)
        for p in problem.people:
            for o in problem.offerings:
                if (p.id, o.id) in listed:
                    continue
                km = round(great_circle_km(p.lat, p.lon, o.lat, o.lon), 1)
                assert km > p.max_km or o.id in p.excluded_offerings


def test_fit_is_the_share_of_needs_covered_and_one_without_needs():
    assert solver.fit_share(("RUS", "SPRAK"), ("RUS", "UNGE")) == 0.5
    assert solver.fit_share(("RUS",), ()) == 0.0
    assert solver.fit_share((), ("RUS",)) == 1.0
    assert solver.fit_share((), ()) == 1.0
    problem = Problem(
        "50",
        "ARBFORB",
        Weights(1, 1, 10),
        [
            Person("r1", "5001", 63.4, 10.4, 10, 60, ("KOGNITIV", "RUS", "SPRAK"), (), 1),
            Person("r2", "5001", 63.4, 10.4, 10, 60, (), (), 2),
        ],
        [Offering("o1", "5001", 63.4, 10.4, 1, ("RUS", "SPRAK"))],
    )
    pairs = solver.eligible_pairs(problem)
    assert pairs.fit.tolist() == [0.6667, 1.0]
    assert pairs.cost_milli.tolist() == [round((0 - 10 - 6.667) * 1000), -20_000]


def _two_point_problem(weights: Weights) -> Problem:
    """One place. The long waiter lives at the offering but fits nothing; the other waited
    five days less, lives 2 km away and fits fully."""
    here = ("5001", 63.43, 10.39)
    away = ("5035", 63.43 + 2 / 111.195, 10.39)  # 2.0 km north
    return Problem(
        "50",
        "ARBFORB",
        weights,
        [
            Person("long", *here, 300, 60, ("RUS",), (), 1),
            Person("fits", *away, 295, 60, ("SPRAK",), (), 2),
        ],
        [Offering("o1", *here, 1, ("SPRAK",))],
    )


def test_a_longer_waiter_living_nearer_who_is_not_chosen_is_one_passed_over_pair():
    problem = _two_point_problem(Weights(1, 1, 10))
    pairs, exact, greedy = solve(problem)
    assert pairs.km.tolist() == [0.0, 2.0]
    # long: 0 - 300 - 0 = -300; fits: 2 - 295 - 10 = -303: fit outweighs five days' wait.
    chosen = [problem.people[int(pairs.person[a])].id for a in exact.arcs]
    assert chosen == ["fits"]
    assert solver.passed_over(problem, pairs, exact) == 1
    assert solver.report(problem, pairs, exact)["passed_over"] == 1
    # Greedy takes the longest waiter: nobody passed over.
    assert [problem.people[int(pairs.person[a])].id for a in greedy.arcs] == ["long"]
    assert solver.passed_over(problem, pairs, greedy) == 0


def test_no_passed_over_pair_when_the_longer_waiter_lives_farther():
    problem = _two_point_problem(Weights(1, 1, 10))
    people = list(problem.people)
    # Swap homes: now the long waiter lives 2 km away, the chosen one at the offering.
    long, fits = people
    people = [
        Person(long.id, fits.municipality, fits.lat, fits.lon, 300, 60, ("RUS",), (), 1),
        Person(fits.id, long.municipality, long.lat, long.lon, 295, 60, ("SPRAK",), (), 2),
    ]
    problem = Problem("50", "ARBFORB", problem.weights, people, problem.offerings)
    pairs, exact, _ = solve(problem)
    assert [problem.people[int(pairs.person[a])].id for a in exact.arcs] == ["fits"]
    assert solver.passed_over(problem, pairs, exact) == 0


def test_explain_lists_the_next_candidates_by_cost_and_marks_who_was_placed_elsewhere():
    weights = Weights(1, 1, 0)
    at = ("5001", 63.43, 10.39)

    def person(n: int, wait: int) -> Person:
        return Person(f"r{n}", *at, wait, 60, (), ("o2",) if n == 5 else (), n)

    people = [person(1, 500), person(2, 400), person(3, 300), person(4, 200), person(5, 100)]
    problem = Problem(
        "50",
        "ARBFORB",
        weights,
        [*people, person(6, 50)],
        [Offering("o1", *at, 1, ()), Offering("o2", *at, 1, ())],
    )
    pairs, exact, _ = solve(problem)
    placed = {
        problem.people[int(pairs.person[a])].id: problem.offerings[int(pairs.offering[a])].id
        for a in exact.arcs
    }
    assert placed == {"r1": "o1", "r2": "o2"} or placed == {"r1": "o2", "r2": "o1"}

    explained = solver.explain(problem, pairs, exact)

    assert set(explained) == {int(a) for a in exact.arcs}
    for a, candidates in explained.items():
        chosen = int(pairs.person[a])
        offering = int(pairs.offering[a])
        assert len(candidates) == solver.CANDIDATES_SHOWN
        assert chosen not in [c.person for c in candidates]
        assert [c.cost for c in candidates] == sorted(c.cost for c in candidates)
        expected = sorted(
            (pairs.cost(b), int(pairs.person[b]))
            for b in range(len(pairs))
            if int(pairs.offering[b]) == offering and int(pairs.person[b]) != chosen
        )[: solver.CANDIDATES_SHOWN]
        assert [(c.cost, c.person) for c in candidates] == expected
        # The other placed person is the best other candidate, marked as placed elsewhere.
        first = candidates[0]
        assert problem.people[first.person].id in placed
        assert first.proposed_offering is not None and first.proposed_offering != offering
        assert all(c.proposed_offering is None for c in candidates[1:])
        assert [c.wait_days for c in candidates] == [
            problem.people[c.person].effective_wait_days for c in candidates
        ]


def test_an_empty_problem_solves_to_nothing():
    problem = Problem("50", "ARBFORB", Weights(1, 1, 10), [], [])
    pairs, exact, greedy = solve(problem)
    assert len(pairs) == 0 and len(exact.arcs) == 0 and len(greedy.arcs) == 0
    figures = solver.report(problem, pairs, exact)
    assert figures["placed"] == 0 and figures["p95_km"] is None and figures["passed_over"] == 0
    assert check_matching_export.check(solver.export(problem, pairs, exact)) == []
