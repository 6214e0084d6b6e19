"""Every demo login reaches its landing page, in Norwegian and after the switch in English."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from portfolio.demo_data import delete_demo_data

pytestmark = pytest.mark.django_db

DEMO_LOGINS = {
    # login: (a Norwegian phrase, an English phrase) on that role's landing page
    "veileder": ("Din portefølje", "Your portfolio"),
    "leder": ("Kontoret ditt", "Your office"),
    "inntak": ("Inntaksteamet", "The intake team"),
    "fylkesleder": ("Fylket ditt", "Your county"),
    "arrangor": ("Tiltaksarrangør", "Provider"),
    "admin": ("Til administrasjonen", "Go to administration"),
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", scale="demo", seed=1, today="2026-11-02", verbosity=0)
    yield
    with django_db_blocker.unblock():
        delete_demo_data()


@pytest.mark.parametrize("login", DEMO_LOGINS)
def test_demo_login_reaches_its_landing_page_in_both_languages(client, demo, login):
    norwegian, english = DEMO_LOGINS[login]
    response = client.post(
        reverse("login"), {"username": login, "password": "inntak-demo"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("home")
    assert norwegian in response.content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert english in response.content.decode()
