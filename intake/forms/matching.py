"""Forms of the intake team's matching pages. They only parse what the browser sent;
intake.services.matching decides what is allowed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.forms.aksel import AkselForm
from intake.matching import solver
from intake.matching.problem import WhatIf
from intake.models import RejectReason
from providers.models import Offering

CONFIRM = "bekreft"
CONFIRM_ALL = "bekreft-alle"
REJECT = "avvis"

COMMENT_REQUIRED = _("Skriv en kort forklaring når årsaken er «Annet».")


class ProposalIdsField(forms.Field):
    """Proposal ids sent as repeated values (ticked rows, or the rows shown)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        ids: list[int] = []
        for item in value or []:
            if not str(item).isdigit():
                raise forms.ValidationError(_("Ugyldig valg."), code="invalid")
            ids.append(int(item))
        return ids


def _reason_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Årsak"),
        choices=[("", _("Velg årsak")), *RejectReason.choices],
        required=False,
    )


def _comment_field() -> forms.CharField:
    return forms.CharField(
        label=_("Kommentar"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2, "cols": 24}),
        help_text=_("Påkrevd når årsaken er «Annet». Skriv ikke fødselsnummer."),
    )


def _check_reason(form: forms.Form, data: dict[str, Any]) -> None:
    # Checked here as well as in the service, so that a missing reason is one message on the
    # form rather than the same refusal on every row.
    if not data.get("reason"):
        form.add_error("reason", _("Velg en årsak til at forslaget avvises."))
    elif data["reason"] == RejectReason.ANNET and not (data.get("comment") or "").strip():
        form.add_error("comment", COMMENT_REQUIRED)


class RejectForm(AkselForm):
    """Turn one proposal down, with a reason (a comment too for «Annet»)."""

    reason = _reason_field()
    comment = _comment_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].show_optional = False  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_reason(self, data)
        return data


class BulkForm(AkselForm):
    """Confirm the ticked proposals or all shown, or reject the ticked ones."""

    handling = forms.ChoiceField(
        choices=[
            (CONFIRM, _("Bekreft valgte")),
            (CONFIRM_ALL, _("Bekreft alle viste")),
            (REJECT, _("Avvis valgte")),
        ],
        error_messages={
            "required": _("Velg en handling."),
            "invalid_choice": _("Velg en handling."),
        },
    )
    valgt = ProposalIdsField(required=False)
    # The rows the page showed: «confirm all shown» confirms those, never proposals that a
    # run made after the page was opened.
    vist = ProposalIdsField(required=False)
    reason = _reason_field()
    comment = _comment_field()
    side = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].show_optional = False  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("handling")
        if action == CONFIRM_ALL:
            if not data.get("vist"):
                self.add_error(None, _("Det er ingen forslag å bekrefte."))
        elif action in (CONFIRM, REJECT) and not data.get("valgt"):
            self.add_error("valgt", _("Velg minst ett forslag i listen."))
        if action == REJECT:
            _check_reason(self, data)
        return data

    def proposal_ids(self) -> list[int]:
        data = self.cleaned_data
        ids: list[int] = data["vist"] if data["handling"] == CONFIRM_ALL else data["valgt"]
        return ids

    @property
    def service_action(self) -> str:
        return "reject" if self.cleaned_data["handling"] == REJECT else "confirm"


def _weight(label: Any) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        min_value=0,
        max_value=1000,
        error_messages={
            "required": _("Skriv inn en vekt (0 eller mer)."),
            "invalid": _("Skriv inn et tall."),
            "min_value": _("Vekten kan ikke være negativ."),
            "max_value": _("Vekten kan ikke være større enn 1000."),
        },
    )


class WhatIfForm(AkselForm):
    """What the matcher would propose with other weights, another distance limit or extra
    places at one offering. Nothing is saved."""

    vekt_km = _weight(_("Vekt per km reisevei"))
    vekt_ventetid = _weight(_("Vekt per dag ventetid"))
    vekt_match = _weight(_("Vekt for faglig match (0–1)"))
    maks_km = forms.IntegerField(
        label=_("Maks reiseavstand (km)"),
        min_value=1,
        max_value=500,
        help_text=_("Gjelder alle som ikke selv har satt en lavere grense."),
        error_messages={
            "required": _("Skriv inn maks reiseavstand i km."),
            "invalid": _("Skriv inn et helt antall km."),
            "min_value": _("Maks reiseavstand må være minst 1 km."),
            "max_value": _("Maks reiseavstand kan ikke være mer enn 500 km."),
        },
    )
    gjennomforing = forms.TypedChoiceField(
        label=_("Ekstra plasser hos"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Velg en av listens gjennomføringer.")},
    )
    ekstra_plasser = forms.IntegerField(
        label=_("Antall ekstra plasser"),
        min_value=1,
        max_value=50,
        required=False,
        error_messages={
            "invalid": _("Skriv inn et helt antall plasser."),
            "min_value": _("Antall ekstra plasser må være minst 1."),
            "max_value": _("Antall ekstra plasser kan ikke være mer enn 50."),
        },
    )

    def __init__(self, *args: Any, offerings: Sequence[Offering] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["gjennomforing"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            ("", _("Ingen ekstra plasser")),
            *(
                (
                    o.pk,
                    _("%(name)s, %(provider)s (%(free)s ledige nå)")
                    % {"name": o.name, "provider": o.provider.name, "free": o.free_places},
                )
                for o in offerings
            ),
        ]
        self.fields["ekstra_plasser"].show_optional = False  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        offering, extra = data.get("gjennomforing"), data.get("ekstra_plasser")
        if offering and not extra and "ekstra_plasser" not in self.errors:
            self.add_error("ekstra_plasser", _("Skriv hvor mange ekstra plasser (1–50)."))
        if extra and not offering and "gjennomforing" not in self.errors:
            self.add_error("gjennomforing", _("Velg gjennomføringen som får de ekstra plassene."))
        return data

    def what_if(self) -> WhatIf:
        data = self.cleaned_data
        offering, extra = data.get("gjennomforing"), data.get("ekstra_plasser")
        return WhatIf(
            weights=solver.Weights(data["vekt_km"], data["vekt_ventetid"], data["vekt_match"]),
            max_km=float(data["maks_km"]),
            extra_places={offering: extra} if offering and extra else None,
        )
