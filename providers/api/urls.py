"""Routes of the provider API (a provider's API key), under /api/provider/."""

from django.urls import path

from providers.api import views

urlpatterns = [
    path("offerings/", views.OfferingListApi.as_view(), name="provider-api-offering-list"),
    path(
        "offerings/<int:offering_id>/capacity-reports/",
        views.CapacityReportListApi.as_view(),
        name="provider-api-capacity-reports",
    ),
]
