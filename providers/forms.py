"""The provider's forms: a capacity report, and a new API key. They only parse; the services
decide (and their refusals are put back on the fields with `add_service_error`)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.forms import AkselForm, DateInput
from org.access import Scope


class CapacityReportForm(AkselForm):
    """ "N plasser ledige fra dato". Two hidden fields, set when the form is drawn: an
    idempotency key (a double post gives one report) and the latest report the user saw (a
    form loaded before someone else's report is refused as stale)."""

    free_places = forms.IntegerField(
        label=_("Ledige plasser"),
        # The service says why a number is refused (negative, or above what is left).
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
    )
    free_from = forms.DateField(label=_("Ledig fra"), widget=DateInput())
    note = forms.CharField(
        label=_("Merknad"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For eksempel om plassene passer for noen særlig. Ingen personopplysninger."),
    )
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    latest_report_id = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    @classmethod
    def fresh(cls, *, latest_report_id: int) -> CapacityReportForm:
        return cls(
            initial={
                "free_from": timezone.localdate(),
                "idempotency_key": uuid.uuid4().hex,
                "latest_report_id": latest_report_id,
            }
        )

    def carry_latest_report(self, report_id: int) -> None:
        """After a stale refusal: keep the user's input, and accept it if sent again knowingly."""
        assert isinstance(self.data, QueryDict)
        data = self.data.copy()
        data["latest_report_id"] = str(report_id)
        self.data = data


class ApiTokenForm(AkselForm):
    name = forms.CharField(
        label=_("Navn på nøkkelen"),
        max_length=100,
        help_text=_("Hva nøkkelen brukes til, for eksempel navnet på fagsystemet."),
    )
    provider = forms.TypedChoiceField(label=_("Arrangør"), coerce=int)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        providers = list(scope.providers().order_by("name").values_list("pk", "name"))
        field = self.fields["provider"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = providers
        if len(providers) == 1:
            field.initial = providers[0][0]
            field.widget = forms.HiddenInput()
