"""Routes of the access log, under /tilgangslogg/. Persons are named by id only; a search by
fødselsnummer is posted."""

from django.urls import path

from audit import views

urlpatterns = [
    path("", views.access_log, name="access-log"),
    path("bruker/<int:person_id>/", views.access_report, name="access-report"),
    path("bruker/<int:person_id>/innsyn.csv", views.access_report_csv, name="access-report-csv"),
]
