"""The flagging job and the review of flags (DOMAIN.md section 8).

The job is set-based: per rule, one INSERT ... SELECT raises the flags the rule now holds for
(skipping people with an open flag for it, or one dismissed as not relevant lately), and one
UPDATE closes the open flags it no longer holds for; snoozed flags whose date has come are
opened again. Each change writes its history row in the same statement's spirit (INSERT ...
SELECT by the run's timestamp). No Python loop over people, so the nightly run for 250,000
persons takes seconds, and running it again with unchanged data changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from intake.models import Person, Referral
from org.access import scope_for
from org.models import User
from outbox.services import outbox_enqueue
from portfolio.flag_rules import RULES, Rule
from portfolio.models import (
    OPEN_FLAG_STATUSES,
    DismissReason,
    FlagEvent,
    FlagEventKind,
    FlagSettings,
    FlagStatus,
    PortfolioFlag,
)
from providers.models import ProgrammeType

FLAGS = PortfolioFlag._meta.db_table
EVENTS = FlagEvent._meta.db_table
OPEN = tuple(str(s) for s in OPEN_FLAG_STATUSES)


@dataclass
class FlagRunResult:
    raised: int = 0
    cleared: int = 0
    reopened: int = 0

    @property
    def changed(self) -> int:
        return self.raised + self.cleared + self.reopened


def _people_sql(
    rule: Rule, s: FlagSettings, today: datetime.date, ids: list[int] | None
) -> tuple[str, tuple[Any, ...]]:
    """The rule's SELECT of (person id, fact date), to nest in the job's statements."""
    people: QuerySet[Any] = rule.people(s, today)
    if ids is not None:
        people = people.filter(pk__in=ids)
    rows = people.order_by().annotate(flag_person=F("pk")).values("flag_person", "fact_date")
    sql, params = rows.query.sql_with_params()
    return sql, tuple(params)


def _in_list(values: Iterable[Any]) -> tuple[str, list[Any]]:
    items = list(values)
    return ", ".join(["%s"] * len(items)), items


def flags_refresh(
    *, today: datetime.date | None = None, person_ids: list[int] | None = None
) -> FlagRunResult:
    """Raise, close and reopen flags for everyone (the nightly run) or for some people (after
    their data changed). Safe to run again at any time."""
    today = today or timezone.localdate()
    s = FlagSettings.current()
    now = timezone.now()
    # From the run's day (not the clock), so a run for another day is consistent with itself.
    quiet_since = timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=s.dismissed_quiet_days), datetime.time()
        )
    )
    suggestions = dict(ProgrammeType.objects.values_list("code", "pk"))
    result = FlagRunResult()
    open_in, open_params = _in_list(OPEN)
    scope_sql, scope_params = "", list[Any]()
    if person_ids is not None:
        if not person_ids:
            return result
        marks, scope_params = _in_list(person_ids)
        scope_sql = f" AND person_id IN ({marks})"
    with transaction.atomic(), connection.cursor() as cursor:
        for rule in RULES:
            people_sql, people_params = _people_sql(rule, s, today, person_ids)
            # Close what no longer holds (the person got a programme or a referral, turned 30,
            # the maksdato passed ...).
            cursor.execute(
                f"UPDATE {FLAGS} SET status = %s, cleared_at = %s "  # noqa: S608 (our tables)
                f"WHERE code = %s AND status IN ({open_in}){scope_sql} "
                f"AND person_id NOT IN (SELECT q.flag_person FROM ({people_sql}) q)",
                [FlagStatus.OPPHORT, now, rule.code, *open_params, *scope_params, *people_params],
            )
            result.cleared += cursor.rowcount
            # Raise what holds and is not already open, nor dismissed lately.
            cursor.execute(
                f"INSERT INTO {FLAGS} (person_id, code, status, suggested_programme_type_id, "  # noqa: S608
                "fact_date, fact_number, raised_at, dismiss_reason, comment) "
                "SELECT q.flag_person, %s, %s, %s, q.fact_date, NULL, %s, '', '' "
                f"FROM ({people_sql}) q "
                f"WHERE NOT EXISTS (SELECT 1 FROM {FLAGS} f WHERE f.person_id = q.flag_person "
                f"AND f.code = %s AND (f.status IN ({open_in}) "
                "OR (f.status = %s AND f.reviewed_at >= %s)))",
                [
                    rule.code,
                    FlagStatus.AKTIV,
                    suggestions.get(rule.suggestion) if rule.suggestion else None,
                    now,
                    *people_params,
                    rule.code,
                    *open_params,
                    FlagStatus.IKKE_RELEVANT,
                    quiet_since,
                ],
            )
            result.raised += cursor.rowcount
        # Snoozed flags whose day has come are open again (if the rule still holds: the
        # closing above has run first).
        cursor.execute(
            f"UPDATE {FLAGS} SET status = %s, reviewed_at = %s "  # noqa: S608
            f"WHERE status = %s AND snooze_until <= %s{scope_sql}",
            [FlagStatus.AKTIV, now, FlagStatus.SE_IGJEN, today, *scope_params],
        )
        result.reopened = cursor.rowcount
        # The history of this run's changes, by its timestamp.
        cursor.execute(
            f"INSERT INTO {EVENTS} (flag_id, kind, at, note) "  # noqa: S608
            f"SELECT id, %s, %s, '' FROM {FLAGS} WHERE raised_at = %s "
            f"UNION ALL SELECT id, %s, %s, '' FROM {FLAGS} WHERE cleared_at = %s AND status = %s "
            f"UNION ALL SELECT id, %s, %s, '' FROM {FLAGS} WHERE reviewed_at = %s AND status = %s",
            [
                FlagEventKind.FLAGGET,
                now,
                now,
                FlagEventKind.OPPHORT,
                now,
                now,
                FlagStatus.OPPHORT,
                FlagEventKind.TILBAKE,
                now,
                now,
                FlagStatus.AKTIV,
            ],
        )
    return result


# Review


def _lock_flag(actor: User, flag_id: int) -> PortfolioFlag:
    flag = (
        PortfolioFlag.objects.select_for_update(of=("self",), no_key=True)
        .select_related("person")
        .filter(pk=flag_id)
        .first()
    )
    scope = scope_for(actor)
    if (
        flag is None
        or not Person.objects.filter(scope.person_office_q(), pk=flag.person_id).exists()
        or not scope.may_see_protected(flag.person.protection_level)
    ):
        raise ApplicationError(_("Fant ikke flagget."), code="NOT_FOUND")
    if flag.status not in OPEN_FLAG_STATUSES:
        raise ApplicationError(
            _("Flagget er allerede behandlet (%(status)s).")
            % {"status": flag.get_status_display().lower()},
            code="FLAG_CLOSED",
        )
    return flag


def _record(flag: PortfolioFlag, kind: FlagEventKind, actor: User, note: str = "") -> None:
    flag.reviewed_by = actor
    flag.reviewed_at = timezone.now()
    flag.save()
    FlagEvent.objects.create(flag=flag, kind=kind, actor=actor, note=note, at=flag.reviewed_at)


@transaction.atomic
def flag_referral_started(*, actor: User, flag_id: int, referral_id: int) -> PortfolioFlag:
    """The caseworker started a referral for the person: the flag is done, with a link."""
    flag = _lock_flag(actor, flag_id)
    referral = Referral.objects.filter(pk=referral_id, person_id=flag.person_id).first()
    if referral is None:
        raise ApplicationError(
            _("Henvisningen hører ikke til denne brukeren."),
            code="WRONG_REFERRAL",
            fields={"referral": [_("Velg en henvisning for brukeren.")]},
        )
    flag.status = FlagStatus.HENVISNING_STARTET
    flag.referral = referral
    flag.cleared_at = timezone.now()
    _record(flag, FlagEventKind.HENVISNING_STARTET, actor)
    return flag


@transaction.atomic
def flag_dismiss(*, actor: User, flag_id: int, reason: str, comment: str = "") -> PortfolioFlag:
    """Not relevant, with a reason: the flag closes and the rule stays quiet for a while."""
    comment = comment.strip()
    if reason not in DismissReason.values:
        raise ApplicationError(
            _("Velg hvorfor flagget ikke er relevant."),
            code="REASON_REQUIRED",
            fields={"reason": [_("Velg en begrunnelse.")]},
        )
    if reason == DismissReason.ANNET and not comment:
        raise ApplicationError(
            _("Skriv en kort forklaring når begrunnelsen er «Annet»."),
            code="COMMENT_REQUIRED",
            fields={"comment": [_("Skriv en kort forklaring.")]},
        )
    flag = _lock_flag(actor, flag_id)
    flag.status = FlagStatus.IKKE_RELEVANT
    flag.dismiss_reason = reason
    flag.comment = comment
    flag.cleared_at = timezone.now()
    _record(flag, FlagEventKind.IKKE_RELEVANT, actor, comment)
    return flag


@transaction.atomic
def flag_snooze(
    *, actor: User, flag_id: int, until: datetime.date, comment: str = ""
) -> PortfolioFlag:
    """Look again on a date: the flag is set aside and opens again on that day."""
    today = timezone.localdate()
    if until <= today:
        raise ApplicationError(
            _("Datoen må være etter i dag."),
            code="DATE_NOT_IN_FUTURE",
            fields={"until": [_("Velg en dato etter i dag.")]},
        )
    if until > today + datetime.timedelta(days=366):
        raise ApplicationError(
            _("Velg en dato innen ett år."),
            code="DATE_TOO_FAR",
            fields={"until": [_("Velg en dato innen ett år.")]},
        )
    flag = _lock_flag(actor, flag_id)
    flag.status = FlagStatus.SE_IGJEN
    flag.snooze_until = until
    flag.comment = comment.strip()
    _record(flag, FlagEventKind.SE_IGJEN, actor, until.strftime("%d.%m.%Y"))
    return flag


def on_person_changed(sender: object, *, person_id: int, **kwargs: object) -> None:
    """Receiver of intake.signals.person_changed: the person's flags are refreshed after the
    change commits (a refused or rolled-back change queues nothing)."""
    from portfolio.tasks import flags_refresh_person  # tasks import services, not the reverse

    outbox_enqueue(flags_refresh_person, person_id)
