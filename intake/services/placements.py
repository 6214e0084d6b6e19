"""Giving free places to people on a waitlist, and what follows: start, end, or not started.

A place is taken with one conditional UPDATE on the offering (`free_places > 0`), so two
people can never get the same place and free capacity never goes below zero, whatever the
timing; the database's check constraints on the offering hold the rest (healthchecks' pattern:
"rows changed != 1" means someone else got there first).
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from intake.models import (
    EndReason,
    EventKind,
    MatchingRequest,
    MatchProposal,
    NotificationKind,
    Outcome,
    Placement,
    PlacementStatus,
    ProposalStatus,
    ReferralStatus,
)
from intake.services.notifications import notification_create
from intake.services.referrals import (
    end_reason_clean,
    referral_lock,
    referral_record,
    require_intake,
)
from org.access import scope_for
from org.models import User
from outbox.services import outbox_enqueue
from providers.models import Offering

S = ReferralStatus
P = PlacementStatus

# A place not taken up for one of these reasons is the person's own choice or circumstance:
# they leave the waitlist. For any other reason they go back to it, keeping their place in line.
PERSONS_OWN_REASONS = (
    EndReason.IKKE_MOTT,
    EndReason.FATT_JOBB,
    EndReason.UTDANNING,
    EndReason.TRENGER_ANNEN_STOTTE,
)
# Bursts of capacity reports within this many seconds make one matching request, and one
# matching run when the burst is over: proposals are there within a minute of a report.
MATCHING_DEBOUNCE_SECONDS = 30


def _place_taken() -> ApplicationError:
    return ApplicationError(
        _("Plassen ble nettopp tatt av noen andre. Velg en annen plass, eller vent på nye."),
        code="PLACE_TAKEN",
    )


def _provider_users(offering: Offering) -> list[User]:
    return list(User.objects.filter(provider_memberships__provider_id=offering.provider_id))


@transaction.atomic
def placement_assign(
    *,
    actor: User,
    referral_id: int,
    offering_id: int,
    expected_version: int | None = None,
    planned_start: datetime.date | None = None,
    proposal: MatchProposal | None = None,
) -> Placement:
    """The intake team gives a waiting person a free place at an offering in the county, by
    hand or by confirming a matching proposal (locked by the caller)."""
    referral = referral_lock(referral_id, expected_version)
    county_id = require_intake(actor, referral)
    if referral.status != S.VENTELISTE:
        raise ApplicationError(
            _("Bare personer på ventelisten kan få plass. Henvisningen har status «%(status)s».")
            % {"status": referral.get_status_display()},
            code="ILLEGAL_TRANSITION",
        )
    offering = (
        Offering.objects.select_related("municipality", "programme_type")
        .filter(pk=offering_id)
        .first()
    )
    if offering is None or offering.municipality.county_id != county_id:
        raise ApplicationError(_("Fant ikke gjennomføringen i fylket."), code="NOT_FOUND")
    if offering.programme_type_id != referral.programme_type_id:
        raise ApplicationError(
            _("Gjennomføringen er ikke av samme tiltakstype som henvisningen."),
            code="WRONG_PROGRAMME_TYPE",
        )
    if not offering.open_for_intake:
        raise ApplicationError(_("Gjennomføringen er stengt for inntak."), code="CLOSED")
    start = planned_start or offering.free_from or timezone.localdate()
    closed = offering.closed_periods.filter(starts_on__lte=start, ends_on__gte=start).first()
    if closed is not None:
        raise ApplicationError(
            _("Gjennomføringen er stengt fra %(from)s til %(to)s. Velg en annen oppstartsdato.")
            % {
                "from": closed.starts_on.strftime("%d.%m.%Y"),
                "to": closed.ends_on.strftime("%d.%m.%Y"),
            },
            code="CLOSED_PERIOD",
        )
    if referral.person.excluded_providers.filter(pk=offering.provider_id).exists():
        raise ApplicationError(
            _("Brukeren har bedt om ikke å få plass hos denne arrangøren."),
            code="PROVIDER_EXCLUDED",
        )
    taken = Offering.objects.filter(pk=offering.pk, free_places__gt=0).update(
        free_places=F("free_places") - 1, places_assigned=F("places_assigned") + 1
    )
    if taken != 1:
        raise _place_taken()
    placement = Placement.objects.create(
        referral=referral,
        offering=offering,
        assigned_by=actor,
        planned_start=start,
    )
    now = timezone.now()
    # Any other open proposal for the person goes stale in referral_record below, as for
    # everyone leaving the waitlist; the one being confirmed is closed first.
    if proposal is not None:
        proposal.status = ProposalStatus.BEKREFTET
        proposal.placement = placement
        proposal.decided_by = actor
        proposal.decided_at = now
        proposal.save(update_fields=["status", "placement", "decided_by", "decided_at"])
    referral_record(
        referral,
        kind=EventKind.TILDELT,
        to_status=S.VENTER_PA_OPPSTART,
        actor=actor,
        county_id=county_id,
        comment=offering.name,
    )
    notification_create(
        referral=referral,
        kind=NotificationKind.TILDELT,
        recipients=[u for u in (referral.created_by, referral.person.caseworker) if u]
        + _provider_users(offering),
    )
    return placement


def _lock_placement(actor: User, placement_id: int, expected_version: int | None) -> Placement:
    placement = (
        Placement.objects.select_for_update(of=("self",), no_key=True)
        .select_related("offering", "referral")
        .filter(pk=placement_id)
        .first()
    )
    scope = scope_for(actor)
    if placement is None or (
        placement.offering.provider_id not in scope.provider_ids
        and not scope.may_review_for_county(placement.referral.county_id)
    ):
        raise ApplicationError(_("Fant ikke plassen."), code="NOT_FOUND")
    if expected_version is not None and placement.version != expected_version:
        raise ApplicationError(
            _(
                "Plassen er endret av noen andre etter at du åpnet siden. "
                "Se endringen og prøv igjen."
            ),
            code="STALE",
        )
    return placement


def _check_date(day: datetime.date, field: str) -> None:
    today = timezone.localdate()
    if day > today + datetime.timedelta(days=1):
        raise ApplicationError(
            _("Datoen kan ikke være fram i tid."),
            code="DATE_IN_FUTURE",
            fields={field: [_("Datoen kan ikke være fram i tid.")]},
        )


@transaction.atomic
def placement_start(
    *,
    actor: User,
    placement_id: int,
    started_on: datetime.date,
    expected_version: int | None = None,
) -> Placement:
    """The provider confirms the person has started (DELTAR)."""
    placement = _lock_placement(actor, placement_id, expected_version)
    if placement.status != P.TILDELT:
        raise ApplicationError(_("Bare en tildelt plass kan startes."), code="ILLEGAL_TRANSITION")
    _check_date(started_on, "started_on")
    Offering.objects.filter(pk=placement.offering_id).update(
        places_assigned=F("places_assigned") - 1, places_occupied=F("places_occupied") + 1
    )
    placement.status = P.DELTAR
    placement.started_on = started_on
    placement.version += 1
    placement.save()
    referral = referral_lock(placement.referral_id, None)
    referral_record(referral, kind=EventKind.STARTET, to_status=S.DELTAR, actor=actor)
    return placement


@transaction.atomic
def placement_end(
    *,
    actor: User,
    placement_id: int,
    ended_on: datetime.date,
    reason: str,
    outcome: str,
    expected_version: int | None = None,
) -> Placement:
    """The provider ends a participation (HAR_SLUTTET) with a reason and an outcome."""
    placement = _lock_placement(actor, placement_id, expected_version)
    if placement.status != P.DELTAR:
        raise ApplicationError(
            _("Bare en pågående deltakelse kan avsluttes."), code="ILLEGAL_TRANSITION"
        )
    if reason not in EndReason.values:
        raise ApplicationError(
            _("Velg en årsak."), code="REASON_REQUIRED", fields={"reason": [_("Velg en årsak.")]}
        )
    if outcome not in Outcome.values:
        raise ApplicationError(
            _("Velg et resultat."),
            code="OUTCOME_REQUIRED",
            fields={"outcome": [_("Velg et resultat.")]},
        )
    _check_date(ended_on, "ended_on")
    if placement.started_on and ended_on < placement.started_on:
        raise ApplicationError(
            _("Sluttdatoen kan ikke være før startdatoen (%(date)s).")
            % {"date": placement.started_on.strftime("%d.%m.%Y")},
            code="DATES_OUT_OF_ORDER",
            fields={"ended_on": [_("Før startdatoen.")]},
        )
    Offering.objects.filter(pk=placement.offering_id).update(
        places_occupied=F("places_occupied") - 1
    )
    placement.status = P.AVSLUTTET
    placement.ended_on = ended_on
    placement.end_reason = reason
    placement.outcome = outcome
    placement.version += 1
    placement.save()
    referral = referral_lock(placement.referral_id, None)
    referral.closed_reason = reason
    referral_record(
        referral, kind=EventKind.AVSLUTTET, to_status=S.HAR_SLUTTET, actor=actor, reasons=[reason]
    )
    return placement


@transaction.atomic
def placement_not_started(
    *,
    actor: User,
    placement_id: int,
    reason: str,
    comment: str = "",
    expected_version: int | None = None,
) -> Placement:
    """The place was not taken up (no-show, declined, the provider could not take them). The
    place is free again; the person goes back to the waitlist keeping their place in line, or
    leaves it when the reason is their own."""
    placement = _lock_placement(actor, placement_id, expected_version)
    if placement.status != P.TILDELT:
        raise ApplicationError(
            _("Bare en tildelt plass kan meldes som ikke startet."), code="ILLEGAL_TRANSITION"
        )
    # NAV's rule, as for withdrawals: a reason from the list, free text only with ANNET.
    reason, comment = end_reason_clean(reason, comment)
    Offering.objects.filter(pk=placement.offering_id).update(
        places_assigned=F("places_assigned") - 1, free_places=F("free_places") + 1
    )
    placement.status = P.IKKE_STARTET
    placement.end_reason = reason
    placement.version += 1
    placement.save()
    referral = referral_lock(placement.referral_id, None)
    own = reason in PERSONS_OWN_REASONS
    if own:
        referral.closed_reason = reason
    referral_record(
        referral,
        kind=EventKind.TAKKET_NEI,
        # Back on the list with the same approval date and queue position, unless it was
        # the person's own reason.
        to_status=S.IKKE_AKTUELL if own else S.VENTELISTE,
        actor=actor,
        county_id=referral.county_id,
        reasons=[reason],
        comment=comment,
    )
    notification_create(
        referral=referral,
        kind=NotificationKind.IKKE_STARTET,
        recipients=[u for u in (referral.created_by, referral.person.caseworker) if u],
    )
    return placement


def matching_request(*, offering_id: int) -> tuple[str, int] | None:
    """Free places were reported: note it for the county and programme type, at most once per
    burst (debounced in the cache), after the report's transaction commits. Returns the list's
    key when this report opened a burst, so the caller starts one matching run for it."""
    offering = Offering.objects.select_related("municipality").filter(pk=offering_id).first()
    if offering is None:
        return None
    county_id = offering.municipality.county_id
    key = f"inntak:matching-request:{county_id}:{offering.programme_type_id}"
    if not cache.add(key, 1, timeout=MATCHING_DEBOUNCE_SECONDS):
        return None
    free = sum(
        Offering.objects.filter(
            municipality__county_id=county_id,
            programme_type_id=offering.programme_type_id,
            open_for_intake=True,
        ).values_list("free_places", flat=True)
    )
    MatchingRequest.objects.create(
        county_id=county_id, programme_type_id=offering.programme_type_id, free_places=free
    )
    return county_id, offering.programme_type_id


def matching_requests_mark_seen(*, actor: User, county_number: str) -> int:
    """The county's intake team has seen the new free places reported so far."""
    if not scope_for(actor).may_review_for_county(county_number):
        raise ApplicationError(
            _("Bare fylkets inntaksteam kan merke nye ledige plasser som sett."),
            code="FORBIDDEN",
        )
    return MatchingRequest.objects.filter(county_id=county_number, seen_at__isnull=True).update(
        seen_at=timezone.now()
    )


def on_capacity_reported(
    sender: object, *, offering_id: int, report_id: int, **kwargs: object
) -> None:
    """Receiver of providers.signals.capacity_reported: work is queued after commit."""
    from intake.tasks import matching_requested  # tasks import services, not the reverse

    outbox_enqueue(matching_requested, offering_id)
