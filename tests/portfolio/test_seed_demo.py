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
    Referral,
    ReferralEvent,
    ReferralStatus,
    WorkCapacityAssessment,
)
from intake.selectors import waitlist_exits
from org.models import County, CountyRole, Office, OfficeRole, Provider, User
from portfolio.demo_data import DEMO_PASSWORD
from portfolio.demo_data.names import NORWEGIAN_MEN, NORWEGIAN_WOMEN
from providers.models import Offering, ProgrammeType

TODAY = datetime.date(2025, 11, 20)
S = ReferralStatus

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


def test_demo_scale_fills_every_county_and_richest_trondelag() -> None:
    seed_demo("--reset")

    assert Person.objects.count() == 3000
    statuses = dict(Referral.objects.values_list("status").annotate(n=Count("pk")).order_by())
    assert statuses == {
        S.KLADD: 25,
        S.SOKT_INN: 30,
        S.RETURNERT: 20,
        S.VENTELISTE: 300,
        S.IKKE_AKTUELL: 40,
    }
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
            if event.kind in ("GODKJENT", "RETURNERT"):
                assert event.actor_county_id == referral.county_id
                assert event.actor_id not in submitters
            if event.kind == "RETURNERT":
                assert event.reasons
                assert event.comment
        if referral.status == S.VENTELISTE:
            assert referral.waitlisted_at == events[-1].at
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
