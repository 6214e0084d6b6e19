"""A person's documents over the API: JSON, or multipart with a PDF checked by its content."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from intake.models import CV, DocumentAttachment
from tests.factories import PersonFactory
from tests.intake.api_support import api_client, documented_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def docs(person, path=""):
    return f"/api/persons/{person.pk}/documents/{path}"


def test_documents_show_cv_assessments_and_plan(personas):
    person = documented_person(office=personas.office_a)

    body = api_client(personas.caseworker_a).get(docs(person)).json()

    assert body["cv"]["last_updated"] == str(person.cv.last_updated)
    assert body["cv"]["attachment"] is None
    assert [a["reduced_capacity"] for a in body["assessments"]] == [True]
    assert body["activity_plan"]["approved"] is True


def test_a_person_without_documents_has_none(personas):
    person = PersonFactory.create(office=personas.office_a)

    body = api_client(personas.caseworker_a).get(docs(person)).json()

    assert body == {"cv": None, "assessments": [], "activity_plan": None}


def test_caseworker_records_each_document(personas):
    person = PersonFactory.create(office=personas.office_a)
    client = api_client(personas.caseworker_a)
    day = str(timezone.localdate() - datetime.timedelta(days=3))

    cv = client.put(docs(person, "cv/"), {"last_updated": day})
    assessment = client.post(
        docs(person, "assessments/"),
        {"assessed_on": day, "reduced_capacity": False, "need_group": "SITUASJONSBESTEMT_INNSATS"},
    )
    plan = client.put(
        docs(person, "activity-plan/"),
        {"goal": " Butikkarbeid ", "approved": True, "last_updated": day},
    )

    assert cv.status_code == 200 and cv.json()["last_updated"] == day
    assert assessment.status_code == 201 and assessment.json()["reduced_capacity"] is False
    assert plan.status_code == 200 and plan.json()["goal"] == "Butikkarbeid"
    assert client.get(docs(person)).json()["activity_plan"]["planned_activities"] == ""


def test_a_document_dated_in_the_future_is_refused(personas):
    person = PersonFactory.create(office=personas.office_a)
    tomorrow = str(timezone.localdate() + datetime.timedelta(days=1))

    response = api_client(personas.caseworker_a).put(
        docs(person, "cv/"), {"last_updated": tomorrow}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "DATE_IN_FUTURE"
    assert response.json()["fields"]["last_updated"][0]["code"] == "DATE_IN_FUTURE"
    assert not CV.objects.exists()


def test_an_approved_plan_without_a_goal_is_refused(personas):
    person = PersonFactory.create(office=personas.office_a)

    response = api_client(personas.caseworker_a).put(
        docs(person, "activity-plan/"),
        {"goal": "  ", "approved": True, "last_updated": str(timezone.localdate())},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "PLAN_WITHOUT_GOAL"


def test_a_pdf_attachment_is_stored_and_listed(personas):
    person = PersonFactory.create(office=personas.office_a)
    pdf = SimpleUploadedFile("cv.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")

    response = api_client(personas.caseworker_a).put(
        docs(person, "cv/"),
        {"last_updated": str(timezone.localdate()), "attachment": pdf},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    attachment = response.json()["attachment"]
    assert attachment["original_name"] == "cv.pdf"
    assert attachment["size"] == len(b"%PDF-1.7\n%%EOF\n")
    assert DocumentAttachment.objects.get().uploaded_by == personas.caseworker_a


def test_an_attachment_that_is_not_a_pdf_is_refused_whatever_its_name(personas):
    person = PersonFactory.create(office=personas.office_a)
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")

    response = api_client(personas.caseworker_a).put(
        docs(person, "activity-plan/"),
        {
            "goal": "Lagerarbeid",
            "approved": "true",
            "last_updated": str(timezone.localdate()),
            "attachment": fake,
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "ATTACHMENT_NOT_PDF"
    assert response.json()["fields"]["attachment"][0]["code"] == "ATTACHMENT_NOT_PDF"
    assert not DocumentAttachment.objects.exists()


def test_another_offices_documents_answer_404(personas):
    person = documented_person(office=personas.office_a)
    client = api_client(personas.caseworker_b)
    today = str(timezone.localdate())

    assert client.get(docs(person)).status_code == 404
    assert client.put(docs(person, "cv/"), {"last_updated": today}).status_code == 404
    assert (
        client.post(
            docs(person, "assessments/"),
            {
                "assessed_on": today,
                "reduced_capacity": True,
                "need_group": "VARIG_TILPASSET_INNSATS",
            },
        ).status_code
        == 404
    )
    person.cv.refresh_from_db()
    assert str(person.cv.last_updated) != today
