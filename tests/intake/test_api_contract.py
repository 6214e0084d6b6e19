"""What holds for the whole API: the error body, strict input, authentication, and the
OpenAPI schema with its docs page served from our own static files."""

import re
from io import StringIO

import pytest
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PersonFactory, ReferralFactory
from tests.intake.api_support import api_client

pytestmark = pytest.mark.django_db


def codes(response):
    return {name: [e["code"] for e in errors] for name, errors in response.json()["fields"].items()}


def test_unknown_fields_are_refused_each_with_its_code(personas):
    person = PersonFactory.create(office=personas.office_a)

    response = api_client(personas.caseworker_a).patch(
        f"/api/persons/{person.pk}/", {"version": 1, "shoe_size": 44, "office": 1}
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "INVALID"
    assert body["message"]
    assert codes(response) == {"shoe_size": ["unknown"], "office": ["unknown"]}
    person.refresh_from_db()
    assert person.version == 1


def test_wrong_types_are_refused_each_with_its_code(personas):
    response = api_client(personas.caseworker_a).post(
        "/api/persons/",
        {
            "fodselsnummer": 17059012345,
            "first_name": ["Ola"],
            "home_municipality_id": "9999",
            "office_id": "Midtbyen",
            "needs": "RUS",
            "max_travel_km": "langt",
            "job_seeker_since": "i fjor",
            "benefit": "LOTTO",
            "nickname": "Ola",
        },
    )

    assert response.status_code == 400
    assert codes(response) == {
        "fodselsnummer": ["invalid"],
        "first_name": ["invalid"],
        "last_name": ["required"],
        "home_municipality_id": ["does_not_exist"],
        "office_id": ["incorrect_type"],
        "needs": ["not_a_list"],
        "max_travel_km": ["invalid"],
        "job_seeker_since": ["invalid"],
        "benefit": ["invalid_choice"],
        "nickname": ["unknown"],
    }


def test_an_item_of_a_list_is_named_by_its_index(personas):
    person = PersonFactory.create(office=personas.office_a)

    response = api_client(personas.caseworker_a).patch(
        f"/api/persons/{person.pk}/", {"version": 1, "needs": ["RUS", "HOYDESKREKK"]}
    )

    assert codes(response) == {"needs.1": ["invalid_choice"]}


def test_an_action_without_a_version_or_with_null_is_refused(personas):
    referral = ReferralFactory.create(
        person=PersonFactory.create(office=personas.office_a), status="KLADD"
    )
    client = api_client(personas.caseworker_a)

    assert codes(client.post(f"/api/referrals/{referral.pk}/submit/", {})) == {
        "version": ["required"]
    }
    assert codes(client.post(f"/api/referrals/{referral.pk}/submit/", {"version": None})) == {
        "version": ["null"]
    }
    assert codes(client.post(f"/api/referrals/{referral.pk}/submit/", {"version": "en"})) == {
        "version": ["invalid"]
    }


def test_a_body_that_is_not_an_object_is_refused(personas):
    response = api_client(personas.caseworker_a).post("/api/persons/", ["Ola"])

    assert response.status_code == 400
    assert codes(response) == {"non_field_errors": ["invalid"]}


def test_malformed_json_is_refused_with_a_code(personas):
    client = api_client(personas.caseworker_a)

    response = client.post("/api/persons/", '{"first_name": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "PARSE_ERROR"
    assert response.json()["fields"] == {}


def test_create_api_token_prints_a_token_that_opens_the_api(personas):
    out = StringIO()
    call_command("create_api_token", "caseworker_a", stdout=out)
    token = out.getvalue().strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.get("/api/persons/")

    assert re.fullmatch(r"[0-9a-f]{40}", token)
    assert response.status_code == 200
    again = StringIO()
    call_command("create_api_token", "caseworker_a", stdout=again)
    assert again.getvalue().strip() == token


def test_a_rotated_token_replaces_the_old_one(personas):
    old = Token.objects.create(user=personas.caseworker_a).key
    out = StringIO()

    call_command("create_api_token", "caseworker_a", "--rotate", stdout=out)

    new = out.getvalue().strip()
    assert new != old
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert client.get("/api/persons/").status_code == 401


def test_create_api_token_refuses_unknown_and_inactive_users(personas):
    personas.nobody.is_active = False
    personas.nobody.save()

    for username in ("finnes_ikke", "nobody"):
        with pytest.raises(CommandError):
            call_command("create_api_token", username, stdout=StringIO())
    assert not Token.objects.exists()


def test_a_wrong_token_or_none_answers_401(personas):
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    anonymous = APIClient()

    refused = wrong.get("/api/persons/")
    missing = anonymous.get("/api/referrals/")

    assert refused.status_code == 401
    assert refused.json()["code"] == "AUTHENTICATION_FAILED"
    assert refused["WWW-Authenticate"] == "Token"
    assert missing.status_code == 401
    assert missing.json()["code"] == "NOT_AUTHENTICATED"


def test_a_logged_in_session_works_too(client, personas):
    PersonFactory.create(office=personas.office_a)
    client.force_login(personas.caseworker_a)

    response = client.get("/api/persons/")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_the_schema_describes_the_intake_api(client, personas):
    client.force_login(personas.caseworker_a)

    schema = client.get("/api/schema/", {"format": "json"}).json()

    for path in [
        "/api/persons/",
        "/api/persons/{person_id}/",
        "/api/persons/{person_id}/documents/",
        "/api/persons/{person_id}/documents/cv/",
        "/api/persons/{person_id}/documents/assessments/",
        "/api/persons/{person_id}/documents/activity-plan/",
        "/api/referrals/",
        "/api/referrals/{referral_id}/",
        "/api/referrals/{referral_id}/gate/",
        "/api/referrals/{referral_id}/history/",
        "/api/referrals/{referral_id}/submit/",
        "/api/referrals/{referral_id}/approve/",
        "/api/referrals/{referral_id}/return/",
        "/api/referrals/{referral_id}/decline/",
        "/api/referrals/{referral_id}/withdraw/",
        "/api/waitlists/{county_number}/{programme_type_code}/",
    ]:
        assert path in schema["paths"], path
    submit = schema["paths"]["/api/referrals/{referral_id}/submit/"]["post"]
    assert set(submit["responses"]) >= {"200", "400", "404", "409"}
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_docs_page_loads_its_scripts_and_styles_from_our_own_static_files(client, personas):
    client.force_login(personas.caseworker_a)

    html = client.get("/api/docs/").content.decode()

    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert not re.search(r"https?://", html)
    for cdn in ("jsdelivr", "unpkg", "cdnjs", "googleapis"):
        assert cdn not in html
