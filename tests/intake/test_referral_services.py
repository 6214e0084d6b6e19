"""The referral lifecycle as services (DOMAIN.md section 4-5): each transition checks the state,
the version and who acts, writes history, and tells the caseworker; the database holds the
one-open-referral rule even under concurrency."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from config.errors import ApplicationError
from intake import selectors
from intake.gate import GateCode
from intake.models import (
    CV,
    CountyIntakeSettings,
    EndReason,
    EventKind,
    Notification,
    NotificationKind,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from intake.services.priority import UNG, waitlist_refresh_priorities
from intake.services.referrals import (
    AlreadyOpen,
    GateRefused,
    referral_approve,
    referral_create,
    referral_decline,
    referral_return,
    referral_submit,
    referral_update,
    referral_withdraw,
)
from org.access import scope_for
from tests.factories import ReferralFactory
from tests.intake.review_world import (
    JUSTIFICATION,
    caseworker_and_intake,
    programme,
    ready_person,
    submitted,
)

pytestmark = pytest.mark.django_db

S = ReferralStatus


def approved(referral: Referral, intake) -> Referral:
    return referral_approve(
        actor=intake, referral_id=referral.pk, expected_version=referral.version
    )


def refused(code: str, call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


# --- the lifecycle -------------------------------------------------------------------------


def test_draft_to_waitlist_through_a_return_and_a_resubmission(personas):
    caseworker, intake = personas.caseworker_a, personas.intake_x
    person = ready_person(caseworker=caseworker)

    referral = referral_create(
        actor=caseworker, person=person, programme_type=programme(), justification=JUSTIFICATION
    )
    assert (referral.status, referral.county_id, referral.office_id) == (
        S.KLADD,
        "50",
        personas.office_a.pk,
    )
    referral = referral_submit(
        actor=caseworker, referral_id=referral.pk, expected_version=referral.version
    )
    assert referral.status == S.SOKT_INN and referral.submitted_at is not None

    referral = referral_return(
        actor=intake,
        referral_id=referral.pk,
        expected_version=referral.version,
        reasons=[GateCode.CV_UTDATERT, "ANNET"],
        comment="  Beskriv behovet for tilrettelegging nærmere.  ",
    )
    assert referral.status == S.RETURNERT

    referral = referral_update(
        actor=caseworker,
        referral_id=referral.pk,
        expected_version=referral.version,
        justification={
            **JUSTIFICATION,
            "justification_need": JUSTIFICATION["justification_need"]
            + " Trenger også tilrettelagt arbeidsplass.",
        },
    )
    referral = referral_submit(
        actor=caseworker, referral_id=referral.pk, expected_version=referral.version
    )
    referral = approved(referral, intake)

    referral.refresh_from_db()
    assert referral.status == S.VENTELISTE
    assert referral.waitlisted_at is not None
    assert referral.queue_since == referral.waitlisted_at  # no priority bonus in the county
    assert referral.priority_groups == [] and referral.priority_bonus_days == 0

    events = list(selectors.referral_history(referral=referral))
    assert [(e.kind, e.from_status, e.to_status) for e in events] == [
        (EventKind.OPPRETTET, "", S.KLADD),
        (EventKind.SOKT_INN, S.KLADD, S.SOKT_INN),
        (EventKind.RETURNERT, S.SOKT_INN, S.RETURNERT),
        (EventKind.ENDRET, S.RETURNERT, S.RETURNERT),
        (EventKind.SOKT_INN, S.RETURNERT, S.SOKT_INN),
        (EventKind.GODKJENT, S.SOKT_INN, S.VENTELISTE),
    ]
    by_caseworker = [e for e in events if e.kind != EventKind.RETURNERT][:-1]
    assert {(e.actor_id, e.actor_office_id, e.actor_county_id) for e in by_caseworker} == {
        (caseworker.pk, personas.office_a.pk, None)
    }
    returned, approval = events[2], events[-1]
    assert (returned.actor_id, returned.actor_office_id, returned.actor_county_id) == (
        intake.pk,
        None,
        "50",
    )
    assert returned.reasons == [GateCode.CV_UTDATERT, "ANNET"]
    assert returned.comment == "Beskriv behovet for tilrettelegging nærmere."
    assert (approval.actor_id, approval.actor_county_id) == (intake.pk, "50")
    assert approval.at == referral.waitlisted_at


def test_every_transition_bumps_the_version(personas):
    referral = submitted(personas.caseworker_a)
    assert referral.version == 2  # created, submitted
    assert approved(referral, personas.intake_x).version == 3


def test_the_caseworker_cancels_a_draft(personas):
    caseworker = personas.caseworker_a
    draft = referral_create(
        actor=caseworker,
        person=ready_person(caseworker=caseworker),
        programme_type=programme(),
        justification=JUSTIFICATION,
    )
    referral = referral_withdraw(
        actor=caseworker, referral_id=draft.pk, expected_version=draft.version
    )
    assert referral.status == S.AVBRUTT_UTKAST
    assert referral.events.latest("pk").kind == EventKind.AVBRUTT


def test_the_caseworker_withdraws_a_waiting_referral_with_a_reason(personas):
    caseworker = personas.caseworker_a
    referral = approved(submitted(caseworker), personas.intake_x)
    referral = referral_withdraw(
        actor=caseworker,
        referral_id=referral.pk,
        expected_version=referral.version,
        reason=EndReason.FATT_JOBB,
    )
    assert (referral.status, referral.closed_reason) == (S.IKKE_AKTUELL, EndReason.FATT_JOBB)
    event = referral.events.latest("pk")
    assert (event.kind, event.reasons, event.actor_office_id) == (
        EventKind.TRUKKET,
        [EndReason.FATT_JOBB],
        personas.office_a.pk,
    )


def test_withdrawing_needs_a_reason_and_free_text_only_with_annet(personas):
    caseworker = personas.caseworker_a
    referral = submitted(caseworker)
    common = {"actor": caseworker, "referral_id": referral.pk, "expected_version": None}
    refused("REASON_REQUIRED", referral_withdraw, **common)
    refused("COMMENT_REQUIRED", referral_withdraw, reason=EndReason.ANNET, **common)
    refused("COMMENT_NOT_ALLOWED", referral_withdraw, reason=EndReason.SYK, comment="Syk", **common)
    assert Referral.objects.get(pk=referral.pk).status == S.SOKT_INN


def test_the_intake_team_declines_a_submitted_referral(personas):
    referral = submitted(personas.caseworker_a)
    referral = referral_decline(
        actor=personas.intake_x,
        referral_id=referral.pk,
        expected_version=referral.version,
        reason=EndReason.KRAV_IKKE_OPPFYLT,
    )
    assert (referral.status, referral.closed_reason) == (
        S.IKKE_AKTUELL,
        EndReason.KRAV_IKKE_OPPFYLT,
    )
    event = referral.events.latest("pk")
    assert (event.kind, event.actor_county_id, event.reasons) == (
        EventKind.AVSLATT,
        "50",
        [EndReason.KRAV_IKKE_OPPFYLT],
    )


def test_the_intake_team_declines_a_waiting_referral_which_leaves_the_waitlist(personas):
    intake = personas.intake_x
    referral = approved(submitted(personas.caseworker_a), intake)
    referral_decline(
        actor=intake,
        referral_id=referral.pk,
        expected_version=referral.version,
        reason=EndReason.ANNET,
        comment="Ønsker ikke tiltaket lenger.",
    )
    exits = selectors.waitlist_exits(county_number="50", programme_type_ids=[programme().pk])
    assert exits == {programme().pk: 1}


# --- what is refused -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.KLADD, "approve"),
        (S.KLADD, "return"),
        (S.RETURNERT, "approve"),
        (S.VENTELISTE, "approve"),
        (S.VENTELISTE, "return"),
        (S.VENTELISTE, "submit"),
        (S.IKKE_AKTUELL, "decline"),
        (S.IKKE_AKTUELL, "withdraw"),
        (S.DELTAR, "withdraw"),
        (S.KLADD, "decline"),
    ],
)
def test_an_illegal_transition_is_a_clear_error_and_changes_nothing(personas, status, action):
    person = ready_person(caseworker=personas.caseworker_a)
    referral = ReferralFactory.create(person=person, status=status)
    calls = {
        "approve": lambda: referral_approve(
            actor=personas.intake_x, referral_id=referral.pk, expected_version=None
        ),
        "return": lambda: referral_return(
            actor=personas.intake_x,
            referral_id=referral.pk,
            expected_version=None,
            reasons=["ANNET"],
            comment="Se på dette",
        ),
        "decline": lambda: referral_decline(
            actor=personas.intake_x,
            referral_id=referral.pk,
            expected_version=None,
            reason=EndReason.SYK,
        ),
        "submit": lambda: referral_submit(
            actor=personas.caseworker_a, referral_id=referral.pk, expected_version=1
        ),
        "withdraw": lambda: referral_withdraw(
            actor=personas.caseworker_a,
            referral_id=referral.pk,
            expected_version=None,
            reason=EndReason.SYK,
        ),
    }
    with pytest.raises(ApplicationError) as caught:
        calls[action]()
    assert caught.value.code == "ILLEGAL_TRANSITION"
    assert "kan ikke" in caught.value.message
    referral.refresh_from_db()
    assert (referral.status, referral.version) == (status, 1)
    assert not referral.events.exists()


def test_a_stale_version_is_refused_and_changes_nothing(personas):
    referral = submitted(personas.caseworker_a)
    error = refused(
        "STALE",
        referral_approve,
        actor=personas.intake_x,
        referral_id=referral.pk,
        expected_version=referral.version - 1,
    )
    assert "endret av noen andre" in error.message
    referral.refresh_from_db()
    assert referral.status == S.SOKT_INN
    assert not referral.events.filter(kind=EventKind.GODKJENT).exists()


def test_the_submitter_may_not_approve_their_own_referral(personas):
    both = caseworker_and_intake()
    referral = submitted(both, ready_person(caseworker=both))
    error = refused(
        "FOUR_EYES",
        referral_approve,
        actor=both,
        referral_id=referral.pk,
        expected_version=referral.version,
    )
    assert "En annen i inntaksteamet må godkjenne den" in error.message
    assert approved(referral, personas.intake_x).status == S.VENTELISTE


def test_the_submitter_may_still_return_and_decline_their_own_referral(personas):
    both = caseworker_and_intake()
    referral = submitted(both, ready_person(caseworker=both))
    returned = referral_return(
        actor=both,
        referral_id=referral.pk,
        expected_version=referral.version,
        reasons=[GateCode.CV_UTDATERT],
        comment="",
    )
    assert returned.status == S.RETURNERT


def test_only_the_intake_team_of_the_county_reviews(personas):
    referral = submitted(personas.caseworker_a)
    for outsider in (personas.intake_y, personas.caseworker_a, personas.county_leader_x):
        refused(
            "FORBIDDEN",
            referral_approve,
            actor=outsider,
            referral_id=referral.pk,
            expected_version=None,
        )
    assert not referral.events.filter(kind=EventKind.GODKJENT).exists()


def test_a_return_needs_known_reasons_and_a_comment_with_annet(personas):
    referral = submitted(personas.caseworker_a)
    common = {"actor": personas.intake_x, "referral_id": referral.pk, "expected_version": None}
    error = refused("REASON_REQUIRED", referral_return, reasons=[], comment="", **common)
    assert error.fields == {"reasons": ["Velg minst én årsak."]}
    refused("UNKNOWN_REASON", referral_return, reasons=["LUNE"], comment="", **common)
    error = refused("COMMENT_REQUIRED", referral_return, reasons=["ANNET"], comment=" ", **common)
    assert "comment" in error.fields
    assert Referral.objects.get(pk=referral.pk).status == S.SOKT_INN


def test_the_gate_refuses_a_submission_with_every_failure(personas):
    caseworker = personas.caseworker_a
    person = ready_person(caseworker=caseworker)
    CV.objects.filter(person=person).delete()
    draft = referral_create(
        actor=caseworker,
        person=person,
        programme_type=programme(),
        justification={**JUSTIFICATION, "justification_goal": "Jobb"},
    )
    with pytest.raises(GateRefused) as caught:
        referral_submit(actor=caseworker, referral_id=draft.pk, expected_version=draft.version)
    assert caught.value.code == "GATE_FAILED"
    assert caught.value.result.codes == [GateCode.CV_MANGLER, GateCode.BEGRUNNELSE_MANGELFULL]
    assert len(caught.value.fields["gate"]) == 2
    assert Referral.objects.get(pk=draft.pk).status == S.KLADD


# --- notifications -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("act", "kind"),
    [
        (
            lambda r, intake: referral_return(
                actor=intake,
                referral_id=r.pk,
                expected_version=r.version,
                reasons=[GateCode.AKTIVITETSPLAN_UTDATERT],
                comment="Oppdater planen.",
            ),
            NotificationKind.RETURNERT,
        ),
        (lambda r, intake: approved(r, intake), NotificationKind.GODKJENT),
        (
            lambda r, intake: referral_decline(
                actor=intake,
                referral_id=r.pk,
                expected_version=r.version,
                reason=EndReason.KRAV_IKKE_OPPFYLT,
            ),
            NotificationKind.AVSLATT,
        ),
    ],
)
def test_the_caseworker_is_told_in_the_app_and_by_email_without_personal_data(
    personas, django_capture_on_commit_callbacks, act, kind
):
    caseworker = personas.caseworker_a
    caseworker.email = "veileder.a@nav.example"
    caseworker.save()
    person = ready_person(caseworker=caseworker, first_name="Ingrid", last_name="Solbakken")
    referral = submitted(caseworker, person)

    with django_capture_on_commit_callbacks(execute=True):
        act(referral, personas.intake_x)

    notifications = list(Notification.objects.filter(referral=referral))
    assert [(n.recipient_id, n.kind) for n in notifications] == [(caseworker.pk, kind)]
    assert notifications[0].emailed_at is not None
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["veileder.a@nav.example"]
    assert str(referral.pk) in email.body
    text = f"{email.subject} {email.body}"
    for personal in (
        "Ingrid",
        "Solbakken",
        person.fodselsnummer,
        person.fodselsnummer[:6],
        f"{person.birth_date:%d.%m.%Y}",
    ):
        assert personal not in text


def test_no_email_is_queued_before_the_transaction_commits(
    personas, django_capture_on_commit_callbacks
):
    caseworker = personas.caseworker_a
    caseworker.email = "veileder.a@nav.example"
    caseworker.save()
    referral = submitted(caseworker)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        approved(referral, personas.intake_x)
    # The e-mail and the person's flag refresh (portfolio) both wait for the commit.
    assert len(callbacks) == 2
    assert mail.outbox == []


def test_the_submitter_and_the_persons_caseworker_are_both_told(personas):
    both = caseworker_and_intake()
    person = ready_person(caseworker=personas.caseworker_a)
    referral = submitted(both, person)
    approved(referral, personas.intake_x)
    assert set(
        Notification.objects.filter(referral=referral).values_list("recipient_id", flat=True)
    ) == {both.pk, personas.caseworker_a.pk}


# --- one open referral per person and programme type ---------------------------------------


def test_a_second_open_referral_is_refused_by_the_service(personas):
    caseworker = personas.caseworker_a
    first = submitted(caseworker)
    with pytest.raises(AlreadyOpen) as caught:
        referral_create(
            actor=caseworker,
            person=first.person,
            programme_type=programme(),
            justification=JUSTIFICATION,
        )
    assert caught.value.code == GateCode.ALLEREDE_AKTIV
    assert caught.value.existing.pk == first.pk


def test_the_database_refuses_a_second_open_referral(personas):
    first = submitted(personas.caseworker_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            person=first.person,
            programme_type=first.programme_type,
            county_id="50",
            office=personas.office_a,
            created_by=personas.caseworker_a,
            status=S.KLADD,
        )


def test_a_closed_referral_leaves_room_for_a_new_one(personas):
    caseworker = personas.caseworker_a
    first = submitted(caseworker)
    referral_decline(
        actor=personas.intake_x,
        referral_id=first.pk,
        expected_version=first.version,
        reason=EndReason.SYK,
    )
    second = submitted(caseworker, first.person)
    assert second.pk != first.pk and second.status == S.SOKT_INN


@pytest.fixture(scope="module")
def _reference_data_back(django_db_setup, django_db_blocker):
    """A transactional test empties the database at its end, the reference data of the
    migrations (counties, offices, programme types) included. Module-scoped, so that this runs
    after that flush: put the data back for the tests that come after this module's."""
    yield
    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(
            connection._test_serialized_contents  # type: ignore[attr-defined]
        )


def run_at_once(count: int, work) -> list[str]:
    """Run `work` in `count` threads released together; each returns what happened."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait(timeout=10)
            work()
            outcome = "ok"
        except ApplicationError as error:
            outcome = error.code
        except Exception as error:  # reported, so the test shows what went wrong
            outcome = repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("_reference_data_back")
def test_ten_simultaneous_creates_make_exactly_one_referral(personas):
    caseworker = personas.caseworker_a
    person = ready_person(caseworker=caseworker)
    aft = programme()

    outcomes = run_at_once(
        10,
        lambda: referral_create(
            actor=caseworker, person=person, programme_type=aft, justification=JUSTIFICATION
        ),
    )

    assert outcomes == ["ALLEREDE_AKTIV"] * 9 + ["ok"]
    assert Referral.objects.filter(person=person).count() == 1
    assert ReferralEvent.objects.filter(referral__person=person).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("_reference_data_back")
def test_ten_simultaneous_approvals_approve_once(personas):
    referral = submitted(personas.caseworker_a)
    intake = personas.intake_x

    outcomes = run_at_once(
        10,
        lambda: referral_approve(
            actor=intake, referral_id=referral.pk, expected_version=referral.version
        ),
    )

    assert outcomes == ["STALE"] * 9 + ["ok"]
    assert referral.events.filter(kind=EventKind.GODKJENT).count() == 1
    assert Notification.objects.filter(referral=referral).count() == 1


# --- priority ------------------------------------------------------------------------------


def test_with_a_bonus_for_young_people_a_younger_person_approved_later_is_ahead(personas):
    CountyIntakeSettings.objects.create(county=personas.county_x, bonus_days_young=90)
    caseworker, intake = personas.caseworker_a, personas.intake_x
    today = timezone.localdate()
    older = approved(
        submitted(
            caseworker, ready_person(caseworker=caseworker, birth_date=datetime.date(1975, 5, 1))
        ),
        intake,
    )
    younger = approved(
        submitted(
            caseworker,
            ready_person(caseworker=caseworker, birth_date=datetime.date(today.year - 24, 1, 1)),
        ),
        intake,
    )
    assert younger.waitlisted_at and older.waitlisted_at
    assert younger.waitlisted_at > older.waitlisted_at
    assert (younger.priority_groups, younger.priority_bonus_days) == ([UNG], 90)
    assert younger.queue_since == younger.waitlisted_at - datetime.timedelta(days=90)

    waiting = list(
        selectors.waitlist(
            scope=scope_for(intake), county_number="50", programme_type_id=programme().pk
        )
    )
    selectors.attach_positions(waiting)
    assert [(r.pk, getattr(r, "ahead", None)) for r in waiting] == [
        (younger.pk, 0),
        (older.pk, 1),
    ]


def test_refreshing_priorities_applies_new_bonuses_once(personas):
    caseworker, intake = personas.caseworker_a, personas.intake_x
    today = timezone.localdate()
    older = approved(submitted(caseworker), intake)
    younger = approved(
        submitted(
            caseworker,
            ready_person(caseworker=caseworker, birth_date=datetime.date(today.year - 22, 1, 1)),
        ),
        intake,
    )
    # With no bonus the group is still recorded, for the leaders' reports.
    assert younger.priority_groups == [UNG] and younger.queue_since == younger.waitlisted_at

    CountyIntakeSettings.objects.create(county=personas.county_x, bonus_days_young=30)
    assert waitlist_refresh_priorities(county_number="50") == 1
    state = list(
        Referral.objects.order_by("pk").values_list(
            "pk", "queue_since", "priority_bonus_days", "priority_groups"
        )
    )
    assert waitlist_refresh_priorities(county_number="50") == 0
    assert (
        list(
            Referral.objects.order_by("pk").values_list(
                "pk", "queue_since", "priority_bonus_days", "priority_groups"
            )
        )
        == state
    )
    younger.refresh_from_db()
    assert younger.waitlisted_at is not None
    assert younger.queue_since == younger.waitlisted_at - datetime.timedelta(days=30)
    ordered = selectors.waitlist(
        scope=scope_for(intake), county_number="50", programme_type_id=programme().pk
    )
    assert [r.pk for r in ordered] == [younger.pk, older.pk]


def test_refreshing_one_county_leaves_the_others_alone(personas):
    CountyIntakeSettings.objects.create(county=personas.county_y, bonus_days_young=300)
    today = timezone.localdate()
    referral = approved(
        submitted(
            personas.caseworker_a,
            ready_person(
                caseworker=personas.caseworker_a, birth_date=datetime.date(today.year - 20, 1, 1)
            ),
        ),
        personas.intake_x,
    )
    assert waitlist_refresh_priorities(county_number="03") == 0
    referral.refresh_from_db()
    assert referral.priority_bonus_days == 0
