"""The referral lifecycle (DOMAIN.md section 4): one function per transition.

Each locks the referral row, checks that the version the user saw is still current and that
the transition is allowed from the current state, checks who may do it, writes the change and
an event to the history in one transaction, and queues notifications after commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import ApplicationError
from intake.gate import JUSTIFICATION_PARTS, GateCode, GateResult, gate_check
from intake.models import (
    OPEN_STATUSES,
    EndReason,
    EventKind,
    MatchProposal,
    NotificationKind,
    Person,
    ProposalStatus,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from intake.services.notifications import notification_create
from intake.services.priority import apply_priority, county_settings, priority_for
from intake.signals import person_changed
from org.access import scope_for
from org.models import User
from providers.models import ProgrammeType

S = ReferralStatus

# Why the intake team returns a referral: the gate's codes, plus its own judgement.
RETURN_REASONS: dict[str, Promise] = {
    GateCode.CV_MANGLER: gettext_lazy("CV mangler"),
    GateCode.CV_UTDATERT: gettext_lazy("CV er utdatert"),
    GateCode.AEV_MANGLER: gettext_lazy("Arbeidsevnevurdering mangler"),
    GateCode.AEV_UTDATERT: gettext_lazy("Arbeidsevnevurderingen er utdatert"),
    GateCode.AEV_IKKE_NEDSATT: gettext_lazy(
        "Arbeidsevnevurderingen viser ikke nedsatt arbeidsevne"
    ),
    GateCode.AKTIVITETSPLAN_MANGLER: gettext_lazy("Aktivitetsplan mangler"),
    GateCode.AKTIVITETSPLAN_IKKE_GODKJENT: gettext_lazy("Aktivitetsplanen er ikke godkjent"),
    GateCode.AKTIVITETSPLAN_UTEN_MAL: gettext_lazy("Aktivitetsplanen mangler mål"),
    GateCode.AKTIVITETSPLAN_UTDATERT: gettext_lazy("Aktivitetsplanen er utdatert"),
    GateCode.BEGRUNNELSE_MANGELFULL: gettext_lazy("Begrunnelsen er mangelfull"),
    GateCode.FEIL_INNSATSGRUPPE: gettext_lazy("Feil innsatsgruppe for tiltaket"),
    "ANNET": gettext_lazy("Annet (forklar i kommentaren)"),
}

JUSTIFICATION_FIELDS = tuple(name for name, _label in JUSTIFICATION_PARTS)


class GateRefused(ApplicationError):
    """Submission refused by the quality gate; carries every failure."""

    def __init__(self, result: GateResult) -> None:
        super().__init__(
            _("Henvisningen oppfyller ikke kvalitetskravene ennå."),
            code="GATE_FAILED",
            fields={"gate": [failure.message for failure in result.failures]},
        )
        self.result = result


@dataclass
class BulkResult:
    referral_id: int
    ok: bool
    message: str = ""


@dataclass
class BulkOutcome:
    results: list[BulkResult] = field(default_factory=list)

    @property
    def succeeded(self) -> int:
        return sum(1 for r in self.results if r.ok)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.ok)


def _stale() -> ApplicationError:
    return ApplicationError(
        _(
            "Henvisningen er endret av noen andre etter at du åpnet den. Se endringen, og "
            "prøv igjen."
        ),
        code="STALE",
    )


def _not_allowed(referral: Referral, action: str) -> ApplicationError:
    return ApplicationError(
        _("Henvisningen kan ikke %(action)s når den har status «%(status)s».")
        % {"action": action, "status": referral.get_status_display()},
        code="ILLEGAL_TRANSITION",
    )


def _forbidden() -> ApplicationError:
    return ApplicationError(_("Du har ikke tilgang til denne henvisningen."), code="FORBIDDEN")


def referral_lock(referral_id: int, expected_version: int | None) -> Referral:
    # FOR NO KEY UPDATE, as PostgreSQL's own UPDATE takes: it serialises the writers of this
    # referral but lets other transactions insert rows that point at it (a matching run saving
    # a proposal, say), which a plain FOR UPDATE would block, and could deadlock with.
    referral = (
        Referral.objects.select_for_update(of=("self",), no_key=True)
        .select_related("person", "programme_type")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise ApplicationError(_("Fant ikke henvisningen."), code="NOT_FOUND")
    if expected_version is not None and referral.version != expected_version:
        raise _stale()
    return referral


def _caseworker_office(actor: User, referral: Referral) -> int:
    """The office the caseworker acts from: the person's office, which they must work at."""
    if not scope_for(actor).may_work_for_office(referral.person.office_id):
        raise _forbidden()
    return referral.person.office_id


def require_intake(actor: User, referral: Referral) -> str:
    if not scope_for(actor).may_review_for_county(referral.county_id):
        raise _forbidden()
    return referral.county_id


def referral_record(
    referral: Referral,
    *,
    kind: EventKind,
    to_status: str,
    actor: User,
    office_id: int | None = None,
    county_id: str | None = None,
    reasons: list[str] | None = None,
    comment: str = "",
    at: datetime.datetime | None = None,
) -> ReferralEvent:
    """Move the referral to `to_status` and write the event: the only place both happen."""
    event = ReferralEvent.objects.create(
        referral=referral,
        kind=kind,
        from_status=referral.status,
        to_status=to_status,
        actor=actor,
        actor_office_id=office_id,
        actor_county_id=county_id,
        reasons=reasons or [],
        comment=comment,
        at=at or timezone.now(),
    )
    if referral.status == ReferralStatus.VENTELISTE and to_status != ReferralStatus.VENTELISTE:
        # Off the waitlist: a matching proposal for them no longer holds. Said now, rather
        # than when someone tries to confirm it.
        MatchProposal.objects.filter(referral=referral, status=ProposalStatus.FORESLATT).update(
            status=ProposalStatus.UTDATERT,
            reason="NOT_WAITING",
            comment=_("Brukeren står ikke lenger på ventelisten."),
            decided_by=actor,
            decided_at=event.at,
        )
    referral.status = to_status
    referral.version += 1
    referral.save()
    person_changed.send(sender=Referral, person_id=referral.person_id)
    return event


def _justification(values: dict[str, str]) -> dict[str, str]:
    unknown = set(values) - set(JUSTIFICATION_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Ukjente felt: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="UNKNOWN_FIELDS",
        )
    return {name: values.get(name, "").strip() for name in JUSTIFICATION_FIELDS}


def _existing_open(person: Person, programme_type: ProgrammeType) -> Referral | None:
    return Referral.objects.filter(
        person=person, programme_type=programme_type, status__in=OPEN_STATUSES
    ).first()


class AlreadyOpen(ApplicationError):
    def __init__(self, existing: Referral) -> None:
        super().__init__(
            _(
                "Brukeren har allerede en åpen henvisning til %(type)s (status «%(status)s»). "
                "Fortsett på den i stedet for å lage en ny."
            )
            % {"type": existing.programme_type.short_name, "status": existing.get_status_display()},
            code=GateCode.ALLEREDE_AKTIV,
        )
        self.existing = existing


def referral_create(
    *,
    actor: User,
    person: Person,
    programme_type: ProgrammeType,
    justification: dict[str, str],
) -> Referral:
    """A draft (KLADD) in the county of the person's office."""
    if not scope_for(actor).may_work_for_office(person.office_id):
        raise _forbidden()
    if not programme_type.has_waitlist:
        raise ApplicationError(
            _("%(type)s har ikke fylkesvis venteliste i Inntak.") % {"type": programme_type.name},
            code="NO_WAITLIST",
        )
    texts = _justification(justification)
    existing = _existing_open(person, programme_type)
    if existing is not None:
        raise AlreadyOpen(existing)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                person=person,
                programme_type=programme_type,
                county_id=person.office.county_id,
                office_id=person.office_id,
                created_by=actor,
                status=S.KLADD,
                **texts,
            )
            ReferralEvent.objects.create(
                referral=referral,
                kind=EventKind.OPPRETTET,
                from_status="",
                to_status=S.KLADD,
                actor=actor,
                actor_office_id=person.office_id,
                at=referral.created_at,
            )
            # A draft is a pending referral: the person's flags follow (after commit).
            person_changed.send(sender=Referral, person_id=person.pk)
    except IntegrityError:
        # A double click, or a colleague at the same moment: the database's unique index on
        # open referrals decided; point to the one that won.
        existing = _existing_open(person, programme_type)
        if existing is None:
            raise
        raise AlreadyOpen(existing) from None
    return referral


@transaction.atomic
def referral_update(
    *, actor: User, referral_id: int, expected_version: int, justification: dict[str, str]
) -> Referral:
    """Edit the justification of a draft or a returned referral."""
    referral = referral_lock(referral_id, expected_version)
    office_id = _caseworker_office(actor, referral)
    if referral.status not in (S.KLADD, S.RETURNERT):
        raise _not_allowed(referral, _("endres"))
    texts = _justification(justification)
    changed = [name for name, value in texts.items() if getattr(referral, name) != value]
    if not changed:
        return referral
    for name in changed:
        setattr(referral, name, texts[name])
    referral_record(
        referral,
        kind=EventKind.ENDRET,
        to_status=referral.status,
        actor=actor,
        office_id=office_id,
    )
    return referral


def referral_gate(*, referral: Referral, today: datetime.date | None = None) -> GateResult:
    """The gate's verdict on a referral as it stands (for the form and the review page)."""
    person = (
        Person.objects.select_related("cv", "activity_plan")
        .prefetch_related("work_capacity_assessments")
        .get(pk=referral.person_id)
    )
    return gate_check(
        person=person,
        programme_type=referral.programme_type,
        justification={name: getattr(referral, name) for name in JUSTIFICATION_FIELDS},
        today=today or timezone.localdate(),
        referral=referral,
    )


@transaction.atomic
def referral_submit(*, actor: User, referral_id: int, expected_version: int) -> Referral:
    """Submit (or resubmit after a return) through the gate: any failure refuses it."""
    referral = referral_lock(referral_id, expected_version)
    office_id = _caseworker_office(actor, referral)
    if referral.status not in (S.KLADD, S.RETURNERT):
        raise _not_allowed(referral, _("sendes inn"))
    result = referral_gate(referral=referral)
    if not result.passed:
        raise GateRefused(result)
    now = timezone.now()
    referral.submitted_at = now
    referral_record(
        referral,
        kind=EventKind.SOKT_INN,
        to_status=S.SOKT_INN,
        actor=actor,
        office_id=office_id,
        at=now,
    )
    return referral


def _submitter(referral: Referral) -> User | None:
    event = (
        referral.events.filter(kind=EventKind.SOKT_INN)
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    return event.actor if event else None


@transaction.atomic
def referral_return(
    *,
    actor: User,
    referral_id: int,
    expected_version: int | None,
    reasons: list[str],
    comment: str,
) -> Referral:
    """Send a submitted referral back to the caseworker with reasons they can act on."""
    referral = referral_lock(referral_id, expected_version)
    county_id = require_intake(actor, referral)
    if referral.status != S.SOKT_INN:
        raise _not_allowed(referral, _("returneres"))
    reasons = list(dict.fromkeys(reasons))
    if not reasons:
        raise ApplicationError(
            _("Velg minst én årsak til at henvisningen returneres."),
            code="REASON_REQUIRED",
            fields={"reasons": [_("Velg minst én årsak.")]},
        )
    unknown = [r for r in reasons if r not in RETURN_REASONS]
    if unknown:
        raise ApplicationError(
            _("Ukjent årsak: %(codes)s.") % {"codes": ", ".join(unknown)},
            code="UNKNOWN_REASON",
            fields={"reasons": [_("Ukjent årsak.")]},
        )
    comment = comment.strip()
    if "ANNET" in reasons and not comment:
        raise ApplicationError(
            _("Forklar i kommentaren hva «Annet» gjelder."),
            code="COMMENT_REQUIRED",
            fields={"comment": [_("Skriv en kommentar når du velger «Annet».")]},
        )
    referral_record(
        referral,
        kind=EventKind.RETURNERT,
        to_status=S.RETURNERT,
        actor=actor,
        county_id=county_id,
        reasons=reasons,
        comment=comment,
    )
    notification_create(
        referral=referral,
        kind=NotificationKind.RETURNERT,
        recipients=[u for u in (_submitter(referral), referral.person.caseworker) if u],
    )
    return referral


AUTHOR_EVENTS = (EventKind.OPPRETTET, EventKind.ENDRET, EventKind.SOKT_INN)


def referral_authored_by(
    referral: Referral, user_id: int, events: Iterable[ReferralEvent] | None = None
) -> bool:
    """Four eyes: whoever wrote or submitted a referral may not also approve it. Pass the
    referral's events when they are loaded already, to save the query."""
    # An imported draft's creator is whoever ran the import: the caseworker who completes
    # and submits it is its author.
    if referral.created_by_id == user_id and referral.imported_from_id is None:
        return True
    if events is None:
        return referral.events.filter(kind__in=AUTHOR_EVENTS, actor_id=user_id).exists()
    return any(e.kind in AUTHOR_EVENTS and e.actor_id == user_id for e in events)


def listed_since(day: datetime.date) -> datetime.datetime:
    """The start of the day a county's list says a person was put on it (issue 8)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@transaction.atomic
def referral_approve(*, actor: User, referral_id: int, expected_version: int | None) -> Referral:
    """Approve onto the county's waitlist for the programme type, dated now."""
    referral = referral_lock(referral_id, expected_version)
    county_id = require_intake(actor, referral)
    if referral.status != S.SOKT_INN:
        raise _not_allowed(referral, _("godkjennes"))
    submitter = _submitter(referral)
    if referral_authored_by(referral, actor.pk):
        raise ApplicationError(
            _(
                "Du har skrevet eller sendt inn denne henvisningen selv. En annen i "
                "inntaksteamet må godkjenne den."
            ),
            code="FOUR_EYES",
        )
    now = timezone.now()
    referral.waitlisted_at = now
    if referral.listed_on is not None:
        # Imported from the county's old list (issue 8): the wait counts from the day the
        # list says the person was put on it, not from the day the paperwork was done.
        referral.waitlisted_at = min(now, listed_since(referral.listed_on))
    apply_priority(
        referral, priority_for(referral.person, county_settings(county_id), timezone.localdate())
    )
    referral_record(
        referral,
        kind=EventKind.GODKJENT,
        to_status=S.VENTELISTE,
        actor=actor,
        county_id=county_id,
        at=now,
    )
    notification_create(
        referral=referral,
        kind=NotificationKind.GODKJENT,
        recipients=[u for u in (submitter, referral.person.caseworker) if u],
    )
    return referral


def end_reason_clean(reason: str, comment: str) -> tuple[str, str]:
    if reason not in EndReason.values:
        raise ApplicationError(
            _("Velg en årsak."), code="REASON_REQUIRED", fields={"reason": [_("Velg en årsak.")]}
        )
    comment = comment.strip()
    if reason == EndReason.ANNET and not comment:
        raise ApplicationError(
            _("Forklar i kommentaren hva «Annet» gjelder."),
            code="COMMENT_REQUIRED",
            fields={"comment": [_("Skriv en kommentar når du velger «Annet».")]},
        )
    if reason != EndReason.ANNET and comment:
        # NAV's rule: free text only with ANNET, so that personal details don't drift into it.
        raise ApplicationError(
            _("Kommentar kan bare skrives når årsaken er «Annet»."),
            code="COMMENT_NOT_ALLOWED",
            fields={"comment": [_("Kommentar kan bare skrives når årsaken er «Annet».")]},
        )
    return reason, comment


@transaction.atomic
def referral_withdraw(
    *,
    actor: User,
    referral_id: int,
    expected_version: int | None,
    reason: str = "",
    comment: str = "",
) -> Referral:
    """The caseworker withdraws: a draft is cancelled; a submitted, returned or waiting referral
    becomes IKKE_AKTUELL with a reason."""
    referral = referral_lock(referral_id, expected_version)
    office_id = _caseworker_office(actor, referral)
    if referral.status == S.KLADD:
        referral_record(
            referral,
            kind=EventKind.AVBRUTT,
            to_status=S.AVBRUTT_UTKAST,
            actor=actor,
            office_id=office_id,
        )
        return referral
    if referral.status not in (S.SOKT_INN, S.RETURNERT, S.VENTELISTE):
        raise _not_allowed(referral, _("trekkes"))
    reason, comment = end_reason_clean(reason, comment)
    referral.closed_reason = reason
    referral_record(
        referral,
        kind=EventKind.TRUKKET,
        to_status=S.IKKE_AKTUELL,
        actor=actor,
        office_id=office_id,
        reasons=[reason],
        comment=comment,
    )
    return referral


@transaction.atomic
def referral_decline(
    *, actor: User, referral_id: int, expected_version: int | None, reason: str, comment: str = ""
) -> Referral:
    """The intake team declines a submitted or waiting referral, with a reason."""
    referral = referral_lock(referral_id, expected_version)
    county_id = require_intake(actor, referral)
    if referral.status not in (S.SOKT_INN, S.VENTELISTE):
        raise _not_allowed(referral, _("avslås"))
    reason, comment = end_reason_clean(reason, comment)
    referral.closed_reason = reason
    referral_record(
        referral,
        kind=EventKind.AVSLATT,
        to_status=S.IKKE_AKTUELL,
        actor=actor,
        county_id=county_id,
        reasons=[reason],
        comment=comment,
    )
    notification_create(
        referral=referral,
        kind=NotificationKind.AVSLATT,
        recipients=[u for u in (_submitter(referral), referral.person.caseworker) if u],
    )
    return referral


def referrals_bulk(referral_ids: list[int], action: Callable[[int], Referral]) -> BulkOutcome:
    """Apply one transition to many referrals, each in its own transaction, so that one that
    fails (changed meanwhile, gate, four-eyes) leaves the others done; a result per row."""
    outcome = BulkOutcome()
    for referral_id in dict.fromkeys(referral_ids):
        try:
            action(referral_id)
        except ApplicationError as error:
            outcome.results.append(BulkResult(referral_id, False, error.message))
        else:
            outcome.results.append(BulkResult(referral_id, True))
    return outcome
