"""API plumbing shared by every app: one exception handler turns the application's errors into
400 responses with a code per field (HackSoft's styleguide)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        status = 404 if exc.code == "NOT_FOUND" else 403 if exc.code == "FORBIDDEN" else 400
        if exc.code == "STALE":
            status = 409
        return Response(
            {"code": exc.code, "message": exc.message, "fields": exc.fields}, status=status
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        detail = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        response.data = {
            "code": "INVALID",
            "message": "Ugyldige data.",
            "fields": {
                name: [
                    f"{getattr(e, 'code', 'invalid')}: {e}"
                    for e in (errs if isinstance(errs, list) else [errs])
                ]
                for name, errs in detail.items()
            },
        }
    return response
