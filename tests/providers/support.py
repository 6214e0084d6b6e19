"""What the provider tests share: offerings with free places reported the way a provider does
it, a client holding a provider's API key, and people given places by the intake team."""

import datetime
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from intake.models import Placement, Referral
from intake.services.placements import placement_assign
from org.models import Provider, User
from providers.models import Offering, ProviderApiToken
from providers.services import api_token_create, capacity_report
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory


def offering_with_free_places(
    provider: Provider, reporter: User, *, contracted: int = 10, free: int = 0, **values: Any
) -> Offering:
    offering = OfferingFactory.create(provider=provider, contracted_places=contracted, **values)
    if free:
        capacity_report(
            offering_id=offering.pk,
            free_places=free,
            free_from=timezone.localdate(),
            reported_by=reporter,
        )
        offering.refresh_from_db()
    return offering


def provider_client(user: User, provider: Provider) -> tuple[APIClient, ProviderApiToken]:
    """A client sending the provider's API key (made by `user`) as `Authorization: Bearer`."""
    token, key = api_token_create(actor=user, provider_id=provider.pk, name="Fagsystem")
    client = APIClient()
    client.default_format = "json"
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client, token


def waiting_referral(office: Any = None, days: int = 30, **person: Any) -> Referral:
    since = timezone.now() - datetime.timedelta(days=days)
    values: dict[str, Any] = {"waitlisted_at": since, "queue_since": since}
    if office is not None:
        person.setdefault("office", office)
    return ReferralFactory.create(person=PersonFactory.create(**person), **values)


def placed(
    offering: Offering, intake: User, referral: Referral | None = None, **person: Any
) -> Placement:
    """The intake team gives a waiting person a free place at the offering."""
    referral = referral or waiting_referral(**person)
    return placement_assign(actor=intake, referral_id=referral.pk, offering_id=offering.pk)
