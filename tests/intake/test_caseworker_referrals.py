"""The caseworker's referral pages: the form with the gate's live verdict, saving and
submitting, double clicks and stale forms, the referral's page, withdrawing, "my referrals" and
notifications."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake.models import (
    EventKind,
    Notification,
    NotificationKind,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from intake.services.referrals import referral_return, referral_update
from providers.models import ProgrammeType
from tests.factories import (
    ActivityPlanFactory,
    CVFactory,
    PersonFactory,
    ReferralFactory,
    WorkCapacityAssessmentFactory,
)
from tests.intake.caseworker import JUSTIFICATION

pytestmark = pytest.mark.django_db
S = ReferralStatus


@pytest.fixture
def aft():
    return ProgrammeType.objects.get(code="ARBFORB")


@pytest.fixture
def person(personas):
    """A person whose documents pass the gate for AFT."""
    person = PersonFactory.create(office=personas.office_a, caseworker=personas.caseworker_a)
    CVFactory.create(person=person)
    WorkCapacityAssessmentFactory.create(person=person)
    ActivityPlanFactory.create(person=person)
    return person


def draft(person, personas, **texts):
    return ReferralFactory.create(
        person=person,
        created_by=personas.caseworker_a,
        status=S.KLADD,
        submitted_at=None,
        waitlisted_at=None,
        queue_since=None,
        **texts,
    )


def create_data(aft, handling="lagre", **texts):
    return {"programme_type": str(aft.pk), "handling": handling, **JUSTIFICATION, **texts}


def test_only_programme_types_with_a_waitlist_are_offered(client, personas, person, aft):
    ProgrammeType.objects.filter(code="JOBBK").update(has_waitlist=False)
    client.force_login(personas.caseworker_a)
    form = client.get(reverse("referral-create", args=[person.pk])).context["form"]
    offered = set(form.fields["programme_type"].queryset.values_list("code", flat=True))
    assert "ARBFORB" in offered and "JOBBK" not in offered


def test_the_gate_preview_lists_each_failure_on_unsaved_values(client, personas, person, aft):
    client.force_login(personas.caseworker_a)
    url = reverse("referral-gate-preview", args=[person.pk])
    response = client.post(
        url, create_data(aft, justification_goal="Jobb."), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body  # a partial
    assert "BEGRUNNELSE_MANGELFULL" in body
    assert "Begrunnelsen er for kort om mål" in body
    assert "Klar til innsending" not in body
    assert not Referral.objects.exists()  # nothing saved

    body = client.post(url, create_data(aft), headers={"HX-Request": "true"}).content.decode()
    assert "Klar til innsending" in body and "BEGRUNNELSE_MANGELFULL" not in body

    body = client.post(url, {"programme_type": ""}).content.decode()
    assert "Velg tiltakstype" in body


def test_the_gate_preview_of_a_person_without_documents_lists_every_rule(client, personas, aft):
    bare = PersonFactory.create(office=personas.office_a, need_group="STANDARD_INNSATS")
    client.force_login(personas.caseworker_a)
    body = client.post(
        reverse("referral-gate-preview", args=[bare.pk]), {"programme_type": str(aft.pk)}
    ).content.decode()
    for code in (
        "CV_MANGLER",
        "AEV_MANGLER",
        "AKTIVITETSPLAN_MANGLER",
        "BEGRUNNELSE_MANGELFULL",
        "FEIL_INNSATSGRUPPE",
    ):
        assert code in body


def test_the_form_page_has_the_live_gate_wired_with_htmx(client, personas, person):
    client.force_login(personas.caseworker_a)
    body = client.get(reverse("referral-create", args=[person.pk])).content.decode()
    assert f'hx-post="{reverse("referral-gate-preview", args=[person.pk])}"' in body
    assert 'hx-trigger="input delay:600ms, change"' in body
    assert 'hx-target="#gate-preview"' in body


def test_saving_a_draft_creates_a_kladd_and_opens_it_for_editing(client, personas, person, aft):
    client.force_login(personas.caseworker_a)
    response = client.post(
        reverse("referral-create", args=[person.pk]), create_data(aft, justification_goal="")
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("referral-update", args=[referral.pk])
    assert referral.status == S.KLADD and referral.justification_goal == ""
    page = client.get(response.url).content.decode()
    assert 'name="version" value="1"' in page
    assert "BEGRUNNELSE_MANGELFULL" in page  # the gate's verdict on the saved draft


def test_a_double_clicked_create_makes_one_referral(client, personas, person, aft):
    client.force_login(personas.caseworker_a)
    url = reverse("referral-create", args=[person.pk])
    first = client.post(url, create_data(aft))
    second = client.post(url, create_data(aft))
    referral = Referral.objects.get()  # exactly one
    assert first.status_code == 302 and second.status_code == 302
    assert second.url == reverse("referral-detail", args=[referral.pk])
    page = client.get(second.url).content.decode()
    assert "allerede en åpen henvisning til AFT" in page
    assert referral.events.count() == 1


def test_a_double_clicked_create_and_submit_makes_one_submitted_referral(
    client, personas, person, aft
):
    client.force_login(personas.caseworker_a)
    url = reverse("referral-create", args=[person.pk])
    client.post(url, create_data(aft, handling="send-inn"))
    second = client.post(url, create_data(aft, handling="send-inn"))
    referral = Referral.objects.get()
    assert referral.status == S.SOKT_INN
    assert second.url == reverse("referral-detail", args=[referral.pk])
    assert referral.events.filter(kind=EventKind.SOKT_INN).count() == 1


def test_submitting_runs_the_gate_and_shows_every_failure(client, personas, person, aft):
    person.activity_plan.approved = False
    person.activity_plan.save()
    client.force_login(personas.caseworker_a)
    response = client.post(
        reverse("referral-create", args=[person.pk]),
        create_data(aft, handling="send-inn", justification_why_programme="Fordi."),
    )
    body = response.content.decode()
    referral = Referral.objects.get()
    assert response.status_code == 200
    assert referral.status == S.KLADD  # the draft is kept
    assert "Henvisningen ble ikke sendt inn." in body
    assert "AKTIVITETSPLAN_IKKE_GODKJENT" in body and "BEGRUNNELSE_MANGELFULL" in body
    assert "Fordi." in body  # the input is shown again
    assert f'action="{reverse("referral-update", args=[referral.pk])}"' in body
    assert f'name="version" value="{referral.version}"' in body


def test_fixing_and_submitting_from_the_edit_form(client, personas, person, aft):
    referral = draft(person, personas, **{**JUSTIFICATION, "justification_goal": "Jobb."})
    client.force_login(personas.caseworker_a)
    url = reverse("referral-update", args=[referral.pk])
    data = {**JUSTIFICATION, "version": str(referral.version), "handling": "send-inn"}
    response = client.post(url, data, follow=True)
    referral.refresh_from_db()
    assert referral.status == S.SOKT_INN
    assert referral.justification_goal == JUSTIFICATION["justification_goal"]
    assert response.redirect_chain[-1][0] == reverse("referral-detail", args=[referral.pk])
    assert "Henvisningen er sendt inn. Inntaksteamet i Trøndelag vurderer den." in (
        response.content.decode()
    )
    assert [e.kind for e in referral.events.all()] == [EventKind.ENDRET, EventKind.SOKT_INN]


def test_a_double_clicked_submit_submits_once(client, personas, person, aft):
    referral = draft(person, personas, **JUSTIFICATION)
    client.force_login(personas.caseworker_a)
    url = reverse("referral-update", args=[referral.pk])
    data = {**JUSTIFICATION, "version": str(referral.version), "handling": "send-inn"}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == 302 and second.status_code == 302
    assert second.url == reverse("referral-detail", args=[referral.pk])
    referral.refresh_from_db()
    assert referral.status == S.SOKT_INN
    assert referral.events.filter(kind=EventKind.SOKT_INN).count() == 1


def test_a_stale_referral_form_is_refused_and_keeps_the_users_text(client, personas, person):
    referral = draft(person, personas, **JUSTIFICATION)
    client.force_login(personas.caseworker_a)
    referral_update(  # a colleague edits the draft after the form was loaded
        actor=personas.caseworker_a,
        referral_id=referral.pk,
        expected_version=1,
        justification={**JUSTIFICATION, "justification_need": "Kollegaens tekst om behovet."},
    )
    mine = "Min egen, lengre tekst om hva brukeren trenger hjelp til i hverdagen."
    data = {**JUSTIFICATION, "justification_need": mine, "version": "1", "handling": "lagre"}
    response = client.post(reverse("referral-update", args=[referral.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "endret av noen andre etter at du åpnet den" in body
    assert mine in body
    assert "Lagret av en annen i mellomtiden: «Kollegaens tekst om behovet.»" in body
    assert 'name="version" value="2"' in body
    referral.refresh_from_db()
    assert referral.justification_need == "Kollegaens tekst om behovet."


def test_caseworker_of_another_office_cannot_see_edit_or_submit(client, personas, person, aft):
    referral = draft(person, personas, **JUSTIFICATION)
    client.force_login(personas.caseworker_b)
    assert client.get(reverse("referral-detail", args=[referral.pk])).status_code == 404
    assert client.get(reverse("referral-update", args=[referral.pk])).status_code == 404
    data = {**JUSTIFICATION, "version": "1", "handling": "send-inn"}
    assert client.post(reverse("referral-update", args=[referral.pk]), data).status_code == 404
    for name in ("referral-gate-preview-existing", "referral-withdraw"):
        assert client.post(reverse(name, args=[referral.pk]), data).status_code == 404
    assert client.post(reverse("referral-gate-preview", args=[person.pk]), {}).status_code == 404
    assert (
        client.post(reverse("referral-create", args=[person.pk]), create_data(aft)).status_code
        == 404
    )
    referral.refresh_from_db()
    assert referral.status == S.KLADD and referral.version == 1


def test_a_submitted_referral_cannot_be_edited_and_says_why(client, personas, person):
    referral = ReferralFactory.create(person=person, status=S.SOKT_INN, waitlisted_at=None)
    client.force_login(personas.caseworker_a)
    response = client.get(reverse("referral-update", args=[referral.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("referral-detail", args=[referral.pk])
    assert "sendt inn til inntaksteamet" in response.content.decode()


def test_a_returned_referral_shows_the_reasons_and_a_way_to_fix_it(client, personas, person, aft):
    referral = ReferralFactory.create(
        person=person, status=S.SOKT_INN, waitlisted_at=None, queue_since=None, **JUSTIFICATION
    )
    referral_return(
        actor=personas.intake_x,
        referral_id=referral.pk,
        expected_version=None,
        reasons=["CV_UTDATERT", "ANNET"],
        comment="Legg ved siste AEV som PDF.",
    )
    client.force_login(personas.caseworker_a)
    body = client.get(reverse("referral-detail", args=[referral.pk])).content.decode()
    assert "Returnert av inntaksteamet" in body
    assert "CV er utdatert" in body and "Annet (forklar i kommentaren)" in body
    assert "Legg ved siste AEV som PDF." in body
    assert "Rett og send inn på nytt" in body
    assert reverse("referral-update", args=[referral.pk]) in body
    assert "Kvalitetskontroll" in body


def test_withdrawing_takes_a_reason_and_free_text_only_with_annet(client, personas, person):
    referral = ReferralFactory.create(person=person)  # waiting
    client.force_login(personas.caseworker_a)
    url = reverse("referral-withdraw", args=[referral.pk])

    response = client.post(url, {"reason": "", "version": "1"})
    assert response.context["withdraw_form"].errors["reason"] == ["Velg en årsak."]
    response = client.post(url, {"reason": "FATT_JOBB", "comment": "Hos Rema", "version": "1"})
    assert "Kommentar kan bare skrives når årsaken er «Annet»." in response.content.decode()
    response = client.post(url, {"reason": "ANNET", "comment": "", "version": "1"})
    assert "Forklar i kommentaren" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == S.VENTELISTE

    response = client.post(url, {"reason": "FATT_JOBB", "version": "1"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.closed_reason) == (S.IKKE_AKTUELL, "FATT_JOBB")
    page = client.get(reverse("referral-detail", args=[referral.pk])).content.decode()
    assert "Henvisningen er trukket." in page and "Fått jobb" in page


def test_withdrawing_a_draft_cancels_it(client, personas, person):
    referral = draft(person, personas)
    client.force_login(personas.caseworker_a)
    response = client.post(reverse("referral-withdraw", args=[referral.pk]), {"version": "1"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.AVBRUTT_UTKAST


def _waitlist(person_office, n, *, behind=False, at=None):
    at = at or timezone.now() - datetime.timedelta(days=100)
    for _ in range(n):
        ReferralFactory.create(
            person=PersonFactory.create(office=person_office),
            waitlisted_at=at,
            queue_since=at + datetime.timedelta(days=300 if behind else 0),
        )


def _exits(person_office, n):
    for _ in range(n):
        referral = ReferralFactory.create(
            person=PersonFactory.create(office=person_office), status=S.IKKE_AKTUELL
        )
        ReferralEvent.objects.create(
            referral=referral,
            kind=EventKind.TRUKKET,
            from_status=S.VENTELISTE,
            to_status=S.IKKE_AKTUELL,
            at=timezone.now() - datetime.timedelta(weeks=3),
        )


def test_a_waiting_referral_shows_its_place_and_expected_wait_with_the_basis(
    client, personas, person
):
    referral = ReferralFactory.create(person=person, waitlisted_at=timezone.now())
    _waitlist(personas.office_b, 13)
    _waitlist(personas.office_b, 2, behind=True)
    _exits(personas.office_b, 24)
    client.force_login(personas.caseworker_a)
    body = client.get(reverse("referral-detail", args=[referral.pk])).content.decode()
    assert "Brukeren er nr. 14 av 16 på ventelisten for AFT i Trøndelag." in body
    assert (
        "24 personer har gått ut av denne ventelisten de siste 12 ukene (2,0 per uke), "
        "så forventet ventetid er omtrent 7 uker."
    ) in body


def test_without_exits_the_page_says_no_estimate_can_be_made(client, personas, person):
    referral = ReferralFactory.create(person=person)
    client.force_login(personas.caseworker_a)
    body = client.get(reverse("referral-detail", args=[referral.pk])).content.decode()
    assert "Brukeren er nr. 1 av 1" in body
    assert "Ingen har gått ut av denne ventelisten de siste 12 ukene" in body
    assert "ikke grunnlag for å anslå ventetiden" in body
    assert "forventet ventetid er omtrent" not in body


def test_the_form_tells_how_long_the_line_is_before_referring(client, personas, person, aft):
    _waitlist(personas.office_b, 3)
    _exits(personas.office_b, 12)
    client.force_login(personas.caseworker_a)
    body = client.post(
        reverse("referral-gate-preview", args=[person.pk]), create_data(aft)
    ).content.decode()
    assert "Nå venter 3 personer på ventelisten for AFT i Trøndelag." in body
    assert "kan vente omtrent 4 uker" in body  # position 4 at 1 per week


def test_my_referrals_counts_per_status_filters_and_highlights_returned_ones(
    client, personas, person
):
    for status in (S.KLADD, S.KLADD, S.SOKT_INN):
        ReferralFactory.create(person=PersonFactory.create(office=personas.office_a), status=status)
    returned = ReferralFactory.create(person=person, status=S.SOKT_INN, **JUSTIFICATION)
    referral_return(
        actor=personas.intake_x,
        referral_id=returned.pk,
        expected_version=None,
        reasons=["AKTIVITETSPLAN_UTDATERT"],
        comment="Planen er fra i fjor.",
    )
    ReferralFactory.create(person=PersonFactory.create(office=personas.office_b))  # not ours
    client.force_login(personas.caseworker_a)

    response = client.get(reverse("caseworker-referrals"))
    body = response.content.decode()
    tabs = {tab["status"]: tab["count"] for tab in response.context["tabs"]}
    assert tabs == {S.KLADD: 2, S.RETURNERT: 1, S.SOKT_INN: 1, S.VENTELISTE: 0}
    assert response.context["total"] == 4
    assert "Aktivitetsplanen er utdatert" in body and "Planen er fra i fjor." in body
    assert "1 henvisning er returnert og venter på at du retter den." in body

    response = client.get(reverse("caseworker-referrals"), {"status": "KLADD"})
    assert {r.status for r in response.context["page"]} == {S.KLADD}
    assert response.context["page"].paginator.count == 2


def test_my_referrals_shows_the_place_in_line(client, personas, person):
    ReferralFactory.create(person=person)
    _waitlist(personas.office_b, 2)
    client.force_login(personas.caseworker_a)
    body = client.get(reverse("caseworker-referrals"), {"status": "VENTELISTE"}).content.decode()
    assert "nr. 3 av 3 i Trøndelag" in body


def test_my_referrals_costs_the_same_queries_for_5_and_50_rows(client, personas):
    def make(n):
        for i in range(n):
            status = (S.KLADD, S.SOKT_INN, S.VENTELISTE, S.IKKE_AKTUELL)[i % 4]
            ReferralFactory.create(
                person=PersonFactory.create(office=personas.office_a), status=status
            )

    client.force_login(personas.caseworker_a)
    make(5)
    returned = Referral.objects.get(status=S.SOKT_INN)
    referral_return(
        actor=personas.intake_x,
        referral_id=returned.pk,
        expected_version=None,
        reasons=["CV_MANGLER"],
        comment="",
    )
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse("caseworker-referrals")).status_code == 200
    make(45)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(reverse("caseworker-referrals"), {"side": "1"})
    assert len(response.context["page"].object_list) == 25  # a full page
    assert response.context["total"] == 50
    assert len(fifty.captured_queries) == len(five.captured_queries)


def test_notifications_are_listed_and_marked_read(client, personas, person):
    referral = ReferralFactory.create(person=person)
    other = ReferralFactory.create(person=PersonFactory.create(office=personas.office_a))
    Notification.objects.create(
        recipient=personas.caseworker_a, referral=referral, kind=NotificationKind.GODKJENT
    )
    Notification.objects.create(
        recipient=personas.caseworker_a, referral=other, kind=NotificationKind.RETURNERT
    )
    Notification.objects.create(
        recipient=personas.caseworker_b, referral=other, kind=NotificationKind.RETURNERT
    )
    client.force_login(personas.caseworker_a)
    body = client.get(reverse("notification-list")).content.decode()
    assert "2 uleste varsler" in body
    assert f"Henvisning {referral.pk} til Arbeidsforberedende trening" in body
    assert reverse("referral-detail", args=[referral.pk]) in body
    assert person.full_name not in body  # notifications name the referral, not the person

    response = client.post(reverse("notifications-mark-read"), follow=True)
    assert "2 varsler er markert som lest." in response.content.decode()
    assert "Du har ingen uleste varsler." in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # caseworker_b's
    assert client.get(reverse("notifications-mark-read")).status_code == 405
