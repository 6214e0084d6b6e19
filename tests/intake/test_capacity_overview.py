"""The capacity overview of a county for its intake team and county leaders: exact places per
provider and offering, free places per municipality, where people wait the longest, and the
new free places the providers reported (with "mark as seen" and a count on the landing page)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.models import MatchingRequest, Placement, PlacementStatus
from intake.selectors import Places
from intake.services.placements import placement_assign, placement_start
from org.vocabulary import ProtectionLevel
from providers.models import CapacityReport, ReportChannel
from providers.services import capacity_report
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory
from tests.intake.review_world import programme

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("capacity-overview")


def get(client, user, **params):
    client.force_login(user)
    response = client.get(OVERVIEW, params)
    assert response.status_code == 200
    return response


def waiting_since(days: int, code: str = "ARBFORB", **person):
    approved = timezone.now() - datetime.timedelta(days=days, hours=1)
    return ReferralFactory.create(
        person=PersonFactory.create(**person),
        programme_type=programme(code),
        waitlisted_at=approved,
        queue_since=approved,
    )


def test_places_per_provider_and_offering_are_exact(personas, client):
    p1 = OfferingFactory.create(
        provider=personas.provider_p,
        name="P Trondheim",
        contracted_places=10,
        places_occupied=6,
        places_assigned=1,
        free_places=2,
        free_from=datetime.date(2031, 3, 1),
    )
    OfferingFactory.create(
        provider=personas.provider_p,
        name="P Steinkjer",
        municipality_id="5006",
        contracted_places=5,
        places_occupied=5,
    )
    OfferingFactory.create(
        provider=personas.provider_q,
        name="Q VTA",
        programme_type=programme("VASV"),
        contracted_places=4,
        places_assigned=1,
        free_places=3,
    )
    OfferingFactory.create(name="Oslo", municipality_id="0301", contracted_places=99)
    CapacityReport.objects.create(
        offering=p1,
        free_places=2,
        free_from=datetime.date(2031, 3, 1),
        channel=ReportChannel.WEB,
        contracted_places=10,
        places_assigned=1,
        places_occupied=6,
    )

    context = get(client, personas.intake_x).context

    groups = {g.provider.name: g for g in context["groups"]}
    assert list(groups) == ["Kvarts Vekst AS", "Prima Arbeidssenter AS"]
    prima = groups["Prima Arbeidssenter AS"]
    assert [(r.offering.name, r.places) for r in prima.rows] == [
        ("P Steinkjer", Places(contracted=5, occupied=5, assigned=0, free=0)),
        ("P Trondheim", Places(contracted=10, occupied=6, assigned=1, free=2)),
    ]
    assert prima.rows[1].places.utilisation == 70
    assert prima.rows[1].last_report_at is not None and prima.rows[0].last_report_at is None
    assert (prima.places.contracted, prima.places.in_use, prima.places.free) == (15, 12, 2)
    assert prima.places.utilisation == 80
    totals = context["totals"]
    assert (totals.contracted, totals.occupied, totals.assigned, totals.free) == (19, 11, 2, 5)
    body = get(client, personas.intake_x).content.decode()
    assert "Oslo" not in body and "fra 01.03.2031" in body and "70 %" in body


def test_free_places_per_municipality_and_programme_type(personas, client):
    OfferingFactory.create(free_places=2)  # AFT, Trondheim
    OfferingFactory.create(free_places=1)
    OfferingFactory.create(free_places=4, municipality_id="5006")
    OfferingFactory.create(free_places=3, programme_type=programme("VASV"))
    OfferingFactory.create(free_places=5, open_for_intake=False, municipality_id="5007")

    context = get(client, personas.intake_x).context

    assert [name for _id, name in context["columns"]] == ["AFT", "VTA"]
    rows = {row.name: (row.free, row.total) for row in context["municipalities"]}
    assert rows == {
        "Namsos": ([0, 0], 0),
        "Steinkjer": ([4, 0], 4),
        "Trondheim": ([3, 3], 6),
    }
    assert context["column_totals"] == [7, 3]


def test_where_people_wait_the_longest(personas, client):
    for days, home in ((10, "5001"), (20, "5006"), (30, "5006"), (41, "5001"), (50, "5006")):
        waiting_since(days, home_municipality_id=home)
    for days in (5, 8):
        waiting_since(days, code="VASV")
    waiting_since(400, office=personas.office_y, home_municipality_id="0301")  # Oslo's list

    waits = {row.short_name: row for row in get(client, personas.intake_x).context["waits"]}

    aft, vta = waits["AFT"], waits["VTA"]
    assert (aft.waiting, aft.longest_days, aft.median_days) == (5, 50, 30)
    assert [(m.name, m.waiting, m.longest_days) for m in aft.municipalities] == [
        ("Steinkjer", 3, 50),
        ("Trondheim", 2, 41),
    ]
    assert (vta.waiting, vta.longest_days, vta.median_days) == (2, 8, 6.5)


def test_protected_persons_count_in_the_waits_but_not_by_municipality(personas, client):
    waiting_since(10, home_municipality_id="5020")
    waiting_since(90, home_municipality_id="5020", protection_level=ProtectionLevel.FORTROLIG)

    row = get(client, personas.intake_x).context["waits"][0]

    assert (row.waiting, row.longest_days) == (2, 90)
    assert [(m.name, m.waiting, m.longest_days) for m in row.municipalities] == [("Osen", 1, 10)]


def test_the_counters_agree_with_the_placements_made_through_the_services(personas, client):
    offering = OfferingFactory.create(provider=personas.provider_p, contracted_places=6)
    capacity_report(
        offering_id=offering.pk,
        free_places=4,
        free_from=timezone.localdate(),
        reported_by=personas.provider_user_p,
    )
    placements = [
        placement_assign(
            actor=personas.intake_x,
            referral_id=waiting_since(days).pk,
            offering_id=offering.pk,
        )
        for days in (30, 20, 10)
    ]
    placement_start(
        actor=personas.provider_user_p,
        placement_id=placements[0].pk,
        started_on=timezone.localdate(),
    )

    row = get(client, personas.intake_x).context["groups"][0].rows[0]

    by_status = {
        status: Placement.objects.filter(offering=offering, status=status).count()
        for status in PlacementStatus
    }
    assert row.places.occupied == by_status[PlacementStatus.DELTAR] == 1
    assert row.places.assigned == by_status[PlacementStatus.TILDELT] == 2
    assert row.places.free == 4 - 3 == 1
    assert round(row.places.utilisation) == 50


def test_the_filter_narrows_every_section_to_one_programme_type(personas, client):
    OfferingFactory.create(free_places=2)
    OfferingFactory.create(free_places=3, programme_type=programme("VASV"))
    waiting_since(5)
    waiting_since(7, code="VASV")

    context = get(client, personas.intake_x, tiltakstype=programme("VASV").pk).context

    assert context["totals"].free == 3
    assert [row.short_name for row in context["waits"]] == ["VTA"]


def test_the_page_costs_the_same_queries_for_5_and_30_offerings(
    personas, client, django_assert_max_num_queries
):
    def add(count: int) -> None:
        for i in range(count):
            offering = OfferingFactory.create(
                free_places=1, municipality_id=("5001", "5006", "5007")[i % 3]
            )
            CapacityReport.objects.create(
                offering=offering,
                free_places=1,
                free_from=timezone.localdate(),
                channel=ReportChannel.API,
                contracted_places=20,
                places_assigned=0,
                places_occupied=0,
            )
            waiting_since(i + 1, code=("ARBFORB", "VASV")[i % 2])
            MatchingRequest.objects.create(county_id="50", programme_type=programme())

    client.force_login(personas.intake_x)
    add(5)
    with django_assert_max_num_queries(20) as five:
        client.get(OVERVIEW)
    add(25)
    with django_assert_max_num_queries(20) as thirty:
        response = client.get(OVERVIEW)
    assert len(thirty.captured_queries) == len(five.captured_queries)
    assert response.context["totals"].contracted == 30 * 20


def test_county_leaders_read_it_and_others_have_no_such_page(personas, client):
    OfferingFactory.create(name="Trondheimstilbudet")
    assert "Trondheimstilbudet" in get(client, personas.county_leader_x).content.decode()
    for user in (personas.caseworker_a, personas.provider_user_p, personas.nobody):
        client.force_login(user)
        assert client.get(OVERVIEW).status_code == 404


def test_the_intake_team_sees_its_new_free_places_and_marks_them_seen(personas, client):
    aft = programme()
    seen_earlier = MatchingRequest.objects.create(
        county_id="50", programme_type=aft, free_places=1, seen_at=timezone.now()
    )
    new = MatchingRequest.objects.create(county_id="50", programme_type=aft, free_places=3)
    MatchingRequest.objects.create(county_id="03", programme_type=aft, free_places=9)

    context = get(client, personas.intake_x).context
    assert context["unseen"] == 1
    assert context["new_places"] == [new, seen_earlier]
    client.force_login(personas.intake_x)
    assert "nye meldinger om ledige plasser" in client.get(reverse("home")).content.decode()
    assert client.get(reverse("home")).context["overview"].new_free_places == 1

    response = client.post(reverse("capacity-mark-seen"), {"fylke": "50"})

    assert response.status_code == 302
    new.refresh_from_db()
    assert new.seen_at is not None
    assert MatchingRequest.objects.filter(county_id="03", seen_at__isnull=True).count() == 1
    assert get(client, personas.intake_x).context["unseen"] == 0
    assert client.get(reverse("home")).context["overview"].new_free_places == 0


def test_a_capacity_report_shows_up_as_new_free_places(
    personas, client, settings, django_capture_on_commit_callbacks
):
    # The debounce lives in the cache: a cache of this test's own.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    offering = OfferingFactory.create(provider=personas.provider_p)

    with django_capture_on_commit_callbacks(execute=True):
        capacity_report(
            offering_id=offering.pk,
            free_places=3,
            free_from=timezone.localdate(),
            reported_by=personas.provider_user_p,
        )

    row = get(client, personas.intake_x).context["new_places"][0]
    assert (row.programme_type, row.free_places, row.seen_at) == (programme(), 3, None)


def test_a_county_leader_sees_no_new_places_section_and_cannot_mark_them(personas, client):
    MatchingRequest.objects.create(county_id="50", programme_type=programme(), free_places=3)
    response = get(client, personas.county_leader_x)
    assert response.context["is_intake"] is False
    assert "Nye ledige plasser" not in response.content.decode()
    client.post(reverse("capacity-mark-seen"), {"fylke": "50"})
    assert MatchingRequest.objects.filter(seen_at__isnull=True).count() == 1


def test_the_capacity_link_is_in_the_menu_of_intake_and_county_leaders_only(personas, client):
    for user, shown in (
        (personas.intake_x, True),
        (personas.county_leader_x, True),
        (personas.caseworker_a, False),
        (personas.provider_user_p, False),
    ):
        client.force_login(user)
        assert (OVERVIEW in client.get(reverse("home")).content.decode()) is shown
