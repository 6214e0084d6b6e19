"""The intake team's lists cost the same number of queries for 5 rows as for 5,000 (issue 3:
"a test shows the same count for 5 and for 5,000 rows")."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake.models import CV, ActivityPlan, Person, Referral, ReferralStatus
from org.models import Office
from org.vocabulary import NeedGroup
from providers.models import ProgrammeType
from tests.factories import make_fodselsnummer

pytestmark = pytest.mark.django_db


def add_referrals(count: int, status: str, created_by) -> None:
    """`count` persons with documents and a referral in `status`, by bulk insert."""
    office = Office.objects.get(number="5083")
    aft = ProgrammeType.objects.get(code="ARBFORB")
    now = timezone.now()
    persons = Person.objects.bulk_create(
        Person(
            fodselsnummer=make_fodselsnummer(
                datetime.date(1980, 1, 1) + datetime.timedelta(days=i)
            ),
            birth_date=datetime.date(1980, 1, 1) + datetime.timedelta(days=i),
            first_name="Bulk",
            last_name=f"Person {status} {i}",
            home_municipality_id="5001",
            office=office,
            need_group=NeedGroup.VARIG_TILPASSET_INNSATS,
        )
        for i in range(count)
    )
    CV.objects.bulk_create(CV(person=p, last_updated=now.date()) for p in persons)
    ActivityPlan.objects.bulk_create(
        ActivityPlan(person=p, goal="Arbeid", approved=True, last_updated=now.date())
        for p in persons
    )
    waiting = status == ReferralStatus.VENTELISTE
    Referral.objects.bulk_create(
        Referral(
            person=p,
            programme_type=aft,
            county_id="50",
            office=office,
            created_by=created_by,
            status=status,
            submitted_at=now - datetime.timedelta(days=i % 90),
            waitlisted_at=now - datetime.timedelta(days=i % 400) if waiting else None,
            queue_since=now - datetime.timedelta(days=i % 400) if waiting else None,
        )
        for i, p in enumerate(persons)
    )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def test_review_queue_waitlist_and_api_lists_cost_the_same_for_5_and_5000_rows(client, personas):
    client.force_login(personas.intake_x)
    aft = ProgrammeType.objects.get(code="ARBFORB")
    urls = [
        reverse("review-queue"),
        reverse("waitlist-detail", args=["50", aft.pk]),
        reverse("waitlist-detail", args=["50", aft.pk]) + "?side=2",
        reverse("waitlist-overview"),
        reverse("api-referral-list") + "?status=SOKT_INN",
        reverse("api-waitlist", args=["50", "ARBFORB"]),
    ]
    add_referrals(5, ReferralStatus.SOKT_INN, personas.caseworker_a)
    add_referrals(60, ReferralStatus.VENTELISTE, personas.caseworker_a)  # two pages of 50
    small = {url: queries(client, url) for url in urls}
    add_referrals(5000, ReferralStatus.SOKT_INN, personas.caseworker_a)
    add_referrals(5000, ReferralStatus.VENTELISTE, personas.caseworker_a)
    large = {url: queries(client, url) for url in urls}
    assert large == small
