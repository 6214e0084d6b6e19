"""The provider API's participant endpoints: the people given a place at the key's provider's
offerings, and the provider's actions on them (the same services as the portal pages). A
provider's API key and nothing else opens them; someone else's participant answers 404."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import PAGE_NOT_FOUND, paginated_response
from config.errors import ApplicationError
from intake import selectors
from intake.api_provider import serializers as s
from intake.models import Placement
from intake.services import placements as placement_services
from org.access import Scope
from providers.api.authentication import provider_actor, provider_scope
from providers.api.views import ProviderApi, ProviderListApi, parse, provider_errors


def _participant(scope: Scope, placement_id: int) -> Placement:
    placement = selectors.provider_participants(scope=scope).filter(pk=placement_id).first()
    if placement is None:
        raise ApplicationError(_("Fant ikke plassen."), code="NOT_FOUND")
    return placement


def _act(
    request: Request,
    placement_id: int,
    input_class: type[serializers.Serializer],
    service: Callable[..., Placement],
) -> Response:
    scope = provider_scope(request)
    placement = _participant(scope, placement_id)
    data = parse(input_class, request.data)
    service(
        actor=provider_actor(request),
        placement_id=placement.pk,
        expected_version=data.pop("version"),
        **data,
    )
    after = selectors.provider_placement_get(scope=scope, placement_id=placement.pk)
    return Response(s.ProviderParticipantOutput(after).data)


class ParticipantListApi(ProviderListApi):
    @extend_schema(
        tags=["provider: participants"],
        summary="People given a place at your offerings",
        description=(
            "Waiting to start (TILDELT), participating (DELTAR), and ended in the last 40 days "
            "(AVSLUTTET). Never the fødselsnummer, the assessment or anyone else on the "
            "waitlist; a protected person comes with `protected: true` and nothing identifying."
        ),
        parameters=[s.ParticipantFilter],
        responses={
            200: s.ProviderParticipantOutput(many=True),
            **provider_errors(400, 401),
            404: PAGE_NOT_FOUND,
        },
    )
    def get(self, request: Request) -> Response:
        filters = parse(s.ParticipantFilter, request.query_params)
        participants = selectors.provider_participants(scope=provider_scope(request))
        if "status" in filters:
            participants = participants.filter(status=filters["status"]).order_by(
                *selectors.PROVIDER_PARTICIPANT_ORDERS[filters["status"]]
            )
        else:
            participants = participants.order_by("status", "planned_start", "pk")
        if "offering" in filters:
            participants = participants.filter(offering_id=filters["offering"])
        return paginated_response(
            view=self,
            request=request,
            queryset=participants,
            serializer_class=s.ProviderParticipantOutput,
            context={},
        )


class ParticipantStartApi(ProviderApi):
    @extend_schema(
        tags=["provider: participants"],
        summary="Confirm that the person has started (DELTAR)",
        request=s.ParticipantStartInput,
        responses={200: s.ProviderParticipantOutput, **provider_errors(400, 401, 404, 409)},
    )
    def post(self, request: Request, placement_id: int) -> Response:
        return _act(
            request, placement_id, s.ParticipantStartInput, placement_services.placement_start
        )


class ParticipantEndApi(ProviderApi):
    @extend_schema(
        tags=["provider: participants"],
        summary="End a participation (HAR_SLUTTET) with a reason and an outcome",
        request=s.ParticipantEndInput,
        responses={200: s.ProviderParticipantOutput, **provider_errors(400, 401, 404, 409)},
    )
    def post(self, request: Request, placement_id: int) -> Response:
        return _act(request, placement_id, s.ParticipantEndInput, placement_services.placement_end)


class ParticipantNotStartedApi(ProviderApi):
    @extend_schema(
        tags=["provider: participants"],
        summary="The place was not taken up (no-show, declined)",
        description=(
            "The place is free again. The person goes back to the intake team's waitlist "
            "keeping their place in line, unless the reason is their own (IKKE_MOTT, "
            "FATT_JOBB, UTDANNING, TRENGER_ANNEN_STOTTE): then the referral is closed."
        ),
        request=s.ParticipantNotStartedInput,
        responses={200: s.ProviderParticipantOutput, **provider_errors(400, 401, 404, 409)},
    )
    def post(self, request: Request, placement_id: int) -> Response:
        return _act(
            request,
            placement_id,
            s.ParticipantNotStartedInput,
            placement_services.placement_not_started,
        )
