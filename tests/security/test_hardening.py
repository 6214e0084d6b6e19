"""Hardening (issue 7 item 4): the content security policy and pages that live within it,
production's transport and cookie settings, the admin for administrators only, and the guard
that keeps fødselsnummer out of URLs, logs, error pages and task arguments."""

import datetime
import json
import logging
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from tests.conftest import PASSWORD, ROOT
from tests.factories import make_fodselsnummer
from tests.intake.review_world import ready_person, submitted
from tests.security import fnr_guard
from tests.security.fnr_guard import active_collector, find_fodselsnummer, mask

pytestmark = pytest.mark.django_db

# Every role's main pages, by URL name.
ROLE_PAGES = {
    "caseworker_a": [
        "home",
        "person-list",
        "person-create",
        "portfolio-list",
        "caseworker-referrals",
        "notification-list",
    ],
    "office_leader_a": ["home", "dashboard", "person-list", "portfolio-list"],
    "intake_x": [
        "home",
        "review-queue",
        "waitlist-overview",
        "matching-overview",
        "capacity-overview",
        "placement-list",
        "offering-list",
    ],
    "county_leader_x": ["home", "dashboard", "review-queue", "capacity-overview"],
    "provider_user_p": ["home", "offering-list", "provider-participants"],
    "admin": ["home", "admin:index", "admin:org_user_changelist", "api-docs"],
}

_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_INLINE_ATTRIBUTE = re.compile(r"\s(on[a-z]+|hx-on[\w:.-]*|style)\s*=", re.IGNORECASE)
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """What a strict policy would block: inline <script> and <style>, event handler, hx-on and
    style attributes."""
    found = [match.group(0) for match in _INLINE_SCRIPT.finditer(html)]
    found += re.findall(r"<style[^>]*>", html, re.IGNORECASE)
    found += [tag for tag in _TAG.findall(html) if _INLINE_ATTRIBUTE.search(tag)]
    return found


def assert_strict_policy(response) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, _, value = part.partition(" ")
        directives[name] = value
    assert directives.get("default-src") == "'self'"
    assert directives.get("script-src") == "'self'"
    assert directives.get("style-src") == "'self'"
    assert directives.get("object-src") == "'none'"
    assert directives.get("frame-ancestors") == "'none'"
    assert directives.get("form-action") == "'self'"
    assert directives.get("base-uri") == "'self'"


def test_the_policy_is_strict_and_on_every_page(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_strict_policy(response)
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize("role", sorted(ROLE_PAGES))
def test_every_roles_main_pages_have_no_inline_script_or_style(client, personas, role):
    if role == "caseworker_a":
        submitted(personas.caseworker_a)  # a referral, a person and history to show
    client.force_login(getattr(personas, role))
    for name in ROLE_PAGES[role]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_strict_policy(response)
        assert inline_code(response.content.decode()) == [], name


def test_detail_pages_and_charts_have_no_inline_script_or_style(client, personas):
    referral = submitted(personas.caseworker_a)
    pages = [
        (personas.caseworker_a, reverse("person-detail", args=[referral.person_id])),
        (personas.caseworker_a, reverse("referral-detail", args=[referral.pk])),
        (personas.caseworker_a, reverse("referral-create", args=[referral.person_id])),
        (personas.intake_x, reverse("review-detail", args=[referral.pk])),
        (personas.county_leader_x, reverse("dashboard")),
    ]
    for user, url in pages:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url
    assert "<svg" in response.content.decode()  # the dashboard's charts are checked too


def test_forms_are_sent_once_by_the_static_script(client, personas):
    person = ready_person(caseworker=personas.caseworker_a)
    client.force_login(personas.caseworker_a)
    body = client.get(reverse("referral-create", args=[person.pk])).content.decode()
    assert "data-submit-once" in body
    assert "js/inntak.js" in body
    script = (ROOT / "static" / "js" / "inntak.js").read_text()
    assert "data-submit-once" in script


def test_htmx_injects_no_style_and_evaluates_no_code(client, personas):
    client.force_login(personas.caseworker_a)
    body = client.get(reverse("home")).content.decode()
    match = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", body)
    assert match, "htmx must be configured by a meta tag"
    config = json.loads(match.group(1))
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    css = (ROOT / "static" / "css" / "inntak.css").read_text()
    assert ".htmx-indicator" in css


def test_api_docs_load_their_script_from_a_url_not_inline(client, personas):
    client.force_login(personas.caseworker_a)
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    assert inline_code(page.content.decode()) == []
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_500_page_has_no_inline_style(client):
    html = (ROOT / "templates" / "500.html").read_text()
    assert inline_code(html) == []


# Production settings: read in a fresh process with DEBUG off, as CI does.
def _production_env() -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "inntak.example.no",
    }


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_uses_hsts_and_secure_httponly_cookies():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) "
        "for k in ['SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT',"
        " 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE',"
        " 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY', 'CSRF_COOKIE_SAMESITE',"
        " 'SESSION_COOKIE_AGE', 'SESSION_ABSOLUTE_AGE', 'SESSION_EXPIRE_AT_BROWSER_CLOSE']}))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    for name in ("SESSION_COOKIE", "CSRF_COOKIE"):
        assert values[f"{name}_SECURE"] is True
        assert values[f"{name}_HTTPONLY"] is True
        assert values[f"{name}_SAMESITE"] == "Lax"
    assert values["SESSION_COOKIE_AGE"] <= values["SESSION_ABSOLUTE_AGE"] <= 8 * 60 * 60
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True


def test_hsts_header_is_sent_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("login"), secure=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response.headers["Strict-Transport-Security"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# The admin: administrators (superusers) only.
def test_staff_who_are_not_administrators_never_see_the_admin(client, personas):
    staff = personas.intake_x
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)
    for url in (reverse("admin:index"), reverse("admin:org_user_changelist")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login"))
    page = client.get(reverse("admin:login")).content.decode()
    assert "org_user" not in page
    assert "/admin/org/" not in page


def test_staff_who_are_not_administrators_cannot_sign_in_to_the_admin(client, personas):
    staff = personas.intake_x
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    response = client.post(
        reverse("admin:login"), {"username": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "administrator" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", ["caseworker_a", "intake_x", "provider_user_p", "nobody"])
def test_other_users_are_sent_to_sign_in_from_the_admin(client, personas, role):
    client.force_login(getattr(personas, role))
    response = client.get(reverse("admin:org_user_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_administrators_use_the_admin(client, personas):
    client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(personas.admin.pk)
    response = client.get(reverse("admin:org_user_changelist"))
    assert response.status_code == 200
    assert "caseworker_a" in response.content.decode()


# The fødselsnummer guard (tests/security/fnr_guard.py) itself.
def _planted() -> str:
    return make_fodselsnummer(datetime.date(1988, 3, 14))


def test_guard_finds_a_fodselsnummer_written_either_way_and_masks_it():
    number = _planted()
    assert find_fodselsnummer(f"søkte etter {number} i dag")
    spaced = f"{number[:6]} {number[6:]}"
    found = find_fodselsnummer(f"bruker {spaced}.")
    assert found
    assert number not in found[0] and spaced not in found[0]
    assert mask(number) in found[0]
    # Not a fødselsnummer: a wrong check digit, or part of a longer number.
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert find_fodselsnummer(f"tall {wrong}") == []
    assert find_fodselsnummer(f"tall 9{number}") == []


@celery_app.task(name="tests.security.echo")
def echo(value: str) -> str:
    return value


def test_guard_catches_a_planted_fodselsnummer_in_a_log_line_a_url_and_a_task(client):
    collector = active_collector()
    assert collector is not None
    number = _planted()
    logging.getLogger("inntak.test").warning("oppslag på %s", number)
    client.get(f"/brukere/{number}/")
    client.get("/brukere/", {"q": number})
    echo.delay(number)
    where = [finding.where for finding in collector.findings]
    assert any(w.startswith("log record") for w in where)
    assert any("path" in w for w in where)
    assert any("query string" in w for w in where)
    assert any("Celery task tests.security.echo" in w for w in where)
    assert all(number not in str(finding) for finding in collector.findings)
    collector.clear()  # planted on purpose: this test must not fail because of them


def test_guard_fails_the_test_and_names_where_without_the_number():
    collector = active_collector()
    assert collector is not None
    number = _planted()
    collector.scan("arguments of the Celery task intake.example when it ran", f"({number!r},)")
    check = fnr_guard.pytest_runtest_call(item=None)  # type: ignore[arg-type]
    next(check)  # the test itself runs here
    with pytest.raises(pytest.fail.Exception) as failure:
        check.send(None)
    assert "Celery task intake.example" in str(failure.value)
    assert number not in str(failure.value)
    collector.clear()
