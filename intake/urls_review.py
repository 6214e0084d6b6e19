"""Routes of the intake team's pages (review queue, one referral's review, waitlists, giving
places, places given and not started, and the capacity overview)."""

from django.urls import path

from intake.views import capacity, placements, review, waitlists

urlpatterns = [
    path("vurdering/", review.review_queue, name="review-queue"),
    path("vurdering/handling/", review.review_bulk, name="review-bulk"),
    path("vurdering/<int:referral_id>/", review.review_detail, name="review-detail"),
    path("vurdering/<int:referral_id>/godkjenn/", review.review_approve, name="review-approve"),
    path("vurdering/<int:referral_id>/returner/", review.review_return, name="review-return"),
    path("vurdering/<int:referral_id>/avslag/", review.review_decline, name="review-decline"),
    path("ventelister/", waitlists.waitlist_overview, name="waitlist-overview"),
    # Before the waitlist's own route, whose county number would swallow "tildel".
    path(
        "ventelister/tildel/<int:referral_id>/",
        placements.placement_assign,
        name="placement-assign",
    ),
    path(
        "ventelister/<str:county_number>/<int:programme_type_id>/",
        waitlists.waitlist_detail,
        name="waitlist-detail",
    ),
    path("plasser/", placements.placement_list, name="placement-list"),
    path(
        "plasser/<int:placement_id>/ikke-startet/",
        placements.placement_not_started,
        name="placement-not-started",
    ),
    path("kapasitet/", capacity.capacity_overview, name="capacity-overview"),
    path("kapasitet/nye-plasser/sett/", capacity.capacity_mark_seen, name="capacity-mark-seen"),
]
