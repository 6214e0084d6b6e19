"""Issue 4's story end to end through the pages: a provider reports three free places, the
intake team sees them and gives them to three people from the waitlist, the provider sees those
three and confirms one start, and every number on every page agrees."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.models import Placement, PlacementStatus, ReferralStatus
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def test_three_free_places_reported_given_and_one_started(client, personas):
    offering = OfferingFactory.create(
        provider=personas.provider_p, name="Prima AFT Midtbyen", contracted_places=10
    )
    waiting = [
        ReferralFactory.create(
            person=PersonFactory.create(caseworker=personas.caseworker_a, first_name=name),
            created_by=personas.caseworker_a,
        )
        for name in ("Anne", "Bodil", "Cecilie", "Dina")
    ]

    # The provider reports three free places on the offering's page.
    client.force_login(personas.provider_user_p)
    form = client.get(reverse("offering-detail", args=[offering.pk])).context["form"]
    response = client.post(
        reverse("offering-detail", args=[offering.pk]),
        {
            "free_places": 3,
            "free_from": timezone.localdate().isoformat(),
            "note": "",
            "idempotency_key": form.initial["idempotency_key"],
            "latest_report_id": form.initial["latest_report_id"],
        },
    )
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.free_places == 3

    # The intake team sees them on the capacity page and gives them to the first three.
    client.force_login(personas.intake_x)
    capacity = client.get(reverse("capacity-overview")).content.decode()
    assert "Prima AFT Midtbyen" in capacity
    for referral in waiting[:3]:
        referral.refresh_from_db()
        response = client.post(
            reverse("placement-assign", args=[referral.pk]),
            {"offering": offering.pk, "version": referral.version},
        )
        assert response.status_code == 302, response.content.decode()[:500]
    # The fourth finds no place left.
    referral = waiting[3]
    response = client.post(
        reverse("placement-assign", args=[referral.pk]),
        {"offering": offering.pk, "version": referral.version},
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.VENTELISTE
    offering.refresh_from_db()
    assert (offering.free_places, offering.places_assigned, offering.places_occupied) == (0, 3, 0)

    # The provider sees exactly those three, and confirms one start.
    client.force_login(personas.provider_user_p)
    participants = client.get(reverse("provider-participants")).content.decode()
    for name in ("Anne", "Bodil", "Cecilie"):
        assert name in participants
    assert "Dina" not in participants
    first = Placement.objects.get(referral=waiting[0])
    response = client.post(
        f"/deltakere/{first.pk}/oppstart/",
        {"started_on": timezone.localdate().isoformat(), "version": first.version},
    )
    assert response.status_code == 302

    # Every number agrees: the offering, the placements, the referrals and the pages.
    offering.refresh_from_db()
    assert (offering.free_places, offering.places_assigned, offering.places_occupied) == (0, 2, 1)
    statuses = sorted(Placement.objects.filter(offering=offering).values_list("status", flat=True))
    assert statuses == [PlacementStatus.DELTAR, PlacementStatus.TILDELT, PlacementStatus.TILDELT]
    assert [r.status for r in (ref.__class__.objects.get(pk=ref.pk) for ref in waiting)] == [
        ReferralStatus.DELTAR,
        ReferralStatus.VENTER_PA_OPPSTART,
        ReferralStatus.VENTER_PA_OPPSTART,
        ReferralStatus.VENTELISTE,
    ]
    provider_page = client.get(reverse("offering-detail", args=[offering.pk])).context
    assert provider_page["offering"].places_occupied == 1
    client.force_login(personas.intake_x)
    capacity = client.get(reverse("capacity-overview")).content.decode()
    row = capacity[capacity.index("Prima AFT Midtbyen") :].split("</tr>", 1)[0]
    # contracted 10, participating 1, given 2, free 0 on the intake team's overview
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert [c for c in cells if c in {"10", "1", "2"}][:3] == ["10", "1", "2"]
