"""Pages every user meets: health, login failures. The landing page lives in `portfolio`."""

import logging
import sys

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

logger = logging.getLogger(__name__)


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: database unreachable")
        return "error"
    return "ok"


def _broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"  # no broker configured: tasks run in the web process
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        logger.exception("healthz: broker unreachable")
        return "error"
    return "ok"


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and compose health checks: states only, never URLs or secrets."""
    database = _database_state()
    broker = _broker_state()
    healthy = database == "ok" and broker in ("ok", "eager")
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale or tampered form: explain in plain words instead of Django's debug page."""
    return render(
        request,
        "org/csrf_failure.html",
        {"title": _("Skjemaet er utløpt")},
        status=403,
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The same answer for "does not exist" and "not yours": a deny never reveals existence.
    return render(request, "404.html", {"title": _("Fant ikke siden")}, status=404)


def _database_unreachable(error: BaseException | None) -> bool:
    # Walks the chain of causes: Django re-raises a failed database call under its own names.
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error = error.__cause__ or error.__context__
    return False


def _unavailable() -> HttpResponse:
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "5"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Saving the session after the page fails when the database has just gone away, and Django
    # reports that as a 400 ("session interrupted"). It is the same passing outage as below.
    if _database_unreachable(exception):
        return _unavailable()
    return defaults.bad_request(request, exception or BadRequest())


def server_error(request: HttpRequest) -> HttpResponse:
    # Called while the error is being handled. A database that cannot be reached (restarting,
    # say) is a passing state: 503 with a hint to retry, from a page that needs no database.
    if _database_unreachable(sys.exc_info()[1]):
        return _unavailable()
    return render(request, "500.html", {"title": _("Noe gikk galt")}, status=500)
