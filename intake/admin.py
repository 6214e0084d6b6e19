"""Admin of the intake app's configuration. Persons, referrals and their history are not here:
an administrator configures, and reads no persons (org/access.py); referrals change only
through the services, and their history is never edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from intake.models import CountyIntakeSettings
from intake.services.priority import waitlist_refresh_priorities


@admin.register(CountyIntakeSettings)
class CountyIntakeSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "county",
        "bonus_days_young",
        "bonus_days_non_eea",
        "bonus_days_long_term_unemployed",
        "young_age_limit",
        "long_term_unemployed_days",
        "weight_km",
        "weight_wait",
        "weight_fit",
        "max_travel_km",
    ]
    fieldsets = [
        (None, {"fields": ["county"]}),
        (
            _("Prioritetstillegg i ventelistene (dager)"),
            {
                "fields": [
                    "bonus_days_young",
                    "bonus_days_non_eea",
                    "bonus_days_long_term_unemployed",
                ],
                "description": _(
                    "Dagene legges til ventetiden for brukere i gruppen, slik at de kommer "
                    "tidligere i køen. 0 betyr at gruppen ikke prioriteres. Endringer gjelder "
                    "straks for alle som venter i fylket."
                ),
            },
        ),
        (
            _("Hvem som hører til gruppene"),
            {"fields": ["young_age_limit", "long_term_unemployed_days"]},
        ),
        (
            _("Matching av ledige plasser"),
            {
                "fields": ["weight_km", "weight_wait", "weight_fit", "max_travel_km"],
                "description": _(
                    "Matchingen plasserer så mange som mulig, og velger blant de løsningene "
                    "den med lavest samlet kostnad: vekt per km × reisevei − vekt per dag × "
                    "ventetid − vekt for faglig match × andelen av brukerens behov som "
                    "arrangøren dekker. Med standardvektene veier én km reisevei like mye som "
                    "to dagers ventetid, og full faglig match like mye som ti dager."
                ),
            },
        ),
    ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: CountyIntakeSettings | None = None
    ) -> list[str]:
        # The county is the key: changing it would move one county's settings to another.
        return ["county"] if obj is not None else []

    def save_model(
        self, request: HttpRequest, obj: CountyIntakeSettings, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        # The waitlists' order depends on these settings: re-place everyone waiting now,
        # rather than waiting for the nightly refresh.
        moved = waitlist_refresh_priorities(county_number=obj.county_id)
        self.message_user(
            request,
            ngettext(
                "%(n)s henvisning på ventelistene i %(county)s fikk ny plass i køen.",
                "%(n)s henvisninger på ventelistene i %(county)s fikk ny plass i køen.",
                moved,
            )
            % {"n": moved, "county": obj.county},
            messages.INFO,
        )
