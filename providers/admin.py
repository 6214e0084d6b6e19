from django.contrib import admin

from providers.models import Offering, ProgrammeType


@admin.register(ProgrammeType)
class ProgrammeTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "short_name", "name", "sheltered", "has_waitlist"]
    fields = [
        "code",
        "short_name",
        "name",
        "admitted_need_groups",
        "sheltered",
        "has_waitlist",
        "requires_work_capacity_assessment",
        "cv_max_age_days",
        "assessment_max_age_days",
        "plan_max_age_days",
        "justification_min_chars",
    ]


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "programme_type", "municipality", "contracted_places"]
    list_filter = ["programme_type", "open_for_intake", "municipality__county"]
    search_fields = ["name", "provider__name"]
    autocomplete_fields = ["provider", "municipality"]
