"""Issue 5's story end to end through the pages: a provider reports free places, a matching run
starts by itself, the intake team sees the proposals with their explanations and confirms one,
and the provider sees the person who got the place."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from intake.models import MatchingRun, MatchingTrigger, MatchProposal, Placement, ProposalStatus
from providers.models import ProgrammeType
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def test_free_places_reported_proposed_confirmed_and_seen_by_the_provider(
    client, personas, django_capture_on_commit_callbacks
):
    cache.clear()  # the capacity report's debounce lives in the cache
    offering = OfferingFactory.create(
        provider=personas.provider_p, name="Prima AFT Midtbyen", contracted_places=10
    )
    waited = {"Anne": 400, "Bodil": 300, "Cecilie": 20}
    for name, days in waited.items():
        since = timezone.now() - datetime.timedelta(days=days)
        ReferralFactory.create(
            person=PersonFactory.create(
                caseworker=personas.caseworker_a, first_name=name, last_name="Venter"
            ),
            created_by=personas.caseworker_a,
            waitlisted_at=since,
            queue_since=since,
        )

    # The provider reports two free places on the offering's page.
    client.force_login(personas.provider_user_p)
    form = client.get(reverse("offering-detail", args=[offering.pk])).context["form"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("offering-detail", args=[offering.pk]),
            {
                "free_places": 2,
                "free_from": timezone.localdate().isoformat(),
                "note": "",
                "idempotency_key": form.initial["idempotency_key"],
                "latest_report_id": form.initial["latest_report_id"],
            },
        )
    assert response.status_code == 302

    # The report started a run (Celery runs in-process here; with a worker it waits out the
    # 30-second debounce), and the intake team sees its proposals on the matching page.
    run = MatchingRun.objects.get()
    assert run.trigger == MatchingTrigger.KAPASITET
    client.force_login(personas.intake_x)
    aft = ProgrammeType.objects.get(code="ARBFORB")
    page = client.get(reverse("matching-list", args=["50", aft.pk]))
    body = page.content.decode()
    assert "Anne Venter" in body and "Bodil Venter" in body
    assert "Prima AFT Midtbyen" in body
    assert "Cecilie Venter" in body  # named as the next candidate, with the reason
    assert "har ventet 400 dager" in body

    # The team confirms Anne's proposal.
    anne = MatchProposal.objects.get(referral__person__first_name="Anne")
    response = client.post(reverse("matching-confirm", args=[anne.pk]), follow=True)
    assert "Anne Venter har fått plass i Prima AFT Midtbyen" in response.content.decode()
    anne.refresh_from_db()
    assert anne.status == ProposalStatus.BEKREFTET
    placement = Placement.objects.get()
    assert placement.proposal == anne

    # The provider sees her among their participants, waiting to start.
    client.force_login(personas.provider_user_p)
    participants = client.get(reverse("provider-participants")).content.decode()
    assert "Anne Venter" in participants
    assert "Bodil Venter" not in participants  # proposed, not yet confirmed
