"""Routes of the provider API's participant endpoints (a provider's API key), under
/api/provider/."""

from django.urls import path

from intake.api_provider import views

urlpatterns = [
    path("participants/", views.ParticipantListApi.as_view(), name="provider-api-participants"),
    path(
        "participants/<int:placement_id>/start/",
        views.ParticipantStartApi.as_view(),
        name="provider-api-participant-start",
    ),
    path(
        "participants/<int:placement_id>/end/",
        views.ParticipantEndApi.as_view(),
        name="provider-api-participant-end",
    ),
    path(
        "participants/<int:placement_id>/not-started/",
        views.ParticipantNotStartedApi.as_view(),
        name="provider-api-participant-not-started",
    ),
]
