"""The provider API's offerings and capacity reports: the same rules as the page, strict
input, a key per provider, idempotent retries."""

import datetime

import pytest
from django.utils import timezone

from providers.models import CapacityReport, ReportChannel
from tests.providers.support import offering_with_free_places, placed, provider_client

pytestmark = pytest.mark.django_db


def reports_url(offering):
    return f"/api/provider/offerings/{offering.pk}/capacity-reports/"


def today():
    return timezone.localdate().isoformat()


def test_a_provider_reports_three_free_places_through_the_api(personas):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p)
    client, _token = provider_client(personas.provider_user_p, personas.provider_p)

    response = client.post(
        reports_url(offering), {"free_places": 3, "free_from": today(), "note": "Fra mandag"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["free_places"], body["channel"], body["note"]) == (3, "API", "Fra mandag")
    assert body["reported_by"] == personas.provider_user_p.display_name
    offering.refresh_from_db()
    assert offering.free_places == 3
    report = CapacityReport.objects.get(offering=offering)
    assert (report.channel, report.reported_by) == (ReportChannel.API, personas.provider_user_p)


def test_the_offerings_list_has_the_capacity_numbers(personas):
    offering = offering_with_free_places(
        personas.provider_p, personas.provider_user_p, contracted=6, free=3
    )
    placed(offering, personas.intake_x)
    offering_with_free_places(personas.provider_q, personas.provider_user_q)  # not theirs
    client, _token = provider_client(personas.provider_user_p, personas.provider_p)

    body = client.get("/api/provider/offerings/").json()

    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == offering.pk
    assert {
        key: row[key]
        for key in (
            "contracted_places",
            "places_occupied",
            "places_assigned",
            "free_places",
            "max_free_places",
            "programme_type",
            "municipality",
        )
    } == {
        "contracted_places": 6,
        "places_occupied": 0,
        "places_assigned": 1,
        "free_places": 2,
        "max_free_places": 5,
        "programme_type": "ARBFORB",
        "municipality": "5001",
    }
    assert row["free_from"] == today()


def test_the_report_list_shows_the_offerings_own_reports_newest_first(personas):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p, free=2)
    other = offering_with_free_places(personas.provider_p, personas.provider_user_p, free=7)
    client, _token = provider_client(personas.provider_user_p, personas.provider_p)
    client.post(reports_url(offering), {"free_places": 4, "free_from": today()})

    body = client.get(reports_url(offering)).json()

    assert [(r["free_places"], r["channel"]) for r in body["results"]] == [
        (4, "API"),
        (2, "WEB"),
    ]
    assert {r["offering_id"] for r in body["results"]} == {offering.pk}
    assert other.pk not in {r["offering_id"] for r in body["results"]}


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"free_places": -1, "free_from": "TODAY"}, "free_places", "min_value"),
        ({"free_places": "3", "free_from": "TODAY", "colour": "red"}, "colour", "unknown"),
        ({"free_places": "tre", "free_from": "TODAY"}, "free_places", "invalid"),
        ({"free_places": 1, "free_from": "1. mars"}, "free_from", "invalid"),
        ({"free_places": 1, "free_from": "TODAY", "note": 5}, "note", "invalid"),
        ({"free_from": "TODAY"}, "free_places", "required"),
    ],
)
def test_bad_input_is_refused_per_field_and_nothing_is_saved(personas, payload, field, code):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p)
    client, _token = provider_client(personas.provider_user_p, personas.provider_p)
    payload = {k: today() if v == "TODAY" else v for k, v in payload.items()}

    response = client.post(reports_url(offering), payload)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "INVALID"
    assert [e["code"] for e in body["fields"][field]] == [code]
    assert not CapacityReport.objects.exists()


def test_too_many_places_are_refused_naming_the_numbers(personas):
    offering = offering_with_free_places(
        personas.provider_p, personas.provider_user_p, contracted=4, free=1
    )
    placed(offering, personas.intake_x)
    client, _token = provider_client(personas.provider_user_p, personas.provider_p)

    response = client.post(reports_url(offering), {"free_places": 4, "free_from": today()})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "ABOVE_CAPACITY"
    assert body["message"] == (
        "Dere kan melde høyst 3 ledige plasser: 4 avtalte plasser, minus 0 deltakere og 1 som "
        "har fått plass og ikke startet ennå."
    )
    assert body["fields"]["free_places"][0]["code"] == "ABOVE_CAPACITY"
    assert CapacityReport.objects.filter(offering=offering).count() == 1


def test_a_free_from_date_far_in_the_past_is_refused(personas):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p)
    client, _token = provider_client(personas.provider_user_p, personas.provider_p)
    long_ago = timezone.localdate() - datetime.timedelta(days=100)

    response = client.post(
        reports_url(offering), {"free_places": 1, "free_from": long_ago.isoformat()}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "FREE_FROM_TOO_EARLY"
    assert not CapacityReport.objects.exists()


def test_the_same_idempotency_key_twice_is_one_report(personas):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p)
    client, _token = provider_client(personas.provider_user_p, personas.provider_p)
    payload = {"free_places": 3, "free_from": today()}

    first = client.post(reports_url(offering), payload, headers={"Idempotency-Key": "abc-1"})
    retry = client.post(reports_url(offering), payload, headers={"Idempotency-Key": "abc-1"})
    other = client.post(
        reports_url(offering),
        {"free_places": 2, "free_from": today()},
        headers={"Idempotency-Key": "abc-2"},
    )

    assert (first.status_code, retry.status_code, other.status_code) == (201, 201, 201)
    assert first.json()["id"] == retry.json()["id"] != other.json()["id"]
    assert CapacityReport.objects.filter(offering=offering).count() == 2
    assert CapacityReport.objects.get(idempotency_key="abc-1").free_places == 3


def test_an_overlong_idempotency_key_is_refused(personas):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p)
    client, _token = provider_client(personas.provider_user_p, personas.provider_p)

    response = client.post(
        reports_url(offering),
        {"free_places": 3, "free_from": today()},
        headers={"Idempotency-Key": "k" * 65},
    )

    assert response.status_code == 400
    assert response.json()["fields"]["Idempotency-Key"][0]["code"] == "max_length"
    assert not CapacityReport.objects.exists()


def test_someone_elses_offering_is_not_found_through_the_api(personas):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p, free=2)
    client, _token = provider_client(personas.provider_user_q, personas.provider_q)

    listed = client.get(reports_url(offering))
    reported = client.post(reports_url(offering), {"free_places": 1, "free_from": today()})
    missing = client.get("/api/provider/offerings/999999/capacity-reports/")

    assert (listed.status_code, reported.status_code) == (404, 404)
    assert listed.json() == missing.json()  # nothing tells the two apart
    assert CapacityReport.objects.filter(offering=offering).count() == 1
