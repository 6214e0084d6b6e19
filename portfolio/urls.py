"""Routes of the portfolio pages, under /portefolje/. Ids only in addresses: never a
fødselsnummer or a name."""

from django.urls import path

from portfolio import views_portfolio as views

urlpatterns = [
    path("", views.portfolio_page, name="portfolio-list"),
    path("eksport.csv", views.portfolio_export, {"fmt": "csv"}, name="portfolio-export-csv"),
    path("eksport.xlsx", views.portfolio_export, {"fmt": "xlsx"}, name="portfolio-export-xlsx"),
    path("flagg/<int:flag_id>/", views.flag_detail, name="portfolio-flag"),
    path(
        "flagg/<int:flag_id>/henvisning/",
        views.flag_referral_started,
        name="portfolio-flag-referral",
    ),
    path("flagg/<int:flag_id>/ikke-relevant/", views.flag_dismiss, name="portfolio-flag-dismiss"),
    path("flagg/<int:flag_id>/se-igjen/", views.flag_snooze, name="portfolio-flag-snooze"),
    path("bruker/<int:person_id>/flagg/", views.person_flags, name="portfolio-person-flags"),
]
