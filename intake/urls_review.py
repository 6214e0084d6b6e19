"""Routes of the intake team's pages (review queue, one referral's review, waitlists)."""

from django.urls import path

from intake.views import review, waitlists

urlpatterns = [
    path("vurdering/", review.review_queue, name="review-queue"),
    path("vurdering/handling/", review.review_bulk, name="review-bulk"),
    path("vurdering/<int:referral_id>/", review.review_detail, name="review-detail"),
    path("vurdering/<int:referral_id>/godkjenn/", review.review_approve, name="review-approve"),
    path("vurdering/<int:referral_id>/returner/", review.review_return, name="review-return"),
    path("vurdering/<int:referral_id>/avslag/", review.review_decline, name="review-decline"),
    path("ventelister/", waitlists.waitlist_overview, name="waitlist-overview"),
    path(
        "ventelister/<str:county_number>/<int:programme_type_id>/",
        waitlists.waitlist_detail,
        name="waitlist-detail",
    ),
]
