"""The quality gate (DOMAIN.md section 4): every rule fails with its code and a Norwegian
sentence the caseworker can act on; everything in order passes; all failures come at once."""

import datetime

import pytest
from django.utils import timezone, translation

from intake import selectors
from intake.gate import GateCode, GateResult, gate_check
from intake.models import (
    CV,
    ActivityPlan,
    Person,
    Referral,
    ReferralStatus,
    WorkCapacityAssessment,
)
from org.vocabulary import NeedGroup
from tests.factories import (
    ActivityPlanFactory,
    CVFactory,
    PersonFactory,
    ReferralFactory,
    WorkCapacityAssessmentFactory,
)
from tests.intake.review_world import JUSTIFICATION, programme, ready_person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _norwegian():
    with translation.override("nb"):
        yield


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def check(person: Person, code: str = "ARBFORB", justification=None, **thresholds) -> GateResult:
    """The gate on the person as stored, with the programme type's thresholds overridden."""
    loaded = (
        Person.objects.select_related("cv", "activity_plan")
        .prefetch_related("work_capacity_assessments")
        .get(pk=person.pk)
    )
    programme_type = programme(code)
    for name, value in thresholds.items():
        setattr(programme_type, name, value)
    return gate_check(
        person=loaded,
        programme_type=programme_type,
        justification=JUSTIFICATION if justification is None else justification,
        today=TODAY,
    )


def only_failure(result: GateResult, code: str) -> str:
    assert result.codes == [code], result.failures
    return result.failures[0].message


def test_a_referral_with_everything_in_order_passes():
    result = check(ready_person())
    assert result.passed
    assert result.failures == ()


def test_a_person_without_a_cv_fails_cv_mangler():
    person = ready_person()
    CV.objects.filter(person=person).delete()
    message = only_failure(check(person), GateCode.CV_MANGLER)
    assert message == "Brukeren har ingen CV. Registrer CV-en sammen med brukeren."


def test_a_cv_older_than_six_months_fails_cv_utdatert_with_its_date():
    person = ready_person()
    CV.objects.filter(person=person).update(last_updated=days_ago(200))
    message = only_failure(check(person), GateCode.CV_UTDATERT)
    assert f"{days_ago(200):%d.%m.%Y}" in message
    assert "mer enn 6 måneder siden" in message
    assert message.endswith("Oppdater CV-en sammen med brukeren.")


def test_a_cv_exactly_at_the_limit_still_counts():
    person = ready_person()
    CV.objects.filter(person=person).update(last_updated=days_ago(183))
    assert check(person).passed


def test_a_sheltered_programme_without_an_assessment_fails_aev_mangler():
    person = ready_person()
    WorkCapacityAssessment.objects.filter(person=person).delete()
    message = only_failure(check(person), GateCode.AEV_MANGLER)
    assert message == (
        "AFT krever en arbeidsevnevurdering. Gjør en arbeidsevnevurdering før du henviser."
    )


def test_an_assessment_older_than_twelve_months_fails_aev_utdatert():
    person = ready_person()
    WorkCapacityAssessment.objects.filter(person=person).update(assessed_on=days_ago(400))
    message = only_failure(check(person), GateCode.AEV_UTDATERT)
    assert f"{days_ago(400):%d.%m.%Y}" in message
    assert "mer enn 12 måneder siden" in message
    assert message.endswith("Gjør en ny vurdering.")


def test_an_assessment_without_reduced_work_capacity_fails_aev_ikke_nedsatt():
    person = ready_person()
    WorkCapacityAssessment.objects.filter(person=person).update(reduced_capacity=False)
    message = only_failure(check(person), GateCode.AEV_IKKE_NEDSATT)
    assert "konkluderte med at arbeidsevnen ikke er nedsatt" in message
    assert "AFT er for brukere med nedsatt arbeidsevne" in message


def test_only_the_newest_assessment_counts():
    person = ready_person()
    WorkCapacityAssessmentFactory.create(
        person=person, assessed_on=days_ago(5), reduced_capacity=False
    )
    assert check(person).codes == [GateCode.AEV_IKKE_NEDSATT]


def test_a_person_without_an_activity_plan_fails_aktivitetsplan_mangler():
    person = ready_person()
    ActivityPlan.objects.filter(person=person).delete()
    message = only_failure(check(person), GateCode.AKTIVITETSPLAN_MANGLER)
    assert message == "Brukeren har ingen aktivitetsplan. Lag en aktivitetsplan med et mål."


def test_a_plan_not_approved_fails_aktivitetsplan_ikke_godkjent():
    person = ready_person()
    ActivityPlan.objects.filter(person=person).update(approved=False)
    message = only_failure(check(person), GateCode.AKTIVITETSPLAN_IKKE_GODKJENT)
    assert message == "Aktivitetsplanen er ikke godkjent. Godkjenn planen sammen med brukeren."


def test_a_plan_without_a_goal_fails_aktivitetsplan_uten_mal():
    person = ready_person()
    ActivityPlan.objects.filter(person=person).update(goal="   ")
    message = only_failure(check(person), GateCode.AKTIVITETSPLAN_UTEN_MAL)
    assert message == (
        "Aktivitetsplanen har ikke noe mål. Skriv inn brukerens hovedmål eller yrkesmål."
    )


def test_a_plan_older_than_three_months_fails_aktivitetsplan_utdatert():
    person = ready_person()
    ActivityPlan.objects.filter(person=person).update(last_updated=days_ago(100))
    message = only_failure(check(person), GateCode.AKTIVITETSPLAN_UTDATERT)
    assert f"{days_ago(100):%d.%m.%Y}" in message
    assert "mer enn 3 måneder siden" in message
    assert message.endswith("Gå gjennom planen med brukeren.")


@pytest.mark.parametrize(
    ("part", "label"),
    [
        ("justification_need", "behov"),
        ("justification_goal", "mål"),
        ("justification_why_programme", "hvorfor dette tiltaket"),
        ("justification_why_not_ordinary", "hvorfor ikke et ordinært tiltak"),
    ],
)
def test_a_justification_part_of_a_few_words_fails_begrunnelse_mangelfull(part, label):
    justification = {**JUSTIFICATION, part: "Trenger hjelp."}
    message = only_failure(
        check(ready_person(), justification=justification), GateCode.BEGRUNNELSE_MANGELFULL
    )
    assert message == (f"Begrunnelsen er for kort om {label}. Skriv minst 40 tegn om hver del.")


def test_spaces_do_not_count_towards_the_justification_minimum():
    justification = {**JUSTIFICATION, "justification_goal": "Jobb." + " " * 60}
    assert check(ready_person(), justification=justification).codes == [
        GateCode.BEGRUNNELSE_MANGELFULL
    ]


def test_every_short_justification_part_is_named_in_one_sentence():
    justification = {name: "" for name in JUSTIFICATION}
    message = only_failure(
        check(ready_person(), justification=justification), GateCode.BEGRUNNELSE_MANGELFULL
    )
    assert "behov, mål, hvorfor dette tiltaket, hvorfor ikke et ordinært tiltak" in message


def test_a_need_group_the_programme_does_not_admit_fails_feil_innsatsgruppe():
    person = ready_person(need_group=NeedGroup.STANDARD_INNSATS)
    message = only_failure(check(person), GateCode.FEIL_INNSATSGRUPPE)
    assert message.startswith("AFT er for brukere med spesielt tilpasset innsats")
    assert message.endswith("Brukerens innsatsgruppe er gode muligheter (standard innsats).")


def test_a_person_without_a_need_group_fails_feil_innsatsgruppe():
    person = ready_person(need_group="")
    message = only_failure(check(person), GateCode.FEIL_INNSATSGRUPPE)
    assert message.endswith("Brukerens innsatsgruppe er ingen.")


def test_another_open_referral_in_the_same_programme_type_fails_allerede_aktiv():
    person = ready_person()
    ReferralFactory.create(person=person, status=ReferralStatus.VENTELISTE)
    message = only_failure(check(person), GateCode.ALLEREDE_AKTIV)
    assert message == (
        "Brukeren har allerede en åpen henvisning eller deltakelse i AFT. "
        "Fullfør eller avslutt den først."
    )


def test_a_closed_referral_or_another_programme_type_does_not_count_as_active():
    person = ready_person()
    ReferralFactory.create(
        person=person,
        status=ReferralStatus.IKKE_AKTUELL,
        waitlisted_at=None,
        queue_since=None,
    )
    ReferralFactory.create(person=person, programme_type=programme("VASV"))
    assert check(person).passed


def test_the_referral_being_checked_is_not_another_open_referral():
    person = ready_person()
    referral = ReferralFactory.create(person=person, status=ReferralStatus.SOKT_INN)
    loaded = Person.objects.select_related("cv", "activity_plan").get(pk=person.pk)
    result = gate_check(
        person=loaded,
        programme_type=programme(),
        justification=JUSTIFICATION,
        today=TODAY,
        referral=referral,
    )
    assert result.passed


def test_all_failures_are_listed_at_once():
    person = PersonFactory.create(need_group=NeedGroup.STANDARD_INNSATS)
    ReferralFactory.create(person=person)
    result = check(person, justification={})
    assert result.codes == [
        GateCode.CV_MANGLER,
        GateCode.AEV_MANGLER,
        GateCode.AKTIVITETSPLAN_MANGLER,
        GateCode.BEGRUNNELSE_MANGELFULL,
        GateCode.FEIL_INNSATSGRUPPE,
        GateCode.ALLEREDE_AKTIV,
    ]
    assert all(failure.message for failure in result.failures)


def test_all_four_failures_of_one_plan_and_one_assessment_are_listed_together():
    person = PersonFactory.create()
    CVFactory.create(person=person, last_updated=days_ago(300))
    WorkCapacityAssessmentFactory.create(
        person=person, assessed_on=days_ago(500), reduced_capacity=False
    )
    ActivityPlanFactory.create(person=person, approved=False, goal="", last_updated=days_ago(200))
    assert check(person).codes == [
        GateCode.CV_UTDATERT,
        GateCode.AEV_UTDATERT,
        GateCode.AEV_IKKE_NEDSATT,
        GateCode.AKTIVITETSPLAN_IKKE_GODKJENT,
        GateCode.AKTIVITETSPLAN_UTEN_MAL,
        GateCode.AKTIVITETSPLAN_UTDATERT,
    ]


@pytest.mark.parametrize(
    ("threshold", "value", "code"),
    [
        ("cv_max_age_days", 20, GateCode.CV_UTDATERT),
        ("assessment_max_age_days", 50, GateCode.AEV_UTDATERT),
        ("plan_max_age_days", 5, GateCode.AKTIVITETSPLAN_UTDATERT),
        ("justification_min_chars", 80, GateCode.BEGRUNNELSE_MANGELFULL),
    ],
)
def test_a_stricter_threshold_on_the_programme_type_changes_the_verdict(threshold, value, code):
    person = ready_person()  # CV 30 days, assessment 60 days, plan 10 days old
    assert check(person).passed
    assert check(person, **{threshold: value}).codes == [code]


def test_a_looser_threshold_lets_an_older_cv_and_a_shorter_justification_pass():
    person = ready_person()
    CV.objects.filter(person=person).update(last_updated=days_ago(300))
    short = {name: "Kort, men nok her." for name in JUSTIFICATION}
    assert check(person, justification=short).codes == [
        GateCode.CV_UTDATERT,
        GateCode.BEGRUNNELSE_MANGELFULL,
    ]
    assert check(
        person, justification=short, cv_max_age_days=365, justification_min_chars=10
    ).passed


def test_the_threshold_is_named_in_the_sentence():
    person = ready_person()
    CV.objects.filter(person=person).update(last_updated=days_ago(100))
    message = only_failure(check(person, cv_max_age_days=61), GateCode.CV_UTDATERT)
    assert "mer enn 2 måneder siden" in message


@pytest.mark.parametrize("code", ["AVKLARAG", "INDOPPFAG", "ARBRRHDAG", "JOBBK", "GRUPPEAMO"])
def test_assessment_rules_apply_only_to_programme_types_that_require_one(code):
    person = ready_person(need_group=NeedGroup.SITUASJONSBESTEMT_INNSATS)
    WorkCapacityAssessment.objects.filter(person=person).update(
        reduced_capacity=False, assessed_on=days_ago(900)
    )
    assert check(person, code).passed
    WorkCapacityAssessment.objects.filter(person=person).delete()
    assert check(person, code).passed


@pytest.mark.parametrize("code", ["ARBFORB", "VASV", "APS"])
def test_sheltered_programmes_require_an_assessment(code):
    person = ready_person(need_group=NeedGroup.VARIG_TILPASSET_INNSATS)
    WorkCapacityAssessment.objects.filter(person=person).delete()
    assert check(person, code).codes == [GateCode.AEV_MANGLER]


def test_the_requirement_is_a_flag_on_the_programme_type():
    person = ready_person()
    WorkCapacityAssessment.objects.filter(person=person).delete()
    assert check(person, requires_work_capacity_assessment=False).passed


def test_a_list_checks_the_gate_of_each_row_without_a_query(django_assert_num_queries):
    """The review queue annotates what the gate reads: checking 3 rows costs nothing more."""
    for _ in range(3):
        person = ready_person()
        ReferralFactory.create(person=person, status=ReferralStatus.SOKT_INN)
    rows = list(
        selectors.with_gate_documents(
            Referral.objects.filter(status=ReferralStatus.SOKT_INN)
        ).select_related("programme_type")
    )
    with django_assert_num_queries(0):
        for row in rows:
            result = gate_check(
                person=row.person,
                programme_type=row.programme_type,
                justification={k: getattr(row, k) for k in JUSTIFICATION},
                today=TODAY,
                referral=row,
            )
            assert result.codes == [GateCode.BEGRUNNELSE_MANGELFULL]
