"""Routes of the intake team's pages (review queue, waitlists)."""

from django.urls import path

from intake.views import waitlists

urlpatterns = [
    path("ventelister/", waitlists.waitlist_overview, name="waitlist-overview"),
    path(
        "ventelister/<str:county_number>/<int:programme_type_id>/",
        waitlists.waitlist_detail,
        name="waitlist-detail",
    ),
]
