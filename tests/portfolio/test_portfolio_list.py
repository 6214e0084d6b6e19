"""The portfolio list (/portefolje/): who sees whom, filters with counts, sorting, pages,
masking of protected persons, the exports for leaders, and a bounded number of queries."""

import csv
import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from audit.models import AccessEvent
from intake.models import Person, ReferralStatus
from org.vocabulary import Benefit, NeedGroup, ProtectionLevel
from portfolio.models import FlagCode, FlagStatus, PortfolioFlag
from tests.conftest import Personas
from tests.factories import PersonFactory, ReferralFactory

URL = reverse("portfolio-list")


def _get(client: Client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def _names(response) -> list[str]:
    return [row.name for row in response.context["rows"]]


def _facet(response, name: str) -> dict[str, int]:
    return {option.value: option.count for option in getattr(response.context["facets"], name)}


def _flag(person: Person, code: FlagCode, status: FlagStatus = FlagStatus.AKTIV) -> PortfolioFlag:
    reason = "ANNET" if status == FlagStatus.IKKE_RELEVANT else ""
    return PortfolioFlag.objects.create(
        person=person, code=code, status=status, dismiss_reason=reason
    )


@pytest.fixture
def people(personas: Personas) -> dict[str, Person]:
    """Anna (caseworker A's), Bjørn (office A, unassigned), Cecilie (office B), Dag (Oslo)."""
    return {
        "anna": PersonFactory.create(
            first_name="Anna", last_name="Aas", caseworker=personas.caseworker_a
        ),
        "bjorn": PersonFactory.create(first_name="Bjørn", last_name="Berg", caseworker=None),
        "cecilie": PersonFactory.create(
            first_name="Cecilie",
            last_name="Carlsen",
            office=personas.office_b,
            caseworker=personas.caseworker_b,
        ),
        "dag": PersonFactory.create(
            first_name="Dag",
            last_name="Dahl",
            office=personas.office_y,
            home_municipality_id="0301",
        ),
    }


# --- scope ---------------------------------------------------------------------------------


def test_caseworker_sees_own_portfolio_then_the_whole_office(client, personas, people):
    response = _get(client, personas.caseworker_a)
    assert response.status_code == 200
    assert response.context["title"] == "Min portefølje"
    assert _names(response) == ["Anna Aas"]

    response = client.get(URL, {"hele_kontoret": "1"})
    assert _names(response) == ["Anna Aas", "Bjørn Berg"]


def test_office_leader_sees_the_office(client, personas, people):
    response = _get(client, personas.office_leader_a)
    assert _names(response) == ["Anna Aas", "Bjørn Berg"]


def test_county_leader_sees_the_county_and_not_other_counties(client, personas, people):
    response = _get(client, personas.county_leader_x)
    assert _names(response) == ["Anna Aas", "Bjørn Berg", "Cecilie Carlsen"]
    assert "Dag Dahl" not in response.content.decode()


@pytest.mark.parametrize("persona", ["intake_x", "provider_user_p", "nobody"])
def test_others_have_no_portfolio(client, personas, people, persona):
    response = _get(client, getattr(personas, persona))
    assert response.status_code == 404


def test_anonymous_is_sent_to_login(client, people):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_navigation_shows_portfolio_to_caseworkers_and_leaders_only(client, personas):
    client.force_login(personas.caseworker_a)
    assert "Portefølje</a>" in client.get(reverse("home")).content.decode()
    client.force_login(personas.intake_x)
    assert "Portefølje</a>" not in client.get(reverse("home")).content.decode()


# --- filters and counts --------------------------------------------------------------------


def test_flag_filter_with_counts_under_the_other_filters(client, personas, people):
    _flag(people["anna"], FlagCode.LANGTIDSLEDIG)
    _flag(people["anna"], FlagCode.MANGLER_AEV)
    _flag(people["bjorn"], FlagCode.LANGTIDSLEDIG)
    _flag(people["cecilie"], FlagCode.LANGTIDSLEDIG, FlagStatus.IKKE_RELEVANT)
    people["bjorn"].benefit = Benefit.AAP
    people["bjorn"].save()

    response = _get(client, personas.county_leader_x, flagg=FlagCode.LANGTIDSLEDIG)
    assert _names(response) == ["Anna Aas", "Bjørn Berg"]
    # Counts of a filter ignore its own choice but follow the others.
    assert _facet(response, "flags") == {"LANGTIDSLEDIG": 2, "MANGLER_AEV": 1}
    assert _facet(response, "benefits") == {"INGEN": 1, "AAP": 1}

    response = client.get(URL, {"flagg": FlagCode.LANGTIDSLEDIG, "ytelse": Benefit.AAP})
    assert _names(response) == ["Bjørn Berg"]
    assert _facet(response, "flags") == {"LANGTIDSLEDIG": 1}
    assert "(1)" in response.content.decode()


def test_need_group_age_band_and_municipality_filters(client, personas, people):
    today = timezone.localdate()
    people["anna"].birth_date = today.replace(year=today.year - 22)
    people["anna"].need_group = NeedGroup.STANDARD_INNSATS
    people["anna"].save()
    people["bjorn"].home_municipality_id = "5007"
    people["bjorn"].save()

    response = _get(client, personas.county_leader_x, alder="under-25")
    assert _names(response) == ["Anna Aas"]
    assert _facet(response, "age_bands") == {"under-25": 1, "25-29": 0, "30-49": 2, "50-": 0}

    response = client.get(URL, {"innsatsgruppe": NeedGroup.SPESIELT_TILPASSET_INNSATS})
    assert _names(response) == ["Bjørn Berg", "Cecilie Carlsen"]
    assert _facet(response, "need_groups") == {
        "STANDARD_INNSATS": 1,
        "SPESIELT_TILPASSET_INNSATS": 2,
    }

    response = client.get(URL, {"kommune": "5007"})
    assert _names(response) == ["Bjørn Berg"]
    assert _facet(response, "municipalities") == {"5001": 2, "5007": 1}


def test_open_referral_waiting_time_caseworker_and_unassigned_filters(client, personas, people):
    long_ago = timezone.now() - datetime.timedelta(days=200)
    ReferralFactory.create(person=people["anna"], waitlisted_at=long_ago, submitted_at=long_ago)
    ReferralFactory.create(person=people["bjorn"])  # waiting since today
    ReferralFactory.create(
        person=people["cecilie"], status=ReferralStatus.HAR_SLUTTET, waitlisted_at=None
    )

    response = _get(client, personas.county_leader_x, henvisning="ja")
    assert _names(response) == ["Anna Aas", "Bjørn Berg"]
    assert _facet(response, "open_referral") == {"ja": 2, "nei": 1}

    response = client.get(URL, {"henvisning": "nei"})
    assert _names(response) == ["Cecilie Carlsen"]

    response = client.get(URL, {"ventetid": "180"})
    assert _names(response) == ["Anna Aas"]
    assert _facet(response, "waits") == {"90": 1, "180": 1, "365": 0}
    assert response.context["rows"][0].waiting_days == 200

    response = client.get(URL, {"veileder": personas.caseworker_b.pk})
    assert _names(response) == ["Cecilie Carlsen"]
    assert _facet(response, "caseworkers") == {
        str(personas.caseworker_a.pk): 1,
        str(personas.caseworker_b.pk): 1,
    }
    assert _facet(response, "unassigned") == {"True": 1}

    response = client.get(URL, {"ufordelt": "True"})
    assert _names(response) == ["Bjørn Berg"]


def test_a_filter_value_that_does_not_parse_is_ignored(client, personas, people):
    response = _get(client, personas.office_leader_a, flagg="TULL", ventetid="7", sorter="x")
    assert response.status_code == 200
    assert _names(response) == ["Anna Aas", "Bjørn Berg"]


def test_row_shows_flags_referral_status_and_caseworker(client, personas, people):
    _flag(people["anna"], FlagCode.UNG_UTEN_AKTIVITET)
    ReferralFactory.create(person=people["anna"])
    response = _get(client, personas.office_leader_a)
    page = response.content.decode()
    assert "UNG_UTEN_AKTIVITET" in page and "Ung uten aktivitet" in page
    assert "På venteliste" in page
    assert "Ufordelt" in page  # Bjørn
    assert reverse("person-detail", args=[people["anna"].pk]) in page


# --- sorting and pages ---------------------------------------------------------------------


def test_sorting_by_name_age_waiting_days_and_flag_count(client, personas, people):
    people["anna"].birth_date = datetime.date(1990, 1, 1)
    people["anna"].save()
    people["bjorn"].birth_date = datetime.date(1970, 1, 1)
    people["bjorn"].save()
    people["cecilie"].birth_date = datetime.date(2000, 1, 1)
    people["cecilie"].save()
    _flag(people["cecilie"], FlagCode.LANGTIDSLEDIG)
    _flag(people["cecilie"], FlagCode.MANGLER_AEV)
    _flag(people["anna"], FlagCode.LANGTIDSLEDIG)
    now = timezone.now()
    ReferralFactory.create(person=people["bjorn"], waitlisted_at=now - datetime.timedelta(days=50))
    ReferralFactory.create(person=people["anna"], waitlisted_at=now - datetime.timedelta(days=9))

    client.force_login(personas.county_leader_x)

    def order(sorter: str) -> list[str]:
        return [n.split()[0] for n in _names(client.get(URL, {"sorter": sorter}))]

    assert order("navn") == ["Anna", "Bjørn", "Cecilie"]
    assert order("-navn") == ["Cecilie", "Bjørn", "Anna"]
    assert order("alder") == ["Cecilie", "Anna", "Bjørn"]
    assert order("-alder") == ["Bjørn", "Anna", "Cecilie"]
    assert order("-ventetid") == ["Bjørn", "Anna", "Cecilie"]
    assert order("-flagg") == ["Cecilie", "Anna", "Bjørn"]
    assert order("flagg") == ["Bjørn", "Anna", "Cecilie"]


def test_pages_of_fifty(client, personas):
    for i in range(60):
        PersonFactory.create(last_name=f"Nordmann {i:02d}")
    response = _get(client, personas.office_leader_a)
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.count == 60
    response = client.get(URL, {"side": "2"})
    assert len(response.context["rows"]) == 10


# --- protected persons ---------------------------------------------------------------------


@pytest.fixture
def hidden(personas: Personas) -> Person:
    return PersonFactory.create(
        first_name="Hemmelig",
        last_name="Hansen",
        caseworker=personas.caseworker_a,
        protection_level=ProtectionLevel.STRENGT_FORTROLIG,
        home_municipality_id="5007",
    )


def test_protected_person_is_masked_and_never_shown_in_full(client, personas, people, hidden):
    _flag(hidden, FlagCode.LANGTIDSLEDIG)
    response = _get(client, personas.caseworker_a)
    page = response.content.decode()
    assert "Adressebeskyttet" in page
    assert "Hemmelig" not in page
    assert "Hansen" not in page
    assert reverse("person-detail", args=[hidden.pk]) not in page
    assert reverse("portfolio-flag", args=[PortfolioFlag.objects.get(person=hidden).pk]) not in page
    masked = [row for row in response.context["rows"] if not row.visible]
    assert len(masked) == 1
    assert masked[0].age is None
    assert masked[0].municipality == ""
    for person in Person.objects.all():
        assert person.fodselsnummer not in page


def test_masked_person_is_not_filtered_counted_or_sorted_by_identifying_facts(
    client, personas, people, hidden
):
    response = _get(client, personas.caseworker_a, kommune="5007")
    assert _names(response) == []
    assert "5007" not in _facet(response, "municipalities")
    assert sum(_facet(response, "age_bands").values()) == 0  # Anna is 41, filtered out by kommune
    response = client.get(URL, {"sorter": "navn"})
    assert _names(response) == ["Anna Aas", "Adressebeskyttet"]
    response = client.get(URL, {"sorter": "-navn"})
    assert _names(response) == ["Anna Aas", "Adressebeskyttet"]


def test_cleared_user_sees_the_protected_person(client, personas, hidden):
    personas.caseworker_a.may_see_strengt_fortrolig = True
    personas.caseworker_a.save()
    response = _get(client, personas.caseworker_a)
    assert _names(response) == ["Hemmelig Hansen"]


# --- queries -------------------------------------------------------------------------------


def _fill(count: int, personas: Personas) -> None:
    for i in range(count):
        person = PersonFactory.create(caseworker=personas.caseworker_a if i % 2 else None)
        _flag(person, FlagCode.LANGTIDSLEDIG)
        if i % 3 == 0:
            ReferralFactory.create(person=person)


@pytest.mark.parametrize("count", [20, 60])
def test_the_list_costs_the_same_queries_for_20_and_60_persons(
    client, personas, django_assert_max_num_queries, count
):
    _fill(count, personas)
    client.force_login(personas.office_leader_a)
    with django_assert_max_num_queries(25):
        response = client.get(URL, {"sorter": "-flagg"})
    assert response.status_code == 200


@pytest.mark.parametrize("count", [20, 60])
def test_the_export_costs_the_same_queries_for_20_and_60_persons(
    client, personas, django_assert_max_num_queries, count
):
    _fill(count, personas)
    client.force_login(personas.office_leader_a)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("portfolio-export-xlsx"))
    assert response.status_code == 200


# --- exports -------------------------------------------------------------------------------


def _sheet(content: bytes) -> Worksheet:
    sheet = load_workbook(io.BytesIO(content)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def test_csv_export_for_leaders_with_bom_semicolons_and_audit(client, personas, people, hidden):
    _flag(people["anna"], FlagCode.LANGTIDSLEDIG)
    client.force_login(personas.office_leader_a)
    response = client.get(reverse("portfolio-export-csv"), {"flagg": "LANGTIDSLEDIG"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Navn", "Alder", "Innsatsgruppe"]
    assert rows[1][0] == "Anna Aas"
    assert rows[1][7] == "LANGTIDSLEDIG"
    assert len(rows) == 2
    event = AccessEvent.objects.get()
    assert (event.kind, event.what) == ("EKSPORT", "portfolio-export-csv")
    assert event.actor_id == personas.office_leader_a.pk
    assert event.person_count == 1
    assert list(event.persons.values_list("person_id", flat=True)) == [people["anna"].pk]
    assert "flagg=LANGTIDSLEDIG" in event.detail
    assert event.address == "127.0.0.1"


def test_xlsx_export_has_the_columns_and_masks_protected_persons(client, personas, people, hidden):
    client.force_login(personas.county_leader_x)
    response = client.get(reverse("portfolio-export-xlsx"))
    assert response.status_code == 200
    sheet = _sheet(response.content)
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Navn"
    names = [row[0] for row in values[1:]]
    assert names == ["Anna Aas", "Bjørn Berg", "Cecilie Carlsen", "Adressebeskyttet"]
    masked = values[-1]
    assert masked[1] is None  # no age
    assert masked[4] is None  # no municipality
    text = repr(values)
    assert "Hemmelig" not in text
    for person in Person.objects.all():
        assert person.fodselsnummer not in text
    event = AccessEvent.objects.get()
    assert event.person_count == 4
    assert sorted(event.persons.values_list("person_id", flat=True)) == sorted(
        p.pk for p in Person.objects.exclude(office=personas.office_y)
    )


def test_export_keeps_a_formula_as_text(client, personas):
    PersonFactory.create(first_name="=HYPERLINK(1)", last_name="x")
    client.force_login(personas.office_leader_a)
    sheet = _sheet(client.get(reverse("portfolio-export-xlsx")).content)
    assert sheet["A2"].value == "'=HYPERLINK(1) x"


@pytest.mark.parametrize("name", ["portfolio-export-csv", "portfolio-export-xlsx"])
def test_caseworker_may_not_export(client, personas, people, name):
    client.force_login(personas.caseworker_a)
    assert client.get(reverse(name)).status_code == 404
    assert not AccessEvent.objects.exists()
    page = client.get(URL).content.decode()
    assert reverse(name) not in page
