from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from org.models import (
    County,
    CountyMembership,
    Municipality,
    Office,
    OfficeMembership,
    Provider,
    ProviderMembership,
    User,
)


class OfficeMembershipInline(admin.TabularInline):
    model = OfficeMembership
    extra = 0
    autocomplete_fields = ["office"]


class CountyMembershipInline(admin.TabularInline):
    model = CountyMembership
    extra = 0


class ProviderMembershipInline(admin.TabularInline):
    model = ProviderMembership
    extra = 0
    autocomplete_fields = ["provider"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("Klarering for beskyttede personer"),
            {"fields": ("may_see_strengt_fortrolig", "may_see_fortrolig", "may_see_skjermet")},
        ),
    )
    inlines = [OfficeMembershipInline, CountyMembershipInline, ProviderMembershipInline]


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["number", "norwegian_name", "county", "population"]
    list_filter = ["county"]
    search_fields = ["number", "name"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "county"]
    list_filter = ["county"]
    search_fields = ["number", "name"]
    filter_horizontal = ["municipalities"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "orgnr"]
    search_fields = ["name", "orgnr"]
