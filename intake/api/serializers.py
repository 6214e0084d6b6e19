"""Input and output serializers of the intake API, kept apart (HackSoft's styleguide).

Input serializers only parse and type-check: they refuse keys they do not know and values of
the wrong type, each error with a code per field. The domain's rules stay in the services.
Output serializers mask protected persons for users without the clearance (DOMAIN.md section
10): they need the user's `Scope` in their context under "scope".
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import ErrorSerializer, InputSerializer, StrictCharField
from intake.gate import GateCode
from intake.models import (
    DocumentAttachment,
    EndReason,
    EventKind,
    Person,
    PlacementStatus,
    Referral,
    ReferralStatus,
)
from intake.selectors import ExpectedWait, expected_wait
from intake.services.priority import INNVANDRER_UTENFOR_EOS, LANGTIDSLEDIG, UNG
from intake.services.referrals import RETURN_REASONS
from org.access import Scope
from org.models import Municipality, Office, Provider
from org.vocabulary import (
    Benefit,
    CompetenceTag,
    CountryBackground,
    EducationLevel,
    NeedGroup,
    ProtectionLevel,
)
from providers.models import ProgrammeType

# --- Input -------------------------------------------------------------------------------


class VersionField(serializers.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            "The `version` you read. If someone changed the object since, the request is "
            "refused with 409 and code STALE, and nothing is saved.",
        )
        super().__init__(min_value=1, **kwargs)


class PersonValuesInput(InputSerializer):
    """The fields a caseworker sets on a person; all optional, for updates."""

    first_name = StrictCharField(max_length=100, required=False)
    last_name = StrictCharField(max_length=100, required=False)
    home_municipality_id = serializers.PrimaryKeyRelatedField(
        queryset=Municipality.objects.all(), required=False, help_text="kommunenummer"
    )
    office_id = serializers.PrimaryKeyRelatedField(queryset=Office.objects.all(), required=False)
    need_group = serializers.ChoiceField(NeedGroup.choices, allow_blank=True, required=False)
    need_group_decided_on = serializers.DateField(allow_null=True, required=False)
    benefit = serializers.ChoiceField(Benefit.choices, required=False)
    aap_maksdato = serializers.DateField(allow_null=True, required=False)
    education_level = serializers.ChoiceField(EducationLevel.choices, required=False)
    country_background = serializers.ChoiceField(CountryBackground.choices, required=False)
    job_seeker_since = serializers.DateField(allow_null=True, required=False)
    needs = serializers.ListField(
        child=serializers.ChoiceField(CompetenceTag.choices), max_length=20, required=False
    )
    max_travel_km = serializers.IntegerField(
        min_value=1, max_value=2000, allow_null=True, required=False
    )
    excluded_provider_ids = serializers.PrimaryKeyRelatedField(
        queryset=Provider.objects.all(), many=True, required=False
    )
    protection_level = serializers.ChoiceField(ProtectionLevel.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The services take ids, not objects.
        for name in ("home_municipality_id", "office_id"):
            if name in attrs:
                attrs[name] = attrs[name].pk
        if "excluded_provider_ids" in attrs:
            attrs["excluded_provider_ids"] = [p.pk for p in attrs["excluded_provider_ids"]]
        return attrs


class PersonCreateInput(PersonValuesInput):
    fodselsnummer = StrictCharField(max_length=20, help_text="11 digits; D-numbers allowed.")
    first_name = StrictCharField(max_length=100)
    last_name = StrictCharField(max_length=100)
    home_municipality_id = serializers.PrimaryKeyRelatedField(
        queryset=Municipality.objects.all(), help_text="kommunenummer"
    )
    office_id = serializers.PrimaryKeyRelatedField(queryset=Office.objects.all())


class PersonUpdateInput(PersonValuesInput):
    version = VersionField()


class PersonFilter(serializers.Serializer):
    """Query parameters of the person list (other parameters, like `page`, pass through)."""

    office = serializers.IntegerField(required=False, help_text="An office's id.")
    caseworker = serializers.ChoiceField(
        ["me"], required=False, help_text="`me`: only the persons you are caseworker for."
    )
    need_group = serializers.ChoiceField(NeedGroup.choices, required=False)


class CVInput(InputSerializer):
    last_updated = serializers.DateField()
    attachment = serializers.FileField(
        required=False, help_text="A PDF of at most 10 MB (multipart/form-data only)."
    )


class AssessmentInput(InputSerializer):
    assessed_on = serializers.DateField()
    reduced_capacity = serializers.BooleanField()
    need_group = serializers.ChoiceField(NeedGroup.choices)
    attachment = serializers.FileField(
        required=False, help_text="A PDF of at most 10 MB (multipart/form-data only)."
    )


class ActivityPlanInput(InputSerializer):
    goal = StrictCharField(allow_blank=True, max_length=5000)
    approved = serializers.BooleanField()
    last_updated = serializers.DateField()
    planned_activities = StrictCharField(allow_blank=True, max_length=10000, required=False)
    attachment = serializers.FileField(
        required=False, help_text="A PDF of at most 10 MB (multipart/form-data only)."
    )


def _justification_field(required: bool) -> StrictCharField:
    return StrictCharField(allow_blank=True, max_length=5000, required=required)


class ReferralCreateInput(InputSerializer):
    person_id = serializers.IntegerField()
    programme_type = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ProgrammeType.objects.filter(has_waitlist=True),
        help_text="tiltakskode, e.g. ARBFORB",
    )
    justification_need = _justification_field(False)
    justification_goal = _justification_field(False)
    justification_why_programme = _justification_field(False)
    justification_why_not_ordinary = _justification_field(False)


class ReferralUpdateInput(InputSerializer):
    """The justification; parts left out keep their text."""

    version = VersionField()
    justification_need = _justification_field(False)
    justification_goal = _justification_field(False)
    justification_why_programme = _justification_field(False)
    justification_why_not_ordinary = _justification_field(False)


class ReferralActionInput(InputSerializer):
    version = VersionField()


class ReferralReturnInput(InputSerializer):
    version = VersionField()
    reasons = serializers.ListField(
        child=serializers.ChoiceField(list(RETURN_REASONS)), max_length=len(RETURN_REASONS)
    )
    comment = StrictCharField(allow_blank=True, max_length=5000, required=False, default="")


class ReferralDeclineInput(InputSerializer):
    version = VersionField()
    reason = serializers.ChoiceField(EndReason.choices)
    comment = StrictCharField(
        allow_blank=True,
        max_length=5000,
        required=False,
        default="",
        help_text="Only with reason ANNET.",
    )


class ReferralWithdrawInput(InputSerializer):
    version = VersionField()
    reason = serializers.ChoiceField(
        EndReason.choices,
        allow_blank=True,
        required=False,
        default="",
        help_text="Required unless the referral is a draft.",
    )
    comment = StrictCharField(
        allow_blank=True,
        max_length=5000,
        required=False,
        default="",
        help_text="Only with reason ANNET.",
    )


class ReferralFilter(serializers.Serializer):
    status = serializers.ChoiceField(ReferralStatus.choices, required=False)
    programme_type = StrictCharField(required=False, help_text="tiltakskode, e.g. ARBFORB")
    county = StrictCharField(required=False, help_text="fylkesnummer, e.g. 50")
    person = serializers.IntegerField(required=False, help_text="A person's id.")


class WaitlistFilter(serializers.Serializer):
    office = serializers.IntegerField(required=False, help_text="The referring office's id.")
    municipality = StrictCharField(required=False, help_text="The home municipality's number.")
    min_days = serializers.IntegerField(
        min_value=1,
        # Far beyond any wait, and within what a date can be moved back by.
        max_value=36500,
        required=False,
        help_text="Effective wait of at least this many days.",
    )
    priority_group = serializers.ChoiceField(
        [UNG, INNVANDRER_UTENFOR_EOS, LANGTIDSLEDIG], required=False
    )


# --- Output ------------------------------------------------------------------------------


def _scope(serializer: serializers.Field[Any, Any, Any, Any]) -> Scope:
    scope = serializer.context["scope"]
    assert isinstance(scope, Scope)
    return scope


class MaskedPersonOutput(serializers.Serializer):
    """A person, with `masked_fields` set to null when the reader lacks the clearance for the
    person's protection level ("Adressebeskyttet", DOMAIN.md section 10)."""

    masked_fields: tuple[str, ...] = ()

    protected = serializers.SerializerMethodField(
        help_text="The person has address protection (kode 6/7) or is skjermet."
    )
    masked = serializers.SerializerMethodField(
        help_text="You lack the clearance: name, identity and home municipality are null."
    )

    def get_protected(self, person: Person) -> bool:
        return person.protection_level != ProtectionLevel.UGRADERT

    def get_masked(self, person: Person) -> bool:
        return not _scope(self).may_see_protected(person.protection_level)

    def to_representation(self, instance: Person) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if data["masked"]:
            for name in self.masked_fields:
                data[name] = None
        return data


class PersonSummaryOutput(MaskedPersonOutput):
    masked_fields: tuple[str, ...] = ("first_name", "last_name")

    id = serializers.IntegerField()
    first_name = serializers.CharField(allow_null=True)
    last_name = serializers.CharField(allow_null=True)


class PersonListOutput(PersonSummaryOutput):
    masked_fields: tuple[str, ...] = (
        "first_name",
        "last_name",
        "home_municipality_id",
        "home_municipality_name",
    )

    office_id = serializers.IntegerField()
    office_name = serializers.CharField(source="office.name")
    home_municipality_id = serializers.CharField(allow_null=True)
    home_municipality_name = serializers.CharField(
        source="home_municipality.norwegian_name", allow_null=True
    )
    caseworker_id = serializers.IntegerField(allow_null=True)
    need_group = serializers.CharField()
    version = serializers.IntegerField()


class PersonDetailOutput(PersonListOutput):
    masked_fields: tuple[str, ...] = (
        *PersonListOutput.masked_fields,
        "fodselsnummer",
        "birth_date",
        "protection_level",
    )

    fodselsnummer = serializers.CharField(allow_null=True)
    birth_date = serializers.DateField(allow_null=True)
    caseworker_name = serializers.CharField(source="caseworker.get_full_name", allow_null=True)
    need_group_decided_on = serializers.DateField(allow_null=True)
    benefit = serializers.CharField()
    aap_maksdato = serializers.DateField(allow_null=True)
    education_level = serializers.CharField()
    country_background = serializers.CharField()
    job_seeker_since = serializers.DateField(allow_null=True)
    needs = serializers.ListField(child=serializers.CharField())
    max_travel_km = serializers.IntegerField(allow_null=True)
    excluded_provider_ids = serializers.SerializerMethodField()
    protection_level = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_excluded_provider_ids(self, person: Person) -> list[int]:
        return [provider.pk for provider in person.excluded_providers.all()]


class AttachmentOutput(serializers.Serializer):
    """An attachment. The uploaded file name may well hold the person's name or fødselsnummer:
    null unless the context's `scope` may see its `person` in full."""

    id = serializers.IntegerField()
    original_name = serializers.CharField(allow_null=True)
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()

    def to_representation(self, instance: DocumentAttachment) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        person = self.context.get("person")
        if person is None or not _scope(self).may_see_protected(person.protection_level):
            data["original_name"] = None
        return data


class CVOutput(serializers.Serializer):
    last_updated = serializers.DateField()
    attachment = AttachmentOutput(allow_null=True)


class AssessmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    assessed_on = serializers.DateField()
    reduced_capacity = serializers.BooleanField()
    need_group = serializers.CharField()
    attachment = AttachmentOutput(allow_null=True)


class ActivityPlanOutput(serializers.Serializer):
    goal = serializers.CharField()
    approved = serializers.BooleanField()
    last_updated = serializers.DateField()
    planned_activities = serializers.CharField()
    attachment = AttachmentOutput(allow_null=True)


class DocumentsOutput(serializers.Serializer):
    """A person's documents, as the gate reads them (the newest assessment counts)."""

    cv = CVOutput(allow_null=True)
    assessments = AssessmentOutput(many=True)
    activity_plan = ActivityPlanOutput(allow_null=True)


class ExpectedWaitOutput(serializers.Serializer):
    """N ahead at r exits a week waits about N/r weeks (DOMAIN.md section 5)."""

    position = serializers.IntegerField()
    exits = serializers.IntegerField(help_text="People who left this waitlist in the window.")
    window_weeks = serializers.IntegerField()
    exits_per_week = serializers.FloatField()
    weeks = serializers.FloatField(
        allow_null=True, help_text="Null when nobody left the list in the window."
    )
    basis = serializers.SerializerMethodField(help_text="How the estimate was computed.")

    def get_basis(self, wait: ExpectedWait) -> str:
        basis = _(
            "Plass %(position)s i køen. %(exits)s har gått ut av ventelisten de siste "
            "%(window)s ukene (%(rate).1f per uke)."
        ) % {
            "position": wait.position,
            "exits": wait.exits,
            "window": wait.window_weeks,
            "rate": wait.exits_per_week,
        }
        if wait.weeks is None:
            return f"{basis} " + _("Uten avganger kan ventetiden ikke anslås.")
        return f"{basis} " + _("Forventet ventetid er omtrent %(weeks)s uker.") % {
            "weeks": max(1, round(wait.weeks))
        }


def _expected_wait(serializer: serializers.Field[Any, Any, Any, Any], referral: Referral) -> Any:
    """The referral's expected wait, when it is on a waitlist; the view puts the exits per
    programme type in the context as "exits"."""
    if referral.status != ReferralStatus.VENTELISTE:
        return None
    exits: dict[int, int] = serializer.context.get("exits", {})
    wait = expected_wait(
        position=referral.ahead + 1,  # type: ignore[attr-defined]
        exits=exits.get(referral.programme_type_id, 0),
    )
    return ExpectedWaitOutput(wait, context=serializer.context).data


class ReferralListOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(ReferralStatus.choices)
    programme_type = serializers.CharField(source="programme_type.code")
    programme_type_name = serializers.CharField(source="programme_type.short_name")
    county = serializers.CharField(source="county_id")
    office_id = serializers.IntegerField()
    person = PersonSummaryOutput()
    submitted_at = serializers.DateTimeField(allow_null=True)
    waitlisted_at = serializers.DateTimeField(allow_null=True)
    position = serializers.SerializerMethodField(
        help_text="Place on the county's waitlist (1 = next), when VENTELISTE."
    )
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_position(self, referral: Referral) -> int | None:
        if referral.status != ReferralStatus.VENTELISTE:
            return None
        return int(referral.ahead) + 1  # type: ignore[attr-defined]


class ReferralDetailOutput(ReferralListOutput):
    justification_need = serializers.CharField()
    justification_goal = serializers.CharField()
    justification_why_programme = serializers.CharField()
    justification_why_not_ordinary = serializers.CharField()
    queue_since = serializers.DateTimeField(
        allow_null=True, help_text="Approval time moved earlier by the priority bonus."
    )
    priority_groups = serializers.ListField(child=serializers.CharField())
    priority_bonus_days = serializers.IntegerField()
    closed_reason = serializers.CharField()
    created_by_id = serializers.IntegerField()
    expected_wait = serializers.SerializerMethodField()

    @extend_schema_field(ExpectedWaitOutput(allow_null=True))
    def get_expected_wait(self, referral: Referral) -> Any:
        return _expected_wait(self, referral)


class GateFailureOutput(serializers.Serializer):
    code = serializers.ChoiceField(list(GateCode.ALL))
    message = serializers.CharField()


class GateOutput(serializers.Serializer):
    passed = serializers.BooleanField()
    failures = GateFailureOutput(many=True)


class GateFailedErrorOutput(ErrorSerializer):
    """400 GATE_FAILED: every failure at once, each with its code and a sentence. Other
    refusals (INVALID input, ILLEGAL_TRANSITION, ...) answer the plain error body."""

    failures = GateFailureOutput(many=True, required=False, help_text="Only with code GATE_FAILED.")


class EventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(EventKind.choices)
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_name = serializers.CharField(source="actor.get_full_name", allow_null=True)
    actor_office_id = serializers.IntegerField(allow_null=True)
    actor_office_name = serializers.CharField(source="actor_office.name", allow_null=True)
    actor_county = serializers.CharField(source="actor_county_id", allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())
    comment = serializers.CharField()


class WaitlistPersonOutput(PersonSummaryOutput):
    masked_fields: tuple[str, ...] = (
        "first_name",
        "last_name",
        "home_municipality_id",
        "home_municipality_name",
    )

    home_municipality_id = serializers.CharField(allow_null=True)
    home_municipality_name = serializers.CharField(
        source="home_municipality.norwegian_name", allow_null=True
    )


class WaitlistEntryOutput(serializers.Serializer):
    position = serializers.SerializerMethodField()
    referral_id = serializers.IntegerField(source="pk")
    version = serializers.IntegerField()
    person = WaitlistPersonOutput()
    office_id = serializers.IntegerField()
    office_name = serializers.CharField(source="office.name")
    waitlisted_at = serializers.DateTimeField()
    queue_since = serializers.DateTimeField()
    days_waited = serializers.SerializerMethodField(
        help_text="Effective wait: days since approval plus the priority bonus."
    )
    priority_groups = serializers.ListField(child=serializers.CharField())
    priority_bonus_days = serializers.IntegerField()
    expected_wait = serializers.SerializerMethodField()

    def get_position(self, referral: Referral) -> int:
        return int(referral.ahead) + 1  # type: ignore[attr-defined]

    def get_days_waited(self, referral: Referral) -> int:
        assert referral.queue_since is not None
        return (timezone.now() - referral.queue_since).days

    @extend_schema_field(ExpectedWaitOutput())
    def get_expected_wait(self, referral: Referral) -> Any:
        return _expected_wait(self, referral)


# --- Placements --------------------------------------------------------------------------


class ReferralAssignInput(InputSerializer):
    version = VersionField()
    offering_id = serializers.IntegerField(
        min_value=1,
        help_text=(
            "An offering of the referral's programme type in its county, open for intake, "
            "with a free place."
        ),
    )
    planned_start = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Defaults to the date the offering's places are free from.",
    )


class PlacementNotStartedInput(InputSerializer):
    version = VersionField()
    reason = serializers.ChoiceField(
        EndReason.choices,
        help_text=(
            "IKKE_MOTT, FATT_JOBB, UTDANNING and TRENGER_ANNEN_STOTTE are the person's own "
            "reasons: the referral leaves the waitlist. Any other puts it back in line where "
            "it was."
        ),
    )
    comment = StrictCharField(
        allow_blank=True,
        max_length=5000,
        required=False,
        default="",
        help_text="Required with reason ANNET.",
    )


class PlacementOutput(serializers.Serializer):
    """A place given to a person at an offering (tildelt plass)."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(PlacementStatus.choices)
    referral_id = serializers.IntegerField()
    referral_status = serializers.ChoiceField(ReferralStatus.choices, source="referral.status")
    referral_version = serializers.IntegerField(source="referral.version")
    offering_id = serializers.IntegerField()
    offering_name = serializers.CharField(source="offering.name")
    provider_id = serializers.IntegerField(source="offering.provider_id")
    provider_name = serializers.CharField(source="offering.provider.name")
    municipality = serializers.CharField(
        source="offering.municipality_id", help_text="The offering's kommunenummer."
    )
    assigned_at = serializers.DateTimeField()
    assigned_by_id = serializers.IntegerField()
    planned_start = serializers.DateField(allow_null=True)
    started_on = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)
    end_reason = serializers.CharField()
    version = serializers.IntegerField()
