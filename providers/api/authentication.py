"""How the provider API knows who calls: a provider's API key, sent as
`Authorization: Bearer <key>`, and nothing else. Staff logins (session or staff token) do not
open the provider API, and a provider key does not open the staff API (which reads only
`Token` keys and sessions).

A key acts on behalf of the person who made it, within the key's own provider only: the
services record that person as the actor. A key whose maker has left the provider (or been
deactivated) stops working, as their login does.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from org.access import Scope, scope_for
from org.models import User
from providers.models import ProviderApiToken
from providers.services import api_token_authenticate

KEYWORD = b"bearer"


def _refused() -> AuthenticationFailed:
    return AuthenticationFailed(
        _("API-nøkkelen er ugyldig eller trukket tilbake."), code="invalid_token"
    )


class ProviderTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ProviderApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None  # no key: answered 401 by the permission, with code NOT_AUTHENTICATED
        if len(parts) != 2:
            raise _refused()
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise _refused() from None
        token = api_token_authenticate(key)
        if token is None:
            raise _refused()
        maker = token.created_by
        if not maker.is_active or token.provider_id not in scope_for(maker).provider_ids:
            raise AuthenticationFailed(
                _(
                    "Den som lagde API-nøkkelen, er ikke lenger knyttet til arrangøren. "
                    "Lag en ny nøkkel."
                ),
                code="key_owner_left",
            )
        return maker, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when the key is missing or refused.
        return 'Bearer realm="provider-api"'


class HasProviderToken(BasePermission):
    """Only a request authenticated with a provider key passes."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, ProviderApiToken)


def provider_token(request: Request) -> ProviderApiToken:
    token = request.auth
    assert isinstance(token, ProviderApiToken)  # HasProviderToken has let only keys through
    return token


def provider_scope(request: Request) -> Scope:
    """What a key may see: its own provider's offerings and participants, and nothing that its
    maker's other memberships (say, an intake team) would open."""
    token = provider_token(request)
    return Scope(user_id=token.created_by_id, provider_ids=frozenset({token.provider_id}))


def provider_actor(request: Request) -> User:
    """The key's maker, who the services record as the actor."""
    return provider_token(request).created_by


class ProviderTokenScheme(OpenApiAuthenticationExtension):
    target_class = ProviderTokenAuthentication
    name = "providerKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        definition: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="AUTHORIZATION",
            token_prefix="Bearer",  # noqa: S106 (a scheme name)
        )
        definition["description"] = (
            "A provider's API key, made on the page Tiltak → API-nøkler. Shown once when made."
        )
        return definition
