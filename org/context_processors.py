from typing import Any

from django.http import HttpRequest

from org.access import scope_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The user's scope, for role-based navigation in the base layout."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"scope": scope_for(user)}
