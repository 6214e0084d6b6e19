"""Routes of the caseworker's pages (persons, documents, referrals, notifications). Ids only in
addresses: never a fødselsnummer or a name."""

from django.urls import path

from intake.views import documents, persons, referrals

urlpatterns = [
    path("brukere/", persons.person_list, name="person-list"),
    path("brukere/ny/", persons.person_create, name="person-create"),
    path("brukere/<int:person_id>/", persons.person_detail, name="person-detail"),
    path("brukere/<int:person_id>/endre/", persons.person_update, name="person-update"),
    path("brukere/<int:person_id>/cv/", documents.cv_save, name="person-cv"),
    path(
        "brukere/<int:person_id>/arbeidsevnevurdering/",
        documents.assessment_add,
        name="person-assessment",
    ),
    path(
        "brukere/<int:person_id>/aktivitetsplan/",
        documents.activity_plan_save,
        name="person-activity-plan",
    ),
    path("vedlegg/<int:attachment_id>/", documents.document_attachment, name="document-attachment"),
    path(
        "brukere/<int:person_id>/henvisninger/ny/",
        referrals.referral_create,
        name="referral-create",
    ),
    path(
        "brukere/<int:person_id>/henvisninger/kontroll/",
        referrals.referral_gate_preview,
        name="referral-gate-preview",
    ),
    path("henvisninger/", referrals.caseworker_referrals, name="caseworker-referrals"),
    path("henvisninger/<int:referral_id>/", referrals.referral_detail, name="referral-detail"),
    path(
        "henvisninger/<int:referral_id>/endre/",
        referrals.referral_update,
        name="referral-update",
    ),
    path(
        "henvisninger/<int:referral_id>/kontroll/",
        referrals.referral_gate_preview_existing,
        name="referral-gate-preview-existing",
    ),
    path(
        "henvisninger/<int:referral_id>/trekk/",
        referrals.referral_withdraw,
        name="referral-withdraw",
    ),
    path("varsler/", referrals.notification_list, name="notification-list"),
    path("varsler/lest/", referrals.notifications_mark_read, name="notifications-mark-read"),
]
