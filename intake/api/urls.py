"""Routes of the intake REST API, under /api/. Persons and referrals are named by their id,
never by the fødselsnummer (DOMAIN.md section 10)."""

from django.urls import path

from intake.api import views

urlpatterns = [
    path("persons/", views.PersonListApi.as_view(), name="api-person-list"),
    path("persons/<int:person_id>/", views.PersonDetailApi.as_view(), name="api-person-detail"),
    path(
        "persons/<int:person_id>/documents/",
        views.PersonDocumentsApi.as_view(),
        name="api-person-documents",
    ),
    path(
        "persons/<int:person_id>/documents/cv/",
        views.PersonCVApi.as_view(),
        name="api-person-cv",
    ),
    path(
        "persons/<int:person_id>/documents/assessments/",
        views.PersonAssessmentsApi.as_view(),
        name="api-person-assessments",
    ),
    path(
        "persons/<int:person_id>/documents/activity-plan/",
        views.PersonActivityPlanApi.as_view(),
        name="api-person-activity-plan",
    ),
    path("referrals/", views.ReferralListApi.as_view(), name="api-referral-list"),
    path(
        "referrals/<int:referral_id>/",
        views.ReferralDetailApi.as_view(),
        name="api-referral-detail",
    ),
    path(
        "referrals/<int:referral_id>/gate/",
        views.ReferralGateApi.as_view(),
        name="api-referral-gate",
    ),
    path(
        "referrals/<int:referral_id>/history/",
        views.ReferralHistoryApi.as_view(),
        name="api-referral-history",
    ),
    path(
        "referrals/<int:referral_id>/submit/",
        views.ReferralSubmitApi.as_view(),
        name="api-referral-submit",
    ),
    path(
        "referrals/<int:referral_id>/approve/",
        views.ReferralApproveApi.as_view(),
        name="api-referral-approve",
    ),
    path(
        "referrals/<int:referral_id>/return/",
        views.ReferralReturnApi.as_view(),
        name="api-referral-return",
    ),
    path(
        "referrals/<int:referral_id>/decline/",
        views.ReferralDeclineApi.as_view(),
        name="api-referral-decline",
    ),
    path(
        "referrals/<int:referral_id>/withdraw/",
        views.ReferralWithdrawApi.as_view(),
        name="api-referral-withdraw",
    ),
    path(
        "referrals/<int:referral_id>/assign/",
        views.ReferralAssignApi.as_view(),
        name="api-referral-assign",
    ),
    path(
        "placements/<int:placement_id>/not-started/",
        views.PlacementNotStartedApi.as_view(),
        name="api-placement-not-started",
    ),
    path(
        "waitlists/<str:county_number>/<str:programme_type_code>/",
        views.WaitlistApi.as_view(),
        name="api-waitlist",
    ),
]
