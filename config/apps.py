"""App configuration that Django imports while it loads the apps, so nothing here imports
models."""

from django.contrib.admin.apps import AdminConfig


class InntakAdminConfig(AdminConfig):
    """Django's admin, on a site that only administrators (superusers) may enter
    (config/admin.py)."""

    default_site = "config.admin.InntakAdminSite"
