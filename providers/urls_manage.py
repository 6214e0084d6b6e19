"""Routes of the offering and provider management pages (administrators, intake teams)."""

from django.urls import path

from providers import views_manage

urlpatterns = [
    path("tiltak/forvaltning/", views_manage.manage_offering_list, name="manage-offering-list"),
    path(
        "tiltak/forvaltning/ny/",
        views_manage.manage_offering_create,
        name="manage-offering-create",
    ),
    path(
        "tiltak/forvaltning/<int:offering_id>/",
        views_manage.manage_offering_edit,
        name="manage-offering-edit",
    ),
    path(
        "tiltak/forvaltning/<int:offering_id>/stengt/",
        views_manage.manage_closed_period_add,
        name="manage-closed-period-add",
    ),
    path(
        "tiltak/forvaltning/arrangor/ny/",
        views_manage.manage_provider_create,
        name="manage-provider-create",
    ),
]
