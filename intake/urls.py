from django.urls import path

from intake import views

urlpatterns = [
    path("brukere/", views.person_list, name="person-list"),
    path("brukere/<int:person_id>/", views.person_detail, name="person-detail"),
    path("ventelister/", views.waitlist_overview, name="waitlist-overview"),
    path(
        "ventelister/<str:county_number>/<int:programme_type_id>/",
        views.waitlist_detail,
        name="waitlist-detail",
    ),
    path("henvisninger/<int:referral_id>/", views.referral_detail, name="referral-detail"),
]
