"""`manage.py seed_demo` at demo scale: what it makes, that it is valid and repeatable, and that
running it again leaves an existing data set alone."""

from __future__ import annotations

import datetime
import io
from itertools import pairwise
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count
from stdnum.no import fodselsnummer, orgnr

from intake.models import (
    CV,
    ActivityPlan,
    Person,
    Placement,
    PlacementStatus,
    Referral,
    ReferralEvent,
    ReferralStatus,
    WorkCapacityAssessment,
)
from intake.selectors import expected_wait, waitlist_exits
from org.models import County, CountyMembership, CountyRole, Office, OfficeRole, Provider, User
from portfolio.demo_data import DEMO_PASSWORD
from portfolio.demo_data.names import NORWEGIAN_MEN, NORWEGIAN_WOMEN
from portfolio.demo_data.placements import FARTHEST_KM, HISTORY_DAYS
from providers.models import CapacityReport, Offering, ProgrammeType

TODAY = datetime.date(2025, 11, 20)
S = ReferralStatus
P = PlacementStatus
# The end of the reference day: what the app would call "now" for waits.
NOW = datetime.datetime.combine(TODAY, datetime.time(23), tzinfo=datetime.UTC)

pytestmark = pytest.mark.django_db


def seed_demo(*args: str) -> str:
    """Run the command as from the shell; the first run of a test passes --reset, in case
    another test module left a data set behind."""
    out = io.StringIO()
    call_command(
        "seed_demo", "--scale", "demo", "--today", TODAY.isoformat(), *args, stdout=out, verbosity=0
    )
    return out.getvalue()


def waitlist_per_county() -> dict[str, int]:
    rows = (
        Referral.objects.filter(status=S.VENTELISTE)
        .values_list("county")
        .annotate(n=Count("pk"))
        .order_by("county")
    )
    return dict(rows)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Everything generated, by natural keys (primary keys and insert times differ per run)."""
    return {
        "persons": sorted(
            Person.objects.values_list(
                "fodselsnummer",
                "first_name",
                "last_name",
                "birth_date",
                "home_municipality",
                "office__number",
                "caseworker__username",
                "need_group",
                "need_group_decided_on",
                "benefit",
                "aap_maksdato",
                "education_level",
                "country_background",
                "job_seeker_since",
                "needs",
                "max_travel_km",
                "protection_level",
            )
        ),
        "cvs": sorted(CV.objects.values_list("person__fodselsnummer", "last_updated")),
        "assessments": sorted(
            WorkCapacityAssessment.objects.values_list(
                "person__fodselsnummer", "assessed_on", "reduced_capacity", "need_group"
            )
        ),
        "plans": sorted(
            ActivityPlan.objects.values_list(
                "person__fodselsnummer", "goal", "approved", "last_updated", "planned_activities"
            )
        ),
        "users": sorted(
            User.objects.values_list(
                "username", "first_name", "last_name", "email", "password", "date_joined"
            ).exclude(
                username__in=["veileder", "inntak", "arrangor", "leder", "fylkesleder", "admin"]
            )
        ),
        "providers": sorted(Provider.objects.values_list("orgnr", "name")),
        "offerings": sorted(
            Offering.objects.values_list(
                "name",
                "provider__orgnr",
                "programme_type__code",
                "municipality",
                "contracted_places",
                "start_type",
                "competence_tags",
                "open_for_intake",
                "cohort_starts_on",
                "cohort_ends_on",
                "free_places",
                "free_from",
                "places_assigned",
                "places_occupied",
            )
        ),
        "referrals": sorted(
            Referral.objects.values_list(
                "person__fodselsnummer",
                "programme_type__code",
                "county",
                "office__number",
                "created_by__username",
                "status",
                "justification_need",
                "justification_goal",
                "justification_why_programme",
                "justification_why_not_ordinary",
                "submitted_at",
                "waitlisted_at",
                "created_at",
            )
        ),
        "events": sorted(
            ReferralEvent.objects.values_list(
                "referral__person__fodselsnummer",
                "referral__programme_type__code",
                "at",
                "kind",
                "from_status",
                "to_status",
                "actor__username",
                "actor_office__number",
                "actor_county",
                "reasons",
                "comment",
            )
        ),
        "placements": sorted(
            Placement.objects.values_list(
                "referral__person__fodselsnummer",
                "referral__programme_type__code",
                "offering__name",
                "status",
                "assigned_by__username",
                "assigned_at",
                "planned_start",
                "started_on",
                "ended_on",
                "end_reason",
                "outcome",
                "version",
            )
        ),
        "capacity_reports": sorted(
            CapacityReport.objects.values_list(
                "offering__name",
                "created_at",
                "free_places",
                "free_from",
                "note",
                "reported_by__username",
                "channel",
                "contracted_places",
                "places_assigned",
                "places_occupied",
            )
        ),
    }


def passes_gate(referral: Referral, day: datetime.date) -> bool:
    """The automatic quality gate of DOMAIN.md section 4, with the programme type's thresholds."""
    person, rules = referral.person, referral.programme_type
    cv = CV.objects.filter(person=person).first()
    assessment = (
        WorkCapacityAssessment.objects.filter(person=person).order_by("-assessed_on").first()
    )
    plan = ActivityPlan.objects.filter(person=person).first()
    parts = (
        referral.justification_need,
        referral.justification_goal,
        referral.justification_why_programme,
        referral.justification_why_not_ordinary,
    )
    return (
        cv is not None
        and (day - cv.last_updated).days <= rules.cv_max_age_days
        and (
            not rules.requires_work_capacity_assessment
            or (
                assessment is not None
                and assessment.reduced_capacity
                and (day - assessment.assessed_on).days <= rules.assessment_max_age_days
            )
        )
        and plan is not None
        and plan.approved
        and bool(plan.goal)
        and (day - plan.last_updated).days <= rules.plan_max_age_days
        and all(len(part.strip()) >= rules.justification_min_chars for part in parts)
        and rules.admits(person.need_group)
    )


PLACED = (S.VENTER_PA_OPPSTART, S.DELTAR, S.HAR_SLUTTET)


def test_demo_scale_fills_every_county_and_richest_trondelag() -> None:
    seed_demo("--reset")

    assert Person.objects.count() == 3000
    statuses = dict(Referral.objects.values_list("status").annotate(n=Count("pk")).order_by())
    placed = {status: statuses.pop(status) for status in list(statuses) if status in PLACED}
    assert statuses == {
        S.KLADD: 25,
        S.SOKT_INN: 30,
        S.RETURNERT: 20,
        S.VENTELISTE: 300,
        S.IKKE_AKTUELL: 40,
    }
    # Participants on the order of the places the demo's people can fill.
    places = sum(Offering.objects.values_list("contracted_places", flat=True))
    assert 400 <= places <= 1600
    assert set(placed) == set(PLACED)
    assert 0.8 * places <= placed[S.DELTAR] + placed[S.VENTER_PA_OPPSTART] <= places
    assert placed[S.VENTER_PA_OPPSTART] < 0.2 * placed[S.DELTAR]
    assert Offering.objects.count() == 60
    waiting = waitlist_per_county()
    assert set(waiting) == set(County.objects.values_list("number", flat=True))
    assert len(set(Person.objects.values_list("office__county", flat=True))) == 15
    assert waiting["50"] == max(waiting.values())
    assert Offering.objects.filter(municipality__county="50").count() >= 10


def test_persons_live_where_their_office_serves_and_most_have_a_caseworker() -> None:
    seed_demo("--reset")

    served = set(Office.municipalities.through.objects.values_list("office", "municipality"))
    persons = list(Person.objects.values_list("office", "home_municipality", "caseworker"))
    assert all((office, home) in served for office, home, _ in persons)
    unassigned = sum(caseworker is None for _, _, caseworker in persons)
    assert 0 < unassigned < 0.06 * len(persons)
    protected = Person.objects.exclude(protection_level="UGRADERT").count()
    assert 0 < protected < 0.02 * len(persons)


def test_every_fodselsnummer_is_valid_unique_and_agrees_with_the_person() -> None:
    seed_demo("--reset")

    persons = list(Person.objects.values_list("fodselsnummer", "birth_date", "first_name"))
    numbers = [number for number, _, _ in persons]
    assert len(set(numbers)) == len(numbers)
    for number, birth_date, first_name in persons:
        assert fodselsnummer.is_valid(number), number
        assert fodselsnummer.get_birth_date(number) == birth_date
        if first_name in NORWEGIAN_MEN and first_name not in NORWEGIAN_WOMEN:
            assert fodselsnummer.get_gender(number) == "M"
        elif first_name in NORWEGIAN_WOMEN and first_name not in NORWEGIAN_MEN:
            assert fodselsnummer.get_gender(number) == "F"
    organisation_numbers = list(Provider.objects.values_list("orgnr", flat=True))
    assert len(set(organisation_numbers)) == len(organisation_numbers)
    assert all(orgnr.is_valid(number) for number in organisation_numbers)


def test_referrals_keep_the_rules_and_their_history() -> None:
    seed_demo("--reset")

    inntak = User.objects.get(username="inntak")
    referrals = Referral.objects.select_related("person__office", "programme_type")
    for referral in referrals.prefetch_related("events"):
        assert referral.county_id == referral.person.office.county_id
        assert referral.programme_type.admits(referral.person.need_group)
        events = list(referral.events.all())
        assert [e.at for e in events] == sorted({e.at for e in events})
        assert events[0].kind == "OPPRETTET"
        assert events[-1].to_status == referral.status
        assert all(e.from_status == before.to_status for before, e in pairwise(events))
        submitters = {e.actor_id for e in events if e.kind == "SOKT_INN"}
        for event in events:
            assert event.actor_id != inntak.pk
            if event.kind in ("GODKJENT", "RETURNERT", "TILDELT"):
                assert event.actor_county_id == referral.county_id
                assert event.actor_id not in submitters
            if event.kind == "RETURNERT":
                assert event.reasons
                assert event.comment
        if referral.status == S.VENTELISTE:
            assert referral.waitlisted_at == events[-1].at
        if referral.status in PLACED:
            kinds = [e.kind for e in events]
            after = {
                S.VENTER_PA_OPPSTART: ["GODKJENT", "TILDELT"],
                S.DELTAR: ["GODKJENT", "TILDELT", "STARTET"],
                S.HAR_SLUTTET: ["GODKJENT", "TILDELT", "STARTET", "AVSLUTTET"],
            }[S(referral.status)]
            assert kinds[-len(after) :] == after
            assert kinds.count("GODKJENT") == 1
            assert referral.waitlisted_at == events[-len(after)].at
            assert events[-1].at.date() < TODAY
    waitlisted = Referral.objects.filter(status=S.VENTELISTE)
    months = [at.month for at in waitlisted.values_list("waitlisted_at", flat=True) if at]
    assert sum(m in (10, 11) for m in months) > 3 * sum(m == 7 for m in months)


def test_some_referrals_would_pass_the_quality_gate_and_some_would_not() -> None:
    seed_demo("--reset")

    referrals = Referral.objects.select_related("person", "programme_type")
    submitted = [passes_gate(r, TODAY) for r in referrals.filter(status=S.SOKT_INN)]
    assert all(submitted)
    unfinished = [
        passes_gate(r, TODAY) for r in referrals.filter(status__in=[S.KLADD, S.RETURNERT])
    ]
    assert any(unfinished)
    assert not all(unfinished)
    for event in ReferralEvent.objects.filter(kind="RETURNERT", referral__status=S.RETURNERT):
        if "CV_UTDATERT" in event.reasons:
            cv = CV.objects.get(person=event.referral.person)
            assert (event.at.date() - cv.last_updated).days > 183


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data() -> None:
    seed_demo("--reset")
    first, first_waiting = snapshot(), waitlist_per_county()

    seed_demo("--reset")
    assert waitlist_per_county() == first_waiting
    assert snapshot() == first

    seed_demo("--reset", "--seed", "2")
    second = snapshot()
    assert second["persons"] != first["persons"]
    assert [p[0] for p in second["persons"]] != [p[0] for p in first["persons"]]


def test_a_second_run_without_reset_changes_nothing_but_repairs_the_logins() -> None:
    seed_demo("--reset")
    before = snapshot()
    veileder = User.objects.get(username="veileder")
    veileder.set_password("something-else")
    veileder.save()

    output = seed_demo()

    assert "Demo data already present (3000 persons); use --reset to rebuild" in output
    assert snapshot() == before
    veileder.refresh_from_db()
    assert veileder.check_password(DEMO_PASSWORD)


def test_demo_logins_have_the_documented_password_and_their_roles() -> None:
    output = seed_demo("--reset")

    for username in ("veileder", "inntak", "arrangor", "leder", "fylkesleder", "admin"):
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD), username
        assert user.first_name and user.last_name
        assert f"{username}" in output
    assert DEMO_PASSWORD in output

    veileder = User.objects.get(username="veileder")
    assert veileder.office_memberships.get().office.name == "Nav Midtbyen"
    assert veileder.office_memberships.get().role == OfficeRole.VEILEDER
    portfolio = Person.objects.filter(caseworker=veileder)
    assert 140 <= portfolio.count() <= 160
    assert set(portfolio.values_list("office__name", flat=True)) == {"Nav Midtbyen"}
    assert set(Referral.objects.filter(created_by=veileder).values_list("status", flat=True)) >= {
        S.KLADD,
        S.SOKT_INN,
        S.RETURNERT,
        S.VENTELISTE,
    }
    leder = User.objects.get(username="leder").office_memberships.get()
    assert (leder.office.name, leder.role) == ("Nav Midtbyen", OfficeRole.LEDER)
    inntak = User.objects.get(username="inntak").county_memberships.get()
    assert (inntak.county_id, inntak.role) == ("50", CountyRole.INNTAKSTEAM)
    fylkesleder = User.objects.get(username="fylkesleder").county_memberships.get()
    assert (fylkesleder.county_id, fylkesleder.role) == ("50", CountyRole.LEDER)
    provider = User.objects.get(username="arrangor").provider_memberships.get().provider
    assert provider.offerings.filter(municipality__county="50").count() >= 3
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    generated = User.objects.exclude(
        username__in=["veileder", "inntak", "arrangor", "leder", "fylkesleder", "admin"]
    )
    assert generated.exists()
    assert not any(user.has_usable_password() for user in generated)


def test_people_left_the_waitlists_recently_so_waits_can_be_estimated() -> None:
    seed_demo("--reset")

    left = Referral.objects.filter(status=S.IKKE_AKTUELL)
    assert left.count() == 40
    assert all(r.waitlisted_at and r.closed_reason for r in left)
    exits = waitlist_exits(
        county_number="50",
        programme_type_ids=list(ProgrammeType.objects.values_list("pk", flat=True)),
        now=datetime.datetime.combine(TODAY, datetime.time(23), tzinfo=datetime.UTC),
    )
    assert sum(exits.values()) > 0


def test_offering_counters_are_the_counts_of_their_placements_within_capacity() -> None:
    seed_demo("--reset")

    counts = {
        (offering, status): n
        for offering, status, n in Placement.objects.values_list("offering", "status")
        .annotate(n=Count("pk"))
        .order_by()
    }
    in_use = places = 0
    utilisation = []
    for offering in Offering.objects.all():
        assert offering.places_occupied == counts.get((offering.pk, P.DELTAR), 0), offering
        assert offering.places_assigned == counts.get((offering.pk, P.TILDELT), 0), offering
        spoken_for = offering.places_assigned + offering.places_occupied
        assert offering.free_places + spoken_for <= offering.contracted_places, offering
        in_use += spoken_for
        places += offering.contracted_places
        utilisation.append(spoken_for / offering.contracted_places)
        if not offering.open_for_intake:
            assert offering.places_assigned == 0
    assert 0.85 <= in_use / places <= 0.95
    assert min(utilisation) < 0.8 < 0.95 < max(utilisation)


def test_free_places_come_from_the_latest_capacity_report() -> None:
    seed_demo("--reset")

    offerings = list(Offering.objects.filter(open_for_intake=True))
    reporting = [o for o in offerings if o.free_places > 0]
    assert 0.2 * len(offerings) <= len(reporting) <= 0.45 * len(offerings)
    for offering in reporting:
        latest = offering.capacity_reports.order_by("-created_at", "-pk").first()
        assert latest is not None
        assert (latest.free_places, latest.free_from) == (offering.free_places, offering.free_from)
        assert offering.free_from is not None
        assert TODAY <= offering.free_from <= TODAY + datetime.timedelta(days=30)
        assert latest.created_at.date() < TODAY
        # Nobody has been given one of these places since.
        assert not offering.placements.filter(assigned_at__gt=latest.created_at).exists()
        # Since the report people only started (assigned to occupied) or left.
        assert latest.places_assigned >= offering.places_assigned
        spoken_for = offering.places_assigned + offering.places_occupied
        assert latest.places_assigned + latest.places_occupied >= spoken_for
    assert not Offering.objects.filter(free_places=0, free_from__isnull=False).exists()
    reports = CapacityReport.objects.select_related("offering", "reported_by")
    assert reports.count() > len(reporting)  # some history
    arrangor = User.objects.get(username="arrangor")
    for report in reports:
        assert report.free_places <= (
            report.contracted_places - report.places_assigned - report.places_occupied
        )
        assert report.contracted_places == report.offering.contracted_places
        assert report.created_at.date() >= TODAY - datetime.timedelta(days=HISTORY_DAYS)
        assert report.free_from >= report.created_at.date() - datetime.timedelta(days=14)
        members = report.offering.provider.memberships.values_list("user", flat=True)
        assert report.reported_by is None or report.reported_by.pk in set(members)
    assert {report.channel for report in reports} == {"WEB", "API"}
    assert reports.filter(reported_by=arrangor).exists()


def test_every_participant_holds_one_place_of_their_referral_near_home() -> None:
    seed_demo("--reset")

    expected = {S.VENTER_PA_OPPSTART: P.TILDELT, S.DELTAR: P.DELTAR, S.HAR_SLUTTET: P.AVSLUTTET}
    referrals = Referral.objects.filter(status__in=PLACED).select_related(
        "person__home_municipality", "programme_type"
    )
    intake = set(
        CountyMembership.objects.filter(role=CountyRole.INNTAKSTEAM).values_list("user", "county")
    )
    excluded = set(Person.excluded_providers.through.objects.values_list("person", "provider"))
    outcomes = set()
    for referral in referrals.prefetch_related("placements__offering__municipality", "events"):
        placements = list(referral.placements.all())
        assert len(placements) == 1, referral
        placement = placements[0]
        offering = placement.offering
        assert placement.status == expected[S(referral.status)]
        assert offering.programme_type_id == referral.programme_type_id
        assert offering.municipality.county_id == referral.county_id
        person = referral.person
        assert referral.programme_type.admits(person.need_group)
        km = person.home_municipality.distance_km(offering.municipality)
        assert km <= (person.max_travel_km or FARTHEST_KM)
        assert (person.pk, offering.provider_id) not in excluded
        assigned = next(e for e in referral.events.all() if e.kind == "TILDELT")
        assert (placement.assigned_at, placement.assigned_by_id) == (assigned.at, assigned.actor_id)
        assert (placement.assigned_by_id, referral.county_id) in intake
        if placement.status == P.TILDELT:
            assert placement.started_on is None
            assert placement.planned_start is not None
            assert TODAY < placement.planned_start <= TODAY + datetime.timedelta(days=60)
        else:
            assert placement.started_on is not None
            assert assigned.at.date() < placement.started_on < TODAY
        if placement.status == P.AVSLUTTET:
            assert placement.ended_on is not None
            assert placement.started_on is not None
            assert placement.started_on <= placement.ended_on < TODAY
            assert placement.ended_on >= TODAY - datetime.timedelta(days=HISTORY_DAYS + 3)
            assert placement.end_reason == referral.closed_reason != ""
            outcomes.add(placement.outcome)
        else:
            assert placement.ended_on is None
            assert not placement.outcome
    assert outcomes == {"ARBEID", "UTDANNING", "ANNET_TILTAK", "HELSE", "ANNET"}
    recent = Placement.objects.filter(
        status=P.AVSLUTTET, ended_on__gte=TODAY - datetime.timedelta(days=40)
    )
    assert recent.exists()
    assert Placement.objects.filter(
        status=P.AVSLUTTET, ended_on__lt=TODAY - datetime.timedelta(days=40)
    ).exists()
    # Placements made here: one per person, in no programme type they wait for or are referred to.
    persons = list(Placement.objects.values_list("referral__person", flat=True))
    assert len(persons) == len(set(persons))
    placed_types = set(
        Placement.objects.values_list("referral__person", "referral__programme_type")
    )
    others = Referral.objects.exclude(status__in=PLACED)
    assert not placed_types & set(others.values_list("person", "programme_type"))


def test_places_given_are_the_main_exit_and_waits_are_plausible() -> None:
    seed_demo("--reset")

    since = NOW - datetime.timedelta(weeks=12)
    left = ReferralEvent.objects.filter(from_status=S.VENTELISTE, at__gte=since)
    assert left.filter(kind="TILDELT").count() > 2 * left.exclude(kind="TILDELT").count()
    sheltered = dict(
        ProgrammeType.objects.filter(code__in=["VASV", "ARBFORB"]).values_list("pk", "code")
    )
    exits = waitlist_exits(county_number="50", programme_type_ids=list(sheltered), now=NOW)
    for pk in sheltered:
        waiting = Referral.objects.filter(
            status=S.VENTELISTE, county="50", programme_type=pk
        ).count()
        weeks = expected_wait(position=waiting, exits=exits.get(pk, 0)).weeks
        # The last in line waits a few months to a year or two.
        assert weeks is not None
        assert 8 <= weeks <= 110, (sheltered[pk], waiting, exits.get(pk))


def test_the_demo_provider_and_intake_team_see_every_state_and_free_places() -> None:
    seed_demo("--reset")

    provider = User.objects.get(username="arrangor").provider_memberships.get().provider
    placements = Placement.objects.filter(offering__provider=provider)
    assert set(placements.values_list("status", flat=True)) == {P.TILDELT, P.DELTAR, P.AVSLUTTET}
    protected = placements.filter(status__in=[P.TILDELT, P.DELTAR]).exclude(
        referral__person__protection_level="UGRADERT"
    )
    assert protected.exists()
    assert provider.offerings.filter(free_places__gt=0).exists()
    assert placements.filter(referral__status=S.DELTAR).count() >= 10
    free_types = set(
        Offering.objects.filter(
            municipality__county="50", open_for_intake=True, free_places__gt=0
        ).values_list("programme_type", flat=True)
    )
    assert len(free_types) >= 2
    veileder = User.objects.get(username="veileder")
    assert Referral.objects.filter(created_by=veileder, status__in=PLACED).exists()
