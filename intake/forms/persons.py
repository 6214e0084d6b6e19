"""The caseworker's forms for a person and the person's documents. They parse input; the rules
(valid fødselsnummer, dates not in the future, PDF only) live in intake.services.persons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from intake.forms.aksel import AkselForm, DateInput, PastDateInput
from intake.models import Person
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

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_PDF_ONLY = {"accept": "application/pdf,.pdf"}


def _past_date(label: StrOrPromise, *, required: bool = False) -> forms.DateField:
    """A date that cannot be in the future; the browser's picker stops at today."""
    return forms.DateField(
        label=label,
        required=required,
        widget=PastDateInput(),
    )


def _attachment_field() -> forms.FileField:
    return forms.FileField(
        label=_("Vedlegg (PDF, høyst 10 MB)"),
        required=False,
        widget=forms.FileInput(attrs=_PDF_ONLY),
    )


class PersonForm(AkselForm):
    """Register a person (with the fødselsnummer) or edit one (with the version the form was
    loaded with, so that a change made meanwhile is not overwritten)."""

    service_field_names = {
        "office_id": "office",
        "home_municipality_id": "home_municipality",
        "excluded_provider_ids": "excluded_providers",
    }

    fodselsnummer = forms.CharField(
        label=_("Fødselsnummer eller D-nummer"),
        max_length=20,
        help_text=_("11 sifre. Fødselsdatoen hentes fra nummeret."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    first_name = forms.CharField(label=_("Fornavn"), max_length=100)
    last_name = forms.CharField(label=_("Etternavn"), max_length=100)
    home_municipality = forms.ModelChoiceField(
        label=_("Bostedskommune"),
        queryset=Municipality.objects.order_by("norwegian_name"),
        empty_label=_("Velg kommune"),
    )
    office = forms.ModelChoiceField(label=_("Nav-kontor"), queryset=Office.objects.none())
    need_group = forms.ChoiceField(
        label=_("Innsatsgruppe"),
        choices=[("", _("Ikke vurdert")), *NeedGroup.choices],
        required=False,
    )
    need_group_decided_on = _past_date(_("Vedtaksdato for innsatsgruppen"))
    benefit = forms.ChoiceField(label=_("Ytelse"), choices=Benefit.choices, initial=Benefit.INGEN)
    aap_maksdato = forms.DateField(
        label=_("Maksdato for AAP"),
        required=False,
        help_text=_("Bare når ytelsen er arbeidsavklaringspenger (AAP)."),
        widget=DateInput(),
    )
    education_level = forms.ChoiceField(
        label=_("Utdanning"), choices=EducationLevel.choices, initial=EducationLevel.UKJENT
    )
    country_background = forms.ChoiceField(
        label=_("Landbakgrunn"), choices=CountryBackground.choices, initial=CountryBackground.NORGE
    )
    job_seeker_since = _past_date(_("Registrert som arbeidssøker fra"))
    needs = forms.MultipleChoiceField(
        label=_("Registrerte behov"),
        choices=CompetenceTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Brukes til å finne tiltak som passer brukerens behov."),
    )
    max_travel_km = forms.IntegerField(
        label=_("Maks reiseavstand (km)"),
        required=False,
        min_value=1,
        max_value=2000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    excluded_providers = forms.ModelMultipleChoiceField(
        label=_("Utelukkede tiltaksarrangører"),
        queryset=Provider.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Arrangører brukeren ikke skal få plass hos."),
    )
    protection_level = forms.ChoiceField(
        label=_("Adressebeskyttelse"),
        choices=ProtectionLevel.choices,
        initial=ProtectionLevel.UGRADERT,
        help_text=_(
            "Brukere med adressebeskyttelse vises bare for ansatte med tilgang til det, og "
            "tildeles ikke plass automatisk."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, scope: Scope, person: Person | None = None, **kwargs: Any):
        if person is not None and "initial" not in kwargs:
            kwargs["initial"] = person_initial(person)
        super().__init__(*args, **kwargs)
        self.person = person
        offices = Office.objects.filter(pk__in=scope.caseworker_office_ids).order_by("name")
        office_field = self.fields["office"]
        assert isinstance(office_field, forms.ModelChoiceField)
        office_field.queryset = offices
        if len(scope.caseworker_office_ids) == 1:
            office_field.initial = next(iter(scope.caseworker_office_ids))
            office_field.empty_label = None
        # Providers working in the counties of the caseworker's offices, and any already
        # excluded (so that editing never drops an exclusion silently).
        counties = Office.objects.filter(pk__in=scope.caseworker_office_ids).values("county")
        available = Q(offerings__municipality__county__in=counties)
        if person is not None:
            available |= Q(pk__in=person.excluded_providers.all())
        providers_field = self.fields["excluded_providers"]
        assert isinstance(providers_field, forms.ModelMultipleChoiceField)
        providers_field.queryset = Provider.objects.filter(available).distinct().order_by("name")
        self.fields["max_travel_km"].help_text = _("Tomt betyr fylkets standard (%(km)s km).") % {
            "km": settings.INNTAK_DEFAULT_MAX_TRAVEL_KM
        }
        if person is None:
            del self.fields["version"]
        else:
            del self.fields["fodselsnummer"]
            self.fields["version"].required = True

    def service_values(self) -> dict[str, Any]:
        """The cleaned input as the keyword arguments of person_create / person_update."""
        data = self.cleaned_data
        return {
            "first_name": data["first_name"].strip(),
            "last_name": data["last_name"].strip(),
            "home_municipality_id": data["home_municipality"].pk,
            "office_id": data["office"].pk,
            "need_group": data["need_group"],
            "need_group_decided_on": data["need_group_decided_on"],
            "benefit": data["benefit"],
            "aap_maksdato": data["aap_maksdato"],
            "education_level": data["education_level"],
            "country_background": data["country_background"],
            "job_seeker_since": data["job_seeker_since"],
            "needs": list(data["needs"]),
            "max_travel_km": data["max_travel_km"],
            "excluded_provider_ids": [provider.pk for provider in data["excluded_providers"]],
            "protection_level": data["protection_level"],
        }

    def show_saved(self, person: Person) -> None:
        """After a refused stale save: keep the user's input, and show under each field what
        someone else saved meanwhile where it differs, so that nothing is lost or overwritten
        unseen. The form then carries the current version: saving again is a deliberate
        choice made with both in view."""
        saved = person_initial(person)
        for name, value in self.cleaned_data.items():
            if (
                name in saved
                and name != "version"
                and _comparable(value) != _comparable(saved[name])
            ):
                field = self.fields[name]
                field.saved_display = _display(field, saved[name])  # type: ignore[attr-defined]
        self.carry_version(person.version)


def _comparable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, list | tuple | QuerySet):
        return sorted(_comparable(item) for item in value)
    return "" if value is None else str(value)


def _display(field: forms.Field, value: Any) -> str:
    """A saved value as the user reads it in the form."""
    if value in (None, "", []):
        return "–"
    if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
        found = field.queryset.filter(pk__in=value if isinstance(value, list) else [value])
        return ", ".join(str(item) for item in found) or "–"
    if isinstance(value, list):
        labels = dict(getattr(field, "choices", ()))
        return ", ".join(str(labels.get(item, item)) for item in value)
    if hasattr(value, "strftime"):
        return str(value.strftime("%d.%m.%Y"))
    return str(dict(getattr(field, "choices", ())).get(value, value))


def person_initial(person: Person) -> dict[str, Any]:
    """The person's current values in the form's terms."""
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "home_municipality": person.home_municipality_id,
        "office": person.office_id,
        "need_group": person.need_group,
        "need_group_decided_on": person.need_group_decided_on,
        "benefit": person.benefit,
        "aap_maksdato": person.aap_maksdato,
        "education_level": person.education_level,
        "country_background": person.country_background,
        "job_seeker_since": person.job_seeker_since,
        "needs": list(person.needs),
        "max_travel_km": person.max_travel_km,
        "excluded_providers": [provider.pk for provider in person.excluded_providers.all()],
        "protection_level": person.protection_level,
        "version": person.version,
    }


class CVForm(AkselForm):
    last_updated = _past_date(_("CV-en ble sist oppdatert"), required=True)
    attachment = _attachment_field()


class AssessmentForm(AkselForm):
    assessed_on = _past_date(_("Vurdert dato"), required=True)
    reduced_capacity = forms.TypedChoiceField(
        label=_("Konklusjon"),
        choices=[("1", _("Nedsatt arbeidsevne")), ("0", _("Ikke nedsatt arbeidsevne"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    need_group = forms.ChoiceField(
        label=_("Innsatsgruppe vurderingen ga"),
        choices=[("", _("Velg innsatsgruppe")), *NeedGroup.choices],
    )
    attachment = _attachment_field()


class ActivityPlanForm(AkselForm):
    goal = forms.CharField(
        label=_("Mål (hovedmål eller yrkesmål)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    approved = forms.BooleanField(label=_("Planen er godkjent sammen med brukeren"), required=False)
    last_updated = _past_date(_("Planen ble sist oppdatert"), required=True)
    planned_activities = forms.CharField(
        label=_("Planlagte aktiviteter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachment = _attachment_field()
