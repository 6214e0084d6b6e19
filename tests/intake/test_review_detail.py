"""One referral under review: the person's facts and documents, the justification, the gate's
checklist and the history; approve, return and decline, with errors shown and nothing lost."""

import datetime

import pytest
from django.urls import reverse

from intake.gate import GateCode
from intake.models import (
    CV,
    ActivityPlan,
    EndReason,
    EventKind,
    Referral,
    ReferralStatus,
)
from intake.services.referrals import referral_approve, referral_create
from org.vocabulary import ProtectionLevel
from tests.factories import WorkCapacityAssessmentFactory
from tests.intake.review_world import (
    JUSTIFICATION,
    caseworker_and_intake,
    programme,
    ready_person,
    submitted,
)

pytestmark = pytest.mark.django_db

S = ReferralStatus


def url(name: str, referral: Referral) -> str:
    return reverse(name, args=[referral.pk])


def open_page(client, user, referral):
    client.force_login(user)
    return client.get(url("review-detail", referral))


@pytest.fixture
def referral(personas):
    person = ready_person(caseworker=personas.caseworker_a, first_name="Sigrid", last_name="Haugen")
    ActivityPlan.objects.filter(person=person).update(
        goal="Fast jobb i lager og logistikk", planned_activities="Arbeidstrening tre dager"
    )
    return submitted(personas.caseworker_a, person)


def test_the_page_shows_the_person_documents_justification_checklist_and_history(
    personas, client, referral
):
    CV.objects.filter(person=referral.person).delete()
    response = open_page(client, personas.intake_x, referral)
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "Sigrid Haugen",
        "Nav Midtbyen",
        "Spesielt tilpasset innsats",
        "Fast jobb i lager og logistikk",
        "Arbeidstrening tre dager",
        "nedsatt arbeidsevne",
        referral.justification_why_not_ordinary,
        # the checklist: the failing rule's sentence, and the rules that pass
        "Brukeren har ingen CV. Registrer CV-en sammen med brukeren.",
        "Aktivitetsplanen er godkjent, har et mål og er oppdatert.",
        "Ingen annen åpen henvisning eller deltakelse i tiltakstypen.",
        # the history
        "Søkt inn",
        "caseworker a",
    ):
        assert text in body, text
    items = {str(item.label): item.passed for item in response.context["checklist"]}
    assert items == {
        "CV": False,
        "Arbeidsevnevurdering": True,
        "Aktivitetsplan": True,
        "Begrunnelse": True,
        "Innsatsgruppe": True,
        "Andre henvisninger": True,
    }
    assert [e.kind for e in response.context["events"]] == [EventKind.OPPRETTET, EventKind.SOKT_INN]
    # The failing rule is ticked as a reason to return, ready for the reviewer.
    ticked = [code for code, _label, checked in response.context["return_reasons"] if checked]
    assert ticked == [GateCode.CV_MANGLER]


def test_the_newest_assessment_is_shown_with_the_dates_of_older_ones(personas, client, referral):
    WorkCapacityAssessmentFactory.create(
        person=referral.person, assessed_on=datetime.date(2024, 1, 15)
    )
    response = open_page(client, personas.intake_x, referral)
    assert response.context["assessment"].assessed_on > datetime.date(2024, 1, 15)
    assert [a.assessed_on for a in response.context["older_assessments"]] == [
        datetime.date(2024, 1, 15)
    ]
    assert "1 eldre vurdering: 15.01.2024" in response.content.decode()


def test_another_county_cannot_open_it_and_a_caseworker_has_no_review_page(
    personas, client, referral
):
    assert open_page(client, personas.intake_y, referral).status_code == 404
    assert open_page(client, personas.caseworker_a, referral).status_code == 404


def test_a_draft_is_not_the_intake_teams_to_see(personas, client):
    person = ready_person(caseworker=personas.caseworker_a)
    draft = referral_create(
        actor=personas.caseworker_a,
        person=person,
        programme_type=programme(),
        justification=JUSTIFICATION,
    )
    assert open_page(client, personas.intake_x, draft).status_code == 404


def test_a_county_leader_reads_without_actions(personas, client, referral):
    response = open_page(client, personas.county_leader_x, referral)
    assert response.status_code == 200
    assert not response.context["can_approve"] and not response.context["can_decline"]
    body = response.content.decode()
    assert url("review-approve", referral) not in body
    assert "bare inntaksteamet i fylket kan vurdere den" in body


def test_a_county_leaders_post_is_refused(personas, client, referral):
    client.force_login(personas.county_leader_x)
    response = client.post(url("review-approve", referral), {"version": referral.version})
    assert response.status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == S.SOKT_INN


def test_a_protected_person_is_masked_but_the_documents_can_be_reviewed(personas, client):
    person = ready_person(
        caseworker=personas.caseworker_a,
        first_name="Skjult",
        protection_level=ProtectionLevel.FORTROLIG,
    )
    referral = submitted(personas.caseworker_a, person)
    body = open_page(client, personas.intake_x, referral).content.decode()
    assert "Skjult" not in body
    assert f"{person.birth_date:%d.%m.%Y}" not in body
    assert "Adressebeskyttet" in body
    assert "Aktivitetsplanen er godkjent" in body


def test_approving_puts_it_on_the_waitlist_and_writes_history(personas, client, referral):
    client.force_login(personas.intake_x)
    response = client.post(url("review-approve", referral), {"version": referral.version})
    assert response.status_code == 302
    assert response["Location"] == reverse("review-queue")
    referral.refresh_from_db()
    assert referral.status == S.VENTELISTE and referral.waitlisted_at is not None
    event = referral.events.get(kind=EventKind.GODKJENT)
    assert (event.actor_id, event.actor_county_id) == (personas.intake_x.pk, "50")
    assert (
        f"Henvisning {referral.pk} er godkjent" in client.get(response["Location"]).content.decode()
    )


def test_a_stale_form_gets_the_services_message_and_the_current_version(personas, client, referral):
    seen = referral.version
    referral_approve(actor=personas.intake_x, referral_id=referral.pk, expected_version=seen)
    both = caseworker_and_intake("kollega")
    client.force_login(both)
    response = client.post(
        url("review-return", referral),
        {"version": seen, "reasons": [GateCode.CV_UTDATERT, "ANNET"], "comment": "Sjekk CV."},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Henvisningen er endret av noen andre etter at du åpnet den." in body
    referral.refresh_from_db()
    assert referral.status == S.VENTELISTE
    assert not referral.events.filter(kind=EventKind.RETURNERT).exists()
    # Now on the waitlist: only declining is left, and the page shows its current state.
    assert not response.context["can_approve"] and response.context["can_decline"]
    assert response.context["forms"]["decline"].initial["version"] == referral.version


def test_a_stale_approval_keeps_nothing_but_offers_the_current_version(personas, client, referral):
    seen = referral.version
    referral.justification_goal += " Oppdatert."
    referral.version += 1
    referral.save()
    client.force_login(personas.intake_x)
    response = client.post(url("review-approve", referral), {"version": seen})
    assert response.status_code == 400
    assert "endret av noen andre" in response.content.decode()
    assert response.context["forms"]["approve"]["version"].value() == str(referral.version)
    assert Referral.objects.get(pk=referral.pk).status == S.SOKT_INN
    again = client.post(url("review-approve", referral), {"version": referral.version})
    assert again.status_code == 302


def test_returning_with_reasons_and_a_comment(personas, client, referral):
    client.force_login(personas.intake_x)
    response = client.post(
        url("review-return", referral),
        {
            "version": referral.version,
            "reasons": [GateCode.BEGRUNNELSE_MANGELFULL, "ANNET"],
            "comment": "Beskriv hvorfor ordinært tiltak ikke passer.",
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.RETURNERT
    event = referral.events.get(kind=EventKind.RETURNERT)
    assert event.reasons == [GateCode.BEGRUNNELSE_MANGELFULL, "ANNET"]
    assert event.comment == "Beskriv hvorfor ordinært tiltak ikke passer."
    assert (event.actor_id, event.actor_county_id) == (personas.intake_x.pk, "50")


def test_annet_without_a_comment_is_refused_and_the_choices_are_kept(personas, client, referral):
    client.force_login(personas.intake_x)
    response = client.post(
        url("review-return", referral),
        {"version": referral.version, "reasons": [GateCode.CV_UTDATERT, "ANNET"], "comment": " "},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Forklar i kommentaren hva «Annet» gjelder." in body
    assert "Skriv en kommentar når du velger «Annet»." in body
    ticked = [code for code, _label, checked in response.context["return_reasons"] if checked]
    assert ticked == [GateCode.CV_UTDATERT, "ANNET"]
    assert Referral.objects.get(pk=referral.pk).status == S.SOKT_INN


def test_returning_without_a_reason_is_refused(personas, client, referral):
    client.force_login(personas.intake_x)
    response = client.post(
        url("review-return", referral), {"version": referral.version, "comment": "Mangler noe"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Velg minst én årsak" in body
    assert response.context["forms"]["return"]["comment"].value() == "Mangler noe"
    # The message is linked to the reasons' group, for screen readers (issue 9).
    assert 'aria-describedby="return-reasons-error"' in body
    error = body.split('id="return-reasons-error"', 1)[1].split("</div>", 1)[0]
    assert "Velg minst én årsak" in error


def test_declining_with_a_reason(personas, client, referral):
    client.force_login(personas.intake_x)
    response = client.post(
        url("review-decline", referral),
        {"version": referral.version, "reason": EndReason.KRAV_IKKE_OPPFYLT},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.closed_reason) == (
        S.IKKE_AKTUELL,
        EndReason.KRAV_IKKE_OPPFYLT,
    )
    assert referral.events.get(kind=EventKind.AVSLATT).actor_id == personas.intake_x.pk


def test_declining_with_free_text_outside_annet_is_refused_and_the_text_kept(
    personas, client, referral
):
    client.force_login(personas.intake_x)
    response = client.post(
        url("review-decline", referral),
        {"version": referral.version, "reason": EndReason.SYK, "comment": "Sykmeldt i vår"},
    )
    assert response.status_code == 400
    assert "Kommentar kan bare skrives når årsaken er «Annet»." in response.content.decode()
    form = response.context["forms"]["decline"]
    assert (form["reason"].value(), form["comment"].value()) == (EndReason.SYK, "Sykmeldt i vår")
    assert Referral.objects.get(pk=referral.pk).status == S.SOKT_INN


def test_declining_never_sends_the_user_to_another_site(personas, client, referral):
    client.force_login(personas.intake_x)
    response = client.post(
        url("review-decline", referral),
        {"version": referral.version, "reason": EndReason.SYK, "tilbake": "//evil.example/"},
    )
    assert response["Location"] == reverse("review-queue")


def test_the_submitter_sees_why_they_cannot_approve(personas, client):
    both = caseworker_and_intake()
    referral = submitted(both, ready_person(caseworker=both))
    response = open_page(client, both, referral)
    assert response.context["submitted_by_me"]
    body = response.content.decode()
    assert "Du har skrevet eller sendt inn denne henvisningen selv." in body
    response = client.post(url("review-approve", referral), {"version": referral.version})
    assert response.status_code == 400
    assert Referral.objects.get(pk=referral.pk).status == S.SOKT_INN


def test_the_page_costs_a_fixed_number_of_queries(
    personas, client, referral, django_assert_max_num_queries
):
    client.force_login(personas.intake_x)
    with django_assert_max_num_queries(15):
        client.get(url("review-detail", referral))
