"""Documents on the person's page (CV, work-capacity assessment, activity plan) and their PDF
attachments, served only to those who may see the person."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from intake.models import CV, ActivityPlan, DocumentAttachment, WorkCapacityAssessment
from intake.services.persons import MAX_ATTACHMENT_BYTES
from tests.factories import PersonFactory, UserFactory
from tests.intake.caseworker import attachment_storage, days_ago, pdf  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachment_storage")]


@pytest.fixture
def person(personas):
    return PersonFactory.create(office=personas.office_a, caseworker=personas.caseworker_a)


def post(client, name, person, data):
    return client.post(reverse(name, args=[person.pk]), data)


def cv_attachment(person):
    attachment = CV.objects.get(person=person).attachment
    assert attachment is not None
    return attachment


def test_cv_with_a_pdf_is_saved_and_shown_with_a_download_link(client, personas, person):
    client.force_login(personas.caseworker_a)
    response = post(
        client,
        "person-cv",
        person,
        {"cv-last_updated": days_ago(3), "cv-attachment": pdf("12345678901 cv.pdf")},
    )
    assert response.status_code == 302
    assert response.url == reverse("person-detail", args=[person.pk]) + "#dokumenter"
    attachment = cv_attachment(person)
    # The stored path is random, not the uploaded name (which may hold the fødselsnummer).
    assert "12345678901" not in str(attachment.file.name)
    assert os.stat(attachment.file.path).st_mode & 0o777 == 0o600  # for the app's user only
    page = client.get(reverse("person-detail", args=[person.pk])).content.decode()
    assert "CV-en er lagret." in page
    assert reverse("document-attachment", args=[attachment.pk]) in page


def test_attachment_is_served_as_a_pdf_download_with_a_neutral_name(client, personas, person):
    client.force_login(personas.caseworker_a)
    post(client, "person-cv", person, {"cv-last_updated": days_ago(3), "cv-attachment": pdf()})
    attachment = cv_attachment(person)
    response = client.get(reverse("document-attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="vedlegg-{attachment.pk}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_attachment_is_denied_to_another_office_and_to_users_without_clearance(
    client, personas, person
):
    client.force_login(personas.caseworker_a)
    post(client, "person-cv", person, {"cv-last_updated": days_ago(3), "cv-attachment": pdf()})
    url = reverse("document-attachment", args=[cv_attachment(person).pk])

    for user in (personas.caseworker_b, personas.intake_y, personas.provider_user_p):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page

    person.protection_level = "FORTROLIG"
    person.save()
    client.force_login(personas.caseworker_a)
    assert client.get(url).status_code == 404
    cleared = UserFactory.create(username="cleared", may_see_fortrolig=True)
    cleared.office_memberships.create(office=personas.office_a, role="VEILEDER")
    client.force_login(cleared)
    assert client.get(url).status_code == 200
    assert client.get(reverse("document-attachment", args=[999999])).status_code == 404


def test_a_document_dated_in_the_future_is_refused(client, personas, person):
    client.force_login(personas.caseworker_a)
    tomorrow = days_ago(-1)
    response = post(client, "person-cv", person, {"cv-last_updated": tomorrow})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Dato for CV kan ikke være en dato fram i tid." in body
    assert "Datoen kan ikke være fram i tid." in body  # on the field itself
    assert '<details class="inntak-disclosure" open>' in body  # the form is open again
    assert not CV.objects.exists()

    response = post(
        client,
        "person-assessment",
        person,
        {
            "aev-assessed_on": tomorrow,
            "aev-reduced_capacity": "1",
            "aev-need_group": "VARIG_TILPASSET_INNSATS",
        },
    )
    assert "kan ikke være en dato fram i tid" in response.content.decode()
    assert not WorkCapacityAssessment.objects.exists()


def test_a_file_that_is_not_a_pdf_is_refused_whatever_its_name(client, personas, person):
    client.force_login(personas.caseworker_a)
    fake = SimpleUploadedFile("cv.pdf", b"PK\x03\x04 a zip really", "application/pdf")
    response = post(
        client, "person-cv", person, {"cv-last_updated": days_ago(1), "cv-attachment": fake}
    )
    assert response.status_code == 200
    assert "Vedlegget må være en PDF-fil." in response.content.decode()
    assert not CV.objects.exists() and not DocumentAttachment.objects.exists()


def test_a_pdf_over_10_mb_is_refused(client, personas, person):
    client.force_login(personas.caseworker_a)
    response = post(
        client,
        "person-cv",
        person,
        {"cv-last_updated": days_ago(1), "cv-attachment": pdf(size=MAX_ATTACHMENT_BYTES + 1)},
    )
    assert response.status_code == 200
    assert "Vedlegget er for stort" in response.content.decode()
    assert not DocumentAttachment.objects.exists()


def test_an_approved_activity_plan_without_a_goal_is_refused(client, personas, person):
    client.force_login(personas.caseworker_a)
    data = {
        "plan-goal": "  ",
        "plan-approved": "on",
        "plan-last_updated": days_ago(2),
        "plan-planned_activities": "Samtaler hver uke",
    }
    response = post(client, "person-activity-plan", person, data)
    body = response.content.decode()
    assert "En godkjent aktivitetsplan må ha et mål" in body
    assert "Samtaler hver uke" in body  # the input is kept
    assert not ActivityPlan.objects.exists()

    data["plan-goal"] = "Arbeid som lagermedarbeider"
    assert post(client, "person-activity-plan", person, data).status_code == 302
    plan = ActivityPlan.objects.get(person=person)
    assert (plan.approved, plan.goal) == (True, "Arbeid som lagermedarbeider")


def test_assessments_accumulate_and_the_newest_is_shown_first(client, personas, person):
    client.force_login(personas.caseworker_a)
    for days, reduced in ((400, "0"), (20, "1")):
        response = post(
            client,
            "person-assessment",
            person,
            {
                "aev-assessed_on": days_ago(days),
                "aev-reduced_capacity": reduced,
                "aev-need_group": "SPESIELT_TILPASSET_INNSATS",
                "aev-attachment": pdf("aev.pdf"),
            },
        )
        assert response.status_code == 302
    assessments = list(person.work_capacity_assessments.all())
    assert [a.reduced_capacity for a in assessments] == [True, False]
    page = client.get(reverse("person-detail", args=[person.pk])).content.decode()
    assert page.index("nedsatt arbeidsevne") < page.index("ikke nedsatt arbeidsevne")


def test_a_required_choice_left_out_gets_a_field_error(client, personas, person):
    client.force_login(personas.caseworker_a)
    response = post(client, "person-assessment", person, {"aev-assessed_on": days_ago(2)})
    form = response.context["assessment_form"]
    assert set(form.errors) == {"reduced_capacity", "need_group"}
