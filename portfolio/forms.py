"""Forms of the portfolio pages. They parse what the browser sent; the services decide what
is allowed, and their refusals are put back on these forms (`AkselForm.add_service_error`)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.forms import AkselForm, DateInput
from intake.models import Referral
from org.vocabulary import Benefit, NeedGroup
from portfolio.models import DismissReason, FlagCode
from portfolio.selectors_portfolio import AGE_BANDS, PORTFOLIO_ORDERS, WAIT_STEPS

YES, NO = "ja", "nei"


class PortfolioFilterForm(forms.Form):
    """The portfolio list's filters (GET); a value that does not parse is ignored."""

    flagg = forms.ChoiceField(choices=FlagCode.choices, required=False)
    innsatsgruppe = forms.ChoiceField(choices=NeedGroup.choices, required=False)
    alder = forms.ChoiceField(choices=[(key, key) for key in AGE_BANDS], required=False)
    ytelse = forms.ChoiceField(choices=Benefit.choices, required=False)
    kommune = forms.RegexField(regex=r"^[0-9]{4}$", required=False)
    henvisning = forms.ChoiceField(choices=[(YES, YES), (NO, NO)], required=False)
    ventetid = forms.TypedChoiceField(
        choices=[(str(days), str(days)) for days in WAIT_STEPS], coerce=int, required=False
    )
    veileder = forms.IntegerField(required=False, min_value=1)
    ufordelt = forms.BooleanField(required=False)
    hele_kontoret = forms.BooleanField(required=False)
    sorter = forms.ChoiceField(choices=[(o, o) for o in PORTFOLIO_ORDERS], required=False)

    def values(self) -> dict[str, Any]:
        self.is_valid()
        return {name: self.cleaned_data.get(name) or None for name in self.fields}


class FlagReferralForm(AkselForm):
    """The action «Henvisning startet»: which of the person's referrals."""

    # A select of the person's referrals, but any id parses: a referral of someone else is
    # the service's refusal, shown on this field.
    referral = forms.IntegerField(
        label=_("Henvisning"),
        min_value=1,
        widget=forms.Select,
        error_messages={
            "required": _("Velg en henvisning for brukeren."),
            "invalid": _("Velg en henvisning for brukeren."),
            "min_value": _("Velg en henvisning for brukeren."),
        },
    )
    tilbake = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args: Any, referrals: list[Referral], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["referral"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [
            ("", _("Velg henvisning")),
            *(
                (r.pk, f"{r.programme_type.short_name} #{r.pk} – {r.get_status_display()}")
                for r in referrals
            ),
        ]


class FlagDismissForm(AkselForm):
    """The action «Ikke relevant», with a reason (and a comment when the reason is «Annet»)."""

    reason = forms.ChoiceField(
        label=_("Begrunnelse"),
        choices=[("", _("Velg begrunnelse")), *DismissReason.choices],
        required=False,
    )
    comment = forms.CharField(
        label=_("Kommentar"),
        help_text=_("Påkrevd når du velger «Annet». Skriv ikke navn eller fødselsnummer."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    tilbake = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


class FlagSnoozeForm(AkselForm):
    """The action «Se på igjen», on a date after today."""

    until = forms.DateField(
        label=_("Se på igjen"),
        widget=DateInput,
        error_messages={
            "required": _("Velg en dato etter i dag."),
            "invalid": _("Skriv datoen som dd.mm.åååå."),
        },
    )
    comment = forms.CharField(
        label=_("Kommentar"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    tilbake = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The picker starts tomorrow; the service refuses an earlier date in any case.
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        self.fields["until"].widget.attrs["min"] = tomorrow.isoformat()
