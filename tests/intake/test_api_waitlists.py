"""The waitlist API: a county's list for a programme type, in order, with honest waits."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.models import EventKind, ReferralEvent, ReferralStatus
from org.vocabulary import ProtectionLevel
from tests.factories import PersonFactory, ReferralFactory
from tests.intake.api_support import api_client

pytestmark = pytest.mark.django_db

AFT_X = "/api/waitlists/50/ARBFORB/"


def waiting(office, days, **extra):
    since = timezone.now() - datetime.timedelta(days=days)
    return ReferralFactory.create(
        person=PersonFactory.create(office=office, **extra),
        waitlisted_at=since,
        queue_since=since,
    )


def left_the_list(office, weeks_ago):
    referral = ReferralFactory.create(
        person=PersonFactory.create(office=office), status=ReferralStatus.IKKE_AKTUELL
    )
    ReferralEvent.objects.create(
        referral=referral,
        kind=EventKind.TRUKKET,
        from_status=ReferralStatus.VENTELISTE,
        to_status=ReferralStatus.IKKE_AKTUELL,
        at=timezone.now() - datetime.timedelta(weeks=weeks_ago),
    )


def test_the_list_is_in_waiting_order_with_positions_and_expected_waits(personas):
    newest = waiting(personas.office_a, days=3)
    oldest = waiting(personas.office_b, days=90)
    middle = waiting(personas.office_a, days=30)
    for weeks_ago in (1, 2, 3, 4, 5, 6):
        left_the_list(personas.office_a, weeks_ago)
    left_the_list(personas.office_a, weeks_ago=20)  # outside the 12-week window

    body = api_client(personas.intake_x).get(AFT_X).json()

    assert body["count"] == 3
    rows = body["results"]
    assert [(r["position"], r["referral_id"]) for r in rows] == [
        (1, oldest.pk),
        (2, middle.pk),
        (3, newest.pk),
    ]
    assert [r["days_waited"] for r in rows] == [90, 30, 3]
    assert rows[1]["office_name"] == "Nav Midtbyen"
    wait = rows[1]["expected_wait"]
    assert (wait["exits"], wait["window_weeks"], wait["exits_per_week"]) == (6, 12, 0.5)
    assert wait["weeks"] == 4.0  # 2 in line at half a person a week
    assert "Forventet ventetid er omtrent 4 uker" in wait["basis"]


def test_positions_run_on_across_pages(personas):
    for days in range(52, 0, -1):
        waiting(personas.office_a, days=days)
    client = api_client(personas.intake_x)

    first = client.get(AFT_X).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 52
    assert [r["position"] for r in second["results"]] == [51, 52]


def test_filters_keep_the_positions_of_the_whole_list(personas):
    waiting(personas.office_a, days=40)
    mine = waiting(personas.office_b, days=20)

    rows = (
        api_client(personas.intake_x).get(AFT_X, {"office": personas.office_b.pk}).json()["results"]
    )

    assert [(r["position"], r["referral_id"]) for r in rows] == [(2, mine.pk)]


def test_a_protected_person_on_the_list_is_masked(personas):
    waiting(personas.office_a, days=5, protection_level=ProtectionLevel.STRENGT_FORTROLIG)

    person = api_client(personas.intake_x).get(AFT_X).json()["results"][0]["person"]

    assert person["masked"] is True
    assert person["first_name"] is None and person["home_municipality_id"] is None


@pytest.mark.parametrize(
    "who", ["intake_y", "caseworker_a", "office_leader_a", "provider_user_p", "nobody"]
)
def test_only_the_countys_intake_team_and_leaders_get_the_list(personas, who):
    waiting(personas.office_a, days=5)

    response = api_client(getattr(personas, who)).get(AFT_X)

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
    assert api_client(personas.county_leader_x).get(AFT_X).json()["count"] == 1


def test_an_unknown_county_or_programme_type_answers_404(personas):
    client = api_client(personas.intake_x)

    assert client.get("/api/waitlists/99/ARBFORB/").status_code == 404
    assert client.get("/api/waitlists/50/FINNESIKKE/").status_code == 404


def test_the_list_costs_the_same_queries_for_5_and_50_entries(
    personas, django_assert_max_num_queries
):
    client = api_client(personas.intake_x)
    for days in range(5):
        waiting(personas.office_a, days=days + 1)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(AFT_X).json()["results"]) == 5
    for days in range(45):
        waiting(personas.office_b, days=days + 10)

    with django_assert_max_num_queries(len(five)) as fifty:
        assert len(client.get(AFT_X).json()["results"]) == 50

    assert len(fifty) == len(five)
