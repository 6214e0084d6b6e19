"""The whole way in the browser-equivalent test client: a caseworker registers a person, adds
the documents, refers, is refused by the gate, fixes and submits; the intake team returns it
(by its service: its pages are tested elsewhere); the caseworker fixes and resubmits; the team
approves; the caseworker sees the place in line and the expected wait, and the history."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from intake.models import EventKind, Person, Referral, ReferralEvent, ReferralStatus
from intake.services.referrals import referral_approve, referral_return
from providers.models import ProgrammeType
from tests.factories import PersonFactory, ReferralFactory
from tests.intake.caseworker import (  # noqa: F401
    JUSTIFICATION,
    attachment_storage,
    days_ago,
    pdf,
    person_data,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachment_storage")]


def body(response):
    return response.content.decode()


def test_a_caseworker_takes_a_person_from_draft_to_the_waitlist(client, personas):
    client.force_login(personas.caseworker_a)

    # Register the person: a typo in the fødselsnummer first, then a duplicate, then right.
    data = person_data(personas.office_a.pk)
    typo = {**data, "fodselsnummer": data["fodselsnummer"][:-1] + "0"}
    if typo["fodselsnummer"] == data["fodselsnummer"]:
        typo["fodselsnummer"] = data["fodselsnummer"][:-1] + "1"
    assert "Fødselsnummeret er ikke gyldig" in body(client.post(reverse("person-create"), typo))
    response = client.post(reverse("person-create"), data)
    person = Person.objects.get()
    assert response.url == reverse("person-detail", args=[person.pk])
    assert "finnes allerede" in body(client.post(reverse("person-create"), data))

    def document(name, fields):
        return client.post(reverse(name, args=[person.pk]), fields)

    # Documents: each bad input refused with its reason, then the right ones.
    assert "fram i tid" in body(document("person-cv", {"cv-last_updated": days_ago(-2)}))
    not_pdf = document(
        "person-cv",
        {
            "cv-last_updated": days_ago(1),
            "cv-attachment": SimpleUploadedFile("cv.pdf", b"Ikke en PDF", "application/pdf"),
        },
    )
    assert "må være en PDF-fil" in body(not_pdf)
    too_big = document(
        "person-cv", {"cv-last_updated": days_ago(1), "cv-attachment": pdf(size=10 * 2**20 + 1)}
    )
    assert "for stort" in body(too_big)
    # An old CV, so that the intake team has something to return later.
    assert document("person-cv", {"cv-last_updated": days_ago(300)}).status_code == 302
    assert (
        document(
            "person-assessment",
            {
                "aev-assessed_on": days_ago(30),
                "aev-reduced_capacity": "1",
                "aev-need_group": "SPESIELT_TILPASSET_INNSATS",
                "aev-attachment": pdf("aev.pdf"),
            },
        ).status_code
        == 302
    )
    plan = {"plan-approved": "on", "plan-last_updated": days_ago(5), "plan-goal": ""}
    assert "må ha et mål" in body(document("person-activity-plan", plan))
    plan["plan-goal"] = "Fast arbeid på lager"
    assert document("person-activity-plan", plan).status_code == 302

    # The referral: the gate's live verdict while typing, then a refused submit.
    aft = ProgrammeType.objects.get(code="ARBFORB")
    short = {**JUSTIFICATION, "justification_why_not_ordinary": "Prøvd før."}
    preview = client.post(
        reverse("referral-gate-preview", args=[person.pk]),
        {"programme_type": str(aft.pk), **short},
        headers={"HX-Request": "true"},
    )
    assert "CV_UTDATERT" in body(preview) and "BEGRUNNELSE_MANGELFULL" in body(preview)
    refused = client.post(
        reverse("referral-create", args=[person.pk]),
        {"programme_type": str(aft.pk), "handling": "send-inn", **short},
    )
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.KLADD
    assert "CV_UTDATERT" in body(refused) and "BEGRUNNELSE_MANGELFULL" in body(refused)

    # Fix the justification and (for now) the CV, then submit.
    assert document("person-cv", {"cv-last_updated": days_ago(200)}).status_code == 302
    edit = reverse("referral-update", args=[referral.pk])
    submit = {**JUSTIFICATION, "version": str(referral.version), "handling": "send-inn"}
    still = client.post(edit, submit)
    assert "CV_UTDATERT" in body(still)  # 200 days is still more than 6 months
    referral.refresh_from_db()
    assert document("person-cv", {"cv-last_updated": days_ago(10)}).status_code == 302
    submit["version"] = str(referral.version)
    assert client.post(edit, submit).url == reverse("referral-detail", args=[referral.pk])
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SOKT_INN

    # The intake team sees the referral and returns it with reasons.
    client.force_login(personas.intake_x)
    seen_by_intake = body(client.get(reverse("referral-detail", args=[referral.pk])))
    assert "Kvalitetskontroll" in seen_by_intake and "Klar til innsending" in seen_by_intake
    assert edit not in seen_by_intake
    referral_return(
        actor=personas.intake_x,
        referral_id=referral.pk,
        expected_version=referral.version,
        reasons=["AKTIVITETSPLAN_UTDATERT", "ANNET"],
        comment="Planen mangler aktiviteter. Beskriv dem.",
    )

    # The caseworker sees why, fixes the plan and resubmits.
    client.force_login(personas.caseworker_a)
    mine = client.get(reverse("caseworker-referrals"))
    assert "Aktivitetsplanen er utdatert" in body(mine)
    page = body(client.get(reverse("referral-detail", args=[referral.pk])))
    assert "Returnert av inntaksteamet" in page and "Planen mangler aktiviteter." in page
    assert "Rett og send inn på nytt" in page
    plan["plan-planned_activities"] = "Arbeidstrening tre dager i uka"
    plan["plan-last_updated"] = days_ago(0)
    assert document("person-activity-plan", plan).status_code == 302
    referral.refresh_from_db()
    resubmit = {**JUSTIFICATION, "version": str(referral.version), "handling": "send-inn"}
    assert "Send inn på nytt" in body(client.get(edit))
    assert client.post(edit, resubmit).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SOKT_INN

    # Others wait already; some have left the list lately.
    for _ in range(3):
        ReferralFactory.create(person=PersonFactory.create(office=personas.office_b))
    for _ in range(6):
        gone = ReferralFactory.create(
            person=PersonFactory.create(office=personas.office_b),
            status=ReferralStatus.IKKE_AKTUELL,
        )
        ReferralEvent.objects.create(
            referral=gone,
            kind=EventKind.AVSLATT,
            from_status=ReferralStatus.VENTELISTE,
            to_status=ReferralStatus.IKKE_AKTUELL,
            at=timezone.now() - datetime.timedelta(weeks=2),
        )

    # The intake team approves; the caseworker sees the place in line and the wait.
    referral_approve(actor=personas.intake_x, referral_id=referral.pk, expected_version=None)
    page = body(client.get(reverse("referral-detail", args=[referral.pk])))
    assert "Brukeren er nr. 4 av 4 på ventelisten for AFT i Trøndelag." in page
    assert (
        "6 personer har gått ut av denne ventelisten de siste 12 ukene (0,5 per uke), "
        "så forventet ventetid er omtrent 8 uker."
    ) in page
    # The whole story is in the history, with readable reasons.
    kinds = list(referral.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.OPPRETTET,
        EventKind.ENDRET,
        EventKind.SOKT_INN,
        EventKind.RETURNERT,
        EventKind.SOKT_INN,
        EventKind.GODKJENT,
    ]
    assert "Aktivitetsplanen er utdatert" in page and "Godkjent og satt på venteliste" in page

    # And the caseworker was told, in the app.
    notes = body(client.get(reverse("notification-list")))
    assert "Henvisning returnert" in notes and "Henvisning godkjent" in notes
