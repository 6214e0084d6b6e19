"""`manage.py run_matching`: a dry run saves nothing, a real run saves once and a repeat saves
nothing new, the export has the issue's shape, reveals nobody and passes the independent
checker, the checker catches a tampered export, and bad arguments are refused in Norwegian."""

import copy
import datetime
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from intake.models import MatchingRun, MatchingTrigger, MatchProposal, Referral
from org.vocabulary import ProtectionLevel
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory
from tools import check_matching_export

pytestmark = pytest.mark.django_db

# The issue's export format, key by key. The export also carries four keys the issue does not
# name (a format tag, the municipalities' points the checker measures distances with, each
# person's place in line and each offering's `excluded_by`): pinned here so any change shows.
ISSUE_KEYS = {
    "county",
    "programme_type",
    "weights",
    "people",
    "offerings",
    "eligible",
    "solution",
}
EXTRA_KEYS = {"format", "municipalities"}
PERSON_KEYS = {"id", "municipality", "effective_wait_days", "max_km", "needs", "excluded_offerings"}
EXTRA_PERSON_KEYS = {"position"}
OFFERING_KEYS = {"id", "municipality", "free_places", "tags"}
EXTRA_OFFERING_KEYS = {"excluded_by"}
ELIGIBLE_KEYS = {"person", "offering", "km", "fit", "cost"}


def waiting(personas, days: int, **person) -> Referral:
    """On Trøndelag's AFT waitlist for `days` days; the person lives in Trondheim unless told."""
    since = timezone.now() - datetime.timedelta(days=days)
    return ReferralFactory.create(
        person=PersonFactory.create(caseworker=personas.caseworker_a, **person),
        created_by=personas.caseworker_a,
        waitlisted_at=since,
        queue_since=since,
    )


@pytest.fixture
def world(personas):
    """Two offerings: Trondheim (2 free, RUS) and Steinkjer (1 free), 93 km apart, beyond the
    60 km limit. Best answer: Trondheim to the 400- and 100-day waiters, Steinkjer to its own."""
    trondheim = OfferingFactory.create(
        provider=personas.provider_p,
        free_places=2,
        free_from=timezone.localdate(),
        competence_tags=["RUS"],
        name="AFT Trondheim",
    )
    steinkjer = OfferingFactory.create(
        provider=personas.provider_q,
        free_places=1,
        free_from=timezone.localdate(),
        municipality_id="5006",
        name="AFT Steinkjer",
    )
    people = {
        "long": waiting(personas, 400, needs=["RUS"]),
        "in_steinkjer": waiting(personas, 300, home_municipality_id="5006"),
        "excludes": waiting(personas, 200),
        "short": waiting(personas, 100),
        "shortest": waiting(personas, 50, needs=["SPRAK"]),
        "protected": waiting(personas, 500, protection_level=ProtectionLevel.FORTROLIG),
    }
    people["excludes"].person.excluded_providers.add(personas.provider_p)
    return {"trondheim": trondheim, "steinkjer": steinkjer, **people}


def run_matching(**options) -> str:
    out = io.StringIO()
    call_command("run_matching", county="50", programme="ARBFORB", stdout=out, **options)
    return out.getvalue()


def test_a_dry_run_prints_the_report_and_saves_nothing(world):
    printed = run_matching(dry_run=True)

    assert MatchingRun.objects.count() == 0
    assert MatchProposal.objects.count() == 0
    assert "Prøvekjøring" in printed
    assert "Eksakt" in printed and "Grådig (referanse)" in printed
    placed = next(line for line in printed.splitlines() if line.startswith("Plassert"))
    assert placed.split()[1:] == ["3", "3"]
    assert "Forbigåtte par" in printed and "Løsetid (ms)" in printed
    assert "1 med adressebeskyttelse" in printed


def test_a_real_run_saves_once_and_a_repeat_saves_nothing_new(world):
    printed = run_matching()

    run = MatchingRun.objects.get()
    assert run.trigger == MatchingTrigger.KOMMANDO
    proposals = set(MatchProposal.objects.values_list("pk", "referral_id", "offering_id"))
    assert {(r, o) for _pk, r, o in proposals} == {
        (world["long"].pk, world["trondheim"].pk),
        (world["short"].pk, world["trondheim"].pk),
        (world["in_steinkjer"].pk, world["steinkjer"].pk),
    }
    assert f"Ny kjøring lagret (#{run.pk}) med 3 forslag" in printed
    assert run.report["exact"]["placed"] == 3

    again = run_matching()

    assert MatchingRun.objects.get() == run
    assert set(MatchProposal.objects.values_list("pk", "referral_id", "offering_id")) == proposals
    assert f"Ingenting er endret siden forrige kjøring (#{run.pk}" in again
    assert "Eksakt" in again  # the saved run's report


def _export(world, tmp_path: Path, **options) -> dict:
    path = tmp_path / "run.json"
    printed = run_matching(export=path, **options)
    assert f"Eksport skrevet til {path.resolve()}" in printed
    text = path.read_text(encoding="utf-8")
    assert text.startswith('{\n "')  # indent=1
    return json.loads(text)


def test_the_export_has_the_issues_shape_and_passes_the_checker(world, tmp_path):
    data = _export(world, tmp_path)

    assert set(data) == ISSUE_KEYS | EXTRA_KEYS
    assert data["county"] == "50" and data["programme_type"] == "ARBFORB"
    assert set(data["weights"]) == {"km", "wait", "fit"}
    assert data["people"] and all(set(p) == PERSON_KEYS | EXTRA_PERSON_KEYS for p in data["people"])
    assert data["offerings"] and all(
        set(o) == OFFERING_KEYS | EXTRA_OFFERING_KEYS for o in data["offerings"]
    )
    assert data["eligible"] and all(set(e) == ELIGIBLE_KEYS for e in data["eligible"])
    assert set(data["solution"]) == {"pairs", "placed", "objective"}
    assert all(set(pair) == {"person", "offering"} for pair in data["solution"]["pairs"])
    assert data["solution"]["placed"] == 3
    assert data["solution"]["objective"] == pytest.approx(-410 - 110 - 310)

    assert check_matching_export.check(data) == []
    assert check_matching_export.main(["check", str(tmp_path / "run.json")]) == 0


def test_the_export_reveals_no_identity(world, tmp_path):
    data = _export(world, tmp_path, dry_run=True)
    text = json.dumps(data, ensure_ascii=False)

    assert all(re.fullmatch(r"r\d+", p["id"]) for p in data["people"])
    assert all(re.fullmatch(r"o\d+", o["id"]) for o in data["offerings"])
    for key in ("long", "in_steinkjer", "excludes", "short", "shortest", "protected"):
        person = world[key].person
        assert person.fodselsnummer not in text
        assert person.last_name not in text
        assert person.birth_date.isoformat() not in text
    assert "Kari" not in text  # the factory's first name
    assert "AFT Trondheim" not in text and "Prima" not in text
    assert MatchingRun.objects.count() == 0


def _key(referral: Referral) -> str:
    return f"r{referral.pk}"


def _tamper(data: dict, world, how: str) -> dict:
    bad = copy.deepcopy(data)
    pairs = bad["solution"]["pairs"]
    trondheim = f"o{world['trondheim'].pk}"
    cost = {(e["person"], e["offering"]): e["cost"] for e in bad["eligible"]}
    if how == "worse":
        # The 100-day waiter's place goes to the 50-day waiter, who fits worse.
        i = pairs.index({"person": _key(world["short"]), "offering": trondheim})
        pairs[i] = {"person": _key(world["shortest"]), "offering": trondheim}
    elif how == "ineligible":
        # To someone who excluded the provider.
        i = pairs.index({"person": _key(world["short"]), "offering": trondheim})
        pairs[i] = {"person": _key(world["excludes"]), "offering": trondheim}
    else:
        # A third person in Trondheim's two places.
        pairs.append({"person": _key(world["shortest"]), "offering": trondheim})
    bad["solution"]["placed"] = len(pairs)
    bad["solution"]["objective"] = round(
        sum(cost.get((p["person"], p["offering"]), 0) for p in pairs), 3
    )
    return bad


@pytest.mark.parametrize(
    ("how", "found"),
    [
        ("worse", r"objective -770\.000, but -830\.000 was possible"),
        ("ineligible", r"solution pair \('r\d+', 'o\d+'\) is not eligible"),
        ("over_capacity", r"offering o\d+ gets 3 people for 2 free places"),
    ],
)
def test_the_checker_catches_a_tampered_export(world, tmp_path, how, found):
    data = _export(world, tmp_path, dry_run=True)
    assert check_matching_export.check(data) == []

    problems = check_matching_export.check(_tamper(data, world, how))

    assert any(re.search(found, p) for p in problems), problems


def test_a_tampered_eligible_list_is_caught_too(world, tmp_path):
    data = _export(world, tmp_path, dry_run=True)
    data["eligible"][0]["km"] += 5
    data["eligible"][0]["cost"] += 5

    assert any("but the points give" in p for p in check_matching_export.check(data))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"county": "99", "programme": "ARBFORB"}, "Fant ikke fylke «99». Kjente fylkesnumre: 03"),
        (
            {"county": "50", "programme": "NOPE"},
            "Fant ingen tiltakstype med koden «NOPE». Kjente tiltakskoder: ",
        ),
    ],
)
def test_bad_arguments_are_refused_in_norwegian(db, options, message):
    with pytest.raises(CommandError) as refused:
        call_command("run_matching", stdout=io.StringIO(), **options)
    assert message in str(refused.value)
    assert MatchingRun.objects.count() == 0


def test_a_one_digit_county_and_a_lower_case_code_are_understood(world):
    out = io.StringIO()
    call_command("run_matching", county="3", programme="arbforb", dry_run=True, stdout=out)
    assert "Oslo (03), Arbeidsforberedende trening (ARBFORB)" in out.getvalue()
