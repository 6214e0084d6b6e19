from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = _("Portefølje")

    def ready(self) -> None:
        # The intake app announces changes to a person; their flags follow after commit.
        from intake.signals import person_changed
        from portfolio.services.flags import on_person_changed

        person_changed.connect(on_person_changed, dispatch_uid="portfolio.person_changed")
