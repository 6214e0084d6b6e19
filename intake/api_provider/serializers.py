"""Serializers of the provider API's participant endpoints. The output carries the minimum a
provider may know (DOMAIN.md section 6), and nothing identifying of a protected person."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from config.api import InputSerializer, StrictCharField
from intake.forms.provider import comment_only_with_annet
from intake.models import EndReason, Outcome, Placement, PlacementStatus
from intake.selectors import provider_may_see_person
from org.vocabulary import CompetenceTag


class ParticipantOfferingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ParticipantPersonOutput(serializers.Serializer):
    """The person as the provider sees them; all null (and `protected` true) for a protected
    person."""

    protected = serializers.BooleanField()
    name = serializers.CharField(allow_null=True)
    office_name = serializers.CharField(allow_null=True, help_text="The referring NAV office.")
    needs = serializers.ListField(
        child=serializers.ChoiceField(CompetenceTag.choices),
        help_text="The person's registered needs (competence codes).",
    )
    justification_need = serializers.CharField(
        allow_null=True, help_text="What the referral says the person needs."
    )


class ProviderParticipantOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The placement's id.")
    version = serializers.IntegerField(help_text="Send it back with an action.")
    status = serializers.ChoiceField(PlacementStatus.choices)
    offering = ParticipantOfferingOutput()
    person = serializers.SerializerMethodField(
        help_text="Minimal data; nothing identifying when `protected`."
    )
    planned_start = serializers.DateField(allow_null=True)
    started_on = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)
    end_reason = serializers.ChoiceField(EndReason.choices, allow_blank=True)
    outcome = serializers.ChoiceField(Outcome.choices, allow_blank=True)

    @extend_schema_field(ParticipantPersonOutput)
    def get_person(self, placement: Placement) -> dict[str, Any]:
        referral = placement.referral
        person = referral.person
        if not provider_may_see_person(person):
            values: dict[str, Any] = {
                "protected": True,
                "name": None,
                "office_name": None,
                "needs": [],
                "justification_need": None,
            }
        else:
            values = {
                "protected": False,
                "name": person.full_name,
                "office_name": referral.office.name,
                "needs": list(person.needs),
                "justification_need": referral.justification_need,
            }
        return dict(ParticipantPersonOutput(values).data)


class ParticipantFilter(serializers.Serializer):
    """Query parameters of the participant list (others, like `page`, pass through)."""

    status = serializers.ChoiceField(
        [PlacementStatus.TILDELT, PlacementStatus.DELTAR, PlacementStatus.AVSLUTTET],
        required=False,
        help_text="TILDELT: waiting to start; DELTAR: participating; AVSLUTTET: ended in the "
        "last 40 days.",
    )
    offering = serializers.IntegerField(required=False, help_text="An offering's id.")


class VersionedInput(InputSerializer):
    version = serializers.IntegerField(
        min_value=1,
        help_text="The `version` you read. If the placement changed since, the request is "
        "refused with 409 and code STALE, and nothing is saved.",
    )


class ParticipantStartInput(VersionedInput):
    started_on = serializers.DateField(help_text="The day the person started; not in the future.")


class ParticipantEndInput(VersionedInput):
    ended_on = serializers.DateField(help_text="The last day; not before the start.")
    reason = serializers.ChoiceField(EndReason.choices)
    outcome = serializers.ChoiceField(Outcome.choices)


class ParticipantNotStartedInput(VersionedInput):
    reason = serializers.ChoiceField(
        EndReason.choices,
        help_text="IKKE_MOTT, FATT_JOBB, UTDANNING and TRENGER_ANNEN_STOTTE are the person's "
        "own: the referral is closed. Any other sends the person back to the waitlist with "
        "their place in line.",
    )
    comment = StrictCharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Only with ANNET, and then required.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        refusal = comment_only_with_annet(attrs["reason"], attrs["comment"])
        if refusal:
            raise serializers.ValidationError(
                {"comment": [ErrorDetail(refusal, code="only_with_annet")]}
            )
        return attrs
