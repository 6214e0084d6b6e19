"""Forms of the intake team's pages. They only parse what the browser sent: the services
decide what is allowed, and their errors are put back on these forms (`add_service_error`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError
from intake.models import EndReason
from intake.services.priority import INNVANDRER_UTENFOR_EOS, LANGTIDSLEDIG, UNG
from intake.services.referrals import RETURN_REASONS

PRIORITY_GROUP_LABELS = {
    UNG: _("Ung under 30"),
    INNVANDRER_UTENFOR_EOS: _("Innvandrer utenfor EØS"),
    LANGTIDSLEDIG: _("Langtidsledig"),
}

# The review queue's sort orders (see selectors.review_queue).
QUEUE_ORDERS = ("submitted_at", "-submitted_at", "office", "programme_type")

APPROVE = "godkjenn"
RETURN = "returner"


def add_service_error(form: forms.Form, error: ApplicationError) -> None:
    """Put a service's refusal on the form's fields where it names them; the page shows the
    refusal's message itself."""
    for name, messages in error.fields.items():
        if name in form.fields:
            for message in messages:
                form.add_error(name, message)


class VersionedForm(forms.Form):
    """The version of the referral the user saw: a form loaded before someone else changed
    the referral is refused by the service instead of overwriting their change."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ApproveForm(VersionedForm):
    pass


class ReturnForm(VersionedForm):
    reasons = forms.MultipleChoiceField(
        label=_("Årsaker"),
        choices=list(RETURN_REASONS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(label=_("Kommentar"), required=False, max_length=2000)


class DeclineForm(VersionedForm):
    reason = forms.ChoiceField(
        label=_("Årsak"), choices=[("", _("Velg årsak")), *EndReason.choices], required=False
    )
    comment = forms.CharField(label=_("Kommentar"), required=False, max_length=2000)
    # Where to go afterwards (the waitlist, when declined from there); checked by the view.
    tilbake = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


class SelectedRowsField(forms.Field):
    """The ticked rows of the review queue, each `id:version` as the row was shown."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> dict[int, int]:
        rows: dict[int, int] = {}
        for item in value or []:
            referral_id, _sep, version = str(item).partition(":")
            if not (referral_id.isdigit() and version.isdigit()):
                raise forms.ValidationError(_("Ugyldig valg."), code="invalid")
            rows[int(referral_id)] = int(version)
        return rows


class BulkForm(forms.Form):
    handling = forms.ChoiceField(
        choices=[(APPROVE, _("Godkjenn")), (RETURN, _("Returner"))],
        error_messages={
            "required": _("Velg en handling."),
            "invalid_choice": _("Velg en handling."),
        },
    )
    valgt = SelectedRowsField(error_messages={"required": _("Velg minst én henvisning i listen.")})
    reasons = ReturnForm.base_fields["reasons"]
    comment = ReturnForm.base_fields["comment"]
    # The queue's filters and sort order, to go back to the same view afterwards.
    filtre = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Checked here as well as in the service, so that one missing reason is one message on
        # the form rather than the same failure on every row.
        if data.get("handling") == RETURN:
            reasons = data.get("reasons") or []
            if not reasons:
                self.add_error("reasons", _("Velg minst én årsak."))
            elif "ANNET" in reasons and not (data.get("comment") or "").strip():
                self.add_error("comment", _("Skriv en kommentar når du velger «Annet»."))
        return data


class QueueFilterForm(forms.Form):
    """The review queue's filters; a value that does not parse is ignored."""

    fylke = forms.RegexField(regex=r"^[0-9]{2}$", required=False)
    tiltakstype = forms.IntegerField(required=False, min_value=1)
    kontor = forms.IntegerField(required=False, min_value=1)
    kommune = forms.RegexField(regex=r"^[0-9]{4}$", required=False)
    dager = forms.IntegerField(required=False, min_value=1, max_value=3650)
    sorter = forms.ChoiceField(choices=[(o, o) for o in QUEUE_ORDERS], required=False)

    def values(self) -> dict[str, Any]:
        self.is_valid()
        return {name: self.cleaned_data.get(name) or None for name in self.fields}


class WaitlistFilterForm(forms.Form):
    """The waitlist's filters; a value that does not parse is ignored."""

    kontor = forms.IntegerField(required=False, min_value=1)
    kommune = forms.RegexField(regex=r"^[0-9]{4}$", required=False)
    dager = forms.IntegerField(required=False, min_value=1, max_value=3650)
    gruppe = forms.ChoiceField(choices=list(PRIORITY_GROUP_LABELS.items()), required=False)

    def values(self) -> dict[str, Any]:
        self.is_valid()
        return {name: self.cleaned_data.get(name) or None for name in self.fields}
