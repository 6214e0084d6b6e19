from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from org.access import scope_for
from org.models import User
from portfolio import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: the user's real scope, and the work waiting in it, per role."""
    assert isinstance(request.user, User)
    scope = scope_for(request.user)
    return render(
        request,
        "portfolio/home.html",
        {
            "title": _("Oversikt"),
            "overview": selectors.overview(scope=scope, user=request.user),
        },
    )
