"""Pages about one referral, for the caseworker."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from intake import selectors
from org.access import scope_for


@login_required
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    referral = selectors.referral_list(scope=scope).filter(pk=referral_id).first()
    if referral is None:
        raise Http404
    return render(
        request,
        "intake/referral_detail.html",
        {
            "title": _("Henvisning"),
            "referral": referral,
            "events": referral.events.select_related("actor", "actor_office", "actor_county"),
        },
    )
