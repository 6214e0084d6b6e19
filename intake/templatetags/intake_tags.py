from collections.abc import Mapping

from django import template

from intake.models import EndReason, EventKind, Person, ReferralEvent
from intake.services.referrals import RETURN_REASONS
from org.access import Scope

register = template.Library()


@register.filter
def may_see(scope: Scope, person: Person) -> bool:
    """Whether the user may see this person in full; otherwise templates show
    "Adressebeskyttet" and nothing that could identify them."""
    return scope.may_see_protected(person.protection_level)


@register.filter
def reason_labels(event: ReferralEvent) -> list[str]:
    """The readable labels of an event's reason codes: the intake team's return reasons for a
    return, NAV's end reasons otherwise; an unknown code is shown as it is."""
    labels: Mapping[str, object] = (
        RETURN_REASONS if event.kind == EventKind.RETURNERT else dict(EndReason.choices)
    )
    return [str(labels.get(code, code)) for code in event.reasons]


@register.filter
def return_reason_label(code: str) -> str:
    """The readable label of one of the intake team's return reason codes."""
    return str(RETURN_REASONS.get(code, code))
