"""Matching runs and the intake team's decisions on proposals (DOMAIN.md section 7).

Safe to repeat and to run while people work:
- one run per (county, programme type) at a time: a PostgreSQL advisory lock, held for the
  run's transaction; confirming and rejecting take the same lock, so they never interleave
  with a run of their own list;
- the run locks the list's offerings while it decides, so its proposals never outnumber the
  free places they were made for, and saves them in the same transaction;
- a run whose inputs are those of the previous run changes nothing (a duplicated or retried
  task, a second click), and a redelivered task finds its own run by task id;
- the database keeps one open proposal per person and per place (partial unique indexes);
- confirming re-checks everything under locks and goes through the placement service, which
  takes the place with a conditional UPDATE: a stale proposal is refused with the reason.
Lock order, everywhere: advisory key, then referral, then proposal, then offering.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from intake.matching import solver
from intake.matching.problem import WhatIf, key_id, matching_problem, travel_limit_km
from intake.models import (
    MatchingRun,
    MatchingTrigger,
    MatchProposal,
    Placement,
    ProposalStatus,
    Referral,
    ReferralStatus,
    RejectReason,
)
from intake.services.placements import placement_assign
from intake.services.priority import county_settings
from intake.services.referrals import referral_lock
from org.access import scope_for
from org.geo import great_circle_km
from org.models import User
from org.vocabulary import ProtectionLevel
from outbox.services import outbox_enqueue
from providers.models import Offering, ProgrammeType

PS = ProposalStatus
# Advisory locks are two int4 keys: this class number, then county and programme type.
MATCHING_LOCK_CLASS = 5_170_007
# Refusals that mean the proposal no longer holds: it is marked stale with the reason.
STALE_CODES = frozenset(
    {
        "NOT_WAITING",
        "PROTECTED",
        "NEED_GROUP",
        "TOO_FAR",
        "PLACE_TAKEN",
        "CLOSED",
        "CLOSED_PERIOD",
        "PROVIDER_EXCLUDED",
    }
)


def _lock_key(county_number: str, programme_type_id: int) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite (the demo) lets one writer in at a time anyway
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [MATCHING_LOCK_CLASS, int(county_number) * 1000 + programme_type_id],
        )


def _require_team(actor: User | None, county_number: str) -> None:
    if actor is not None and not scope_for(actor).may_review_for_county(county_number):
        raise ApplicationError(
            _("Bare fylkets inntaksteam kan kjøre matching for denne ventelisten."),
            code="FORBIDDEN",
        )


@dataclass(frozen=True)
class RunResult:
    run: MatchingRun | None
    created: bool  # False: nothing had changed since the run returned (or nothing to match)
    export: dict[str, Any] | None = None  # inputs and answer, when asked for


@dataclass(frozen=True)
class Computed:
    """The matcher's work on one problem: both answers and their reports."""

    problem: solver.Problem
    pairs: solver.Pairs
    exact: solver.Solution
    greedy: solver.Solution

    @property
    def report(self) -> dict[str, Any]:
        return {
            "exact": solver.report(self.problem, self.pairs, self.exact),
            "greedy": solver.report(self.problem, self.pairs, self.greedy),
        }

    def export(self) -> dict[str, Any]:
        return solver.export(self.problem, self.pairs, self.exact)


def matching_compute(problem: solver.Problem) -> Computed:
    pairs = solver.eligible_pairs(problem)
    return Computed(
        problem, pairs, solver.solve_exact(problem, pairs), solver.solve_greedy(problem, pairs)
    )


def matching_run(
    *,
    county_number: str,
    programme_type_id: int,
    trigger: str,
    actor: User | None = None,
    task_id: str = "",
    want_export: bool = False,
    today: datetime.date | None = None,
) -> RunResult:
    """Propose the best assignment of the list's free places, and save it with its report."""
    _require_team(actor, county_number)
    programme_type = ProgrammeType.objects.get(pk=programme_type_id)
    started_at, started = timezone.now(), time.perf_counter()
    with transaction.atomic():
        _lock_key(county_number, programme_type_id)
        if task_id:
            done = MatchingRun.objects.filter(task_id=task_id).first()
            if done is not None:
                return RunResult(done, created=False)
        # While the run decides, nobody gives away or reports a place of this list.
        list(
            Offering.objects.select_for_update(of=("self",), no_key=True)
            .filter(programme_type_id=programme_type_id, municipality__county_id=county_number)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        problem = matching_problem(
            county_number=county_number, programme_type=programme_type, today=today
        )
        digest = problem.digest()
        last = MatchingRun.objects.filter(
            county_id=county_number, programme_type_id=programme_type_id
        ).first()
        if (last is not None and last.inputs_digest == digest) or (
            last is None and not problem.people and not problem.offerings
        ):
            # Same inputs, same answer: the export is the answer already saved.
            export = matching_compute(problem).export() if want_export else None
            return RunResult(last, created=False, export=export)
        computed = matching_compute(problem)
        report = computed.report
        run = MatchingRun.objects.create(
            county_id=county_number,
            programme_type_id=programme_type_id,
            trigger=trigger,
            requested_by=actor,
            task_id=task_id,
            inputs_digest=digest,
            weights=problem.weights.as_dict(),
            report=report,
            started_at=started_at,
        )
        _save_proposals(run, problem, computed.pairs, computed.exact)
        report["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
        run.finished_at = timezone.now()
        run.save(update_fields=["report", "finished_at"])
    return RunResult(run, created=True, export=computed.export() if want_export else None)


def matching_run_request(
    *, actor: User, county_number: str, programme_type_id: int, request_key: str = ""
) -> None:
    """The intake team's "run now": a run queued for a worker through the outbox, so a broker
    that is down delays it instead of losing it. `request_key` names the cache entry where
    the asking page looks for the run's result."""
    from intake.tasks import matching_run_task  # tasks import services, not the reverse

    _require_team(actor, county_number)
    outbox_enqueue(
        matching_run_task,
        county_number,
        programme_type_id,
        MatchingTrigger.MANUELL,
        request_key,
        actor.pk,
    )


def _save_proposals(
    run: MatchingRun, problem: solver.Problem, pairs: solver.Pairs, solution: solver.Solution
) -> None:
    """The run's answer becomes the list's open proposals. A pair that was already proposed
    keeps its proposal (same id and place, new explanation), so a page opened before the run
    still works; open proposals the answer no longer contains are superseded."""
    people, offerings = problem.people, problem.offerings
    explanations = solver.explain(problem, pairs, solution)
    chosen: dict[tuple[int, int], int] = {}
    for a in solution.arcs:
        person, offering = people[int(pairs.person[a])], offerings[int(pairs.offering[a])]
        chosen[(key_id(person.id), key_id(offering.id))] = int(a)
    open_now = {
        (p.referral_id, p.offering_id): p
        for p in MatchProposal.objects.select_for_update(no_key=True).filter(
            county_id=run.county_id, programme_type_id=run.programme_type_id, status=PS.FORESLATT
        )
    }
    gone = [p.pk for key, p in open_now.items() if key not in chosen]
    MatchProposal.objects.filter(pk__in=gone).update(status=PS.ERSTATTET, decided_at=timezone.now())
    used_slots: dict[int, set[int]] = defaultdict(set)
    for (_referral_id, offering_id), proposal in open_now.items():
        if (_referral_id, offering_id) in chosen:
            used_slots[offering_id].add(proposal.slot)
    kept: list[MatchProposal] = []
    new: list[MatchProposal] = []
    for (referral_id, offering_id), arc in chosen.items():
        person = people[int(pairs.person[arc])]
        fields: dict[str, Any] = {
            "run": run,
            "km": float(pairs.km[arc]),
            "fit": float(pairs.fit[arc]),
            "cost": pairs.cost(arc),
            "effective_wait_days": person.effective_wait_days,
            "position": person.position,
            "candidates": [
                {
                    "referral": key_id(people[c.person].id),
                    "position": c.position,
                    "wait_days": c.wait_days,
                    "km": c.km,
                    "fit": c.fit,
                    "cost": c.cost,
                    "proposed_offering": (
                        key_id(offerings[c.proposed_offering].id)
                        if c.proposed_offering is not None
                        else None
                    ),
                }
                for c in explanations[arc]
            ],
        }
        existing = open_now.get((referral_id, offering_id))
        if existing is not None:
            for name, value in fields.items():
                setattr(existing, name, value)
            kept.append(existing)
            continue
        slot = 0
        while slot in used_slots[offering_id]:
            slot += 1
        used_slots[offering_id].add(slot)
        new.append(
            MatchProposal(
                county_id=run.county_id,
                programme_type_id=run.programme_type_id,
                referral_id=referral_id,
                offering_id=offering_id,
                slot=slot,
                **fields,
            )
        )
    MatchProposal.objects.bulk_update(
        kept,
        ["run", "km", "fit", "cost", "effective_wait_days", "position", "candidates"],
        batch_size=500,
    )
    MatchProposal.objects.bulk_create(new, batch_size=500)


def matching_what_if(
    *, actor: User, county_number: str, programme_type_id: int, what_if: WhatIf
) -> dict[str, Any]:
    """The matcher on today's data with some changes, for comparison: nothing is saved."""
    _require_team(actor, county_number)
    programme_type = ProgrammeType.objects.get(pk=programme_type_id)
    problem = matching_problem(
        county_number=county_number, programme_type=programme_type, what_if=what_if
    )
    return {"weights": problem.weights.as_dict(), **matching_compute(problem).report}


def _lock_proposal(actor: User, proposal_id: int) -> MatchProposal:
    """Find the proposal as the actor may see it, then take the locks in the agreed order."""
    found = MatchProposal.objects.filter(pk=proposal_id).values_list(
        "county_id", "programme_type_id", "referral_id"
    )
    row = found.first()
    if row is None or not scope_for(actor).may_review_for_county(row[0]):
        raise ApplicationError(_("Fant ikke forslaget."), code="NOT_FOUND")
    _lock_key(row[0], row[1])
    referral_lock(row[2], None)
    return (
        MatchProposal.objects.select_for_update(of=("self",), no_key=True)
        .select_related(
            "referral__person__home_municipality",
            "referral__programme_type",
            "offering__municipality",
        )
        .get(pk=proposal_id)
    )


def _require_open(proposal: MatchProposal) -> None:
    if proposal.status == PS.FORESLATT:
        return
    if proposal.status == PS.UTDATERT:
        raise ApplicationError(
            _("Forslaget gjelder ikke lenger: %(reason)s") % {"reason": proposal.comment},
            code=proposal.reason or "STALE",
        )
    if proposal.status == PS.ERSTATTET:
        raise ApplicationError(
            _("Forslaget er erstattet av en nyere kjøring. Se de nye forslagene."),
            code="SUPERSEDED",
        )
    raise ApplicationError(
        _("Forslaget er allerede behandlet (%(status)s).")
        % {"status": proposal.get_status_display().lower()},
        code="PROPOSAL_CLOSED",
    )


def _recheck(proposal: MatchProposal) -> None:
    """What the run saw may have changed since: the person and the rules, now."""
    referral = proposal.referral
    person = referral.person
    if referral.status != ReferralStatus.VENTELISTE:
        raise ApplicationError(
            _("Brukeren står ikke lenger på ventelisten (status «%(status)s»).")
            % {"status": referral.get_status_display()},
            code="NOT_WAITING",
        )
    if person.protection_level != ProtectionLevel.UGRADERT:
        raise ApplicationError(
            _(
                "Brukeren har adressebeskyttelse og blir ikke matchet automatisk. "
                "Tildel plass manuelt fra ventelisten."
            ),
            code="PROTECTED",
        )
    if not referral.programme_type.admits(person.need_group):
        raise ApplicationError(
            _("Tiltakstypen tar ikke lenger imot brukerens innsatsgruppe."), code="NEED_GROUP"
        )
    limit = travel_limit_km(county_settings(proposal.county_id).max_travel_km, person.max_travel_km)
    km = great_circle_km(
        person.home_municipality.lat,
        person.home_municipality.lon,
        proposal.offering.municipality.lat,
        proposal.offering.municipality.lon,
    )
    if round(km, 1) > limit:
        raise ApplicationError(
            _("Reiseveien er nå %(km).0f km, mer enn grensen på %(limit)s km.")
            % {"km": km, "limit": f"{limit:g}"},
            code="TOO_FAR",
        )


def proposal_confirm(*, actor: User, proposal_id: int) -> Placement:
    """The intake team accepts a proposal: it becomes a placement through the placement
    service, after every rule is checked again. A proposal that no longer holds is refused
    with the reason, and marked stale."""
    try:
        with transaction.atomic():
            proposal = _lock_proposal(actor, proposal_id)
            _require_open(proposal)
            _recheck(proposal)
            return placement_assign(
                actor=actor,
                referral_id=proposal.referral_id,
                offering_id=proposal.offering_id,
                proposal=proposal,
            )
    except ApplicationError as error:
        if error.code in STALE_CODES:
            MatchProposal.objects.filter(pk=proposal_id, status=PS.FORESLATT).update(
                status=PS.UTDATERT,
                reason=error.code,
                comment=error.message,
                decided_by=actor,
                decided_at=timezone.now(),
            )
        raise


@transaction.atomic
def proposal_reject(
    *, actor: User, proposal_id: int, reason: str, comment: str = ""
) -> MatchProposal:
    """The intake team turns a proposal down; the pair is not proposed again."""
    comment = comment.strip()
    if reason not in RejectReason.values:
        raise ApplicationError(
            _("Velg en årsak til at forslaget avvises."),
            code="REASON_REQUIRED",
            fields={"reason": [_("Velg en årsak.")]},
        )
    if reason == RejectReason.ANNET and not comment:
        raise ApplicationError(
            _("Skriv en kort forklaring når årsaken er «Annet»."),
            code="COMMENT_REQUIRED",
            fields={"comment": [_("Skriv en kort forklaring.")]},
        )
    proposal = _lock_proposal(actor, proposal_id)
    _require_open(proposal)
    proposal.status = PS.AVVIST
    proposal.reason = reason
    proposal.comment = comment
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "reason", "comment", "decided_by", "decided_at"])
    return proposal


@dataclass(frozen=True)
class ProposalOutcome:
    proposal_id: int
    ok: bool
    message: str


def proposals_decide(
    *, actor: User, proposal_ids: list[int], action: str, reason: str = "", comment: str = ""
) -> list[ProposalOutcome]:
    """Confirm or reject several proposals; each on its own, so one refusal stops no other."""
    outcomes: list[ProposalOutcome] = []
    for proposal_id in dict.fromkeys(proposal_ids):  # a repeated id is decided once
        try:
            if action == "confirm":
                proposal_confirm(actor=actor, proposal_id=proposal_id)
                message = _("Bekreftet: plassen er tildelt.")
            else:
                proposal_reject(
                    actor=actor, proposal_id=proposal_id, reason=reason, comment=comment
                )
                message = _("Avvist.")
        except ApplicationError as error:
            outcomes.append(ProposalOutcome(proposal_id, False, error.message))
        else:
            outcomes.append(ProposalOutcome(proposal_id, True, message))
    return outcomes


def matching_keys() -> list[tuple[str, int]]:
    """Every (county, programme type) with people waiting: what the nightly run visits."""
    return sorted(
        Referral.objects.filter(status=ReferralStatus.VENTELISTE)
        .order_by()
        .values_list("county_id", "programme_type_id")
        .distinct()
    )


__all__ = [
    "MatchingTrigger",
    "RunResult",
    "matching_keys",
    "matching_run",
    "matching_what_if",
    "proposal_confirm",
    "proposal_reject",
    "proposals_decide",
]
