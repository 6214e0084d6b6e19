"""Reading the access log: what a leader may search, and one person's access report."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AccessedPerson, AccessKind
from intake.models import Person
from org.access import Scope
from org.models import CountyMembership, OfficeMembership, ProviderMembership

# What each route shows, in words a person handed the report understands. Routes not named
# here are shown by their name.
WHAT_LABELS = {
    "person-list": gettext_lazy("Brukerliste"),
    "person-detail": gettext_lazy("Brukerens side"),
    "person-update": gettext_lazy("Endring av brukerens opplysninger"),
    "person-cv": gettext_lazy("CV"),
    "person-assessment": gettext_lazy("Arbeidsevnevurdering"),
    "person-activity-plan": gettext_lazy("Aktivitetsplan"),
    "document-attachment": gettext_lazy("Vedlegg til dokument"),
    "referral-create": gettext_lazy("Ny henvisning"),
    "referral-detail": gettext_lazy("Henvisning"),
    "referral-update": gettext_lazy("Endring av henvisning"),
    "caseworker-referrals": gettext_lazy("Henvisningsliste"),
    "notification-list": gettext_lazy("Varsler"),
    "review-queue": gettext_lazy("Inntaksteamets vurderingskø"),
    "review-detail": gettext_lazy("Inntaksteamets vurdering av henvisning"),
    "waitlist-detail": gettext_lazy("Venteliste"),
    "placement-list": gettext_lazy("Tildelte plasser"),
    "matching-list": gettext_lazy("Forslag til plass (matching)"),
    "provider-participants": gettext_lazy("Tiltaksarrangørens deltakerliste"),
    "portfolio-list": gettext_lazy("Porteføljeliste"),
    "portfolio-flag": gettext_lazy("Porteføljeflagg"),
    "portfolio-person-flags": gettext_lazy("Brukerens porteføljeflagg"),
    "access-log": gettext_lazy("Tilgangslogg"),
    "access-report": gettext_lazy("Innsynsrapport fra tilgangsloggen"),
}


# The log's own pages (their reads are recorded like any other).
LOG_ROUTES = ("access-log", "access-report", "access-report-csv")


def what_label(what: str, kind: str) -> str:
    label = WHAT_LABELS.get(what)
    if label is not None:
        return str(label)
    if kind == AccessKind.EKSPORT:
        return _("Eksport")
    if kind == AccessKind.API:
        return _("API: %(name)s") % {"name": what.removeprefix("api-")}
    return what


def persons_in_scope(scope: Scope) -> QuerySet[Person]:
    """The persons whose access records a leader may read: those of the office or county they
    lead, and of those only the ones they may see in full. A protected person's records would
    tell too much beside a masked name (an export's filters name a municipality)."""
    if not scope.is_leader:
        return Person.objects.none()
    return Person.objects.filter(scope.led_person_q(), protection_level__in=scope.protection_levels)


def person_for_log(*, scope: Scope, person_id: int) -> Person | None:
    """A person a leader may see in full, or None (missing, out of scope and protected alike:
    the caller answers 404 either way)."""
    return persons_in_scope(scope).filter(pk=person_id).select_related("office").first()


def person_by_fodselsnummer(*, scope: Scope, fodselsnummer: str) -> Person | None:
    return persons_in_scope(scope).filter(fodselsnummer=fodselsnummer).first()


@dataclass(frozen=True)
class LogQuery:
    start: datetime.date
    end: datetime.date
    person_id: int | None = None
    actor: str = ""
    kind: str = ""
    # Reading the log shows names, so it is recorded too; left out of a search unless asked
    # for, or every look at the log would bury what it is looked at for.
    with_log_reads: bool = False


def _midnight(day: datetime.date) -> datetime.datetime:
    # Bounds on the timestamp itself (not its date), so the index on it is used.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def accesses(*, scope: Scope, query: LogQuery) -> QuerySet[AccessedPerson]:
    """The records of reads of persons in the leader's scope, newest first."""
    rows = AccessedPerson.objects.filter(
        person_id__in=persons_in_scope(scope).values("pk"),
        event__at__gte=_midnight(query.start),
        event__at__lt=_midnight(query.end + datetime.timedelta(days=1)),
    )
    if query.person_id is not None:
        rows = rows.filter(person_id=query.person_id)
    if query.actor:
        for word in query.actor.split()[:4]:
            rows = rows.filter(
                Q(event__actor_username__icontains=word) | Q(event__actor_name__icontains=word)
            )
    if query.kind:
        rows = rows.filter(event__kind=query.kind)
    if not query.with_log_reads:
        rows = rows.exclude(event__what__in=LOG_ROUTES)
    return rows.select_related("event").order_by("-event__at", "-event_id", "person_id")


@dataclass(frozen=True)
class Row:
    at: datetime.datetime
    actor_name: str
    actor_username: str
    actor_unit: str
    person: Person | None
    person_id: int
    what: str
    kind: str
    kind_label: str
    path: str
    address: str | None
    detail: str


def units(actor_ids: Iterable[int]) -> dict[int, str]:
    """Where each user works, as their memberships say today ("Nav Midtbyen, veileder")."""
    ids = set(actor_ids)
    found: dict[int, list[str]] = defaultdict(list)
    for m in OfficeMembership.objects.filter(user_id__in=ids).select_related("office"):
        found[m.user_id].append(f"{m.office.name}, {m.get_role_display().lower()}")
    for c in CountyMembership.objects.filter(user_id__in=ids).select_related("county"):
        found[c.user_id].append(f"{c.county.name}, {c.get_role_display().lower()}")
    for p in ProviderMembership.objects.filter(user_id__in=ids).select_related("provider"):
        found[p.user_id].append(f"{p.provider.name}, {_('tiltaksarrangør')}")
    return {pk: "; ".join(sorted(parts)) for pk, parts in found.items()}


def rows_for(records: Iterable[AccessedPerson]) -> list[Row]:
    """One page of records, with the actors' units and the persons (2 + 3 queries)."""
    records = list(records)
    persons = Person.objects.in_bulk({r.person_id for r in records})
    unit = units(r.event.actor_id for r in records)
    kinds = dict(AccessKind.choices)
    return [
        Row(
            at=r.event.at,
            actor_name=r.event.actor_name or r.event.actor_username,
            actor_username=r.event.actor_username,
            actor_unit=unit.get(r.event.actor_id, ""),
            person=persons.get(r.person_id),
            person_id=r.person_id,
            what=what_label(r.event.what, r.event.kind),
            kind=r.event.kind,
            kind_label=str(kinds.get(r.event.kind, r.event.kind)),
            path=r.event.path,
            address=r.event.address,
            detail=r.event.detail,
        )
        for r in records
    ]
