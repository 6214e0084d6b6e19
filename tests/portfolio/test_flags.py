"""Portfolio flags (DOMAIN.md section 8): each rule at its boundaries, the set-based job (raise,
clear, reopen, idempotent, per person), the refresh after a change through the intake services,
and the review of flags. The suite runs on PostgreSQL."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from config.errors import ApplicationError
from intake.models import Person, Placement, PlacementStatus, Referral, ReferralStatus
from intake.services.persons import assessment_add, person_update
from intake.services.referrals import referral_create
from org.models import User
from org.vocabulary import Benefit, CountryBackground, NeedGroup
from portfolio.flag_rules import PENDING_REFERRAL_STATUSES, RULES
from portfolio.models import (
    OPEN_FLAG_STATUSES,
    DismissReason,
    FlagCode,
    FlagEvent,
    FlagEventKind,
    FlagSettings,
    FlagStatus,
    PortfolioFlag,
)
from portfolio.services.flags import (
    FlagRunResult,
    flag_dismiss,
    flag_referral_started,
    flag_snooze,
    flags_refresh,
)
from tests.factories import (
    OfferingFactory,
    PersonFactory,
    ReferralFactory,
    UserFactory,
    WorkCapacityAssessmentFactory,
)
from tests.intake.review_world import JUSTIFICATION, programme

pytestmark = pytest.mark.django_db

C = FlagCode
DAY = datetime.timedelta(days=1)
# Someone who would match every rule that asks for "no programme": under 30, job seeker for a
# year, adapted need group without an assessment, AAP near maksdato, born outside the EEA.
EVERY_RULE_WITHOUT_PROGRAMME = {
    C.UNG_UTEN_AKTIVITET,
    C.LANGTIDSLEDIG,
    C.NEDSATT_ARBEIDSEVNE_UTEN_TILTAK,
    C.AAP_NAER_MAKSDATO,
    C.MANGLER_AEV,
    C.INNVANDRER_UTENFOR_EOS,
}


def today() -> datetime.date:
    return timezone.localdate()


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def person(**fields: Any) -> Person:
    """Nobody any rule holds for, unless told: 40 years old, standard need group, no benefit,
    born in Norway, not registered as a job seeker (at Nav Midtbyen)."""
    values: dict[str, Any] = {
        "birth_date": years_before(today(), 40),
        "need_group": NeedGroup.STANDARD_INNSATS,
        "benefit": Benefit.INGEN,
        "country_background": CountryBackground.NORGE,
        "job_seeker_since": None,
    }
    return PersonFactory.create(**(values | fields))


def everything(**fields: Any) -> Person:
    return person(
        birth_date=years_before(today(), 25),
        job_seeker_since=today() - datetime.timedelta(days=365),
        need_group=NeedGroup.SPESIELT_TILPASSET_INNSATS,
        benefit=Benefit.AAP,
        aap_maksdato=today() + datetime.timedelta(days=100),
        country_background=CountryBackground.UTENFOR_EOS,
        **fields,
    )


def referral(who: Person, status: str, code: str = "ARBFORB") -> Referral:
    return ReferralFactory.create(person=who, status=status, programme_type=programme(code))


def placement(
    who: Person,
    status: str,
    *,
    started_on: datetime.date | None = None,
    ended_on: datetime.date | None = None,
    code: str = "ARBFORB",
) -> Placement:
    """A place in a programme: a participating or finished referral (not a pending one)."""
    active = status in (PlacementStatus.TILDELT, PlacementStatus.DELTAR)
    ref = referral(who, ReferralStatus.DELTAR if active else ReferralStatus.HAR_SLUTTET, code)
    offering = OfferingFactory.create(programme_type=programme(code), contracted_places=1000)
    return Placement.objects.create(
        referral=ref,
        offering=offering,
        assigned_by=UserFactory.create(),
        status=status,
        started_on=started_on,
        ended_on=ended_on,
    )


def open_flags(who: Person) -> dict[str, PortfolioFlag]:
    flags = PortfolioFlag.objects.filter(person=who, status__in=OPEN_FLAG_STATUSES)
    return {f.code: f for f in flags}


def codes(who: Person) -> set[str]:
    return set(open_flags(who))


def flag(who: Person, code: str) -> PortfolioFlag:
    return PortfolioFlag.objects.select_related("suggested_programme_type").get(
        person=who, code=code, status__in=OPEN_FLAG_STATUSES
    )


def events(f: PortfolioFlag) -> list[str]:
    return list(f.events.order_by("at", "pk").values_list("kind", flat=True))


def suggestion(f: PortfolioFlag) -> str | None:
    return f.suggested_programme_type.code if f.suggested_programme_type else None


def snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    return (
        list(PortfolioFlag.objects.order_by("pk").values_list()),
        list(FlagEvent.objects.order_by("pk").values_list()),
    )


# The rules, one by one, at their boundaries


def test_nobody_is_flagged_without_a_reason():
    person()
    assert flags_refresh(today=today()) == FlagRunResult()
    assert PortfolioFlag.objects.count() == 0


def test_young_without_activity_under_30_only():
    thirty_today = person(birth_date=years_before(today(), 30))
    twenty_nine = person(birth_date=years_before(today(), 30) + DAY)

    flags_refresh(today=today())

    assert codes(thirty_today) == set()
    assert codes(twenty_nine) == {C.UNG_UTEN_AKTIVITET}
    f = flag(twenty_nine, C.UNG_UTEN_AKTIVITET)
    assert f.fact_date is None  # never in a programme
    assert suggestion(f) == "INDOPPFAG"
    assert f.status == FlagStatus.AKTIV and f.cleared_at is None
    assert events(f) == [FlagEventKind.FLAGGET]


def test_young_with_a_programme_ended_recently_is_not_flagged_but_long_ago_is():
    young = years_before(today(), 22)
    recent = person(birth_date=young)
    placement(
        recent,
        PlacementStatus.AVSLUTTET,
        started_on=today() - datetime.timedelta(days=200),
        ended_on=today() - datetime.timedelta(days=91),
    )
    long_ago = person(birth_date=young)
    ended = today() - datetime.timedelta(days=93)
    placement(
        long_ago,
        PlacementStatus.AVSLUTTET,
        started_on=ended - datetime.timedelta(days=60),
        ended_on=ended,
    )
    in_programme = person(birth_date=young)
    placement(
        in_programme, PlacementStatus.DELTAR, started_on=today() - datetime.timedelta(days=10)
    )

    flags_refresh(today=today())

    assert codes(recent) == set()
    assert codes(in_programme) == set()
    assert codes(long_ago) == {C.UNG_UTEN_AKTIVITET}
    assert flag(long_ago, C.UNG_UTEN_AKTIVITET).fact_date == ended


def test_young_rule_on_29_february():
    leap_day = datetime.date(2028, 2, 29)
    turned_30 = person(birth_date=datetime.date(1998, 2, 28))
    still_29 = person(birth_date=datetime.date(1998, 3, 1))

    flags_refresh(today=leap_day)

    assert C.UNG_UTEN_AKTIVITET not in codes(turned_30)
    assert C.UNG_UTEN_AKTIVITET in codes(still_29)


def test_long_term_unemployed_from_182_days():
    since = today() - datetime.timedelta(days=182)
    long_term = person(job_seeker_since=since)
    not_yet = person(job_seeker_since=since + DAY)

    flags_refresh(today=today())

    assert codes(not_yet) == set()
    assert codes(long_term) == {C.LANGTIDSLEDIG}
    f = flag(long_term, C.LANGTIDSLEDIG)
    assert f.fact_date == since
    assert suggestion(f) == "JOBBK"


def test_reduced_capacity_without_programme():
    adapted = NeedGroup.SPESIELT_TILPASSET_INNSATS
    without = person(need_group=NeedGroup.VARIG_TILPASSET_INNSATS)
    recently = person(need_group=adapted)
    placement(
        recently,
        PlacementStatus.AVSLUTTET,
        started_on=today() - datetime.timedelta(days=300),
        ended_on=today() - datetime.timedelta(days=181),
    )
    long_ago = person(need_group=adapted)
    ended = today() - datetime.timedelta(days=183)
    placement(
        long_ago,
        PlacementStatus.AVSLUTTET,
        started_on=ended - datetime.timedelta(days=100),
        ended_on=ended,
    )
    standard = person(need_group=NeedGroup.STANDARD_INNSATS)
    for p in (without, recently, long_ago, standard):
        WorkCapacityAssessmentFactory.create(person=p, assessed_on=today() - 10 * DAY)

    flags_refresh(today=today())

    assert codes(without) == {C.NEDSATT_ARBEIDSEVNE_UTEN_TILTAK}
    f = flag(without, C.NEDSATT_ARBEIDSEVNE_UTEN_TILTAK)
    assert f.fact_date is None and suggestion(f) == "ARBFORB"
    assert codes(recently) == set()
    assert codes(long_ago) == {C.NEDSATT_ARBEIDSEVNE_UTEN_TILTAK}
    assert flag(long_ago, C.NEDSATT_ARBEIDSEVNE_UTEN_TILTAK).fact_date == ended
    assert codes(standard) == set()


def test_aap_maksdato_within_365_days():
    within = today() + datetime.timedelta(days=365)
    near = person(benefit=Benefit.AAP, aap_maksdato=within)
    later = person(benefit=Benefit.AAP, aap_maksdato=within + DAY)
    passed = person(benefit=Benefit.AAP, aap_maksdato=today() - DAY)
    on_the_day = person(benefit=Benefit.AAP, aap_maksdato=today())

    flags_refresh(today=today())

    assert codes(near) == {C.AAP_NAER_MAKSDATO}
    f = flag(near, C.AAP_NAER_MAKSDATO)
    assert f.fact_date == within and suggestion(f) == "AVKLARAG"
    assert codes(on_the_day) == {C.AAP_NAER_MAKSDATO}
    assert codes(later) == set()
    assert codes(passed) == set()


def test_missing_assessment_older_than_365_days():
    situational = NeedGroup.SITUASJONSBESTEMT_INNSATS
    fresh = person(need_group=situational)
    WorkCapacityAssessmentFactory.create(person=fresh, assessed_on=today() - 364 * DAY)
    old = person(need_group=situational)
    WorkCapacityAssessmentFactory.create(person=old, assessed_on=today() - 400 * DAY)
    stale = today() - 366 * DAY
    WorkCapacityAssessmentFactory.create(person=old, assessed_on=stale)
    never = person(need_group=situational)
    standard = person(need_group=NeedGroup.STANDARD_INNSATS)

    flags_refresh(today=today())

    assert codes(fresh) == set()
    assert codes(old) == {C.MANGLER_AEV}
    f = flag(old, C.MANGLER_AEV)
    assert f.fact_date == stale  # the latest assessment, too old
    assert suggestion(f) is None
    assert codes(never) == {C.MANGLER_AEV}
    assert flag(never, C.MANGLER_AEV).fact_date is None
    assert codes(standard) == set()


def test_immigrant_outside_eea():
    since = today() - 30 * DAY
    outside = person(country_background=CountryBackground.UTENFOR_EOS, job_seeker_since=since)
    eea = person(country_background=CountryBackground.EOS, job_seeker_since=since)

    flags_refresh(today=today())

    assert codes(outside) == {C.INNVANDRER_UTENFOR_EOS}
    f = flag(outside, C.INNVANDRER_UTENFOR_EOS)
    assert f.fact_date == since and suggestion(f) == "GRUPPEAMO"
    assert codes(eea) == set()


def test_long_in_sheltered_programme_from_730_days():
    started = today() - 731 * DAY
    locked_in = person()
    placement(locked_in, PlacementStatus.DELTAR, started_on=started)
    on_the_day = person()
    placement(on_the_day, PlacementStatus.DELTAR, started_on=today() - 730 * DAY)
    shorter = person()
    placement(shorter, PlacementStatus.DELTAR, started_on=today() - 729 * DAY)
    not_sheltered = person()
    placement(not_sheltered, PlacementStatus.DELTAR, started_on=started, code="JOBBK")
    ended = person()
    placement(ended, PlacementStatus.AVSLUTTET, started_on=started, ended_on=today() - 5 * DAY)
    pending = person()
    placement(pending, PlacementStatus.DELTAR, started_on=started)
    referral(pending, ReferralStatus.KLADD, "JOBBK")

    flags_refresh(today=today())

    assert codes(locked_in) == {C.LENGE_I_SKJERMET_TILTAK}
    f = flag(locked_in, C.LENGE_I_SKJERMET_TILTAK)
    assert f.fact_date == started and suggestion(f) is None
    assert codes(on_the_day) == {C.LENGE_I_SKJERMET_TILTAK}
    assert codes(shorter) == set()
    assert codes(not_sheltered) == set()
    assert codes(ended) == set()
    assert codes(pending) == set()


def test_a_person_matching_everything_gets_one_flag_per_rule():
    who = everything()
    flags_refresh(today=today())
    assert codes(who) == EVERY_RULE_WITHOUT_PROGRAMME


@pytest.mark.parametrize("status", [PlacementStatus.TILDELT, PlacementStatus.DELTAR])
def test_a_programme_excludes_every_rule_but_the_sheltered_one(status):
    who = everything()
    placement(who, status, started_on=today() - 10 * DAY, code="JOBBK")
    flags_refresh(today=today())
    assert codes(who) == set()


@pytest.mark.parametrize("status", PENDING_REFERRAL_STATUSES)
def test_a_pending_referral_excludes_every_rule(status):
    who = everything()
    if status == ReferralStatus.VENTELISTE:
        ReferralFactory.create(person=who, programme_type=programme("JOBBK"))
    else:
        referral(who, status, "JOBBK")
    flags_refresh(today=today())
    assert codes(who) == set()


@pytest.mark.parametrize(
    "status",
    [ReferralStatus.IKKE_AKTUELL, ReferralStatus.AVBRUTT_UTKAST, ReferralStatus.HAR_SLUTTET],
)
def test_a_closed_referral_without_a_place_excludes_nothing(status):
    who = everything()
    referral(who, status)
    flags_refresh(today=today())
    assert codes(who) == EVERY_RULE_WITHOUT_PROGRAMME


def test_the_rules_are_the_seven_codes():
    assert [r.code for r in RULES] == list(FlagCode)


# The job


def test_running_again_changes_nothing():
    people = [everything() for _ in range(3)] + [person()]
    locked_in = person()
    placement(locked_in, PlacementStatus.DELTAR, started_on=today() - 800 * DAY)

    first = flags_refresh(today=today())
    before = snapshot()
    second = flags_refresh(today=today())

    assert first == FlagRunResult(raised=3 * 6 + 1)
    assert second == FlagRunResult() and second.changed == 0
    assert snapshot() == before
    assert PortfolioFlag.objects.count() == 19
    assert FlagEvent.objects.filter(kind=FlagEventKind.FLAGGET).count() == 19
    assert len(people) == 4


def test_a_flag_clears_itself_when_a_referral_is_started():
    who = person(country_background=CountryBackground.UTENFOR_EOS)
    flags_refresh(today=today())
    raised = flag(who, C.INNVANDRER_UTENFOR_EOS)

    referral(who, ReferralStatus.KLADD)
    result = flags_refresh(today=today())

    assert result == FlagRunResult(cleared=1)
    raised.refresh_from_db()
    assert raised.status == FlagStatus.OPPHORT
    assert raised.cleared_at is not None
    assert events(raised) == [FlagEventKind.FLAGGET, FlagEventKind.OPPHORT]
    assert codes(who) == set()
    assert flags_refresh(today=today()) == FlagRunResult()


def test_a_flag_clears_itself_when_the_rule_stops_holding_and_history_stays():
    who = person(job_seeker_since=today() - 200 * DAY)
    flags_refresh(today=today())
    first = flag(who, C.LANGTIDSLEDIG)

    Person.objects.filter(pk=who.pk).update(job_seeker_since=today() - 10 * DAY)
    assert flags_refresh(today=today()) == FlagRunResult(cleared=1)
    first.refresh_from_db()
    assert first.status == FlagStatus.OPPHORT and first.cleared_at is not None

    # The rule holds again: a new flag, the old one stays as history.
    Person.objects.filter(pk=who.pk).update(job_seeker_since=today() - 300 * DAY)
    assert flags_refresh(today=today()) == FlagRunResult(raised=1)
    second = flag(who, C.LANGTIDSLEDIG)
    assert second.pk != first.pk
    statuses = PortfolioFlag.objects.filter(person=who).order_by("pk").values_list("status")
    assert [s for (s,) in statuses] == [FlagStatus.OPPHORT, FlagStatus.AKTIV]
    assert events(first) == [FlagEventKind.FLAGGET, FlagEventKind.OPPHORT]
    assert events(second) == [FlagEventKind.FLAGGET]


def test_the_young_flag_clears_on_turning_30():
    who = person(birth_date=years_before(today(), 30) + DAY)
    flags_refresh(today=today())
    assert codes(who) == {C.UNG_UTEN_AKTIVITET}
    assert flags_refresh(today=today() + DAY) == FlagRunResult(cleared=1)
    assert codes(who) == set()


def test_dismissed_stays_quiet_for_dismissed_quiet_days(personas):
    who = person(country_background=CountryBackground.UTENFOR_EOS)
    flags_refresh(today=today())
    dismissed = flag_dismiss(
        actor=personas.caseworker_a,
        flag_id=flag(who, C.INNVANDRER_UTENFOR_EOS).pk,
        reason=DismissReason.ONSKER_IKKE,
    )

    assert flags_refresh(today=today()) == FlagRunResult()
    PortfolioFlag.objects.filter(pk=dismissed.pk).update(
        reviewed_at=timezone.now() - datetime.timedelta(days=179)
    )
    assert flags_refresh(today=today()) == FlagRunResult()
    assert codes(who) == set()

    PortfolioFlag.objects.filter(pk=dismissed.pk).update(
        reviewed_at=timezone.now() - datetime.timedelta(days=181)
    )
    assert flags_refresh(today=today()) == FlagRunResult(raised=1)
    again = flag(who, C.INNVANDRER_UTENFOR_EOS)
    assert again.pk != dismissed.pk and again.status == FlagStatus.AKTIV
    dismissed.refresh_from_db()
    assert dismissed.status == FlagStatus.IKKE_RELEVANT


def test_dismissal_quiets_only_its_own_rule(personas):
    who = person(
        country_background=CountryBackground.UTENFOR_EOS, job_seeker_since=today() - 200 * DAY
    )
    flags_refresh(today=today())
    flag_dismiss(
        actor=personas.caseworker_a,
        flag_id=flag(who, C.INNVANDRER_UTENFOR_EOS).pk,
        reason=DismissReason.HELSE,
    )
    flags_refresh(today=today())
    assert codes(who) == {C.LANGTIDSLEDIG}


def test_snoozed_comes_back_on_its_date_if_the_rule_holds(personas):
    who = person(country_background=CountryBackground.UTENFOR_EOS)
    flags_refresh(today=today())
    until = today() + 7 * DAY
    snoozed = flag_snooze(
        actor=personas.caseworker_a, flag_id=flag(who, C.INNVANDRER_UTENFOR_EOS).pk, until=until
    )
    assert snoozed.status == FlagStatus.SE_IGJEN

    assert flags_refresh(today=until - DAY) == FlagRunResult()
    snoozed.refresh_from_db()
    assert snoozed.status == FlagStatus.SE_IGJEN

    assert flags_refresh(today=until) == FlagRunResult(reopened=1)
    snoozed.refresh_from_db()
    assert snoozed.status == FlagStatus.AKTIV and snoozed.cleared_at is None
    assert events(snoozed) == [FlagEventKind.FLAGGET, FlagEventKind.SE_IGJEN, FlagEventKind.TILBAKE]
    assert flags_refresh(today=until) == FlagRunResult()
    assert PortfolioFlag.objects.filter(person=who).count() == 1


def test_snoozed_is_cleared_when_the_rule_stops_holding(personas):
    who = person(country_background=CountryBackground.UTENFOR_EOS)
    flags_refresh(today=today())
    until = today() + 7 * DAY
    snoozed = flag_snooze(
        actor=personas.caseworker_a, flag_id=flag(who, C.INNVANDRER_UTENFOR_EOS).pk, until=until
    )
    Person.objects.filter(pk=who.pk).update(country_background=CountryBackground.NORGE)

    assert flags_refresh(today=until) == FlagRunResult(cleared=1)
    snoozed.refresh_from_db()
    assert snoozed.status == FlagStatus.OPPHORT and snoozed.cleared_at is not None
    assert events(snoozed)[-1] == FlagEventKind.OPPHORT
    assert FlagEvent.objects.filter(kind=FlagEventKind.TILBAKE).count() == 0


def test_refresh_for_some_people_touches_only_them():
    a = person(country_background=CountryBackground.UTENFOR_EOS)
    b = person(country_background=CountryBackground.UTENFOR_EOS)

    assert flags_refresh(today=today(), person_ids=[a.pk]) == FlagRunResult(raised=1)
    assert codes(a) == {C.INNVANDRER_UTENFOR_EOS} and codes(b) == set()
    assert flags_refresh(today=today(), person_ids=[]) == FlagRunResult()

    flags_refresh(today=today())
    Person.objects.filter(pk__in=[a.pk, b.pk]).update(country_background=CountryBackground.NORGE)
    assert flags_refresh(today=today(), person_ids=[a.pk]) == FlagRunResult(cleared=1)
    assert codes(a) == set() and codes(b) == {C.INNVANDRER_UTENFOR_EOS}
    assert FlagEvent.objects.filter(flag__person=b).count() == 1


def test_settings_thresholds_change_the_outcome():
    who = person(job_seeker_since=today() - 300 * DAY, birth_date=years_before(today(), 27))
    flags_refresh(today=today())
    assert codes(who) == {C.LANGTIDSLEDIG, C.UNG_UTEN_AKTIVITET}

    FlagSettings.objects.create(pk=1, long_term_days=400, young_age_limit=25)
    assert flags_refresh(today=today()) == FlagRunResult(cleared=2)
    assert codes(who) == set()

    FlagSettings.objects.filter(pk=1).update(long_term_days=250)
    assert flags_refresh(today=today()) == FlagRunResult(raised=1)
    assert codes(who) == {C.LANGTIDSLEDIG}


def test_dismissed_quiet_days_is_a_setting(personas):
    who = person(country_background=CountryBackground.UTENFOR_EOS)
    flags_refresh(today=today())
    dismissed = flag_dismiss(
        actor=personas.caseworker_a,
        flag_id=flag(who, C.INNVANDRER_UTENFOR_EOS).pk,
        reason=DismissReason.I_ARBEID,
    )
    PortfolioFlag.objects.filter(pk=dismissed.pk).update(
        reviewed_at=timezone.now() - datetime.timedelta(days=31)
    )
    assert flags_refresh(today=today()) == FlagRunResult()
    FlagSettings.objects.create(pk=1, dismissed_quiet_days=30)
    assert flags_refresh(today=today()) == FlagRunResult(raised=1)


# After a change through the intake services


def test_person_update_refreshes_their_flags_after_commit(
    personas, django_capture_on_commit_callbacks
):
    who = person(caseworker=personas.caseworker_a)
    other = person(country_background=CountryBackground.UTENFOR_EOS)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        person_update(
            actor=personas.caseworker_a,
            person_id=who.pk,
            expected_version=who.version,
            country_background=CountryBackground.UTENFOR_EOS,
        )
    # Nothing happens before the commit.
    assert len(callbacks) == 1
    assert PortfolioFlag.objects.count() == 0

    callbacks[0]()
    assert codes(who) == {C.INNVANDRER_UTENFOR_EOS}
    assert codes(other) == set()  # only the changed person


def test_assessment_add_clears_missing_assessment_after_commit(
    personas, django_capture_on_commit_callbacks
):
    who = person(need_group=NeedGroup.SITUASJONSBESTEMT_INNSATS)
    flags_refresh(today=today())
    raised = flag(who, C.MANGLER_AEV)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assessment_add(
            actor=personas.caseworker_a,
            person_id=who.pk,
            assessed_on=today() - 2 * DAY,
            reduced_capacity=False,
            need_group=NeedGroup.SITUASJONSBESTEMT_INNSATS,
        )

    assert len(callbacks) == 1
    raised.refresh_from_db()
    assert raised.status == FlagStatus.OPPHORT
    assert events(raised) == [FlagEventKind.FLAGGET, FlagEventKind.OPPHORT]


def test_a_refused_change_queues_nothing(personas, django_capture_on_commit_callbacks):
    who = person()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ApplicationError) as error,
    ):
        person_update(
            actor=personas.caseworker_a,
            person_id=who.pk,
            expected_version=who.version + 1,
            country_background=CountryBackground.UTENFOR_EOS,
        )
    assert error.value.code == "STALE"
    assert callbacks == []


def test_a_new_draft_referral_clears_the_flag_after_commit(
    personas, django_capture_on_commit_callbacks
):
    who = person(country_background=CountryBackground.UTENFOR_EOS)
    flags_refresh(today=today())
    raised = flag(who, C.INNVANDRER_UTENFOR_EOS)

    with django_capture_on_commit_callbacks(execute=True):
        draft = referral_create(
            actor=personas.caseworker_a,
            person=who,
            programme_type=programme("ARBFORB"),
            justification=JUSTIFICATION,
        )

    assert draft.status == ReferralStatus.KLADD
    raised.refresh_from_db()
    assert raised.status == FlagStatus.OPPHORT


# The review


@pytest.fixture
def raised(personas) -> PortfolioFlag:
    who = person(country_background=CountryBackground.UTENFOR_EOS, caseworker=personas.caseworker_a)
    flags_refresh(today=today())
    return flag(who, C.INNVANDRER_UTENFOR_EOS)


def review_events(f: PortfolioFlag) -> list[tuple[str, int | None, str]]:
    return list(f.events.order_by("at", "pk").values_list("kind", "actor_id", "note"))


def test_referral_started_links_the_referral_and_closes_the_flag(personas, raised):
    started = referral(raised.person, ReferralStatus.KLADD)

    done = flag_referral_started(
        actor=personas.caseworker_a, flag_id=raised.pk, referral_id=started.pk
    )

    done.refresh_from_db()
    assert done.status == FlagStatus.HENVISNING_STARTET
    assert done.referral_id == started.pk
    assert done.cleared_at is not None and done.reviewed_at is not None
    assert done.reviewed_by_id == personas.caseworker_a.pk
    assert review_events(done)[-1] == (
        FlagEventKind.HENVISNING_STARTET,
        personas.caseworker_a.pk,
        "",
    )
    # The job leaves a reviewed flag alone.
    assert flags_refresh(today=today()) == FlagRunResult()


def test_referral_started_refuses_another_persons_referral(personas, raised):
    someone_else = referral(person(), ReferralStatus.KLADD)
    with pytest.raises(ApplicationError) as error:
        flag_referral_started(
            actor=personas.caseworker_a, flag_id=raised.pk, referral_id=someone_else.pk
        )
    assert error.value.code == "WRONG_REFERRAL"
    raised.refresh_from_db()
    assert raised.status == FlagStatus.AKTIV


def test_dismiss_needs_a_reason_and_a_comment_for_annet(personas, raised):
    for reason, comment, code in [
        ("", "", "REASON_REQUIRED"),
        ("TULL", "", "REASON_REQUIRED"),
        (DismissReason.ANNET, "   ", "COMMENT_REQUIRED"),
    ]:
        with pytest.raises(ApplicationError) as error:
            flag_dismiss(
                actor=personas.caseworker_a, flag_id=raised.pk, reason=reason, comment=comment
            )
        assert error.value.code == code
    raised.refresh_from_db()
    assert raised.status == FlagStatus.AKTIV

    done = flag_dismiss(
        actor=personas.caseworker_a,
        flag_id=raised.pk,
        reason=DismissReason.ANNET,
        comment=" Flytter til utlandet ",
    )
    done.refresh_from_db()
    assert done.status == FlagStatus.IKKE_RELEVANT
    assert done.dismiss_reason == DismissReason.ANNET and done.comment == "Flytter til utlandet"
    assert done.cleared_at is not None
    assert review_events(done)[-1] == (
        FlagEventKind.IKKE_RELEVANT,
        personas.caseworker_a.pk,
        "Flytter til utlandet",
    )


def test_snooze_date_must_be_after_today_and_within_a_year(personas, raised):
    for until, code in [
        (today(), "DATE_NOT_IN_FUTURE"),
        (today() - DAY, "DATE_NOT_IN_FUTURE"),
        (today() + 400 * DAY, "DATE_TOO_FAR"),
    ]:
        with pytest.raises(ApplicationError) as error:
            flag_snooze(actor=personas.caseworker_a, flag_id=raised.pk, until=until)
        assert error.value.code == code
    until = today() + 30 * DAY
    done = flag_snooze(actor=personas.caseworker_a, flag_id=raised.pk, until=until)
    done.refresh_from_db()
    assert done.status == FlagStatus.SE_IGJEN and done.snooze_until == until
    assert review_events(done)[-1] == (
        FlagEventKind.SE_IGJEN,
        personas.caseworker_a.pk,
        until.strftime("%d.%m.%Y"),
    )


@pytest.mark.parametrize(
    "who", ["caseworker_b", "provider_user_p", "intake_x", "intake_y", "nobody"]
)
def test_review_by_someone_without_access_is_not_found(personas, raised, who):
    actor: User = getattr(personas, who)
    attempts = [
        lambda: flag_dismiss(actor=actor, flag_id=raised.pk, reason=DismissReason.HELSE),
        lambda: flag_snooze(actor=actor, flag_id=raised.pk, until=today() + 5 * DAY),
        lambda: flag_referral_started(
            actor=actor,
            flag_id=raised.pk,
            referral_id=referral(raised.person, ReferralStatus.KLADD, "JOBBK").pk,
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ApplicationError) as error:
            attempt()
        assert error.value.code == "NOT_FOUND"
    raised.refresh_from_db()
    assert raised.status == FlagStatus.AKTIV


def test_unknown_flag_is_not_found(personas):
    with pytest.raises(ApplicationError) as error:
        flag_dismiss(actor=personas.caseworker_a, flag_id=999_999, reason=DismissReason.HELSE)
    assert error.value.code == "NOT_FOUND"


@pytest.mark.parametrize("who", ["office_leader_a", "county_leader_x", "caseworker_a"])
def test_leaders_and_caseworkers_of_the_office_may_review(personas, raised, who):
    done = flag_dismiss(actor=getattr(personas, who), flag_id=raised.pk, reason=DismissReason.HELSE)
    assert done.status == FlagStatus.IKKE_RELEVANT
    assert done.reviewed_by_id == getattr(personas, who).pk


def test_a_second_review_is_refused(personas, raised):
    flag_snooze(actor=personas.caseworker_a, flag_id=raised.pk, until=today() + 5 * DAY)
    # A snoozed flag is still open: it can be reviewed again.
    flag_dismiss(actor=personas.office_leader_a, flag_id=raised.pk, reason=DismissReason.HELSE)
    for attempt in (
        lambda: flag_dismiss(
            actor=personas.caseworker_a, flag_id=raised.pk, reason=DismissReason.HELSE
        ),
        lambda: flag_snooze(actor=personas.caseworker_a, flag_id=raised.pk, until=today() + DAY),
        lambda: flag_referral_started(
            actor=personas.caseworker_a,
            flag_id=raised.pk,
            referral_id=referral(raised.person, ReferralStatus.KLADD).pk,
        ),
    ):
        with pytest.raises(ApplicationError) as error:
            attempt()
        assert error.value.code == "FLAG_CLOSED"


def test_a_flag_cleared_by_the_job_cannot_be_reviewed(personas, raised):
    Person.objects.filter(pk=raised.person_id).update(country_background=CountryBackground.NORGE)
    flags_refresh(today=today())
    with pytest.raises(ApplicationError) as error:
        flag_dismiss(actor=personas.caseworker_a, flag_id=raised.pk, reason=DismissReason.HELSE)
    assert error.value.code == "FLAG_CLOSED"


# Scheduling


def test_the_nightly_job_is_in_the_beat_schedule():
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["flags-nightly"]
    assert entry == {
        "task": "portfolio.flags_refresh_nightly",
        "schedule": crontab(hour=3, minute=0),
    }
    assert "portfolio.flags_refresh_nightly" in app.tasks


def test_the_nightly_task_runs_the_job():
    from portfolio.tasks import flags_refresh_nightly, flags_refresh_person

    a = person(country_background=CountryBackground.UTENFOR_EOS)
    b = person(country_background=CountryBackground.UTENFOR_EOS)
    assert flags_refresh_person.delay(a.pk).get() == 1
    assert codes(b) == set()
    assert flags_refresh_nightly.delay().get() == 1
    assert codes(a) == codes(b) == {C.INNVANDRER_UTENFOR_EOS}
