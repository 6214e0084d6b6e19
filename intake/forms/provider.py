"""Forms of the provider portal's participant actions: confirm a start, end a participation,
or report that a place was not taken up. Each carries the placement's version as shown, so a
form loaded before someone else's change is refused as stale by the service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError
from config.forms import AkselForm, PastDateInput
from intake.models import EndReason, Outcome


def comment_only_with_annet(reason: str, comment: str) -> str | None:
    """Free text goes only with «Annet» (DOMAIN.md section 3): elsewhere it invites personal
    data the provider has no need to write down. The refusal, or None."""
    if comment.strip() and reason != EndReason.ANNET:
        return str(_("Skriv bare en kommentar når årsaken er «Annet»."))
    return None


class ParticipantActionForm(AkselForm):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def add_service_error(self, error: ApplicationError) -> None:
        # These forms are small popovers: say a sentence once, at its field when it has one.
        said_at_field = {m for name, ms in error.fields.items() if name in self.fields for m in ms}
        if error.message in said_at_field:
            for name, messages in error.fields.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
            return
        super().add_service_error(error)


class StartForm(ParticipantActionForm):
    started_on = forms.DateField(label=_("Startdato"), widget=PastDateInput())


class EndForm(ParticipantActionForm):
    ended_on = forms.DateField(label=_("Sluttdato"), widget=PastDateInput())
    # Optional here: the service says "choose a reason", in one place for pages and API.
    reason = forms.ChoiceField(
        label=_("Årsak"), choices=[("", _("Velg årsak")), *EndReason.choices], required=False
    )
    outcome = forms.ChoiceField(
        label=_("Resultat"), choices=[("", _("Velg resultat")), *Outcome.choices], required=False
    )


class NotStartedForm(ParticipantActionForm):
    reason = forms.ChoiceField(
        label=_("Årsak"), choices=[("", _("Velg årsak")), *EndReason.choices], required=False
    )
    comment = forms.CharField(
        label=_("Kommentar"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bare når årsaken er «Annet»."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        refusal = comment_only_with_annet(data.get("reason", ""), data.get("comment", ""))
        if refusal:
            self.add_error("comment", refusal)
        return data
