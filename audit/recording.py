"""Recording reads of personal data, for every page, API call and export, in one place.

Any model instance that carries a person's data notes the person when Django builds it from a
database row (the `post_init` signal), into a collector that lives for one request. When the
view has answered, `AuditMiddleware` writes one `AccessEvent` with every person the request
read, before the response leaves the server; if that write fails, the user gets an error page
instead of the data. A new page or endpoint is therefore audited without doing anything, and
tests/security check that no response shows a person without a record.

Outside a request (Celery tasks, management commands) nothing is collected: those are not a
user's reads.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models.signals import post_init
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.utils import timezone

from audit.models import AccessedPerson, AccessEvent, AccessKind

logger = logging.getLogger(__name__)


@dataclass
class Reads:
    person_ids: set[int] = field(default_factory=set)
    # Rows that name a person through their referral (placements, proposals, notifications):
    # resolved to persons with one query when the event is written.
    referral_ids: set[int] = field(default_factory=set)
    # A document's PDF: resolved to its owner through the CV, assessment or activity plan.
    attachment_ids: set[int] = field(default_factory=set)
    kind: str | None = None
    detail: str = ""
    # An export of figures names no person, yet is recorded all the same.
    without_persons: bool = False


_reads: ContextVar[Reads | None] = ContextVar("inntak_audit_reads", default=None)


def note_persons(person_ids: Iterable[int | None]) -> None:
    """Note persons read outside model instances (e.g. rows read with .values())."""
    reads = _reads.get()
    if reads is not None:
        reads.person_ids.update(pk for pk in person_ids if pk is not None)


def describe(*, kind: AccessKind | None = None, detail: str = "") -> None:
    """Name the current request's read: an export (with its filters), for instance."""
    reads = _reads.get()
    if reads is not None:
        if kind is not None:
            reads.kind = kind
        if detail:
            reads.detail = detail[:500]


def record_without_persons() -> None:
    """Record the current request even if it reads no person (an export of aggregates)."""
    reads = _reads.get()
    if reads is not None:
        reads.without_persons = True


def _field_noter(attname: str, into: str) -> Callable[..., None]:
    def note(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
        reads = _reads.get()
        if reads is None:
            return
        # Read from __dict__: a deferred field would cost a query per row.
        value = instance.__dict__.get(attname)
        if value is not None:
            getattr(reads, into).add(value)

    return note


# The models that carry a person's data, and the field that names the person (directly, or
# through the referral). Kept here, in one list, so a reviewer sees what counts as a read.
PERSON_DATA: list[tuple[str, str, str]] = [
    ("intake.Person", "id", "person_ids"),
    ("intake.CV", "person_id", "person_ids"),
    ("intake.WorkCapacityAssessment", "person_id", "person_ids"),
    ("intake.ActivityPlan", "person_id", "person_ids"),
    ("intake.Referral", "person_id", "person_ids"),
    ("intake.ReferralEvent", "referral_id", "referral_ids"),
    ("intake.Placement", "referral_id", "referral_ids"),
    ("intake.MatchProposal", "referral_id", "referral_ids"),
    ("intake.Notification", "referral_id", "referral_ids"),
    ("portfolio.PortfolioFlag", "person_id", "person_ids"),
    ("intake.DocumentAttachment", "id", "attachment_ids"),
    ("imports.ImportRow", "person_id", "person_ids"),
]

_receivers: list[Callable[..., None]] = []


def connect_signals() -> None:
    from django.apps import apps

    for label, attname, into in PERSON_DATA:
        receiver = _field_noter(attname, into)
        _receivers.append(receiver)  # signals hold receivers weakly
        post_init.connect(receiver, sender=apps.get_model(label), weak=False)


def _kind(request: HttpRequest) -> str:
    return AccessKind.API if request.path.startswith("/api/") else AccessKind.SIDE


def _address(request: HttpRequest) -> str | None:
    # The same client address login throttling counts (X-Forwarded-For only from the proxies
    # configured with TRUSTED_PROXY_COUNT).
    from config.security import client_ip

    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:  # a proxy that forwards garbage: the record is kept without an address
        return None


def _event_fields(request: HttpRequest, reads: Reads) -> dict[str, Any]:
    user = request.user
    assert user.pk is not None  # the middleware records authenticated users only
    match = request.resolver_match
    return {
        "at": timezone.now(),
        "actor_id": user.pk,
        "actor_username": user.get_username()[:150],
        "actor_name": (user.get_full_name() if hasattr(user, "get_full_name") else "")[:300],
        "kind": reads.kind or _kind(request),
        "what": (match.view_name if match else "")[:200],
        "path": request.path[:300],
        "method": (request.method or "")[:8],
        "address": _address(request),
        "detail": reads.detail,
    }


# PostgreSQL: the event and its persons in one statement (one round trip per page, and atomic
# on its own), with the persons behind referral rows looked up on the way.
_WRITE_SQL = """
WITH p AS (
    SELECT unnest(%(persons)s::bigint[]) AS person_id
    UNION
    SELECT person_id FROM intake_referral WHERE id = ANY(%(referrals)s::bigint[])
    UNION
    SELECT person_id FROM intake_cv WHERE attachment_id = ANY(%(attachments)s::bigint[])
    UNION
    SELECT person_id FROM intake_workcapacityassessment
    WHERE attachment_id = ANY(%(attachments)s::bigint[])
    UNION
    SELECT person_id FROM intake_activityplan WHERE attachment_id = ANY(%(attachments)s::bigint[])
), e AS (
    INSERT INTO audit_accessevent
        (at, actor_id, actor_username, actor_name, kind, what, path, method, address, detail,
         person_count)
    SELECT %(at)s, %(actor_id)s, %(actor_username)s, %(actor_name)s, %(kind)s, %(what)s,
           %(path)s, %(method)s, %(address)s, %(detail)s, count(*)
    FROM p
    RETURNING id
)
INSERT INTO audit_accessedperson (event_id, person_id) SELECT e.id, p.person_id FROM e, p
"""


def _write(request: HttpRequest, reads: Reads) -> None:
    fields = _event_fields(request, reads)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _WRITE_SQL,
                {
                    **fields,
                    "persons": sorted(reads.person_ids),
                    "referrals": sorted(reads.referral_ids),
                    "attachments": sorted(reads.attachment_ids),
                },
            )
        return
    from intake.models import CV, ActivityPlan, Referral, WorkCapacityAssessment

    person_ids = set(reads.person_ids)
    if reads.referral_ids:
        person_ids.update(
            Referral.objects.filter(pk__in=reads.referral_ids).values_list("person_id", flat=True)
        )
    if reads.attachment_ids:
        for document in (CV, WorkCapacityAssessment, ActivityPlan):
            owners = document.objects.filter(attachment_id__in=reads.attachment_ids)
            person_ids.update(owners.values_list("person_id", flat=True))
    with transaction.atomic():
        event = AccessEvent.objects.create(**fields, person_count=len(person_ids))
        AccessedPerson.objects.bulk_create(
            [AccessedPerson(event=event, person_id=pk) for pk in sorted(person_ids)],
            batch_size=5000,
        )


# Answers that showed nothing of a person: a refusal, a missing object, a server error.
_NOT_SHOWN = {401, 403, 404, 405}


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reads = Reads()
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if (
            not (
                reads.person_ids
                or reads.referral_ids
                or reads.attachment_ids
                or reads.without_persons
            )
            or not request.user.is_authenticated
            or response.status_code in _NOT_SHOWN
            or response.status_code >= 500
        ):
            return response
        try:
            _write(request, reads)
        except Exception:
            # No record, no data: the response is withheld. The log line names no person.
            logger.exception("Access log write failed for %s; response withheld", request.path)
            return HttpResponseServerError(render_to_string("500.html", request=request))
        return response
