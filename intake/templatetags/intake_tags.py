from django import template
from django.utils.translation import gettext as _

from intake.models import Person
from org.access import Scope

register = template.Library()


@register.filter
def person_name(person: Person, scope: Scope) -> str:
    """The person's name, or "Adressebeskyttet" for a protected person the user may not see."""
    if scope.may_see_protected(person.protection_level):
        return person.full_name
    return _("Adressebeskyttet")
