"""The admin site: configuration for administrators, never a back door to persons' data.

Django lets any staff user into the admin; here only administrators (superusers, as
org.access decides) may sign in or see any admin page. Everyone else is sent to the admin's
sign-in page, which says they lack access."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from org.access import scope_for
from org.models import User


class AdministratorAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Oppgi brukernavn og passord for en administrator. Begge feltene skiller mellom "
            "store og små bokstaver."
        ),
    }

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if not scope_for(user).is_admin:
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class InntakAdminSite(admin.AdminSite):
    login_form = AdministratorAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return scope_for(request.user).is_admin
