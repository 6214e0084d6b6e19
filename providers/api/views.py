"""The provider API: a provider's own offerings and their capacity reports, for a provider's
API key only (see `providers.api.authentication`). Thin views: parse, call one selector or
service, render with an output serializer. Someone else's offering answers 404, like a missing
one."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import PAGE_NOT_FOUND, ErrorSerializer, paginated_response
from config.errors import ApplicationError
from org.access import Scope
from providers import selectors, services
from providers.api import serializers as s
from providers.api.authentication import (
    HasProviderToken,
    ProviderTokenAuthentication,
    provider_actor,
    provider_scope,
    provider_token,
)
from providers.models import Offering, ReportChannel

IDEMPOTENCY_HEADER = "Idempotency-Key"


def provider_errors(*statuses: int) -> dict[int, OpenApiResponse]:
    described = {
        400: "Invalid input, or the domain refused the request (see `code`).",
        401: "The API key is missing (NOT_AUTHENTICATED), wrong or revoked (INVALID_TOKEN), "
        "or its maker has left the provider (KEY_OWNER_LEFT).",
        404: "Does not exist, or is not your provider's: the two are not told apart.",
        409: "STALE: changed by someone else since you read it; nothing was saved.",
    }
    return {code: OpenApiResponse(ErrorSerializer, described[code]) for code in statuses}


class ProviderApi(APIView):
    # A provider's API key and nothing else opens these views; input is JSON only.
    authentication_classes = [ProviderTokenAuthentication]
    permission_classes = [HasProviderToken]
    parser_classes = [JSONParser]


class ProviderListApi(ProviderApi):
    pagination_class = PageNumberPagination


def parse(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _offering(scope: Scope, offering_id: int) -> Offering:
    offering = selectors.offering_get(scope=scope, offering_id=offering_id)
    if offering is None:
        raise ApplicationError(_("Fant ikke gjennomføringen."), code="NOT_FOUND")
    return offering


def _idempotency_key(request: Request) -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > s.IDEMPOTENCY_KEY_MAX_LENGTH:
        raise serializers.ValidationError(
            {
                IDEMPOTENCY_HEADER: [
                    ErrorDetail(
                        _("Høyst %(n)s tegn.") % {"n": s.IDEMPOTENCY_KEY_MAX_LENGTH},
                        code="max_length",
                    )
                ]
            }
        )
    return key


class OfferingListApi(ProviderListApi):
    @extend_schema(
        tags=["provider: offerings"],
        summary="Your provider's offerings, with their capacity numbers",
        responses={
            200: s.ProviderOfferingOutput(many=True),
            **provider_errors(401),
            404: PAGE_NOT_FOUND,
        },
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            view=self,
            request=request,
            queryset=selectors.offering_list(scope=provider_scope(request)),
            serializer_class=s.ProviderOfferingOutput,
            context={},
        )


class CapacityReportListApi(ProviderListApi):
    @extend_schema(
        tags=["provider: offerings"],
        summary="Every capacity report for one of your offerings, newest first",
        responses={200: s.CapacityReportOutput(many=True), **provider_errors(401, 404)},
    )
    def get(self, request: Request, offering_id: int) -> Response:
        offering = _offering(provider_scope(request), offering_id)
        return paginated_response(
            view=self,
            request=request,
            queryset=selectors.capacity_history(offering=offering),
            serializer_class=s.CapacityReportOutput,
            context={},
        )

    @extend_schema(
        tags=["provider: offerings"],
        summary="Report N places free from a date",
        description=(
            "The report replaces the offering's free places. It is refused (400) when the "
            "number is negative or more than `max_free_places` (the message names the "
            "numbers), or when `free_from` is more than 14 days back. Send an "
            "`Idempotency-Key` to make retries safe: the same key again for the same offering "
            "answers with the first report and saves nothing new."
        ),
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="Any string of at most 64 characters, new for each report.",
            )
        ],
        request=s.CapacityReportInput,
        responses={201: s.CapacityReportOutput, **provider_errors(400, 401, 404)},
    )
    def post(self, request: Request, offering_id: int) -> Response:
        offering = _offering(provider_scope(request), offering_id)
        data = parse(s.CapacityReportInput, request.data)
        report = services.capacity_report(
            offering_id=offering.pk,
            channel=ReportChannel.API,
            provider_id=provider_token(request).provider_id,
            reported_by=provider_actor(request),
            idempotency_key=_idempotency_key(request),
            **data,
        )
        return Response(s.CapacityReportOutput(report).data, status=status.HTTP_201_CREATED)
