"""`bench matching` on a small world: its tables have the promised shape, the free places are
set as described, and the database is the same afterwards (figures are not asserted)."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from intake.models import MatchingRun, MatchProposal
from portfolio.bench import matching
from providers.models import Offering
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory
from tests.intake.review_world import programme

pytestmark = pytest.mark.django_db


def capacity() -> list[tuple]:
    return list(
        Offering.objects.order_by("pk").values_list(
            "pk", "free_places", "free_from", "contracted_places", "places_assigned"
        )
    )


@pytest.fixture
def world(personas):
    """Trøndelag: three AFT offerings (one nearly full, one closed) and one VTA offering; ten
    people waiting for AFT and three for VTA, in Trondheim and Steinkjer."""
    OfferingFactory.create(provider=personas.provider_p, contracted_places=10, free_places=1)
    OfferingFactory.create(
        provider=personas.provider_q,
        contracted_places=4,
        places_assigned=3,
        municipality_id="5006",
    )
    OfferingFactory.create(provider=personas.provider_q, open_for_intake=False, free_places=2)
    OfferingFactory.create(
        provider=personas.provider_p, programme_type=programme("VASV"), contracted_places=6
    )
    for n in range(13):
        since = timezone.now() - datetime.timedelta(days=30 * n)
        ReferralFactory.create(
            person=PersonFactory.create(
                caseworker=personas.caseworker_a,
                home_municipality_id="5006" if n % 3 == 0 else "5001",
                needs=["RUS"] if n % 2 else [],
            ),
            programme_type=programme("VASV" if n >= 10 else "ARBFORB"),
            created_by=personas.caseworker_a,
            waitlisted_at=since,
            queue_since=since,
        )


def test_apportion_adds_up_exactly_and_is_proportional():
    assert matching.apportion(10, [1, 1, 2]) == [3, 2, 5]
    assert matching.apportion(2000, [5, 0, 3]) == [1250, 0, 750]
    assert matching.apportion(3, [0, 0]) == [2, 1]
    assert sum(matching.apportion(2000, list(range(577)))) == 2000


def test_bench_matching_prints_tables_writes_json_and_leaves_the_database_as_it_was(
    world, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(matching, "FREE_PLACES", 20)
    monkeypatch.setattr(matching, "SCALE_SIZES", (200, 1000))
    before = capacity()
    out = tmp_path / "bench.json"

    call_command("bench", "matching", runs=1, json=out)

    assert capacity() == before
    assert MatchingRun.objects.count() == 0 and MatchProposal.objects.count() == 0
    printed = capsys.readouterr().out
    figures = json.loads(out.read_text())
    assert figures["benchmark"] == "matching"
    context = figures["context"]
    assert context["database_unchanged_afterwards"] is True
    # 1 free on the first AFT offering, 0 on the others: 20 over the 3 open offerings in
    # proportion to their spare capacity (10, 1, 6), raising the contract where it is short.
    assert context["free_places"].startswith("1 -> 20 free places on 3 open offerings")
    assert (
        "(17 in all); contracted places raised on 2 offerings by 3 in all"
        in (context["free_places"])
    )
    assert "Trøndelag (50), ARBFORB" in context["scale_series"]

    tables = {t["title"].split(",")[0].split(":")[0]: t for t in figures["tables"]}
    assert set(tables) == {"Targets", "National pass", "Scale series"}
    for table in figures["tables"]:
        assert table["rows"]
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
        assert table["title"] in printed
        header = next(line for line in printed.splitlines() if line.startswith(table["columns"][0]))
        assert header.split() == " ".join(table["columns"]).split()

    national = tables["National pass"]
    assert national["columns"] == matching.NATIONAL_COLUMNS
    rows = {row[0]: dict(zip(national["columns"], row, strict=True)) for row in national["rows"]}
    assert set(rows) == {"50 Trøndelag", "total"}
    total = rows["total"]
    assert total["lists"] == 2 and total["waiting"] == 13 and total["free"] == 20
    assert total["placed exact"] >= total["placed greedy"] > 0
    assert total["task ms"] > 0 and total["passed-over greedy"] == 0

    scale = tables["Scale series"]
    assert scale["columns"] == matching.SCALE_COLUMNS
    assert [(row[0], row[1], row[2]) for row in scale["rows"]] == [(200, 20, 2), (1000, 100, 2)]
    assert all(row[3] > 0 and row[8] >= row[9] for row in scale["rows"])

    targets = {row[0]: row for row in tables["Targets"]["rows"]}
    assert targets["database unchanged afterwards"][-1] == "yes"
    assert targets["placed, exact vs greedy"][-1] == "yes"
