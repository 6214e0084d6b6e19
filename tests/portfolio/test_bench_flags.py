"""`bench flags` on a small world: its tables have the promised shape, the naive loop agrees with
the set-based job, and the database is the same afterwards (figures are not asserted)."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from intake.models import Placement, PlacementStatus, ReferralStatus
from org.vocabulary import Benefit, CountryBackground, NeedGroup
from portfolio.bench import flags as bench_flags
from portfolio.flag_rules import RULES
from portfolio.models import DismissReason, FlagEvent, PortfolioFlag
from portfolio.services.flags import flag_dismiss, flag_snooze, flags_refresh
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory, UserFactory
from tests.intake.review_world import programme

pytestmark = pytest.mark.django_db


def flags_and_events() -> tuple[list[tuple], list[tuple]]:
    return (
        list(PortfolioFlag.objects.order_by("pk").values_list()),
        list(FlagEvent.objects.order_by("pk").values_list()),
    )


@pytest.fixture
def world(personas):
    """Thirty people, some of them matching each rule, with flags already raised, one
    dismissed and one snoozed."""
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    offering = OfferingFactory.create(contracted_places=1000)
    for n in range(30):
        person = PersonFactory.create(
            caseworker=personas.caseworker_a,
            birth_date=datetime.date(1980 + n, 5, 1),
            need_group=[
                NeedGroup.STANDARD_INNSATS,
                NeedGroup.SITUASJONSBESTEMT_INNSATS,
                NeedGroup.SPESIELT_TILPASSET_INNSATS,
            ][n % 3],
            job_seeker_since=today - 40 * n * day,
            benefit=Benefit.AAP if n % 4 == 0 else Benefit.INGEN,
            aap_maksdato=today + 30 * n * day if n % 4 == 0 else None,
            country_background=CountryBackground.UTENFOR_EOS if n % 5 == 0 else "NORGE",
        )
        if n % 7 == 0:
            referral = ReferralFactory.create(person=person, status=ReferralStatus.DELTAR)
            Placement.objects.create(
                referral=referral,
                offering=offering,
                assigned_by=UserFactory.create(),
                status=PlacementStatus.DELTAR,
                started_on=today - 800 * day,
            )
        elif n % 6 == 0:
            ReferralFactory.create(
                person=person, status=ReferralStatus.KLADD, programme_type=programme("JOBBK")
            )
    flags_refresh(today=today)
    first, second = PortfolioFlag.objects.order_by("pk")[:2]
    flag_dismiss(actor=personas.caseworker_a, flag_id=first.pk, reason=DismissReason.HELSE)
    flag_snooze(actor=personas.caseworker_a, flag_id=second.pk, until=today + 10 * day)


def test_bench_flags_prints_tables_writes_json_and_leaves_the_database_as_it_was(
    world, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(bench_flags, "SAMPLE_EVERY", 3)
    before = flags_and_events()
    out = tmp_path / "bench.json"

    call_command("bench", "flags", runs=1, json=out)

    assert flags_and_events() == before
    printed = capsys.readouterr().out
    figures = json.loads(out.read_text())
    assert figures["benchmark"] == "flags"
    context = figures["context"]
    assert context["database_unchanged_afterwards"] is True
    assert context["naive_agrees"] is True
    assert context["persons"] == 30
    assert context["full_run_seconds"] > 0 and context["naive_scaled_seconds"] > 0

    tables = {t["title"]: t for t in figures["tables"]}
    assert set(tables) == {"Targets", "Runs", "Full nightly run from nothing, per rule"}
    for table in figures["tables"]:
        assert table["rows"]
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
        assert table["title"] in printed
        header = next(line for line in printed.splitlines() if line.startswith(table["columns"][0]))
        assert header.split() == " ".join(table["columns"]).split()

    per_rule = tables["Full nightly run from nothing, per rule"]
    assert per_rule["columns"] == bench_flags.RULE_COLUMNS
    assert [row[0] for row in per_rule["rows"]] == [
        *(str(rule.code) for rule in RULES),
        "(reopen snoozed)",
        "(history events)",
        "total (wall, end to end)",
    ]
    raised = {row[0]: row[1] for row in per_rule["rows"]}
    total = raised.pop("total (wall, end to end)")
    assert raised.pop("(reopen snoozed)") == 0
    assert raised.pop("(history events)") == total  # one FLAGGET event per flag raised
    assert sum(raised.values()) == total > 0
    assert all(raised[str(rule.code)] > 0 for rule in RULES)

    runs = {
        row[0]: dict(zip(tables["Runs"]["columns"], row, strict=True))
        for row in tables["Runs"]["rows"]
    }
    full, steady, naive, scaled = runs.values()
    assert full["raised"] == total and full["persons"] == 30
    assert steady["raised"] == steady["cleared"] == steady["reopened"] == 0
    assert naive["persons"] == 10 and naive["queries"] > full["queries"]
    assert scaled["persons"] == 30 and scaled["seconds"] >= naive["seconds"]

    targets = {row[0]: row for row in tables["Targets"]["rows"]}
    assert targets["database unchanged afterwards"][-1] == "yes"
    assert targets["steady-state re-run changes (rows)"][-1] == "yes"
    assert targets["naive and set-based agree on the sample"][-1] == "yes"
    assert "full run from nothing (s)" in targets and "speed-up vs naive loop (x)" in targets
