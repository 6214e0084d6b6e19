"""Routes of the provider portal pages about participants."""

from django.urls import path

from intake.views import provider_portal

urlpatterns = [
    path("deltakere/", provider_portal.participant_list, name="provider-participants"),
    path(
        "deltakere/<int:placement_id>/oppstart/",
        provider_portal.participant_start,
        name="provider-participant-start",
    ),
    path(
        "deltakere/<int:placement_id>/avslutt/",
        provider_portal.participant_end,
        name="provider-participant-end",
    ),
    path(
        "deltakere/<int:placement_id>/ikke-startet/",
        provider_portal.participant_not_started,
        name="provider-participant-not-started",
    ),
]
