"""The benchmark command keeps working (its figures are for the README, not asserted here)."""

import json

import pytest
from django.core.management import call_command

from portfolio.demo_data import delete_demo_data


@pytest.fixture
def demo_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", scale="demo", seed=3, today="2026-11-02", verbosity=0)
    yield
    with django_db_blocker.unblock():
        delete_demo_data()


@pytest.mark.django_db
def test_bench_pages_prints_a_table_and_writes_json(demo_data, tmp_path, capsys):
    out = tmp_path / "bench.json"
    call_command("bench", "pages", runs=1, json=out)
    printed = capsys.readouterr().out
    assert "review queue (page 1)" in printed
    assert "p95 ms" in printed
    figures = json.loads(out.read_text())
    assert figures["benchmark"] == "pages"
    assert {r["name"] for r in figures["results"]} >= {"review queue (page 1)", "waitlist overview"}
    assert all(r["p95_ms"] >= r["p50_ms"] > 0 for r in figures["results"])
    assert all(r["queries"] > 0 for r in figures["results"])
