"""Who the provider API lets in: a provider's API key as `Authorization: Bearer`, and nothing
else. Staff logins don't open it, and a provider key doesn't open the staff API."""

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from org.models import ProviderMembership
from providers.services import api_token_revoke
from tests.providers.support import offering_with_free_places, provider_client

pytestmark = pytest.mark.django_db

OFFERINGS = "/api/provider/offerings/"


def test_a_valid_key_opens_the_api_and_is_marked_as_used(personas):
    client, token = provider_client(personas.provider_user_p, personas.provider_p)

    response = client.get(OFFERINGS)

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "NOT_AUTHENTICATED"),
        ("Bearer", "INVALID_TOKEN"),
        ("Bearer not-a-key", "INVALID_TOKEN"),
        ("Bearer two parts", "INVALID_TOKEN"),
    ],
)
def test_a_missing_or_wrong_key_is_401_with_a_code(personas, header, code):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(OFFERINGS)

    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_is_401(personas):
    client, token = provider_client(personas.provider_user_p, personas.provider_p)
    api_token_revoke(actor=personas.provider_user_p, token_id=token.pk)

    response = client.get(OFFERINGS)

    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_TOKEN"


def test_a_key_stops_working_when_its_maker_leaves_the_provider(personas):
    client, _token = provider_client(personas.provider_user_p, personas.provider_p)
    ProviderMembership.objects.filter(user=personas.provider_user_p).delete()

    response = client.get(OFFERINGS)

    assert response.status_code == 401
    assert response.json()["code"] == "KEY_OWNER_LEFT"


def test_staff_logins_do_not_open_the_provider_api(personas):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p)
    session = APIClient()
    session.force_login(personas.provider_user_p)
    staff_token = APIClient()
    key = Token.objects.create(user=personas.provider_user_p).key
    staff_token.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    for client in (session, staff_token):
        assert client.get(OFFERINGS).status_code == 401
        response = client.post(
            f"/api/provider/offerings/{offering.pk}/capacity-reports/",
            {"free_places": 1, "free_from": timezone.localdate().isoformat()},
            format="json",
        )
        assert response.status_code == 401
        assert client.get("/api/provider/participants/").status_code == 401


def test_a_provider_key_does_not_open_the_staff_api(personas):
    client, _token = provider_client(personas.provider_user_p, personas.provider_p)

    for path in ("/api/persons/", "/api/referrals/", "/api/waitlists/50/ARBFORB/"):
        response = client.get(path)
        assert response.status_code == 401, path
