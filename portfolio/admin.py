from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portfolio.models import FlagSettings, YearlyPlaceTarget


@admin.register(YearlyPlaceTarget)
class YearlyPlaceTargetAdmin(admin.ModelAdmin):
    list_display = ("year", "adapted_share_percent")
    ordering = ("-year",)


@admin.register(FlagSettings)
class FlagSettingsAdmin(admin.ModelAdmin):
    """One row of thresholds: it can be edited, never added twice or deleted."""

    fieldsets = (
        (
            _("Unge og langtidsledige"),
            {"fields": ("young_age_limit", "inactive_days", "long_term_days")},
        ),
        (
            _("Nedsatt arbeidsevne og AAP"),
            {
                "fields": (
                    "adapted_without_programme_days",
                    "aap_maksdato_days",
                    "assessment_max_age_days",
                    "sheltered_lock_in_days",
                )
            },
        ),
        (_("Vurdering av flagg"), {"fields": ("dismissed_quiet_days",)}),
    )

    def save_model(self, request: HttpRequest, obj: FlagSettings, form: Any, change: bool) -> None:
        obj.pk = 1  # the row FlagSettings.current() reads
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not FlagSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: FlagSettings | None = None) -> bool:
        return False
