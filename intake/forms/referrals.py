"""The caseworker's referral forms: the justification, and withdrawing. The gate and the
lifecycle's rules live in intake.gate and intake.services.referrals."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.forms.aksel import AkselForm
from intake.models import EndReason, Referral
from intake.services.referrals import JUSTIFICATION_FIELDS
from providers.models import ProgrammeType

SAVE = "lagre"
SUBMIT = "send-inn"


class ReferralForm(AkselForm):
    """A new referral (with its programme type) or an existing one's justification (with the
    version it was loaded with). Parts may be short in a draft: the gate says what is missing."""

    programme_type = forms.ModelChoiceField(
        label=_("Tiltakstype"),
        queryset=ProgrammeType.objects.filter(has_waitlist=True).order_by("name"),
        empty_label=_("Velg tiltakstype"),
    )
    justification_need = forms.CharField(
        label=_("Behov"),
        help_text=_("Hva trenger brukeren hjelp til, og hva hindrer brukeren i å komme i arbeid?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    justification_goal = forms.CharField(
        label=_("Mål"),
        help_text=_("Hva skal brukeren oppnå med tiltaket?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    justification_why_programme = forms.CharField(
        label=_("Hvorfor dette tiltaket"),
        help_text=_("Hvorfor passer akkurat denne tiltakstypen for brukeren?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    justification_why_not_ordinary = forms.CharField(
        label=_("Hvorfor ikke et ordinært tiltak"),
        help_text=_("Hvorfor er ikke ordinært arbeid eller et ordinært tiltak nok?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, referral: Referral | None = None, **kwargs: Any) -> None:
        if referral is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(referral, name) for name in JUSTIFICATION_FIELDS}
            kwargs["initial"]["version"] = referral.version
        super().__init__(*args, **kwargs)
        self.referral = referral
        for name in JUSTIFICATION_FIELDS:
            # Optional in a draft, required to submit: not marked «valgfritt».
            self.fields[name].show_optional = False  # type: ignore[attr-defined]
        if referral is None:
            del self.fields["version"]
        else:
            del self.fields["programme_type"]

    def justification(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in JUSTIFICATION_FIELDS}

    def show_saved(self, referral: Referral) -> None:
        """After a refused stale save: keep the user's text, show what was saved meanwhile
        where it differs, and carry the current version (see PersonForm.show_saved)."""
        for name in JUSTIFICATION_FIELDS:
            saved = getattr(referral, name)
            if self.cleaned_data.get(name, "").strip() != saved:
                self.fields[name].saved_display = saved or "–"  # type: ignore[attr-defined]
        self.carry_version(referral.version)


class WithdrawForm(AkselForm):
    """Withdraw a referral (a draft is simply cancelled). Free text only with «Annet»."""

    reason = forms.ChoiceField(
        label=_("Årsak"),
        choices=[("", _("Velg årsak")), *EndReason.choices],
        required=False,
    )
    comment = forms.CharField(
        label=_("Kommentar"),
        help_text=_("Bare når årsaken er «Annet». Ikke skriv helseopplysninger her."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
