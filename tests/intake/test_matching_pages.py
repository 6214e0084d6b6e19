"""The intake team's matching pages: the lists with something to match, one list's proposals
explaining themselves (confirm, reject, in bulk with a result per row), "run now" and its
status, the run history, and what-if runs that save nothing. Only the county's intake team
gets in; everyone else gets the 404 of a list that does not exist."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from intake.models import (
    EndReason,
    MatchingRun,
    MatchingTrigger,
    MatchProposal,
    Placement,
    ProposalStatus,
    Referral,
    RejectReason,
)
from intake.services.matching import matching_run
from intake.services.referrals import referral_withdraw
from intake.views.matching import run_cache_key
from org.vocabulary import NeedGroup, ProtectionLevel
from providers.models import Offering
from tests.factories import PersonFactory, ReferralFactory
from tests.intake.review_world import programme
from tests.intake.test_placement_assign import place

pytestmark = pytest.mark.django_db

P = ProposalStatus
OVERVIEW = reverse("matching-overview")
TRONDHEIM, MELHUS, MALVIK = "5001", "5028", "5031"


def waited(personas, days: int, name: str, home: str = TRONDHEIM, **person) -> Referral:
    """A person on Trøndelag's AFT waitlist who has waited `days` days."""
    first, last = name.split(" ", 1)
    since = timezone.now() - datetime.timedelta(days=days)
    return ReferralFactory.create(
        person=PersonFactory.create(
            first_name=first,
            last_name=last,
            home_municipality_id=home,
            caseworker=personas.caseworker_a,
            **person,
        ),
        created_by=personas.caseworker_a,
        waitlisted_at=since,
        queue_since=since,
    )


def run(county: str = "50", code: str = "ARBFORB") -> MatchingRun | None:
    return matching_run(
        county_number=county, programme_type_id=programme(code).pk, trigger=MatchingTrigger.NATTLIG
    ).run


def list_url(county: str = "50", code: str = "ARBFORB", name: str = "matching-list") -> str:
    return reverse(name, args=[county, programme(code).pk])


def open_proposals() -> list[MatchProposal]:
    return list(MatchProposal.objects.filter(status=P.FORESLATT).order_by("position"))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the overview ----------------------------------------------------------------------------


def test_the_overview_lists_the_teams_lists_only(personas, client):
    waited(personas, 30, "Anne Aas")
    place(personas, free=2, name="AFT Trondheim")
    place(personas, free=1, name="VTA Melhus", programme_type=programme("VASV"))
    ReferralFactory.create(person=PersonFactory.create(office=personas.office_y))  # Oslo

    client.force_login(personas.intake_x)
    response = client.get(OVERVIEW)

    assert response.status_code == 200
    rows = response.context["lists"]
    assert [(r.county_number, r.programme_type.code, r.waiting, r.free_places) for r in rows] == [
        ("50", "ARBFORB", 1, 2),
        ("50", "VASV", 0, 1),
    ]
    body = text(response)
    assert "Kjør matching nå" in body and "Ikke kjørt ennå" in body
    assert f'action="{list_url(name="matching-run")}"' in body


def test_the_overview_shows_open_proposals_and_the_last_run(personas, client):
    waited(personas, 30, "Anne Aas")
    place(personas, free=1)
    run()
    client.force_login(personas.intake_x)
    row = client.get(OVERVIEW).context["lists"][0]
    assert row.open_proposals == 1
    assert row.last_run is not None and row.last_run.trigger == MatchingTrigger.NATTLIG


def test_the_team_has_a_matching_entry_in_the_menu(personas, client):
    client.force_login(personas.intake_x)
    assert f'href="{OVERVIEW}"' in client.get(reverse("review-queue")).content.decode()
    client.force_login(personas.caseworker_a)
    assert f'href="{OVERVIEW}"' not in client.get(reverse("home")).content.decode()


# --- run now, and the proposals explaining themselves -------------------------------------


def test_run_now_makes_proposals_that_explain_themselves(
    personas, client, django_capture_on_commit_callbacks
):
    waited(personas, 300, "Anne Aas", home=MALVIK)
    waited(personas, 200, "Berit Berg", home=TRONDHEIM)
    waited(personas, 100, "Cato Carlsen", home=MELHUS)
    place(personas, free=1, name="AFT Trondheim", municipality_id=TRONDHEIM)
    place(personas, free=1, name="AFT Melhus", municipality_id=MELHUS)
    client.force_login(personas.intake_x)

    # The run is queued through the outbox, after the request's work commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(list_url(name="matching-run"))

    assert response.status_code == 302
    token = response["Location"].split("kjoring=")[1]
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    done = MatchingRun.objects.get()
    assert done.trigger == MatchingTrigger.MANUELL and done.requested_by == personas.intake_x
    page = client.get(response["Location"])
    body = text(page)
    assert "Ferdig: 2 forslag." in body
    assert len(page.context["rows"]) == 2
    # The two proposed and the one left waiting are all named, the last as a candidate.
    assert all(name in body for name in ("Anne Aas", "Berit Berg", "Cato Carlsen"))
    first = page.context["rows"][0]
    assert first.why.startswith("Nr. 1 i køen, har ventet 300 dager, bor ")
    assert "fikk forslag hos AFT" in body
    assert "har ventet 100 dager mot" in body
    # Exact against greedy, side by side.
    assert "Optimal (foreslått)" in body and "Enkel regel: lengst ventet først" in body
    for referral in Referral.objects.all():
        assert referral.person.fodselsnummer not in body


def test_the_report_says_who_the_matcher_left_out(personas, client):
    waited(personas, 30, "Anne Aas")
    waited(personas, 40, "Fortrolig Person", protection_level=ProtectionLevel.FORTROLIG)
    waited(personas, 50, "Strengt Fortrolig", protection_level=ProtectionLevel.STRENGT_FORTROLIG)
    waited(personas, 60, "Standard Innsats", need_group=NeedGroup.STANDARD_INNSATS)
    waited(personas, 70, "Bor Langt", home="5006")  # Steinkjer, 93 km away
    place(personas, free=1)
    run()
    client.force_login(personas.intake_x)

    response = client.get(list_url())

    assert response.context["report"].notes == [
        "2 personer med adressebeskyttelse er ikke med i automatisk matching; tildel dem plass "
        "manuelt fra ventelisten.",
        "1 person har en innsatsgruppe som tiltakstypen ikke tar imot, og er ikke med.",
        "1 person har ingen ledig plass innenfor sin grense for reisevei.",
    ]
    body = text(response)
    assert "tildel dem plass manuelt fra ventelisten" in body
    assert "Fortrolig Person" not in body and "Strengt Fortrolig" not in body


def test_the_run_status_polls_until_done_then_reloads(personas, client):
    waited(personas, 30, "Anne Aas")
    place(personas, free=1)
    client.force_login(personas.intake_x)
    token = "0" * 32
    key = run_cache_key("50", programme("ARBFORB").pk, token)
    status_url = reverse("matching-run-status", args=["50", programme().pk, token])
    cache.set(key, {"pending": True, "started": timezone.now().timestamp()}, 60)

    running = client.get(status_url, headers={"HX-Request": "true"})
    assert "Matching kjører" in text(running) and 'hx-trigger="every 2s"' in text(running)
    assert "HX-Refresh" not in running

    done_run = run()
    assert done_run is not None
    cache.set(key, {"run": done_run.pk, "created": True}, 60)  # what the task does when done
    done = client.get(status_url, headers={"HX-Request": "true"})
    assert "Ferdig: 1 forslag." in text(done) and "hx-trigger" not in text(done)
    assert done["HX-Refresh"] == "true"


def test_a_run_that_changes_nothing_says_so(personas, client, django_capture_on_commit_callbacks):
    waited(personas, 30, "Anne Aas")
    place(personas, free=1)
    run()
    client.force_login(personas.intake_x)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(list_url(name="matching-run"))
    page = client.get(response["Location"])
    assert "ingen endringer siden forrige kjøring" in text(page)
    assert MatchingRun.objects.count() == 1


# --- confirming and rejecting --------------------------------------------------------------


def test_confirming_gives_the_place(personas, client):
    referral = waited(personas, 30, "Anne Aas")
    offering = place(personas, free=1, name="AFT Trondheim")
    run()
    proposal = open_proposals()[0]
    client.force_login(personas.intake_x)

    page = client.post(reverse("matching-confirm", args=[proposal.pk]), follow=True)

    assert page.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == P.BEKREFTET and proposal.decided_by == personas.intake_x
    placement = Placement.objects.get(referral=referral)
    assert proposal.placement == placement and placement.offering == offering
    assert "Anne Aas har fått plass i AFT Trondheim hos Prima Arbeidssenter AS." in text(page)
    assert page.context["rows"] == []


def test_confirming_twice_gives_one_place_and_a_clear_error(personas, client):
    referral = waited(personas, 30, "Anne Aas")
    place(personas, free=2)
    run()
    proposal = open_proposals()[0]
    client.force_login(personas.intake_x)
    url = reverse("matching-confirm", args=[proposal.pk])

    client.post(url)
    again = client.post(url, follow=True)

    assert again.status_code == 200
    assert "Forslaget er allerede behandlet (bekreftet)." in text(again)
    assert Placement.objects.filter(referral=referral).count() == 1
    assert Offering.objects.get().free_places == 1


def test_bulk_confirm_reports_each_row_and_marks_the_stale_one(personas, client):
    stays = waited(personas, 300, "Anne Aas")
    leaves = waited(personas, 200, "Berit Berg")
    place(personas, free=2, name="AFT Trondheim")
    run()
    proposals = {p.referral_id: p for p in open_proposals()}
    referral_withdraw(
        actor=personas.caseworker_a,
        referral_id=leaves.pk,
        expected_version=None,
        reason=EndReason.FATT_JOBB,
    )
    client.force_login(personas.intake_x)

    page = client.post(
        list_url(name="matching-bulk"),
        {"handling": "bekreft", "valgt": [p.pk for p in proposals.values()]},
        follow=True,
    )

    assert page.status_code == 200
    action, results = page.context["bulk"]
    assert action == "bekreft"
    assert [(r.name, r.ok) for r in results] == [("Anne Aas", True), ("Berit Berg", False)]
    assert "står ikke lenger på ventelisten" in results[1].message
    body = text(page)
    assert "Ikke alle forslagene kunne bekreftes" in body
    assert "Forslaget er merket som utdatert." in body
    stale = MatchProposal.objects.get(pk=proposals[leaves.pk].pk)
    assert stale.status == P.UTDATERT and stale.reason == "NOT_WAITING"
    assert Placement.objects.filter(referral=stays).exists()
    assert not Placement.objects.filter(referral=leaves).exists()


def test_confirm_all_shown_refuses_a_place_taken_meanwhile(personas, client):
    waited(personas, 300, "Anne Aas")
    waited(personas, 200, "Berit Berg")
    offering = place(personas, free=2)
    run()
    shown = [p.pk for p in open_proposals()]
    Offering.objects.filter(pk=offering.pk).update(free_places=1)  # the provider took one back
    client.force_login(personas.intake_x)

    page = client.post(
        list_url(name="matching-bulk"), {"handling": "bekreft-alle", "vist": shown}, follow=True
    )

    _action, results = page.context["bulk"]
    assert [r.ok for r in results] == [True, False]
    assert "Plassen ble nettopp tatt" in results[1].message
    assert MatchProposal.objects.get(pk=shown[1]).status == P.UTDATERT
    assert Placement.objects.count() == 1


def test_bulk_confirm_of_all_rows_just_says_how_many(personas, client):
    waited(personas, 300, "Anne Aas")
    waited(personas, 200, "Berit Berg")
    place(personas, free=2)
    run()
    client.force_login(personas.intake_x)
    page = client.post(
        list_url(name="matching-bulk"),
        {"handling": "bekreft", "valgt": [p.pk for p in open_proposals()]},
        follow=True,
    )
    assert page.context["bulk"] is None
    assert "2 forslag er bekreftet, og plassene er tildelt." in text(page)
    assert Placement.objects.count() == 2


def test_rejecting_with_annet_needs_a_comment(personas, client):
    waited(personas, 30, "Anne Aas")
    place(personas, free=1)
    run()
    proposal = open_proposals()[0]
    client.force_login(personas.intake_x)

    response = client.post(
        reverse("matching-reject", args=[proposal.pk]),
        {f"p{proposal.pk}-reason": RejectReason.ANNET, f"p{proposal.pk}-comment": "  "},
    )

    assert response.status_code == 400
    assert "Skriv en kort forklaring når årsaken er «Annet»." in text(response)
    assert response.context["failed_id"] == proposal.pk
    proposal.refresh_from_db()
    assert proposal.status == P.FORESLATT


def test_a_rejected_pair_is_not_proposed_again(personas, client):
    first = waited(personas, 300, "Anne Aas")
    second = waited(personas, 200, "Berit Berg")
    offering = place(personas, free=1)
    run()
    proposal = open_proposals()[0]
    assert proposal.referral == first
    client.force_login(personas.intake_x)

    page = client.post(
        reverse("matching-reject", args=[proposal.pk]),
        {f"p{proposal.pk}-reason": RejectReason.BRUKER_VIL_IKKE},
        follow=True,
    )

    assert "Forslaget om plass for Anne Aas i" in text(page)
    proposal.refresh_from_db()
    assert proposal.status == P.AVVIST and proposal.reason == RejectReason.BRUKER_VIL_IKKE
    run()
    assert [(p.referral, p.offering) for p in open_proposals()] == [(second, offering)]


def test_bulk_reject_needs_a_reason_and_changes_nothing_without(personas, client):
    waited(personas, 30, "Anne Aas")
    place(personas, free=1)
    run()
    proposal = open_proposals()[0]
    client.force_login(personas.intake_x)

    response = client.post(
        list_url(name="matching-bulk"), {"handling": "avvis", "valgt": [proposal.pk]}
    )

    assert response.status_code == 400
    assert "Velg en årsak til at forslaget avvises." in text(response)
    assert response.context["rows"][0].checked
    proposal.refresh_from_db()
    assert proposal.status == P.FORESLATT


def test_bulk_without_a_ticked_row_asks_for_one(personas, client):
    waited(personas, 30, "Anne Aas")
    place(personas, free=1)
    run()
    client.force_login(personas.intake_x)
    response = client.post(list_url(name="matching-bulk"), {"handling": "bekreft"})
    assert response.status_code == 400
    assert "Velg minst ett forslag i listen." in text(response)


# --- history and what-if -------------------------------------------------------------------


def test_the_history_lists_the_runs_with_their_reports(personas, client):
    waited(personas, 300, "Anne Aas")
    place(personas, free=1)
    run()
    waited(personas, 200, "Berit Berg")
    run()
    client.force_login(personas.intake_x)
    response = client.get(list_url(name="matching-history"))
    assert response.status_code == 200
    assert [row.run for row in response.context["rows"]] == list(
        MatchingRun.objects.order_by("-finished_at", "-pk")
    )
    body = text(response)
    assert "Nattlig kjøring" in body and "Hele rapporten" in body and "Forbigåtte par" in body


def test_what_if_with_extra_places_places_more_and_saves_nothing(personas, client):
    for days, name in ((300, "Anne Aas"), (200, "Berit Berg"), (100, "Cato Carlsen")):
        waited(personas, days, name)
    offering = place(personas, free=1, name="AFT Trondheim")
    run()
    runs, proposals = MatchingRun.objects.count(), list(MatchProposal.objects.values())
    client.force_login(personas.intake_x)

    response = client.get(
        list_url(name="matching-what-if"),
        {
            "vekt_km": "1",
            "vekt_ventetid": "1",
            "vekt_match": "10",
            "maks_km": "60",
            "gjennomforing": offering.pk,
            "ekstra_plasser": "2",
        },
    )

    assert response.status_code == 200
    assert response.context["result"]["exact"]["placed"] == 3
    columns = response.context["report"].columns
    assert columns == [
        "Hva om, optimal",
        "Hva om, enkel regel",
        "Siste kjøring, optimal",
        "Siste kjøring, enkel regel",
    ]
    placed = next(
        line for line in response.context["report"].lines if line.label == "Får forslag om plass"
    )
    assert placed.values == [3, 3, 1, 1]
    assert "Beregnet, ikke lagret." in text(response)
    assert MatchingRun.objects.count() == runs
    assert list(MatchProposal.objects.values()) == proposals
    assert Offering.objects.get().free_places == 1


def test_what_if_starts_from_the_county_settings(personas, client):
    client.force_login(personas.intake_x)
    response = client.get(list_url(name="matching-what-if"))
    assert response.status_code == 200
    assert response.context["result"] is None
    assert response.context["form"]["maks_km"].value() == 60


def test_what_if_refuses_bad_input_in_norwegian(personas, client):
    waited(personas, 30, "Anne Aas")
    offering = place(personas, free=1)
    client.force_login(personas.intake_x)

    response = client.get(
        list_url(name="matching-what-if"),
        {
            "vekt_km": "-1",
            "vekt_ventetid": "tre",
            "vekt_match": "10",
            "maks_km": "0",
            "gjennomforing": offering.pk,
        },
    )

    assert response.status_code == 400
    assert response.context["result"] is None
    errors = response.context["form"].errors
    assert errors["vekt_km"] == ["Vekten kan ikke være negativ."]
    assert errors["vekt_ventetid"] == ["Skriv inn et tall."]
    assert errors["maks_km"] == ["Maks reiseavstand må være minst 1 km."]
    assert errors["ekstra_plasser"] == ["Skriv hvor mange ekstra plasser (1–50)."]
    assert "Vekten kan ikke være negativ." in text(response)
    assert MatchingRun.objects.count() == 0


def test_what_if_refuses_an_offering_of_another_list(personas, client):
    other = place(personas, free=1, programme_type=programme("VASV"))
    client.force_login(personas.intake_x)
    response = client.get(
        list_url(name="matching-what-if"),
        {
            "vekt_km": "1",
            "vekt_ventetid": "1",
            "vekt_match": "10",
            "maks_km": "60",
            "gjennomforing": other.pk,
            "ekstra_plasser": "50",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["gjennomforing"] == [
        "Velg en av listens gjennomføringer."
    ]


# --- access ----------------------------------------------------------------------------------


def test_another_countys_team_gets_404_and_cannot_decide(personas, client):
    waited(personas, 30, "Anne Aas")
    place(personas, free=1)
    run()
    proposal = open_proposals()[0]
    client.force_login(personas.intake_y)

    for name in ("matching-list", "matching-history", "matching-what-if"):
        assert client.get(list_url(name=name)).status_code == 404
    assert client.post(list_url(name="matching-run")).status_code == 404
    assert client.post(reverse("matching-confirm", args=[proposal.pk])).status_code == 404
    reject = reverse("matching-reject", args=[proposal.pk])
    data = {f"p{proposal.pk}-reason": RejectReason.PASSER_IKKE}
    assert client.post(reject, data).status_code == 404
    bulk = {"handling": "bekreft", "valgt": [proposal.pk]}
    assert client.post(list_url(name="matching-bulk"), bulk).status_code == 404
    assert client.get(OVERVIEW).context["lists"] == []
    proposal.refresh_from_db()
    assert proposal.status == P.FORESLATT and not Placement.objects.exists()
    assert MatchingRun.objects.count() == 1


@pytest.mark.parametrize(
    "persona", ["caseworker_a", "office_leader_a", "county_leader_x", "provider_user_p", "nobody"]
)
def test_nobody_but_the_intake_team_gets_in(personas, client, persona):
    waited(personas, 30, "Anne Aas")
    place(personas, free=1)
    run()
    proposal = open_proposals()[0]
    client.force_login(getattr(personas, persona))

    assert client.get(OVERVIEW).status_code == 404
    assert client.get(list_url()).status_code == 404
    assert client.post(reverse("matching-confirm", args=[proposal.pk])).status_code == 404
    assert client.post(list_url(name="matching-run")).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == P.FORESLATT


def test_pages_need_login_and_actions_need_post(personas, client):
    assert client.get(OVERVIEW)["Location"].startswith(reverse("login"))
    client.force_login(personas.intake_x)
    assert client.get(list_url(name="matching-run")).status_code == 405
    assert client.get(reverse("matching-confirm", args=[1])).status_code == 405
    assert client.get(list_url(county="99")).status_code == 404


# --- cost ------------------------------------------------------------------------------------


def test_the_list_page_costs_the_same_queries_for_20_and_60_proposals(
    personas, client, django_assert_max_num_queries
):
    def world(people: int) -> None:
        """People in three municipalities, places in two of them: everyone gets a proposal,
        and the candidates named include people proposed elsewhere."""
        MatchProposal.objects.all().delete()
        MatchingRun.objects.all().delete()
        homes = (TRONDHEIM, MELHUS, MALVIK)
        for i in range(people):
            waited(personas, 400 - i, f"Person Nr{i}", home=homes[i % 3])
        for home in (TRONDHEIM, MELHUS):
            place(
                personas,
                free=people // 2 + 1,
                contracted_places=people,
                municipality_id=home,
                name=f"AFT {home}",
            )
        run()

    client.force_login(personas.intake_x)
    world(21)
    assert len(open_proposals()) == 21
    with django_assert_max_num_queries(21) as few:
        client.get(list_url())
    world(42)  # 63 waiting now, 60 with proposals: a full page of 50
    assert len(open_proposals()) > 50
    with django_assert_max_num_queries(21) as many:
        response = client.get(list_url())
    assert len(response.context["rows"]) == 50
    assert any(
        line.text.startswith("fikk forslag hos")
        for row in response.context["rows"]
        for line in row.candidates
    )
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_overview_costs_the_same_queries_for_more_lists(
    personas, client, django_assert_max_num_queries
):
    client.force_login(personas.intake_x)
    waited(personas, 30, "Anne Aas")
    place(personas, free=1)
    run()
    with django_assert_max_num_queries(18) as one:
        client.get(OVERVIEW)
    for code in ("VASV", "ARBRRHDAG"):
        place(personas, free=1, programme_type=programme(code))
    with django_assert_max_num_queries(18) as three:
        response = client.get(OVERVIEW)
    assert len(response.context["lists"]) == 3
    assert len(three.captured_queries) == len(one.captured_queries)
