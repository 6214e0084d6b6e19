"""Routes of the caseworker's pages (persons, documents, referrals)."""

from django.urls import path

from intake.views import persons, referrals

urlpatterns = [
    path("brukere/", persons.person_list, name="person-list"),
    path("brukere/<int:person_id>/", persons.person_detail, name="person-detail"),
    path("henvisninger/<int:referral_id>/", referrals.referral_detail, name="referral-detail"),
]
