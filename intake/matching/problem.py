"""Reads one (county, programme type) from the database into a matching problem: a selector,
with a fixed number of queries whatever the size of the waitlist."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from intake.matching import solver
from intake.models import MatchProposal, Person, ProposalStatus, Referral, ReferralStatus
from intake.services.priority import county_settings
from org.vocabulary import ProtectionLevel
from providers.models import Offering, OfferingClosedPeriod, ProgrammeType


def person_key(referral_id: int) -> str:
    return f"r{referral_id}"


def offering_key(offering_id: int) -> str:
    return f"o{offering_id}"


def key_id(key: str) -> int:
    return int(key[1:])


@dataclass(frozen=True)
class WhatIf:
    """Changes to try without saving: other weights, another distance limit, extra places."""

    weights: solver.Weights | None = None
    max_km: float | None = None
    extra_places: Mapping[int, int] | None = None


def travel_limit_km(county_default: float, own: int | None) -> float:
    """The person's distance limit: the county's default, or their own if it is lower."""
    return min(float(county_default), float(own)) if own else float(county_default)


def county_weights(county_number: str) -> tuple[solver.Weights, int]:
    rules = county_settings(county_number)
    return solver.Weights(rules.weight_km, rules.weight_wait, rules.weight_fit), rules.max_travel_km


def matching_problem(
    *,
    county_number: str,
    programme_type: ProgrammeType,
    today: datetime.date | None = None,
    what_if: WhatIf | None = None,
) -> solver.Problem:
    """The people waiting in the county for the programme type and the free places of its open
    offerings there, with the hard constraints of DOMAIN.md section 7 applied: protected people
    and people whose need group the programme does not admit are left out (and counted),
    offerings closed on their start date too; distance limits and exclusions (the person's own,
    and pairs the intake team rejected) become the solver's eligibility rules."""
    today = today or timezone.localdate()
    what_if = what_if or WhatIf()
    weights, default_max_km = county_weights(county_number)
    weights = what_if.weights or weights
    max_km_default = float(what_if.max_km or default_max_km)

    waiting = list(
        Referral.objects.filter(
            county_id=county_number,
            programme_type=programme_type,
            status=ReferralStatus.VENTELISTE,
        )
        .order_by("queue_since", "waitlisted_at", "pk")
        .values_list(
            "pk",
            "queue_since",
            "person_id",
            "person__need_group",
            "person__protection_level",
            "person__needs",
            "person__max_travel_km",
            "person__home_municipality__number",
            "person__home_municipality__lat",
            "person__home_municipality__lon",
        )
    )
    waiting_ids = [row[0] for row in waiting]
    person_ids = [row[2] for row in waiting]

    rows = list(
        Offering.objects.filter(
            programme_type=programme_type,
            municipality__county_id=county_number,
            open_for_intake=True,
        )
        .order_by("pk")
        .values_list(
            "pk",
            "free_places",
            "free_from",
            "competence_tags",
            "provider_id",
            "municipality__number",
            "municipality__lat",
            "municipality__lon",
        )
    )
    extra = what_if.extra_places or {}
    offerings: list[tuple[Any, ...]] = [
        (row[0], row[1] + extra.get(row[0], 0), *row[2:])
        for row in rows
        if row[1] + extra.get(row[0], 0) > 0
    ]
    # Closed on the day the place would start (the provider's free-from date, or today).
    closed_ids = _closed_on_start(offerings, today)
    open_offerings = [row for row in offerings if row[0] not in closed_ids]
    offerings_of_provider: dict[int, list[int]] = defaultdict(list)
    for row in open_offerings:
        offerings_of_provider[row[4]].append(row[0])

    excluded: dict[int, set[int]] = defaultdict(set)  # referral -> offerings
    referral_of_person: dict[int, list[int]] = defaultdict(list)
    for referral_id, person_id in zip(waiting_ids, person_ids, strict=True):
        referral_of_person[person_id].append(referral_id)
    through = Person.excluded_providers.through
    for person_id, provider_id in (
        through.objects.filter(person_id__in=set(person_ids))
        .values_list("person_id", "provider_id")
        .iterator()
    ):
        for referral_id in referral_of_person[person_id]:
            excluded[referral_id].update(offerings_of_provider.get(provider_id, ()))
    for referral_id, offering_id in MatchProposal.objects.filter(
        county_id=county_number,
        programme_type=programme_type,
        status=ProposalStatus.AVVIST,
        referral__status=ReferralStatus.VENTELISTE,
    ).values_list("referral_id", "offering_id"):
        excluded[referral_id].add(offering_id)

    people: list[solver.Person] = []
    left_out = {"protected": 0, "need_group": 0, "closed_offerings": len(closed_ids)}
    for position, waiting_row in enumerate(waiting, start=1):
        referral_id, queue_since, _p, need_group, protection, needs, own_max, mun, lat, lon = (
            waiting_row
        )
        if protection != ProtectionLevel.UGRADERT:
            # Never auto-matched (DOMAIN.md section 10): the team places them by hand.
            left_out["protected"] += 1
            continue
        if not programme_type.admits(need_group):
            left_out["need_group"] += 1
            continue
        people.append(
            solver.Person(
                id=person_key(referral_id),
                municipality=mun,
                lat=lat,
                lon=lon,
                effective_wait_days=(today - timezone.localtime(queue_since).date()).days,
                max_km=travel_limit_km(max_km_default, own_max),
                needs=tuple(sorted(set(needs or ()))),
                excluded_offerings=tuple(offering_key(o) for o in sorted(excluded[referral_id])),
                position=position,
            )
        )
    return solver.Problem(
        county=county_number,
        programme_type=programme_type.code,
        weights=weights,
        people=people,
        offerings=[
            solver.Offering(
                id=offering_key(pk),
                municipality=mun,
                lat=lat,
                lon=lon,
                free_places=free,
                tags=tuple(sorted(set(tags or ()))),
            )
            for pk, free, _from, tags, _prov, mun, lat, lon in open_offerings
        ],
        waiting_total=len(waiting),
        left_out=left_out,
    )


def _closed_on_start(offerings: list[tuple[Any, ...]], today: datetime.date) -> set[int]:
    if not offerings:
        return set()
    start_of = {row[0]: row[2] or today for row in offerings}
    closed: set[int] = set()
    for offering_id, starts_on, ends_on in OfferingClosedPeriod.objects.filter(
        offering_id__in=start_of, ends_on__gte=min(start_of.values())
    ).values_list("offering_id", "starts_on", "ends_on"):
        if starts_on <= start_of[offering_id] <= ends_on:
            closed.add(offering_id)
    return closed
