from django.urls import path

from imports import views

urlpatterns = [
    path("", views.import_list, name="import-list"),
    path("<int:batch_id>/", views.import_detail, name="import-detail"),
    path("<int:batch_id>/kolonner/", views.import_map, name="import-map"),
    path("<int:batch_id>/importer/", views.import_apply, name="import-apply"),
    path("<int:batch_id>/fremdrift/", views.import_progress, name="import-progress"),
    path("<int:batch_id>/originalfil/", views.import_original, name="import-original"),
]
