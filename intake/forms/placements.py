"""Forms of the intake team's placement and capacity pages. They only parse what the browser
sent; intake.services.placements decides what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.forms.aksel import AkselForm, DateInput
from intake.forms.review import VersionedForm
from intake.models import EndReason


class AssignForm(AkselForm, VersionedForm):
    """Give the waiting referral (at the version the user saw) a place at one offering."""

    service_field_names = {"offering_id": "offering"}

    offering = forms.IntegerField(
        label=_("Gjennomføring"),
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"required": _("Velg en gjennomføring med ledig plass.")},
    )
    planned_start = forms.DateField(
        label=_("Planlagt oppstart"),
        required=False,
        widget=DateInput(),
        help_text=_("Står den tom, brukes datoen plassen er ledig fra."),
    )
    # Where to go afterwards (the waitlist the user came from); checked by the view.
    tilbake = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


class NotStartedForm(AkselForm, VersionedForm):
    """The provider phoned in: the person did not start (version of the placement)."""

    reason = forms.ChoiceField(
        label=_("Årsak"), choices=[("", _("Velg årsak")), *EndReason.choices], required=False
    )
    comment = forms.CharField(
        label=_("Kommentar"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Påkrevd når årsaken er «Annet»."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Required with one of the reasons: "(valgfritt)" would say otherwise.
        self.fields["comment"].show_optional = False  # type: ignore[attr-defined]


class CapacityFilterForm(forms.Form):
    """The capacity page's county (when the user has several) and programme type."""

    fylke = forms.RegexField(regex=r"^[0-9]{2}$", required=False)
    tiltakstype = forms.IntegerField(required=False, min_value=1)

    def values(self) -> dict[str, Any]:
        """The filters; a value that does not parse is ignored."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or None for name in self.fields}
