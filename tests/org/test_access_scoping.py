"""Who may read what (DOMAIN.md section 2), proven with the personas on real pages."""

import re

import pytest
from django.urls import reverse

from intake.models import ReferralStatus
from org.access import Scope, scope_for
from providers.models import ProgrammeType
from tests.factories import OfferingFactory, PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    p = personas
    person_a = PersonFactory.create(
        office=p.office_a, first_name="Astrid", caseworker=p.caseworker_a
    )
    person_b = PersonFactory.create(
        office=p.office_b, first_name="Bjørn", caseworker=p.caseworker_b
    )
    person_y = PersonFactory.create(
        office=p.office_y, home_municipality_id="0301", first_name="Yngve"
    )
    return {
        "person_a": person_a,
        "person_b": person_b,
        "person_y": person_y,
        "referral_a": ReferralFactory.create(person=person_a),
        "referral_b": ReferralFactory.create(person=person_b),
        "referral_y": ReferralFactory.create(person=person_y),
        "offering_p": OfferingFactory.create(provider=p.provider_p, name="Prima AFT Trondheim"),
        "offering_q": OfferingFactory.create(provider=p.provider_q, name="Kvarts AFT Trondheim"),
    }


def get(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args))


def test_caseworker_reads_own_office_and_nothing_of_another(client, personas, world):
    response = get(client, personas.caseworker_a, "person-list")
    body = response.content.decode()
    assert "Astrid" in body and "Bjørn" not in body and "Yngve" not in body
    assert (
        get(client, personas.caseworker_a, "person-detail", world["person_a"].pk).status_code == 200
    )
    assert (
        get(client, personas.caseworker_a, "person-detail", world["person_b"].pk).status_code == 404
    )
    assert (
        get(client, personas.caseworker_a, "referral-detail", world["referral_a"].pk).status_code
        == 200
    )
    assert (
        get(client, personas.caseworker_a, "referral-detail", world["referral_b"].pk).status_code
        == 404
    )
    assert (
        get(client, personas.caseworker_a, "offering-detail", world["offering_p"].pk).status_code
        == 404
    )


def test_provider_reads_own_offerings_and_nothing_of_another_provider(client, personas, world):
    body = get(client, personas.provider_user_p, "offering-list").content.decode()
    assert "Prima AFT Trondheim" in body and "Kvarts AFT Trondheim" not in body
    assert (
        get(client, personas.provider_user_p, "offering-detail", world["offering_p"].pk).status_code
        == 200
    )
    assert (
        get(client, personas.provider_user_p, "offering-detail", world["offering_q"].pk).status_code
        == 404
    )
    assert (
        get(client, personas.provider_user_p, "person-detail", world["person_a"].pk).status_code
        == 404
    )
    assert (
        get(client, personas.provider_user_p, "referral-detail", world["referral_a"].pk).status_code
        == 404
    )


def test_intake_team_reads_own_county_and_nothing_of_another(client, personas, world):
    x = personas.intake_x
    assert get(client, x, "referral-detail", world["referral_a"].pk).status_code == 200
    assert get(client, x, "referral-detail", world["referral_b"].pk).status_code == 200
    assert get(client, x, "referral-detail", world["referral_y"].pk).status_code == 404
    arbforb = world["referral_a"].programme_type_id
    assert get(client, x, "waitlist-detail", "50", arbforb).status_code == 200
    assert get(client, x, "waitlist-detail", "03", arbforb).status_code == 404
    # The intake team works on referrals, not on the offices' portfolios.
    assert get(client, x, "person-detail", world["person_a"].pk).status_code == 404
    body = get(client, personas.intake_y, "waitlist-detail", "03", arbforb).content.decode()
    assert "Yngve" in body and "Astrid" not in body


def test_intake_team_does_not_see_a_caseworkers_draft(client, personas, world):
    draft = ReferralFactory.create(
        person=world["person_a"],
        programme_type=ProgrammeType.objects.get(code="VASV"),
        status=ReferralStatus.KLADD,
        submitted_at=None,
        waitlisted_at=None,
    )
    assert get(client, personas.intake_x, "referral-detail", draft.pk).status_code == 404
    assert get(client, personas.caseworker_a, "referral-detail", draft.pk).status_code == 200


def test_leaders_read_their_office_or_county(client, personas, world):
    body = get(client, personas.office_leader_a, "person-list").content.decode()
    assert "Astrid" in body and "Bjørn" not in body
    body = get(client, personas.county_leader_x, "person-list").content.decode()
    assert "Astrid" in body and "Bjørn" in body and "Yngve" not in body


def test_user_without_memberships_sees_nothing(client, personas, world):
    nobody = personas.nobody
    assert scope_for(nobody) == Scope(user_id=nobody.pk)
    body = get(client, nobody, "home").content.decode()
    assert "Du har ingen tilganger i Inntak ennå" in body
    assert "Astrid" not in get(client, nobody, "person-list").content.decode()
    for name, pk in [
        ("person-detail", world["person_a"].pk),
        ("referral-detail", world["referral_a"].pk),
        ("offering-detail", world["offering_p"].pk),
    ]:
        assert get(client, nobody, name, pk).status_code == 404


def test_administrator_configures_but_reads_no_persons(client, personas, world):
    assert get(client, personas.admin, "person-detail", world["person_a"].pk).status_code == 404
    assert get(client, personas.admin, "home").status_code == 200


def test_a_deny_looks_exactly_like_a_missing_object(client, personas, world):
    denied = get(client, personas.caseworker_a, "person-detail", world["person_b"].pk)
    missing = get(client, personas.caseworker_a, "person-detail", 999_999_999)
    assert denied.status_code == missing.status_code == 404
    csrf = re.compile(rb'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')
    # Only the CSRF token and the page's own path (in the language form) may differ.
    denied_body = csrf.sub(b"", denied.content).replace(str(world["person_b"].pk).encode(), b"N")
    missing_body = csrf.sub(b"", missing.content).replace(b"999999999", b"N")
    assert denied_body == missing_body


def test_landing_page_shows_each_role_its_real_scope(client, personas, world):
    assert "Nav Midtbyen" in get(client, personas.caseworker_a, "home").content.decode()
    assert "Nav Falkenborg" in get(client, personas.caseworker_b, "home").content.decode()
    assert "Trøndelag" in get(client, personas.intake_x, "home").content.decode()
    assert "Oslo" in get(client, personas.intake_y, "home").content.decode()
    body = get(client, personas.provider_user_p, "home").content.decode()
    assert "Prima Arbeidssenter AS" in body and "Kvarts" not in body
    assert "Administrasjon" in get(client, personas.admin, "home").content.decode()


def test_protected_person_is_masked_for_users_without_clearance(client, personas, world):
    protected = PersonFactory.create(
        office=personas.office_a, first_name="Skjult", protection_level="STRENGT_FORTROLIG"
    )
    body = get(client, personas.caseworker_a, "person-list").content.decode()
    assert "Skjult" not in body and "Adressebeskyttet" in body
    assert get(client, personas.caseworker_a, "person-detail", protected.pk).status_code == 404
    personas.caseworker_a.may_see_strengt_fortrolig = True
    personas.caseworker_a.save()
    client.force_login(personas.caseworker_a)
    assert "Skjult" in client.get(reverse("person-list")).content.decode()


def test_person_list_costs_the_same_queries_for_5_and_60_persons(
    client, personas, django_assert_max_num_queries
):
    client.force_login(personas.caseworker_a)
    PersonFactory.create_batch(5, office=personas.office_a, caseworker=personas.caseworker_a)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("person-list"))
    PersonFactory.create_batch(55, office=personas.office_a, caseworker=personas.caseworker_a)
    with django_assert_max_num_queries(12) as large:
        client.get(reverse("person-list"))
    assert len(large.captured_queries) == len(small.captured_queries)
