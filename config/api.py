"""API plumbing shared by every app (HackSoft's styleguide): one exception handler that gives
every error the same JSON body, the serializer that documents that body, and pagination for
views built on the plain `APIView`.

Every error answers `{"code", "message", "fields"}`: `code` is stable and machine-readable,
`message` a sentence for people, and `fields` maps an input field to its own errors, each with
a code of its own (`{"code": "required", "message": "..."}`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, JsonResponse, QueryDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError

FieldErrors = dict[str, list[dict[str, str]]]

# ApplicationError codes that are not a plain "bad request".
# Conflicts with what someone else just did answer 409: the client should reload and decide.
_STATUS_BY_CODE = {"NOT_FOUND": 404, "FORBIDDEN": 403, "STALE": 409, "PLACE_TAKEN": 409}
# DRF's own codes, named as the application names the same situations.
_CODE_BY_DRF_CODE = {"permission_denied": "FORBIDDEN"}


def error_body(code: str, message: str, fields: FieldErrors | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


def application_error_body(error: ApplicationError) -> dict[str, Any]:
    return error_body(
        error.code,
        error.message,
        {
            name: [{"code": error.code, "message": message} for message in messages]
            for name, messages in error.fields.items()
        },
    )


def _field_errors(detail: Any, name: str = "") -> FieldErrors:
    """DRF's nested error detail flattened to `{"field": [...], "needs.0": [...]}`, keeping
    each error's own code."""
    found: FieldErrors = {}

    def add(more: FieldErrors) -> None:
        for key, errors in more.items():
            found.setdefault(key, []).extend(errors)

    if isinstance(detail, Mapping):
        for key, value in detail.items():
            add(_field_errors(value, f"{name}.{key}" if name else str(key)))
    elif isinstance(detail, Sequence) and not isinstance(detail, str):
        for index, item in enumerate(detail):
            if isinstance(item, Mapping | list):
                # A list of nested objects: one entry per item, empty where the item was fine.
                add(_field_errors(item, f"{name}.{index}" if name else str(index)))
            else:
                add(_field_errors(item, name))
    else:
        key = name or api_settings.NON_FIELD_ERRORS_KEY
        found[key] = [{"code": str(getattr(detail, "code", "invalid")), "message": str(detail)}]
    return found


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(application_error_body(exc), status=_STATUS_BY_CODE.get(exc.code, 400))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            "INVALID", _("Noen av feltene er ikke gyldige."), _field_errors(exc.detail)
        )
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(_CODE_BY_DRF_CODE.get(code, code.upper()), str(exc.detail))
    return response


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class InputSerializer(serializers.Serializer):
    """Refuses keys that are not among its fields (code "unknown"), next to DRF's own errors
    ("required", "invalid", "min_value", ...). For every app's input serializers.

    Text with a NUL character is refused before any field looks it up: PostgreSQL can neither
    store nor compare it, so a key like a kommunenummer would otherwise end in a server error.
    """

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[exceptions.ErrorDetail]] = {}
        if isinstance(data, Mapping):
            values = data.lists() if isinstance(data, QueryDict) else data.items()
            nul = {
                str(name): [
                    exceptions.ErrorDetail(
                        _("Teksten kan ikke inneholde NUL-tegn."),
                        code="null_characters_not_allowed",
                    )
                ]
                for name, value in values
                if name in self.fields and _has_nul(value)
            }
            if nul:
                raise serializers.ValidationError(nul)
            unknown = {
                str(name): [exceptions.ErrorDetail(_("Ukjent felt."), code="unknown")]
                for name in data
                if name not in self.fields
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class StrictCharField(serializers.CharField):
    """A string, and only a string: DRF's CharField would turn 123 or 1.5 into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class FieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (for the OpenAPI schema)."""

    code = serializers.CharField()
    message = serializers.CharField()
    # Declared fields leave the class (DRF's metaclass collects them), so this does not shadow
    # `Serializer.fields` at run time; mypy only sees the class body.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=FieldErrorSerializer()),
        help_text="Errors per input field, each with its own code.",
    )


# Paginated lists answer 404 for a page that is not there (DRF's PageNumberPagination).
PAGE_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, "No such page: `page` is not a positive number or is past the last page."
)


@csrf_exempt  # writes nothing; a POST to a wrong address should hear 404, not a CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any /api/ address that names nothing, like /api/persons/abc/, answers with the API's
    own error body rather than the HTML page meant for browsers."""
    return JsonResponse(error_body("NOT_FOUND", _("Fant ikke adressen.")), status=404)


def paginated_response(
    *,
    view: APIView,
    request: Request,
    queryset: QuerySet[Model],
    serializer_class: type[serializers.BaseSerializer],
    context: dict[str, Any],
    prepare_page: Callable[[list[Any]], None] | None = None,
) -> Response:
    """One page of `queryset` with `count`, `next` and `previous`, using the view's
    `pagination_class` (the same class the OpenAPI schema describes). `prepare_page` may
    add to the page's rows what is cheaper to compute for one page than for the whole list."""
    pagination_class: type[BasePagination] | None = getattr(view, "pagination_class", None)
    assert pagination_class is not None, f"{type(view).__name__} has no pagination_class"
    paginator = pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    if prepare_page is not None and page is not None:
        prepare_page(page)
    data = serializer_class(page, many=True, context=context).data
    return paginator.get_paginated_response(data)
