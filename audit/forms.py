from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.no import fodselsnummer

from audit.models import AccessKind
from config.forms import AkselForm, DateInput

# How far back a search starts unless the leader says otherwise.
DEFAULT_DAYS = 31
LONGEST_PERIOD_DAYS = 5 * 366
# Inntak holds nothing older; bounds also keep date arithmetic away from year 1 and 9999.
EARLIEST = datetime.date(2000, 1, 1)


class LogFilterForm(AkselForm):
    """The access log's filters, in the address (ids and dates only, never a name)."""

    fra = forms.DateField(label=_("Fra og med"), required=False, widget=DateInput())
    til = forms.DateField(label=_("Til og med"), required=False, widget=DateInput())
    ansatt = forms.CharField(
        label=_("Ansatt (navn eller brukernavn)"), required=False, max_length=100
    )
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Alle")), *AccessKind.choices],
    )
    med_logg = forms.BooleanField(label=_("Ta med oppslag gjort i tilgangsloggen"), required=False)
    bruker = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        for name in ("fra", "til"):
            day = data.get(name)
            if day is not None and not EARLIEST <= day <= today + datetime.timedelta(days=366):
                self.add_error(name, _("Velg en dato mellom 2000 og neste år."))
                data[name] = None
        if self.errors:
            return data
        end = data.get("til") or today
        start = data.get("fra") or end - datetime.timedelta(days=DEFAULT_DAYS)
        if start > end:
            self.add_error("fra", _("Fra-datoen må være før eller lik til-datoen."))
        elif (end - start).days > LONGEST_PERIOD_DAYS:
            self.add_error("fra", _("Velg en periode på høyst fem år."))
        data["fra"], data["til"] = start, end
        return data


class FindPersonForm(AkselForm):
    """A person looked up by fødselsnummer: posted, so the number never enters an address."""

    fodselsnummer = forms.CharField(
        label=_("Fødselsnummer"),
        max_length=20,
        help_text=_("11 siffer. Personen må høre til ditt kontor eller fylke."),
    )

    def clean_fodselsnummer(self) -> str:
        value = "".join(self.cleaned_data["fodselsnummer"].split())
        if not fodselsnummer.is_valid(value):
            raise forms.ValidationError(
                _("Dette er ikke et gyldig fødselsnummer. Sjekk at du har skrevet 11 siffer.")
            )
        return str(value)
