"""Hardening that settings alone cannot express: the client address behind a proxy and the
lockout page (for login throttling), and an absolute limit on a session. The admin for
administrators only is in config/admin.py."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str | None:
    """The address that login throttling counts failures for.

    X-Forwarded-For is whatever the client wants it to be, unless a proxy we run appended to
    it: with TRUSTED_PROXY_COUNT proxies in front of the application, the client is the
    address that many entries from the right. Without that setting the header is ignored, so a
    client cannot escape a lockout by sending a new address with every attempt."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    remote: str | None = request.META.get("REMOTE_ADDR")
    return remote


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' answer to a locked-out login: a page in Norwegian saying how long to
    wait, with 429 Too Many Requests. It names neither the username nor the address."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "org/lockout.html",
        {"title": _("Innloggingen er midlertidig sperret"), "cooloff_minutes": minutes},
        status=429,
    )


SESSION_STARTED_KEY = "inntak_session_started"


class SessionLifetimeMiddleware:
    """Ends a signed-in session SESSION_ABSOLUTE_AGE seconds after it began, however busy.

    SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST is the idle limit; this is the other
    half, so that a session on a shared office PC cannot be kept alive forever by a page that
    polls. The start is stamped on the first signed-in request (login keeps the session's
    data, logout flushes it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(SESSION_STARTED_KEY, now)
            if now - int(started) > settings.SESSION_ABSOLUTE_AGE:
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
