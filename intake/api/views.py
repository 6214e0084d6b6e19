"""The intake REST API: thin views that parse input, call one service or selector, and render
with an output serializer (HackSoft's styleguide). The pages use the same services.

Access: every object is looked up through the scoped selectors first, so an object out of the
user's scope answers 404 with the same body as one that does not exist. Protected persons are
masked by the output serializers for users without the clearance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    PAGE_NOT_FOUND,
    ErrorSerializer,
    application_error_body,
    paginated_response,
)
from config.errors import ApplicationError
from intake import selectors
from intake.api import serializers as s
from intake.models import Person, Placement, Referral, ReferralStatus
from intake.services import persons as person_services
from intake.services import placements as placement_services
from intake.services import referrals as referral_services
from org.access import Scope, scope_for
from org.models import User
from providers.models import ProgrammeType


def _errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """The error answers of an operation; every operation may answer 401."""
    described = {
        400: "Invalid input, or the domain refused the request (see `code`).",
        401: "No login or token (NOT_AUTHENTICATED), or a wrong one (AUTHENTICATION_FAILED).",
        403: "In scope, but not yours to do (e.g. only the county's intake team approves).",
        404: "Does not exist, or is outside what you may see: the two are not told apart.",
        409: "STALE: changed by someone else since you read it; nothing was saved.",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, described[code]) for code in sorted({401, *statuses})
    }


class IntakeApi(APIView):
    # Token first: DRF answers a failed login with the first class's WWW-Authenticate header,
    # and without one (session) it would say 403 where 401 is meant.
    authentication_classes = [TokenAuthentication, SessionAuthentication]


class IntakeListApi(IntakeApi):
    pagination_class = PageNumberPagination


def _actor(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # IsAuthenticated has let only staff through
    return user


def _scope(request: Request) -> Scope:
    return scope_for(request.user)


def _parse(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _person(scope: Scope, person_id: int) -> Person:
    person = selectors.person_get(scope=scope, person_id=person_id)
    if person is None:
        raise ApplicationError(_("Fant ikke brukeren."), code="NOT_FOUND")
    return person


def _referral(scope: Scope, referral_id: int) -> Referral:
    referral = (
        selectors.with_positions(selectors.referral_list(scope=scope))
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise ApplicationError(_("Fant ikke henvisningen."), code="NOT_FOUND")
    return referral


def _referral_response(scope: Scope, referral_id: int, status_code: int = 200) -> Response:
    referral = _referral(scope, referral_id)
    exits: dict[int, int] = {}
    if referral.status == ReferralStatus.VENTELISTE:
        exits = selectors.waitlist_exits(
            county_number=referral.county_id, programme_type_ids=[referral.programme_type_id]
        )
    data = s.ReferralDetailOutput(referral, context={"scope": scope, "exits": exits}).data
    return Response(data, status=status_code)


def _person_response(scope: Scope, person_id: int, status_code: int = 200) -> Response:
    person = _person(scope, person_id)
    return Response(s.PersonDetailOutput(person, context={"scope": scope}).data, status_code)


# --- Persons -----------------------------------------------------------------------------


class PersonListApi(IntakeListApi):
    @extend_schema(
        tags=["persons"],
        summary="Persons of the offices you work at or lead",
        parameters=[s.PersonFilter],
        responses={200: s.PersonListOutput(many=True), **_errors(400), 404: PAGE_NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        scope = _scope(request)
        filters = _parse(s.PersonFilter, request.query_params)
        persons = selectors.person_list(scope=scope)
        if "office" in filters:
            persons = persons.filter(office_id=filters["office"])
        if filters.get("caseworker") == "me":
            persons = persons.filter(caseworker_id=request.user.pk)
        if "need_group" in filters:
            persons = persons.filter(need_group=filters["need_group"])
        return paginated_response(
            view=self,
            request=request,
            queryset=persons,
            serializer_class=s.PersonListOutput,
            context={"scope": scope},
        )

    @extend_schema(
        tags=["persons"],
        summary="Register a person at an office where you are caseworker",
        request=s.PersonCreateInput,
        responses={201: s.PersonDetailOutput, **_errors(400, 403)},
    )
    def post(self, request: Request) -> Response:
        data = _parse(s.PersonCreateInput, request.data)
        person = person_services.person_create(actor=_actor(request), **data)
        return _person_response(_scope(request), person.pk, status.HTTP_201_CREATED)


class PersonDetailApi(IntakeApi):
    @extend_schema(
        tags=["persons"],
        summary="One person; the fødselsnummer only for users with the clearance",
        responses={200: s.PersonDetailOutput, **_errors(404)},
    )
    def get(self, request: Request, person_id: int) -> Response:
        return _person_response(_scope(request), person_id)

    @extend_schema(
        tags=["persons"],
        summary="Change a person (fields left out keep their value)",
        request=s.PersonUpdateInput,
        responses={200: s.PersonDetailOutput, **_errors(400, 403, 404, 409)},
    )
    def patch(self, request: Request, person_id: int) -> Response:
        scope = _scope(request)
        person = _person(scope, person_id)
        if not scope.may_see_protected(person.protection_level):
            # Whoever may not read the address may not write it either.
            raise ApplicationError(
                _("Brukeren er adressebeskyttet. Bare ansatte med tilgang kan endre brukeren."),
                code="FORBIDDEN",
            )
        data = _parse(s.PersonUpdateInput, request.data)
        person_services.person_update(
            actor=_actor(request),
            person_id=person.pk,
            expected_version=data.pop("version"),
            **data,
        )
        return _person_response(scope, person.pk)


# --- Documents ---------------------------------------------------------------------------


class PersonDocumentsApi(IntakeApi):
    @extend_schema(
        tags=["documents"],
        summary="The person's CV, work-capacity assessments and activity plan",
        responses={200: s.DocumentsOutput, **_errors(404)},
    )
    def get(self, request: Request, person_id: int) -> Response:
        scope = _scope(request)
        person = _person(scope, person_id)
        documents = {
            "cv": getattr(person, "cv", None),
            "assessments": person.work_capacity_assessments.all(),
            "activity_plan": getattr(person, "activity_plan", None),
        }
        return Response(_documents_output(s.DocumentsOutput, documents, scope, person))


def _documents_output(
    serializer: type[serializers.Serializer], documents: Any, scope: Scope, person: Person
) -> Any:
    # The person in the context masks the attachments' file names (s.AttachmentOutput).
    return serializer(documents, context={"scope": scope, "person": person}).data


class DocumentApi(IntakeApi):
    # JSON, or multipart/form-data with a PDF attachment.
    parser_classes = [JSONParser, MultiPartParser]


class PersonCVApi(DocumentApi):
    @extend_schema(
        tags=["documents"],
        summary="Set the CV's last-updated date, with an optional PDF",
        request=s.CVInput,
        responses={200: s.CVOutput, **_errors(400, 404)},
    )
    def put(self, request: Request, person_id: int) -> Response:
        scope = _scope(request)
        person = _person(scope, person_id)
        data = _parse(s.CVInput, request.data)
        cv = person_services.cv_save(actor=_actor(request), person_id=person.pk, **data)
        return Response(_documents_output(s.CVOutput, cv, scope, person))


class PersonAssessmentsApi(DocumentApi):
    @extend_schema(
        tags=["documents"],
        summary="Add a work-capacity assessment (arbeidsevnevurdering)",
        request=s.AssessmentInput,
        responses={201: s.AssessmentOutput, **_errors(400, 404)},
    )
    def post(self, request: Request, person_id: int) -> Response:
        scope = _scope(request)
        person = _person(scope, person_id)
        data = _parse(s.AssessmentInput, request.data)
        assessment = person_services.assessment_add(
            actor=_actor(request), person_id=person.pk, **data
        )
        return Response(
            _documents_output(s.AssessmentOutput, assessment, scope, person),
            status=status.HTTP_201_CREATED,
        )


class PersonActivityPlanApi(DocumentApi):
    @extend_schema(
        tags=["documents"],
        summary="Set the activity plan (aktivitetsplan)",
        request=s.ActivityPlanInput,
        responses={200: s.ActivityPlanOutput, **_errors(400, 404)},
    )
    def put(self, request: Request, person_id: int) -> Response:
        scope = _scope(request)
        person = _person(scope, person_id)
        data = _parse(s.ActivityPlanInput, request.data)
        plan = person_services.activity_plan_save(
            actor=_actor(request), person_id=person.pk, **data
        )
        return Response(_documents_output(s.ActivityPlanOutput, plan, scope, person))


# --- Referrals ---------------------------------------------------------------------------


class ReferralListApi(IntakeListApi):
    @extend_schema(
        tags=["referrals"],
        summary="Referrals of your offices' persons and of the counties whose intake you do",
        parameters=[s.ReferralFilter],
        responses={200: s.ReferralListOutput(many=True), **_errors(400), 404: PAGE_NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        scope = _scope(request)
        filters = _parse(s.ReferralFilter, request.query_params)
        referrals = selectors.with_positions(selectors.referral_list(scope=scope))
        if "status" in filters:
            referrals = referrals.filter(status=filters["status"])
        if "programme_type" in filters:
            referrals = referrals.filter(programme_type__code=filters["programme_type"])
        if "county" in filters:
            referrals = referrals.filter(county_id=filters["county"])
        if "person" in filters:
            referrals = referrals.filter(person_id=filters["person"])
        return paginated_response(
            view=self,
            request=request,
            queryset=referrals.order_by("-created_at", "-pk"),
            serializer_class=s.ReferralListOutput,
            context={"scope": scope},
        )

    @extend_schema(
        tags=["referrals"],
        summary="Start a referral (a draft, KLADD) in the county of the person's office",
        request=s.ReferralCreateInput,
        responses={201: s.ReferralDetailOutput, **_errors(400, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        scope = _scope(request)
        data = _parse(s.ReferralCreateInput, request.data)
        person = selectors.person_get(scope=scope, person_id=data.pop("person_id"))
        if person is None:
            raise ApplicationError(
                _("Fant ikke brukeren."),
                code="NOT_FOUND",
                fields={"person_id": [_("Fant ikke brukeren.")]},
            )
        referral = referral_services.referral_create(
            actor=_actor(request),
            person=person,
            programme_type=data.pop("programme_type"),
            justification=data,
        )
        return _referral_response(scope, referral.pk, status.HTTP_201_CREATED)


class ReferralDetailApi(IntakeApi):
    @extend_schema(
        tags=["referrals"],
        summary="One referral, with its place in line and expected wait when VENTELISTE",
        responses={200: s.ReferralDetailOutput, **_errors(404)},
    )
    def get(self, request: Request, referral_id: int) -> Response:
        return _referral_response(_scope(request), referral_id)

    @extend_schema(
        tags=["referrals"],
        summary="Change the justification of a draft or returned referral",
        request=s.ReferralUpdateInput,
        responses={200: s.ReferralDetailOutput, **_errors(400, 403, 404, 409)},
    )
    def patch(self, request: Request, referral_id: int) -> Response:
        scope = _scope(request)
        referral = _referral(scope, referral_id)
        data = _parse(s.ReferralUpdateInput, request.data)
        version = data.pop("version")
        referral_services.referral_update(
            actor=_actor(request),
            referral_id=referral.pk,
            expected_version=version,
            # Parts left out keep their text (the version check proves it is the text read).
            justification={
                name: data.get(name, getattr(referral, name))
                for name in referral_services.JUSTIFICATION_FIELDS
            },
        )
        return _referral_response(scope, referral.pk)


class ReferralGateApi(IntakeApi):
    @extend_schema(
        tags=["referrals"],
        summary="The quality gate's checklist for the referral as it stands",
        responses={200: s.GateOutput, **_errors(404)},
    )
    def get(self, request: Request, referral_id: int) -> Response:
        referral = _referral(_scope(request), referral_id)
        result = referral_services.referral_gate(referral=referral)
        return Response(s.GateOutput({"passed": result.passed, "failures": result.failures}).data)


class ReferralHistoryApi(IntakeApi):
    @extend_schema(
        tags=["referrals"],
        summary="Every event of the referral, oldest first",
        responses={200: s.EventOutput(many=True), **_errors(404)},
    )
    def get(self, request: Request, referral_id: int) -> Response:
        referral = _referral(_scope(request), referral_id)
        events = selectors.referral_history(referral=referral)
        return Response(s.EventOutput(events, many=True).data)


def _transition(
    request: Request,
    referral_id: int,
    input_class: type[s.InputSerializer],
    action: Callable[..., Referral],
) -> Response:
    """Parse the input, find the referral in scope (else 404), and run the service with the
    version read as the expected one."""
    scope = _scope(request)
    referral = _referral(scope, referral_id)
    data = _parse(input_class, request.data)
    action(
        actor=_actor(request),
        referral_id=referral.pk,
        expected_version=data.pop("version"),
        **data,
    )
    return _referral_response(scope, referral.pk)


class ReferralSubmitApi(IntakeApi):
    @extend_schema(
        tags=["referrals"],
        summary="Submit (or resubmit) through the quality gate",
        request=s.ReferralActionInput,
        responses={
            200: s.ReferralDetailOutput,
            400: OpenApiResponse(
                s.GateFailedErrorOutput,
                "GATE_FAILED with every failure, or another refusal (see `code`).",
            ),
            **_errors(403, 404, 409),
        },
    )
    def post(self, request: Request, referral_id: int) -> Response:
        try:
            return _transition(
                request, referral_id, s.ReferralActionInput, referral_services.referral_submit
            )
        except referral_services.GateRefused as refused:
            failures = s.GateFailureOutput(refused.result.failures, many=True).data
            body = application_error_body(refused) | {
                "fields": {"gate": failures},
                "failures": failures,
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)


class ReferralApproveApi(IntakeApi):
    @extend_schema(
        tags=["referrals"],
        summary="Intake team: approve onto the county's waitlist",
        request=s.ReferralActionInput,
        responses={200: s.ReferralDetailOutput, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, referral_id: int) -> Response:
        return _transition(
            request, referral_id, s.ReferralActionInput, referral_services.referral_approve
        )


class ReferralReturnApi(IntakeApi):
    @extend_schema(
        tags=["referrals"],
        summary="Intake team: return to the caseworker with reasons and a comment",
        request=s.ReferralReturnInput,
        responses={200: s.ReferralDetailOutput, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, referral_id: int) -> Response:
        return _transition(
            request, referral_id, s.ReferralReturnInput, referral_services.referral_return
        )


class ReferralDeclineApi(IntakeApi):
    @extend_schema(
        tags=["referrals"],
        summary="Intake team: decline a submitted or waiting referral, with a reason",
        request=s.ReferralDeclineInput,
        responses={200: s.ReferralDetailOutput, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, referral_id: int) -> Response:
        return _transition(
            request, referral_id, s.ReferralDeclineInput, referral_services.referral_decline
        )


class ReferralWithdrawApi(IntakeApi):
    @extend_schema(
        tags=["referrals"],
        summary="Caseworker: withdraw (a draft is cancelled; otherwise IKKE_AKTUELL)",
        request=s.ReferralWithdrawInput,
        responses={200: s.ReferralDetailOutput, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, referral_id: int) -> Response:
        return _transition(
            request, referral_id, s.ReferralWithdrawInput, referral_services.referral_withdraw
        )


# --- Waitlists ---------------------------------------------------------------------------


class WaitlistApi(IntakeListApi):
    @extend_schema(
        tags=["waitlists"],
        summary="A county's waitlist for a programme type, in order, with expected waits",
        description=(
            "For the county's intake team and leaders. Positions are those of the whole list, "
            "also when filtered. Caseworkers see their own referrals' positions on the "
            "referrals."
        ),
        parameters=[s.WaitlistFilter],
        responses={200: s.WaitlistEntryOutput(many=True), **_errors(400, 404)},
    )
    def get(self, request: Request, county_number: str, programme_type_code: str) -> Response:
        scope = _scope(request)
        county = scope.counties().filter(number=county_number).first()
        programme_type = ProgrammeType.objects.filter(
            code=programme_type_code, has_waitlist=True
        ).first()
        if county is None or programme_type is None:
            raise ApplicationError(_("Fant ikke ventelisten."), code="NOT_FOUND")
        filters = _parse(s.WaitlistFilter, request.query_params)
        entries = selectors.waitlist(
            scope=scope,
            county_number=county.number,
            programme_type_id=programme_type.pk,
            office_id=filters.get("office"),
            municipality_number=filters.get("municipality"),
            min_days=filters.get("min_days"),
            priority_group=filters.get("priority_group"),
        ).select_related("office")
        exits = selectors.waitlist_exits(
            county_number=county.number, programme_type_ids=[programme_type.pk]
        )
        return paginated_response(
            view=self,
            request=request,
            queryset=entries,
            serializer_class=s.WaitlistEntryOutput,
            context={"scope": scope, "exits": exits},
            prepare_page=selectors.attach_positions,
        )


# --- Placements --------------------------------------------------------------------------


def _placement_response(scope: Scope, placement_id: int, status_code: int = 200) -> Response:
    placement = (
        Placement.objects.filter(scope.county_work_q("referral__county"), pk=placement_id)
        .select_related("referral", "offering__provider")
        .get()
    )
    return Response(s.PlacementOutput(placement).data, status=status_code)


class ReferralAssignApi(IntakeApi):
    @extend_schema(
        tags=["placements"],
        summary="Intake team: give a waiting person a free place at an offering",
        description=(
            "The referral moves from VENTELISTE to VENTER_PA_OPPSTART; the caseworker and the "
            "provider's staff are notified. A free place is taken atomically: when someone "
            "else took the last one a moment ago the answer is 409 with code PLACE_TAKEN and "
            "nothing is saved. Other refusals: WRONG_PROGRAMME_TYPE, CLOSED (not open for "
            "intake), CLOSED_PERIOD (closed on the start date), PROVIDER_EXCLUDED (the person "
            "asked not to go there), "
            "ILLEGAL_TRANSITION (not on the waitlist), NOT_FOUND (no such offering in the "
            "referral's county)."
        ),
        request=s.ReferralAssignInput,
        responses={201: s.PlacementOutput, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, referral_id: int) -> Response:
        scope = _scope(request)
        referral = _referral(scope, referral_id)
        data = _parse(s.ReferralAssignInput, request.data)
        placement = placement_services.placement_assign(
            actor=_actor(request),
            referral_id=referral.pk,
            offering_id=data["offering_id"],
            expected_version=data["version"],
            planned_start=data["planned_start"],
        )
        return _placement_response(scope, placement.pk, status.HTTP_201_CREATED)


class PlacementNotStartedApi(IntakeApi):
    @extend_schema(
        tags=["placements"],
        summary="Intake team: record that a person given a place did not start",
        description=(
            "For the provider who phoned in. The place is free again; the referral goes back "
            "to VENTELISTE keeping its place in line, or to IKKE_AKTUELL when the reason is "
            "the person's own. `version` is the placement's."
        ),
        request=s.PlacementNotStartedInput,
        responses={200: s.PlacementOutput, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, placement_id: int) -> Response:
        scope = _scope(request)
        if not Placement.objects.filter(
            scope.county_work_q("referral__county"), pk=placement_id
        ).exists():
            raise ApplicationError(_("Fant ikke plassen."), code="NOT_FOUND")
        data = _parse(s.PlacementNotStartedInput, request.data)
        placement_services.placement_not_started(
            actor=_actor(request),
            placement_id=placement_id,
            reason=data["reason"],
            comment=data["comment"],
            expected_version=data["version"],
        )
        return _placement_response(scope, placement_id)
