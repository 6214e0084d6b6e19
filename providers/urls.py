from django.urls import path

from providers import urls_manage, views

urlpatterns = [
    path("tiltak/", views.offering_list, name="offering-list"),
    path("tiltak/<int:offering_id>/", views.offering_detail, name="offering-detail"),
    path("tiltak/api-nokler/", views.api_token_list, name="provider-api-tokens"),
    path(
        "tiltak/api-nokler/<int:token_id>/trekk-tilbake/",
        views.api_token_revoke,
        name="provider-api-token-revoke",
    ),
]

urlpatterns += urls_manage.urlpatterns
