from django.urls import path

from portfolio import views_dashboard as views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("eksport/<slug:section>.csv", views.dashboard_export, name="dashboard-export"),
]
