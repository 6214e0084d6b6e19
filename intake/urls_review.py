"""Routes of the intake team's pages (review queue, one referral's review, waitlists, giving
places, places given and not started, the capacity overview, and matching)."""

from django.urls import path

from intake.views import capacity, exports, matching, placements, review, waitlists

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
    path(
        "ventelister/<str:county_number>/<int:programme_type_id>/eksport.<str:fmt>",
        exports.waitlist_export,
        name="waitlist-export",
    ),
    path("plasser/", placements.placement_list, name="placement-list"),
    path(
        "plasser/<int:placement_id>/ikke-startet/",
        placements.placement_not_started,
        name="placement-not-started",
    ),
    path("kapasitet/", capacity.capacity_overview, name="capacity-overview"),
    path("kapasitet/nye-plasser/sett/", capacity.capacity_mark_seen, name="capacity-mark-seen"),
    path("kapasitet/eksport.<str:fmt>", exports.capacity_export, name="capacity-export"),
    path("matching/", matching.matching_overview, name="matching-overview"),
    # Before the list's own routes, whose county number would swallow "forslag".
    path(
        "matching/forslag/<int:proposal_id>/bekreft/",
        matching.matching_confirm,
        name="matching-confirm",
    ),
    path(
        "matching/forslag/<int:proposal_id>/avvis/",
        matching.matching_reject,
        name="matching-reject",
    ),
    path(
        "matching/<str:county_number>/<int:programme_type_id>/",
        matching.matching_list,
        name="matching-list",
    ),
    path(
        "matching/<str:county_number>/<int:programme_type_id>/handling/",
        matching.matching_bulk,
        name="matching-bulk",
    ),
    path(
        "matching/<str:county_number>/<int:programme_type_id>/kjor/",
        matching.matching_run_now,
        name="matching-run",
    ),
    path(
        "matching/<str:county_number>/<int:programme_type_id>/kjoring/<str:token>/",
        matching.matching_run_status,
        name="matching-run-status",
    ),
    path(
        "matching/<str:county_number>/<int:programme_type_id>/historikk/",
        matching.matching_history,
        name="matching-history",
    ),
    path(
        "matching/<str:county_number>/<int:programme_type_id>/hva-om/",
        matching.matching_what_if,
        name="matching-what-if",
    ),
]
