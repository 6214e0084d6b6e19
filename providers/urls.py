from django.urls import path

from providers import urls_manage, views

urlpatterns = [
    path("tiltak/", views.offering_list, name="offering-list"),
    path("tiltak/<int:offering_id>/", views.offering_detail, name="offering-detail"),
]

urlpatterns += urls_manage.urlpatterns
