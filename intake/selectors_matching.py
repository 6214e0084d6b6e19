"""Reads of the intake team's matching pages (DOMAIN.md section 7), scoped by `org.access`: the
lists of the team's counties with something to match, one list's open proposals and the people
they name, and the list's runs. Each costs a fixed number of queries, however long the lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from intake.models import MatchingRun, MatchProposal, ProposalStatus, Referral, ReferralStatus
from org.access import Scope
from providers.models import Offering, ProgrammeType

ListKey = tuple[str, int]  # (county number, programme type id)


@dataclass(frozen=True)
class MatchingList:
    """One (county, programme type) as the overview shows it."""

    county_number: str
    county_name: str
    programme_type: ProgrammeType
    waiting: int
    free_places: int
    open_proposals: int
    last_run: MatchingRun | None


def _waiting(numbers: Iterable[str]) -> QuerySet[Referral]:
    return Referral.objects.filter(county__in=numbers, status=ReferralStatus.VENTELISTE)


def _open_offerings(numbers: Iterable[str]) -> QuerySet[Offering]:
    """The offerings a run would look at: open for intake, of a programme type with a list."""
    return Offering.objects.filter(
        municipality__county__in=numbers,
        open_for_intake=True,
        programme_type__has_waitlist=True,
    )


def _open_proposals(numbers: Iterable[str]) -> QuerySet[MatchProposal]:
    return MatchProposal.objects.filter(county__in=numbers, status=ProposalStatus.FORESLATT)


def _per_list(rows: Iterable[tuple[str, int, int | None]]) -> dict[ListKey, int]:
    return {(county, type_id): n or 0 for county, type_id, n in rows}


def last_runs(*, numbers: Iterable[str]) -> dict[ListKey, MatchingRun]:
    """The newest run of every list of these counties: two queries (the ranking reads ids
    only, so the reports of older runs are never loaded)."""
    newest = (
        MatchingRun.objects.filter(county__in=numbers)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("county_id"), F("programme_type_id")],
                order_by=[F("finished_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
        .values_list("pk", flat=True)
    )
    runs = MatchingRun.objects.filter(pk__in=list(newest)).select_related("requested_by")
    return {(run.county_id, run.programme_type_id): run for run in runs}


def matching_lists(*, scope: Scope) -> list[MatchingList]:
    """Every list of the user's intake counties with people waiting, free places or open
    proposals, by county and programme type. Seven queries however many lists."""
    numbers = sorted(scope.intake_county_numbers)
    if not numbers:
        return []
    waiting = _per_list(
        _waiting(numbers)
        .values("county_id", "programme_type_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("county_id", "programme_type_id", "n")
    )
    free = _per_list(
        _open_offerings(numbers)
        .values("municipality__county_id", "programme_type_id")
        .annotate(n=Sum("free_places"))
        .order_by()
        .values_list("municipality__county_id", "programme_type_id", "n")
    )
    proposals = _per_list(
        _open_proposals(numbers)
        .values("county_id", "programme_type_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("county_id", "programme_type_id", "n")
    )
    keys = {key for key, n in [*waiting.items(), *free.items(), *proposals.items()] if n}
    if not keys:
        return []
    runs = last_runs(numbers=numbers)
    types = ProgrammeType.objects.in_bulk({type_id for _county, type_id in keys})
    counties = dict(scope.counties().values_list("number", "name"))
    lists = [
        MatchingList(
            county_number=county,
            county_name=counties[county],
            programme_type=types[type_id],
            waiting=waiting.get((county, type_id), 0),
            free_places=free.get((county, type_id), 0),
            open_proposals=proposals.get((county, type_id), 0),
            last_run=runs.get((county, type_id)),
        )
        for county, type_id in keys
    ]
    return sorted(lists, key=lambda m: (m.county_number, m.programme_type.short_name))


@dataclass(frozen=True)
class ListCounts:
    waiting: int
    free_places: int
    offerings_with_places: int


def list_counts(*, county_number: str, programme_type_id: int) -> ListCounts:
    """How many wait on one list, and its free places now (two queries)."""
    free = (
        _open_offerings([county_number])
        .filter(programme_type_id=programme_type_id, free_places__gt=0)
        .aggregate(places=Sum("free_places"), offerings=Count("pk"))
    )
    return ListCounts(
        waiting=_waiting([county_number]).filter(programme_type_id=programme_type_id).count(),
        free_places=free["places"] or 0,
        offerings_with_places=free["offerings"],
    )


def list_offerings(*, county_number: str, programme_type_id: int) -> QuerySet[Offering]:
    """The list's offerings open for intake, full ones too (a what-if may add places)."""
    return (
        _open_offerings([county_number])
        .filter(programme_type_id=programme_type_id)
        .select_related("provider", "municipality")
        .order_by("provider__name", "name", "pk")
    )


def open_proposals(
    *, scope: Scope, county_number: str, programme_type_id: int
) -> QuerySet[MatchProposal]:
    """One list's open proposals in waiting order, with the person (the offerings come with
    those the explanations name: `offerings_by_id`)."""
    if not scope.may_review_for_county(county_number):
        return MatchProposal.objects.none()
    return (
        _open_proposals([county_number])
        .filter(programme_type_id=programme_type_id)
        .select_related("referral__person")
        .order_by("position", "pk")
    )


def proposals_by_id(*, scope: Scope, proposal_ids: Iterable[int]) -> dict[int, MatchProposal]:
    """Proposals of the user's intake counties, whatever their status (for bulk results)."""
    return {
        p.pk: p
        for p in MatchProposal.objects.filter(
            pk__in=list(proposal_ids), county__in=scope.intake_county_numbers
        ).select_related("referral__person", "offering__provider")
    }


def proposal_list_key(*, scope: Scope, proposal_id: int) -> ListKey | None:
    """The list a proposal belongs to, or None when it is missing or outside the user's
    intake counties (the caller answers 404 either way)."""
    return (
        MatchProposal.objects.filter(pk=proposal_id, county__in=scope.intake_county_numbers)
        .values_list("county_id", "programme_type_id")
        .first()
    )


def candidate_referrals(
    *, county_number: str, proposals: Iterable[MatchProposal]
) -> dict[int, Referral]:
    """The other people the proposals name as candidates, in one query."""
    ids = {c["referral"] for p in proposals for c in p.candidates}
    if not ids:
        return {}
    return (
        Referral.objects.filter(pk__in=ids, county_id=county_number)
        .select_related("person")
        .in_bulk()
    )


def offerings_by_id(*, county_number: str, offering_ids: Iterable[int]) -> dict[int, Offering]:
    ids = set(offering_ids)
    if not ids:
        return {}
    return (
        Offering.objects.filter(pk__in=ids, municipality__county_id=county_number)
        .select_related("provider", "municipality")
        .in_bulk()
    )


def latest_run(*, county_number: str, programme_type_id: int) -> MatchingRun | None:
    return (
        MatchingRun.objects.filter(county_id=county_number, programme_type_id=programme_type_id)
        .select_related("requested_by")
        .first()
    )


def list_runs(*, county_number: str, programme_type_id: int) -> QuerySet[MatchingRun]:
    """The list's runs, newest first."""
    return (
        MatchingRun.objects.filter(county_id=county_number, programme_type_id=programme_type_id)
        .select_related("requested_by")
        .order_by("-finished_at", "-pk")
    )


def run_of_list(*, county_number: str, programme_type_id: int, run_id: int) -> MatchingRun | None:
    return (
        list_runs(county_number=county_number, programme_type_id=programme_type_id)
        .filter(pk=run_id)
        .first()
    )
