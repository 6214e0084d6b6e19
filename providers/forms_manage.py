"""Forms of the offering and provider management pages. They only parse what the browser sent:
providers.services decides what is allowed (a valid orgnr, places not negative, dates in order,
no fewer contracted places than are in use), and its refusals are put back on these forms.

They build on config.forms, which gives the widgets NAV's design system (Aksel) classes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import AkselForm
from org.access import Scope
from org.models import Municipality, Provider
from org.vocabulary import CompetenceTag
from providers.models import Offering, ProgrammeType, StartType

_TEXT = {"class": "aksel-text-field__input aksel-body-short"}
_NUMBER = {"class": "aksel-text-field__input aksel-body-short", "inputmode": "numeric"}
_SELECT = {"class": "aksel-select__input aksel-body-short"}
_CHOICE = {"class": "aksel-checkbox__input"}
_RADIO = {"class": "aksel-radio__input"}


class _DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates."""

    input_type = "date"

    def __init__(self) -> None:
        super().__init__(attrs=dict(_TEXT), format="%Y-%m-%d")


class ManageForm(AkselForm):
    """Management forms: Aksel's classes, and a service's refusal shown on the fields it names
    (config.forms)."""


class ProviderForm(ManageForm):
    name = forms.CharField(
        label=_("Navn"), max_length=200, widget=forms.TextInput(attrs=dict(_TEXT))
    )
    orgnr = forms.CharField(
        label=_("Organisasjonsnummer"),
        max_length=20,
        help_text=_("9 sifre, som i Enhetsregisteret. Mellomrom er greit."),
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "numeric", "autocomplete": "off"}),
    )


class OfferingForm(ManageForm):
    """Create or change an offering. An intake team member chooses among the municipalities of
    their own county; an administrator among all."""

    service_field_names = {
        "provider_id": "provider",
        "programme_type_id": "programme_type",
        "municipality_id": "municipality",
    }

    provider = forms.ModelChoiceField(
        label=_("Arrangør"),
        queryset=Provider.objects.order_by("name"),
        empty_label=_("Velg arrangør"),
        widget=forms.Select(attrs=dict(_SELECT)),
    )
    programme_type = forms.ModelChoiceField(
        label=_("Tiltakstype"),
        queryset=ProgrammeType.objects.order_by("short_name"),
        empty_label=_("Velg tiltakstype"),
        widget=forms.Select(attrs=dict(_SELECT)),
    )
    name = forms.CharField(
        label=_("Navn på gjennomføringen"),
        max_length=200,
        widget=forms.TextInput(attrs=dict(_TEXT)),
    )
    municipality = forms.ModelChoiceField(
        label=_("Kommune"),
        queryset=Municipality.objects.none(),
        empty_label=_("Velg kommune"),
        widget=forms.Select(attrs=dict(_SELECT)),
    )
    # No lower bound here: the service refuses a negative number with its own sentence.
    contracted_places = forms.IntegerField(
        label=_("Avtalte plasser"), widget=forms.NumberInput(attrs=dict(_NUMBER))
    )
    start_type = forms.ChoiceField(
        label=_("Oppstart"),
        choices=StartType.choices,
        initial=StartType.LOPENDE,
        widget=forms.RadioSelect(attrs=dict(_RADIO)),
    )
    cohort_starts_on = forms.DateField(
        label=_("Oppstart (felles)"), required=False, widget=_DateInput()
    )
    cohort_ends_on = forms.DateField(label=_("Slutt (felles)"), required=False, widget=_DateInput())
    competence_tags = forms.MultipleChoiceField(
        label=_("Kompetanseprofil"),
        choices=CompetenceTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=dict(_CHOICE)),
    )
    open_for_intake = forms.BooleanField(
        label=_("Åpen for inntak"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs=dict(_CHOICE)),
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        municipalities = Municipality.objects.order_by("norwegian_name")
        if not scope.is_admin:
            municipalities = municipalities.filter(county__in=scope.intake_county_numbers)
        field = self.fields["municipality"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = municipalities

    @classmethod
    def initial_from(cls, offering: Offering) -> dict[str, Any]:
        return {
            "provider": offering.provider_id,
            "programme_type": offering.programme_type_id,
            "name": offering.name,
            "municipality": offering.municipality_id,
            "contracted_places": offering.contracted_places,
            "start_type": offering.start_type,
            "cohort_starts_on": offering.cohort_starts_on,
            "cohort_ends_on": offering.cohort_ends_on,
            "competence_tags": offering.competence_tags,
            "open_for_intake": offering.open_for_intake,
        }

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "provider_id": data["provider"].pk,
            "programme_type_id": data["programme_type"].pk,
            "name": data["name"].strip(),
            "municipality_id": data["municipality"].pk,
            "contracted_places": data["contracted_places"],
            "start_type": data["start_type"],
            "cohort_starts_on": data["cohort_starts_on"],
            "cohort_ends_on": data["cohort_ends_on"],
            "competence_tags": list(data["competence_tags"]),
            "open_for_intake": data["open_for_intake"],
        }


class ClosedPeriodForm(ManageForm):
    starts_on = forms.DateField(label=_("Fra"), widget=_DateInput())
    ends_on = forms.DateField(label=_("Til"), widget=_DateInput())
    reason = forms.CharField(
        label=_("Årsak"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=dict(_TEXT)),
        help_text=_("For eksempel ferie eller oppussing."),
    )
