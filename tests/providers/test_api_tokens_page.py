"""The page where a provider makes and revokes its API keys: the key is shown once; the list
shows the prefix, name, when made and last used, and whether revoked."""

import pytest

from providers.models import ProviderApiToken
from providers.services import api_token_authenticate
from tests.providers.support import provider_client

pytestmark = pytest.mark.django_db

PAGE = "/tiltak/api-nokler/"


def test_a_new_key_is_shown_once_and_works(client, personas):
    client.force_login(personas.provider_user_p)

    response = client.post(PAGE, {"name": "Fagsystemet", "provider": personas.provider_p.pk})

    assert response.status_code == 200
    key = response.context["new_key"]
    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ProviderApiToken.objects.get()
    assert (token.name, token.provider, token.prefix) == (
        "Fagsystemet",
        personas.provider_p,
        key[:8],
    )
    assert api_token_authenticate(key) == token
    again = client.get(PAGE).content.decode()
    assert key not in again
    assert token.prefix in again
    assert "Fagsystemet" in again


def test_a_key_can_be_revoked_and_stops_working(client, personas):
    api, token = provider_client(personas.provider_user_p, personas.provider_p)
    client.force_login(personas.provider_user_p)

    response = client.post(f"{PAGE}{token.pk}/trekk-tilbake/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Trukket tilbake" in client.get(PAGE).content.decode()
    assert api.get("/api/provider/offerings/").status_code == 401


def test_a_provider_sees_and_revokes_only_their_own_keys(client, personas):
    _api, token_p = provider_client(personas.provider_user_p, personas.provider_p)
    client.force_login(personas.provider_user_q)

    assert list(client.get(PAGE).context["tokens"]) == []
    assert client.post(f"{PAGE}{token_p.pk}/trekk-tilbake/").status_code == 404
    token_p.refresh_from_db()
    assert token_p.revoked_at is None


def test_a_key_for_someone_elses_provider_is_refused(client, personas):
    client.force_login(personas.provider_user_q)

    response = client.post(PAGE, {"name": "Lureri", "provider": personas.provider_p.pk})

    assert response.status_code == 400
    assert not ProviderApiToken.objects.exists()


def test_the_page_is_for_providers_only(client, personas):
    client.force_login(personas.intake_x)

    assert client.get(PAGE).status_code == 404
