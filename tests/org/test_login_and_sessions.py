import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_in_norwegian_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Logg inn i Inntak" in response.content.decode()


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_wrong_password_gets_a_friendly_message(client, personas):
    response = client.post(
        reverse("login"), {"username": "caseworker_a", "password": "feil-passord"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Feil brukernavn eller passord" in body
    assert "Traceback" not in body
    assert "_auth_user_id" not in client.session


def test_right_password_reaches_the_landing_page(client, personas):
    response = client.post(
        reverse("login"), {"username": "caseworker_a", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Nav Midtbyen" in response.content.decode()


def test_expired_session_sends_user_back_to_login(client, personas):
    client.force_login(personas.caseworker_a)
    assert client.get(reverse("home")).status_code == 200
    Session.objects.all().delete()  # what expiry does on the server side
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_session_expires_after_a_working_day_and_at_browser_close(settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_missing_csrf_token_gets_the_friendly_page_and_changes_nothing(personas):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "caseworker_a", "password": PASSWORD})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Skjemaet er utløpt" in body
    assert "Traceback" not in body
    assert "_auth_user_id" not in client.session


def test_logout_needs_post_and_ends_the_session(client, personas):
    client.force_login(personas.caseworker_a)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_language_switch_to_english_and_back(client, personas):
    client.force_login(personas.caseworker_a)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Your portfolio" in body
    assert "Log out" in body
    response = client.post(reverse("set_language"), {"language": "nb", "next": "/"}, follow=True)
    assert "Din portefølje" in response.content.decode()


def test_unknown_page_gets_the_friendly_404(client, personas):
    client.force_login(personas.caseworker_a)
    response = client.get("/finnes-ikke/")
    assert response.status_code == 404
    assert "Fant ikke siden" in response.content.decode()


def test_browser_language_does_not_override_norwegian_default(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Logg inn i Inntak" in response.content.decode()
    assert response["Content-Language"] == "nb"
