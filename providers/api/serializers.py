"""Input and output serializers of the provider API, kept apart. Inputs only parse and
type-check (unknown keys and wrong types are refused, each with a code per field); the
capacity rules stay in `providers.services`."""

from __future__ import annotations

from rest_framework import serializers

from config.api import InputSerializer, StrictCharField
from providers.models import CapacityReport, Offering, ReportChannel, StartType
from providers.services import capacity_limit

# An idempotency key is stored in a column of this length.
IDEMPOTENCY_KEY_MAX_LENGTH = 64


class ProviderOfferingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    programme_type = serializers.CharField(source="programme_type.code", help_text="tiltakskode")
    municipality = serializers.CharField(source="municipality_id", help_text="kommunenummer")
    municipality_name = serializers.CharField(source="municipality.name")
    start_type = serializers.ChoiceField(StartType.choices)
    open_for_intake = serializers.BooleanField()
    contracted_places = serializers.IntegerField()
    places_occupied = serializers.IntegerField(help_text="Participating now (DELTAR).")
    places_assigned = serializers.IntegerField(help_text="Given a place, not started yet.")
    free_places = serializers.IntegerField(help_text="Reported free and not given to anyone yet.")
    free_from = serializers.DateField(allow_null=True)
    max_free_places = serializers.SerializerMethodField(
        help_text="The most places a report may state now: contracted, less participants and "
        "places given but not started."
    )

    def get_max_free_places(self, offering: Offering) -> int:
        return capacity_limit(offering)


class CapacityReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    offering_id = serializers.IntegerField()
    free_places = serializers.IntegerField()
    free_from = serializers.DateField()
    note = serializers.CharField()
    channel = serializers.ChoiceField(ReportChannel.choices)
    reported_by = serializers.SerializerMethodField(
        help_text="Who reported: the person logged in, or the maker of the API key."
    )
    created_at = serializers.DateTimeField()
    contracted_places = serializers.IntegerField(help_text="Contracted places at the time.")
    places_occupied = serializers.IntegerField(help_text="Participants at the time.")
    places_assigned = serializers.IntegerField(help_text="Given, not started, at the time.")

    def get_reported_by(self, report: CapacityReport) -> str | None:
        return report.reported_by.display_name if report.reported_by else None


class CapacityReportInput(InputSerializer):
    free_places = serializers.IntegerField(
        min_value=0,
        max_value=100_000,
        help_text="How many places are free. At most `max_free_places` of the offering.",
    )
    free_from = serializers.DateField(
        help_text="From when (ISO date); at most 14 days back and one year ahead."
    )
    note = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
