"""Priority groups and the waitlist's order (DOMAIN.md section 5)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from intake.models import CountyIntakeSettings, Person, Referral, ReferralStatus
from org.vocabulary import CountryBackground

UNG = "UNG"
INNVANDRER_UTENFOR_EOS = "INNVANDRER_UTENFOR_EOS"
LANGTIDSLEDIG = "LANGTIDSLEDIG"


@dataclass(frozen=True)
class Priority:
    bonus_days: int
    groups: list[str]


def county_settings(county_number: str) -> CountyIntakeSettings:
    found = CountyIntakeSettings.objects.filter(county_id=county_number).first()
    return found or CountyIntakeSettings(county_id=county_number)


def priority_for(person: Person, rules: CountyIntakeSettings, today: datetime.date) -> Priority:
    """The person's priority groups and the county's bonus for them. A group with a zero bonus
    is still recorded, so leaders can report on the groups whatever the county decided."""
    groups: list[str] = []
    bonus = 0
    if person.age_on(today) < rules.young_age_limit:
        groups.append(UNG)
        bonus += rules.bonus_days_young
    if person.country_background == CountryBackground.UTENFOR_EOS:
        groups.append(INNVANDRER_UTENFOR_EOS)
        bonus += rules.bonus_days_non_eea
    if (
        person.job_seeker_since
        and (today - person.job_seeker_since).days >= rules.long_term_unemployed_days
    ):
        groups.append(LANGTIDSLEDIG)
        bonus += rules.bonus_days_long_term_unemployed
    return Priority(bonus, groups)


def apply_priority(referral: Referral, priority: Priority) -> None:
    assert referral.waitlisted_at is not None
    referral.priority_bonus_days = priority.bonus_days
    referral.priority_groups = priority.groups
    referral.queue_since = referral.waitlisted_at - datetime.timedelta(days=priority.bonus_days)


def waitlist_refresh_priorities(*, county_number: str, today: datetime.date | None = None) -> int:
    """Recompute every waiting referral's priority in a county (nightly, and when the county
    changes its bonuses): people turn 30 and become long-term unemployed as time passes.
    Returns how many referrals changed."""
    rules = county_settings(county_number)
    today = today or timezone.localdate()
    changed: list[Referral] = []
    with transaction.atomic():
        waiting = (
            Referral.objects.select_for_update(of=("self",), no_key=True)
            .filter(county_id=county_number, status=ReferralStatus.VENTELISTE)
            .select_related("person")
        )
        for referral in waiting:
            before = (referral.queue_since, referral.priority_groups)
            apply_priority(referral, priority_for(referral.person, rules, today))
            if (referral.queue_since, referral.priority_groups) != before:
                changed.append(referral)
        Referral.objects.bulk_update(
            changed, ["priority_bonus_days", "priority_groups", "queue_since"], batch_size=1000
        )
    return len(changed)
