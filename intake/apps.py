from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Inntak")

    def ready(self) -> None:
        # The providers app announces new free places; intake listens (ARCHITECTURE.md).
        from intake.services.placements import on_capacity_reported
        from providers.signals import capacity_reported

        capacity_reported.connect(on_capacity_reported, dispatch_uid="intake.capacity_reported")
