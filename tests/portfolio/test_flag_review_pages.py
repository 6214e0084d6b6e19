"""The review of flags: one flag's page and a person's flags, with the facts, the hint and
the suggestion, the actions "Henvisning startet", "Ikke relevant" and "Se på igjen", refusals
shown next to the field, a second click as a message, and the flag's history."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from intake.models import Person, ReferralStatus
from org.vocabulary import Benefit, CountryBackground, NeedGroup, ProtectionLevel
from portfolio.flag_texts import flag_explanation, flag_hint
from portfolio.models import (
    DismissReason,
    FlagCode,
    FlagEvent,
    FlagEventKind,
    FlagStatus,
    PortfolioFlag,
)
from portfolio.services.flags import flags_refresh
from providers.models import ProgrammeType
from tests.conftest import Personas
from tests.factories import PersonFactory, ReferralFactory

TODAY = datetime.date(2026, 11, 27)


@pytest.fixture
def person(personas: Personas) -> Person:
    return PersonFactory.create(
        first_name="Ola",
        last_name="Flagg",
        caseworker=personas.caseworker_a,
        job_seeker_since=timezone.localdate() - datetime.timedelta(days=300),
        benefit=Benefit.DAGPENGER,
    )


@pytest.fixture
def flag(person: Person) -> PortfolioFlag:
    """Raised by the job itself, with its history row."""
    flags_refresh(person_ids=[person.pk])
    return PortfolioFlag.objects.get(person=person, code=FlagCode.LANGTIDSLEDIG)


def _url(name: str, flag: PortfolioFlag) -> str:
    return reverse(name, args=[flag.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the page ------------------------------------------------------------------------------


def test_flag_page_shows_explanation_hint_suggestion_and_history(client, personas, flag):
    client.force_login(personas.caseworker_a)
    response = client.get(_url("portfolio-flag", flag))
    assert response.status_code == 200
    page = response.content.decode()
    since = flag.fact_date.strftime("%d.%m.%Y")
    assert f"Arbeidssøker siden {since} (9 måneder), uten tiltak" in page
    assert "Korte tiltak og hjelp til å finne jobb" in page
    assert ProgrammeType.objects.get(code="JOBBK").name in page
    assert "ikke en beslutning" in page
    assert "Flagget" in page  # the FLAGGET event in the history
    assert "Henvisning startet" in page and "Ikke relevant" in page and "Se på igjen" in page


def test_leaders_may_review_and_other_offices_may_not(client, personas, flag):
    client.force_login(personas.county_leader_x)
    assert client.get(_url("portfolio-flag", flag)).status_code == 200
    for outsider in (personas.caseworker_b, personas.intake_x, personas.nobody):
        client.force_login(outsider)
        assert client.get(_url("portfolio-flag", flag)).status_code == 404
        response = client.post(_url("portfolio-flag-dismiss", flag), {"reason": "HELSE"})
        assert response.status_code == 404
    flag.refresh_from_db()
    assert flag.status == FlagStatus.AKTIV


def test_protected_persons_flags_are_closed_to_users_without_clearance(client, personas):
    hidden = PersonFactory.create(protection_level=ProtectionLevel.FORTROLIG)
    flag = PortfolioFlag.objects.create(person=hidden, code=FlagCode.MANGLER_AEV)
    client.force_login(personas.caseworker_a)
    assert client.get(_url("portfolio-flag", flag)).status_code == 404
    assert client.get(reverse("portfolio-person-flags", args=[hidden.pk])).status_code == 404


def test_person_flags_page_lists_open_and_closed_flags(client, personas, person, flag):
    closed = PortfolioFlag.objects.create(
        person=person,
        code=FlagCode.MANGLER_AEV,
        status=FlagStatus.IKKE_RELEVANT,
        dismiss_reason=DismissReason.HELSE,
    )
    client.force_login(personas.caseworker_a)
    response = client.get(reverse("portfolio-person-flags", args=[person.pk]))
    assert response.status_code == 200
    assert flag in [c.flag for c in response.context["open_cards"]]
    assert [c.flag for c in response.context["closed_cards"]] == [closed]
    assert "Helsen tillater ikke tiltak nå" in response.content.decode()


# --- "Henvisning startet" ------------------------------------------------------------------


def test_referral_started_closes_the_flag_with_a_link(client, personas, person, flag):
    referral = ReferralFactory.create(person=person, status=ReferralStatus.KLADD)
    client.force_login(personas.caseworker_a)
    back = reverse("portfolio-list")
    response = client.post(
        _url("portfolio-flag-referral", flag), {"referral": referral.pk, "tilbake": back}
    )
    assert response.status_code == 302
    assert response["Location"] == back
    flag.refresh_from_db()
    assert flag.status == FlagStatus.HENVISNING_STARTET
    assert flag.referral == referral
    assert flag.reviewed_by == personas.caseworker_a
    page = client.get(_url("portfolio-flag", flag)).content.decode()
    assert reverse("referral-detail", args=[referral.pk]) in page
    assert list(flag.events.values_list("kind", flat=True)) == [
        FlagEventKind.FLAGGET,
        FlagEventKind.HENVISNING_STARTET,
    ]


def test_referral_of_another_person_is_refused_next_to_the_field(client, personas, flag):
    other = ReferralFactory.create(person=PersonFactory.create())
    ReferralFactory.create(person=flag.person, status=ReferralStatus.KLADD)
    client.force_login(personas.caseworker_a)
    response = client.post(_url("portfolio-flag-referral", flag), {"referral": other.pk})
    assert response.status_code == 400
    form = response.context["card"].forms["referral"]
    assert form.errors["referral"] == ["Velg en henvisning for brukeren."]
    assert "Henvisningen hører ikke til denne brukeren." in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.AKTIV


def test_an_external_back_address_is_not_followed(client, personas, person, flag):
    referral = ReferralFactory.create(person=person, status=ReferralStatus.KLADD)
    client.force_login(personas.caseworker_a)
    response = client.post(
        _url("portfolio-flag-referral", flag),
        {"referral": referral.pk, "tilbake": "https://example.com/"},
    )
    assert response["Location"] == _url("portfolio-flag", flag)


# --- "Ikke relevant" -----------------------------------------------------------------------


def test_dismiss_with_annet_needs_a_comment(client, personas, flag):
    client.force_login(personas.caseworker_a)
    response = client.post(_url("portfolio-flag-dismiss", flag), {"reason": "ANNET"})
    assert response.status_code == 400
    assert response.context["card"].forms["dismiss"].errors["comment"] == [
        "Skriv en kort forklaring."
    ]
    flag.refresh_from_db()
    assert flag.status == FlagStatus.AKTIV

    response = client.post(
        _url("portfolio-flag-dismiss", flag), {"reason": "ANNET", "comment": "Flytter snart"}
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == FlagStatus.IKKE_RELEVANT
    assert flag.comment == "Flytter snart"
    assert _messages(response) == ["Flagget er markert som ikke relevant."]


def test_dismiss_without_a_reason_is_refused(client, personas, flag):
    client.force_login(personas.caseworker_a)
    response = client.post(_url("portfolio-flag-dismiss", flag), {"reason": ""})
    assert response.status_code == 400
    assert response.context["card"].forms["dismiss"].errors["reason"] == ["Velg en begrunnelse."]


def test_second_click_says_the_flag_is_already_handled(client, personas, flag):
    client.force_login(personas.caseworker_a)
    client.post(_url("portfolio-flag-dismiss", flag), {"reason": DismissReason.HELSE})
    response = client.post(_url("portfolio-flag-dismiss", flag), {"reason": DismissReason.HELSE})
    assert response.status_code == 302
    assert response["Location"] == _url("portfolio-flag", flag)
    assert any("Flagget er allerede behandlet" in m for m in _messages(response))
    page = client.get(response["Location"]).content.decode()
    assert "Markert som ikke relevant" in page  # the history
    assert FlagEvent.objects.filter(flag=flag, kind=FlagEventKind.IKKE_RELEVANT).count() == 1


# --- "Se på igjen" -------------------------------------------------------------------------


def test_snooze_needs_a_date_after_today(client, personas, flag):
    client.force_login(personas.caseworker_a)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(_url("portfolio-flag-snooze", flag), {"until": yesterday.isoformat()})
    assert response.status_code == 400
    assert response.context["card"].forms["snooze"].errors["until"] == ["Velg en dato etter i dag."]
    response = client.post(_url("portfolio-flag-snooze", flag), {"until": ""})
    assert response.status_code == 400
    assert response.context["card"].forms["snooze"].errors["until"] == ["Velg en dato etter i dag."]
    flag.refresh_from_db()
    assert flag.status == FlagStatus.AKTIV


def test_snooze_sets_the_flag_aside_until_the_date(client, personas, flag):
    client.force_login(personas.caseworker_a)
    until = timezone.localdate() + datetime.timedelta(days=30)
    response = client.post(_url("portfolio-flag-snooze", flag), {"until": until.isoformat()})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == FlagStatus.SE_IGJEN
    assert flag.snooze_until == until
    page = client.get(_url("portfolio-flag", flag)).content.decode()
    assert f"se på igjen {until:%d.%m.%Y}" in page
    assert "Satt til «se på igjen»" in page


# --- the words -----------------------------------------------------------------------------


def _explain(code: FlagCode, fact_date: datetime.date | None, **person: object) -> str:
    p = Person(birth_date=datetime.date(2002, 5, 1), **person)
    return flag_explanation(PortfolioFlag(code=code, fact_date=fact_date), p, TODAY)


def test_explanations_name_the_facts():
    d = datetime.date
    assert (
        _explain(FlagCode.UNG_UTEN_AKTIVITET, d(2026, 3, 12))
        == "Under 30 (24 år), ingen tiltak siden 12.03.2026"
    )
    assert (
        _explain(FlagCode.UNG_UTEN_AKTIVITET, None)
        == "Under 30 (24 år), ingen registrert tiltaksdeltakelse"
    )
    assert (
        _explain(FlagCode.LANGTIDSLEDIG, d(2025, 2, 1))
        == "Arbeidssøker siden 01.02.2025 (21 måneder), uten tiltak"
    )
    assert (
        _explain(
            FlagCode.NEDSATT_ARBEIDSEVNE_UTEN_TILTAK,
            None,
            need_group=NeedGroup.VARIG_TILPASSET_INNSATS,
        )
        == "Varig tilpasset innsats, aldri deltatt i tiltak"
    )
    assert _explain(FlagCode.AAP_NAER_MAKSDATO, d(2027, 5, 1)) == "AAP med maksdato 01.05.2027"
    assert (
        _explain(
            FlagCode.MANGLER_AEV, d(2025, 1, 1), need_group=NeedGroup.SITUASJONSBESTEMT_INNSATS
        )
        == "Situasjonsbestemt innsats, siste arbeidsevnevurdering 01.01.2025"
    )
    assert (
        _explain(
            FlagCode.INNVANDRER_UTENFOR_EOS,
            d(2025, 2, 1),
            country_background=CountryBackground.UTENFOR_EOS,
        )
        == "Innvandrer fra land utenfor EØS, arbeidssøker siden 01.02.2025, uten tiltak"
    )
    assert (
        _explain(FlagCode.LENGE_I_SKJERMET_TILTAK, d(2023, 1, 1))
        == "I skjermet tiltak siden 01.01.2023 (3 år)"
    )


def test_every_rule_has_a_hint():
    for code in FlagCode:
        assert flag_hint(PortfolioFlag(code=code))
