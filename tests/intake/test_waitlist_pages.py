"""The intake team's waitlist pages: every list with its expected wait and basis; one list in
waiting order with positions, waits, priority groups, filters with exact counts, and decline."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.models import CountyIntakeSettings, EndReason, EventKind, Referral, ReferralStatus
from intake.services.priority import INNVANDRER_UTENFOR_EOS, LANGTIDSLEDIG, UNG
from intake.services.referrals import referral_approve, referral_decline
from org.models import Office
from org.vocabulary import CountryBackground, ProtectionLevel
from tests.factories import PersonFactory, ReferralFactory
from tests.intake.review_world import programme, ready_person, submitted

pytestmark = pytest.mark.django_db

S = ReferralStatus
OVERVIEW = reverse("waitlist-overview")


def aft_list(county: str = "50") -> str:
    return reverse("waitlist-detail", args=[county, programme().pk])


def waiting(days: int, bonus: int = 0, groups=(), code: str = "ARBFORB", **person) -> Referral:
    """A referral approved `days` ago, with a priority bonus moving it `bonus` days earlier."""
    approved_at = timezone.now() - datetime.timedelta(days=days)
    return ReferralFactory.create(
        person=PersonFactory.create(**person),
        programme_type=programme(code),
        waitlisted_at=approved_at,
        queue_since=approved_at - datetime.timedelta(days=bonus),
        priority_bonus_days=bonus,
        priority_groups=list(groups),
    )


def left_the_list(referral: Referral, weeks_ago: int) -> None:
    referral.events.create(
        kind=EventKind.AVSLATT,
        from_status=S.VENTELISTE,
        to_status=S.IKKE_AKTUELL,
        at=timezone.now() - datetime.timedelta(weeks=weeks_ago),
    )
    Referral.objects.filter(pk=referral.pk).update(status=S.IKKE_AKTUELL)


def get(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response


def test_the_overview_shows_each_list_with_its_expected_wait_and_basis(personas, client):
    for days in (10, 40, 70):
        waiting(days)
    waiting(5, code="VASV")
    for weeks in (1, 5, 11):  # three left within 12 weeks ...
        left_the_list(waiting(200), weeks)
    left_the_list(waiting(300), 20)  # ... and one long before

    response = get(client, personas.intake_x, OVERVIEW)
    rows = {row.short_name: row for row in response.context["rows"]}
    assert set(rows) == {"AFT", "VTA"}
    aft = rows["AFT"]
    assert (aft.waiting, aft.longest_days) == (3, 70)
    assert aft.expected.exits == 3
    assert aft.expected.exits_per_week == 0.25
    assert aft.expected.weeks == 16  # (3 + 1) / 0.25
    assert rows["VTA"].expected.weeks is None
    body = response.content.decode()
    assert "ca. 16 uker" in body and "kan ikke beregnes" in body
    assert "delt på hvor mange som gikk ut av listen per uke de siste 12 ukene" in body


def test_the_overview_shows_only_the_users_own_county(personas, client):
    waiting(3)
    waiting(3, office=personas.office_y, home_municipality_id="0301")
    rows = get(client, personas.intake_y, OVERVIEW).context["rows"]
    assert [(r.county_number, r.waiting) for r in rows] == [("03", 1)]
    assert get(client, personas.caseworker_a, OVERVIEW).context["rows"] == []


def test_the_list_is_in_waiting_order_with_positions_and_waits(personas, client):
    first = waiting(100)
    young = waiting(20, bonus=90, groups=[UNG])
    last = waiting(30)
    response = get(client, personas.intake_x, aft_list())
    rows = response.context["rows"]
    assert [(r.referral, r.position) for r in rows] == [(young, 1), (first, 2), (last, 3)]
    assert (rows[0].days_waited, rows[0].effective_days, rows[0].groups) == (
        20,
        110,
        ["Ung under 30"],
    )
    body = response.content.decode()
    assert "flyttet fram med fylkets prioritetstillegg" in body
    assert "Forventet ventetid kan ikke beregnes før noen har gått ut av listen." in body


def test_the_expected_wait_of_each_place_uses_the_exits_of_the_last_twelve_weeks(personas, client):
    entries = [waiting(days) for days in (60, 50, 40, 30)]
    for weeks in (2, 4, 6, 8, 10, 11):
        left_the_list(waiting(300), weeks)
    response = get(client, personas.intake_x, aft_list())
    assert [r.expected.weeks for r in response.context["rows"]] == [2, 4, 6, 8]
    assert [r.referral for r in response.context["rows"]] == entries
    assert "6 personer gikk ut av listen de siste 12 ukene, det vil si 0,5 per uke." in (
        response.content.decode()
    )


def test_the_county_bonuses_are_explained_on_the_list(personas, client):
    CountyIntakeSettings.objects.create(
        county=personas.county_x, bonus_days_young=60, bonus_days_long_term_unemployed=30
    )
    waiting(3)
    body = get(client, personas.intake_x, aft_list()).content.decode()
    assert "unge under 30: 60 dager" in body
    assert "langtidsledige: 30 dager" in body


def test_filters_narrow_the_list_count_exactly_and_keep_positions(personas, client):
    falkenborg = personas.office_b
    waiting(100, office=falkenborg)
    young = waiting(80, groups=[UNG])
    waiting(60, groups=[UNG, LANGTIDSLEDIG], home_municipality_id="5035")
    waiting(10, groups=[INNVANDRER_UTENFOR_EOS], office=falkenborg)

    everything = get(client, personas.intake_x, aft_list())
    facets = everything.context["facets"]
    assert {o.label: o.count for o in facets["groups"]} == {
        "Ung under 30": 2,
        "Innvandrer utenfor EØS": 1,
        "Langtidsledig": 1,
    }
    assert {o.label: o.count for o in facets["offices"]} == {
        "Nav Falkenborg": 2,
        "Nav Midtbyen": 2,
    }
    assert {o.label: o.count for o in facets["municipalities"]} == {
        "Stjørdal": 1,
        "Trondheim": 3,
    }
    assert {o.label: o.count for o in facets["waits"]} == {
        "Mer enn 30 dager": 3,
        "Mer enn 90 dager": 1,
        "Mer enn 180 dager": 0,
        "Mer enn 365 dager": 0,
    }

    ung = get(client, personas.intake_x, aft_list(), gruppe=UNG)
    assert [r.position for r in ung.context["rows"]] == [2, 3]
    assert ung.context["rows"][0].referral == young
    assert ung.context["page"].paginator.count == 2
    assert ung.context["whole_list"] == 4
    assert "2 av 4 passer filteret" in ung.content.decode()

    def count(**params):
        return get(client, personas.intake_x, aft_list(), **params).context["page"].paginator.count

    assert count(kontor=falkenborg.pk) == 2
    assert count(kommune="5035") == 1
    assert count(dager=90) == 1
    assert count(kontor=falkenborg.pk, gruppe=INNVANDRER_UTENFOR_EOS) == 1
    assert count(gruppe="UKJENT") == 4  # a value that does not parse is ignored


def test_a_protected_person_is_masked_on_the_list(personas, client):
    waiting(5, first_name="Beskyttet", protection_level=ProtectionLevel.STRENGT_FORTROLIG)
    body = get(client, personas.intake_x, aft_list()).content.decode()
    assert "Beskyttet" not in body and "Adressebeskyttet" in body


def test_another_countys_list_is_not_found(personas, client):
    waiting(5)
    client.force_login(personas.intake_y)
    assert client.get(aft_list("50")).status_code == 404
    client.force_login(personas.caseworker_a)
    assert client.get(aft_list("50")).status_code == 404


def test_the_intake_team_declines_a_waiting_referral_from_the_list(personas, client):
    referral = waiting(5)
    other = waiting(3)
    list_url = f"{aft_list()}?kontor={personas.office_a.pk}"
    response = get(client, personas.intake_x, list_url)
    assert f'action="{reverse("review-decline", args=[referral.pk])}"' in response.content.decode()

    response = client.post(
        reverse("review-decline", args=[referral.pk]),
        {"version": referral.version, "reason": EndReason.FATT_JOBB, "tilbake": list_url},
    )
    assert response.status_code == 302 and response["Location"] == list_url
    referral.refresh_from_db()
    assert (referral.status, referral.closed_reason) == (S.IKKE_AKTUELL, EndReason.FATT_JOBB)
    assert referral.events.get().kind == EventKind.AVSLATT
    rows = client.get(list_url).context["rows"]
    assert [(r.referral, r.position) for r in rows] == [(other, 1)]


def test_a_county_leader_reads_the_list_but_cannot_decline(personas, client):
    waiting(5)
    response = get(client, personas.county_leader_x, aft_list())
    assert len(response.context["rows"]) == 1 and not response.context["may_decline"]
    body = response.content.decode()
    assert "/avslag/" not in body and 'name="reason"' not in body


def test_the_list_links_each_person_to_the_review_page_with_full_history(personas, client):
    referral = submitted(personas.caseworker_a)
    referral = referral_approve(
        actor=personas.intake_x, referral_id=referral.pk, expected_version=referral.version
    )
    body = get(client, personas.intake_x, aft_list()).content.decode()
    assert reverse("review-detail", args=[referral.pk]) in body
    page = get(client, personas.intake_x, reverse("review-detail", args=[referral.pk]))
    assert [e.kind for e in page.context["events"]] == [
        EventKind.OPPRETTET,
        EventKind.SOKT_INN,
        EventKind.GODKJENT,
    ]
    assert page.context["position"] == 1


def test_a_declined_referral_counts_as_an_exit(personas, client):
    referral = submitted(personas.caseworker_a)
    referral = referral_approve(
        actor=personas.intake_x, referral_id=referral.pk, expected_version=referral.version
    )
    waiting(3)
    referral_decline(
        actor=personas.intake_x,
        referral_id=referral.pk,
        expected_version=referral.version,
        reason=EndReason.UTDANNING,
    )
    rows = get(client, personas.intake_x, OVERVIEW).context["rows"]
    assert [(r.waiting, r.expected.exits) for r in rows] == [(1, 1)]


def test_the_list_pages_by_fifty(personas, client):
    for days in range(53):
        waiting(days + 1)
    response = get(client, personas.intake_x, aft_list(), side=2)
    assert [r.position for r in response.context["rows"]] == [51, 52, 53]


@pytest.mark.parametrize("url_name", ["waitlist-detail", "waitlist-overview"])
def test_the_pages_cost_the_same_queries_for_5_and_60_waiting(
    personas, client, django_assert_max_num_queries, url_name
):
    offices = list(Office.objects.filter(county="50")[:3])
    url = aft_list() if url_name == "waitlist-detail" else OVERVIEW

    def add(count: int) -> None:
        for i in range(count):
            groups = [UNG] if i % 3 == 0 else []
            waiting(i + 1, groups=groups, office=offices[i % 3])
            if i % 5 == 0:
                left_the_list(waiting(400, code="VASV"), 2)

    client.force_login(personas.intake_x)
    add(5)
    with django_assert_max_num_queries(26) as five:
        client.get(url, {"gruppe": UNG} if url_name == "waitlist-detail" else {})
    add(55)
    with django_assert_max_num_queries(26) as sixty:
        client.get(url, {"gruppe": UNG} if url_name == "waitlist-detail" else {})
    assert len(sixty.captured_queries) == len(five.captured_queries)


def test_a_person_from_outside_the_eea_is_shown_in_their_group(personas, client):
    referral = submitted(
        personas.caseworker_a,
        ready_person(
            caseworker=personas.caseworker_a, country_background=CountryBackground.UTENFOR_EOS
        ),
    )
    referral_approve(
        actor=personas.intake_x, referral_id=referral.pk, expected_version=referral.version
    )
    rows = get(client, personas.intake_x, aft_list()).context["rows"]
    assert rows[0].groups == ["Innvandrer utenfor EØS"]
