from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.security import SESSION_STARTED_KEY
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


# Session lifetime: idle (SESSION_COOKIE_AGE, renewed on each request) and absolute.
def test_idle_session_sends_user_back_to_login(client, personas):
    client.force_login(personas.caseworker_a)
    assert client.get(reverse("home")).status_code == 200
    # What an idle session looks like on the server once SESSION_COOKIE_AGE has passed.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_busy_session_still_ends_a_working_day_after_sign_in(client, personas, settings):
    client.force_login(personas.caseworker_a)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    started = session[SESSION_STARTED_KEY]
    session[SESSION_STARTED_KEY] = started - settings.SESSION_ABSOLUTE_AGE - 1
    session.save()
    response = client.get(reverse("person-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_idle_limit_is_shorter_than_the_absolute_limit(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= settings.SESSION_ABSOLUTE_AGE <= 8 * 60 * 60


# Login throttling (django-axes): five wrong passwords per username and address.
def _login(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _lock_out(client, username: str = "caseworker_a", **extra) -> None:
    for _ in range(5):
        _login(client, username, "feil-passord", **extra)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, personas):
    for attempt in range(4):
        assert _login(client, "caseworker_a", "feil-passord").status_code == 200, attempt
    response = _login(client, "caseworker_a", "feil-passord")
    assert response.status_code == 429
    response = _login(client, "caseworker_a", PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Innloggingen er midlertidig sperret" in body
    assert "Vent 15 minutter" in body
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_touch_other_users(client, personas):
    _lock_out(client)
    response = _login(client, "caseworker_b", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(personas.caseworker_b.pk)


def test_a_lockout_ends_after_the_cool_off(client, personas):
    _lock_out(client)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _login(client, "caseworker_a", PASSWORD).status_code == 302


def test_a_successful_login_clears_the_count(client, personas):
    for _ in range(4):
        _login(client, "caseworker_a", "feil-passord")
    assert _login(client, "caseworker_a", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        _login(client, "caseworker_a", "feil-passord")
    assert _login(client, "caseworker_a", PASSWORD).status_code == 302


def test_forwarded_for_is_ignored_without_a_configured_proxy(client, personas):
    for n in range(5):
        _login(client, "caseworker_a", "feil-passord", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = _login(client, "caseworker_a", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert response.status_code == 429


def test_behind_a_configured_proxy_the_forwarded_client_is_counted(client, personas, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    _lock_out(client, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert (
        _login(client, "caseworker_a", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code
        == 429
    )
    # The same username from another office's address is not locked out.
    response = _login(client, "caseworker_a", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert response.status_code == 302


def test_the_administrator_lifts_a_lockout_in_the_admin(client, personas):
    _lock_out(client)
    attempt = AccessAttempt.objects.get(username="caseworker_a")
    admin_client = Client()
    admin_client.force_login(personas.admin)
    listing = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "caseworker_a" in listing.content.decode()
    response = admin_client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert _login(client, "caseworker_a", PASSWORD).status_code == 302


def test_only_administrators_see_the_lockouts(client, personas):
    _lock_out(client)
    staff = personas.intake_x
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    other = Client()
    other.force_login(staff)
    response = other.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 302
    assert "caseworker_a" not in response.content.decode()
