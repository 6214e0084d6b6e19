from django import template

from intake.models import Person
from org.access import Scope

register = template.Library()


@register.filter
def may_see(scope: Scope, person: Person) -> bool:
    """Whether the user may see this person in full; otherwise templates show
    "Adressebeskyttet" and nothing that could identify them."""
    return scope.may_see_protected(person.protection_level)
