"""Leader dashboards (DOMAIN.md section 9): waits, referral quality, capacity, groups and the
split of places, each with an SVG chart, its table and a CSV export; scoped to the leader's
office or county, aggregates only, small cells hidden at office level."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from intake.models import (
    EventKind,
    Placement,
    PlacementStatus,
    ReferralEvent,
    ReferralStatus,
)
from org.models import Office
from org.vocabulary import CountryBackground, NeedGroup
from portfolio.charts import LineChart, Series, line_chart
from portfolio.models import FlagSettings, YearlyPlaceTarget
from tests.factories import OfferingFactory, PersonFactory, ProviderFactory, ReferralFactory
from tests.intake.review_world import programme

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")


def export_url(section: str) -> str:
    return reverse("dashboard-export", args=[section])


def sections(client, user) -> dict:
    client.force_login(user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return {section.slug: section for section in response.context["sections"]}


def table(section, caption: str) -> dict[str, list[str]]:
    """A section's table as {row label: the other cells}."""
    (found,) = [t for t in section.tables if t.caption == caption]
    return {row[0]: row[1:] for row in found.rows}


def waiting(days: int, code: str = "ARBFORB", office_number: str = "5083"):
    approved = timezone.now() - datetime.timedelta(days=days, hours=1)
    person = PersonFactory.create(office=_office(office_number))
    return ReferralFactory.create(
        person=person, programme_type=programme(code), waitlisted_at=approved
    )


def _office(number: str) -> Office:
    return Office.objects.get(number=number)


def event(referral, kind: str, to_status: str, *, reasons=(), days_ago: float = 0, **extra):
    return ReferralEvent.objects.create(
        referral=referral,
        kind=kind,
        to_status=to_status,
        reasons=list(reasons),
        at=timezone.now() - datetime.timedelta(days=days_ago, minutes=1),
        **extra,
    )


def place(referral, offering, *, by, status=PlacementStatus.TILDELT, days_ago: float = 0):
    return Placement.objects.create(
        referral=referral,
        offering=offering,
        status=status,
        assigned_by=by,
        assigned_at=timezone.now() - datetime.timedelta(days=days_ago, minutes=1),
    )


@pytest.fixture
def waits_world(personas):
    aft = programme("ARBFORB").short_name
    vta = programme("VASV").short_name
    for days in (100, 10, 40, 20, 30):
        waiting(days)
    waiting(4, "VASV", "5080")
    waiting(8, "VASV", "5080")
    waiting(500, office_number="0382")  # county Y
    return aft, vta


def test_waits_per_programme_type_are_median_p90_and_longest(personas, client, waits_world):
    aft, vta = waits_world

    waits = sections(client, personas.county_leader_x)["ventetid"]

    by_type = table(waits, "Per tiltakstype")
    assert by_type[aft] == ["5", "30", "100", "100"]
    assert by_type[vta] == ["2", "6", "8", "8"]
    by_office = table(waits, "Per Nav-kontor")
    assert by_office["Nav Midtbyen"] == ["5", "30", "100", "100"]
    # Two people at an office: a small cell, hidden with everything derived from it.
    assert by_office["Nav Falkenborg"] == ["<5", "–", "–", "–"]
    assert "Nav Frogner" not in by_office


def test_office_leader_sees_only_their_office_and_small_cells_hidden(personas, client, waits_world):
    aft, vta = waits_world
    waiting(3, "INDOPPFAG")

    waits = sections(client, personas.office_leader_a)["ventetid"]

    by_type = table(waits, "Per tiltakstype")
    assert by_type[aft] == ["5", "30", "100", "100"]
    assert vta not in by_type
    assert by_type[programme("INDOPPFAG").short_name] == ["<5", "–", "–", "–"]


def test_waits_for_a_start_per_provider(personas, client):
    offering = OfferingFactory.create(provider=personas.provider_p)
    for days in (2, 6, 9):
        referral = waiting(50)
        referral.status = ReferralStatus.VENTER_PA_OPPSTART
        referral.save()
        place(referral, offering, by=personas.intake_x, days_ago=days)

    waits = sections(client, personas.county_leader_x)["ventetid"]

    per_provider = table(waits, "Tildelt plass, venter på oppstart, per arrangør")
    assert per_provider[personas.provider_p.name] == ["3", "6", "9", "9"]


def test_waitlist_trend_counts_back_from_today(personas, client):
    stayed = waiting(70)
    event(
        stayed,
        EventKind.GODKJENT,
        ReferralStatus.VENTELISTE,
        days_ago=70,
        from_status=ReferralStatus.SOKT_INN,
    )
    placed = waiting(80)
    placed.status = ReferralStatus.VENTER_PA_OPPSTART
    placed.save()
    event(
        placed,
        EventKind.GODKJENT,
        ReferralStatus.VENTELISTE,
        days_ago=80,
        from_status=ReferralStatus.SOKT_INN,
    )
    event(
        placed,
        EventKind.TILDELT,
        ReferralStatus.VENTER_PA_OPPSTART,
        days_ago=0,
        from_status=ReferralStatus.VENTELISTE,
    )

    rows = sections(client, personas.county_leader_x)["utvikling"].tables[0].rows

    assert len(rows) == 12
    # This month: one still waits, one left; a year ago neither had arrived.
    assert rows[-1][1:] == ["1", "0", "1"]
    assert rows[0][1] == "0"
    assert sum(int(row[2]) for row in rows) == 2


def test_referrals_submitted_returned_by_reason_and_approved(personas, client):
    one = ReferralFactory.create(status=ReferralStatus.VENTELISTE)
    event(one, EventKind.SOKT_INN, ReferralStatus.SOKT_INN)
    event(
        one,
        EventKind.RETURNERT,
        ReferralStatus.RETURNERT,
        reasons=["CV_MANGLER", "BEGRUNNELSE_MANGELFULL"],
    )
    event(one, EventKind.SOKT_INN, ReferralStatus.SOKT_INN)
    event(one, EventKind.GODKJENT, ReferralStatus.VENTELISTE)
    two = ReferralFactory.create(status=ReferralStatus.RETURNERT)
    event(two, EventKind.SOKT_INN, ReferralStatus.SOKT_INN)
    event(two, EventKind.RETURNERT, ReferralStatus.RETURNERT, reasons=["CV_MANGLER"])
    three = ReferralFactory.create(person=PersonFactory.create(office=personas.office_b))
    event(three, EventKind.SOKT_INN, ReferralStatus.SOKT_INN)
    event(three, EventKind.GODKJENT, ReferralStatus.VENTELISTE)
    event(three, EventKind.SOKT_INN, ReferralStatus.SOKT_INN, days_ago=800)  # too old
    oslo = ReferralFactory.create(person=PersonFactory.create(office=personas.office_y))
    event(oslo, EventKind.SOKT_INN, ReferralStatus.SOKT_INN)
    event(oslo, EventKind.RETURNERT, ReferralStatus.RETURNERT, reasons=["FEIL_INNSATSGRUPPE"])

    referrals = sections(client, personas.county_leader_x)["henvisninger"]

    months = referrals.tables[0].rows
    assert months[-1][1:] == ["4", "2", "2", "50 %"]
    assert all(row[1:4] == ["0", "0", "0"] for row in months[:-1])
    assert table(referrals, "Returer per årsak") == {
        "CV mangler": ["2", "100 %"],
        "Begrunnelsen er mangelfull": ["1", "50 %"],
    }
    assert table(referrals, "Per Nav-kontor") == {
        "Nav Falkenborg": ["<5", "0", "<5", "–"],
        "Nav Midtbyen": ["<5", "<5", "<5", "–"],
    }


def test_capacity_and_utilisation_per_provider(personas, client):
    OfferingFactory.create(
        provider=personas.provider_p,
        contracted_places=10,
        places_occupied=6,
        places_assigned=1,
        free_places=2,
    )
    OfferingFactory.create(
        provider=personas.provider_p, municipality_id="5006", contracted_places=5, places_occupied=5
    )
    OfferingFactory.create(
        provider=personas.provider_q, contracted_places=4, places_assigned=1, free_places=3
    )
    OfferingFactory.create(name="Oslo", municipality_id="0301", contracted_places=99)

    county = table(sections(client, personas.county_leader_x)["kapasitet"], "Per arrangør")
    office = table(sections(client, personas.office_leader_a)["kapasitet"], "Per arrangør")

    assert county == {
        personas.provider_p.name: ["15", "11", "1", "2", "80 %"],
        personas.provider_q.name: ["4", "0", "1", "3", "25 %"],
        "Sum": ["19", "11", "2", "5", "68,4 %"],
    }
    # Nav Midtbyen serves Trondheim: the offering in Steinkjer is not in its area.
    assert office[personas.provider_p.name] == ["10", "6", "1", "2", "70 %"]


def test_group_shares_of_referrals_and_placements_against_the_portfolio(personas, client):
    offering = OfferingFactory.create(provider=personas.provider_p)
    young = datetime.date(timezone.localdate().year - 20, 1, 1)
    special = [
        PersonFactory.create(need_group=NeedGroup.SPESIELT_TILPASSET_INNSATS, birth_date=young)
        for _ in range(4)
    ]
    standard = [
        PersonFactory.create(
            need_group=NeedGroup.STANDARD_INNSATS,
            country_background=CountryBackground.UTENFOR_EOS,
            office=personas.office_b,
        )
        for _ in range(4)
    ]
    for _ in range(2):
        PersonFactory.create(need_group=NeedGroup.VARIG_TILPASSET_INNSATS)
    PersonFactory.create(office=personas.office_y, need_group=NeedGroup.STANDARD_INNSATS)
    referred = [
        ReferralFactory.create(person=p, priority_groups=["UNG"], status=ReferralStatus.DELTAR)
        for p in special[:3]
    ]
    ReferralFactory.create(person=standard[0], priority_groups=["INNVANDRER_UTENFOR_EOS"])
    for referral in referred[:2]:
        place(referral, offering, by=personas.intake_x, status=PlacementStatus.DELTAR)

    groups = sections(client, personas.county_leader_x)["grupper"]

    need = table(groups, "Innsatsgrupper")
    assert need["Spesielt tilpasset innsats"] == ["4", "40 %", "3", "75 %", "2", "100 %"]
    assert need["Gode muligheter (standard innsats)"] == ["4", "40 %", "1", "25 %", "0", "0 %"]
    assert need["Varig tilpasset innsats"] == ["2", "20 %", "0", "0 %", "0", "0 %"]
    assert need["Alle"] == ["10", "100 %", "4", "100 %", "2", "100 %"]
    priority = table(groups, "Prioriterte grupper")
    assert priority["Ung under 30"] == ["4", "40 %", "3", "75 %", "2", "100 %"]
    assert priority["Innvandrer utenfor EØS"] == ["4", "40 %", "1", "25 %", "0", "0 %"]
    assert priority["Langtidsledig"] == ["0", "0 %", "0", "0 %", "0", "0 %"]


def test_split_of_places_against_the_yearly_target(personas, client):
    year = timezone.now().year
    YearlyPlaceTarget.objects.create(year=year, adapted_share_percent=80)
    YearlyPlaceTarget.objects.create(year=year - 1, adapted_share_percent=75)
    offering = OfferingFactory.create(provider=personas.provider_p)
    for need_group in [NeedGroup.SPESIELT_TILPASSET_INNSATS] * 2 + [
        NeedGroup.VARIG_TILPASSET_INNSATS,
        NeedGroup.STANDARD_INNSATS,
    ]:
        referral = ReferralFactory.create(
            person=PersonFactory.create(need_group=need_group), status=ReferralStatus.DELTAR
        )
        place(referral, offering, by=personas.intake_x, status=PlacementStatus.DELTAR)
    oslo = ReferralFactory.create(person=PersonFactory.create(office=personas.office_y))
    place(oslo, offering, by=personas.intake_x)

    split = sections(client, personas.county_leader_x)["fordeling"]

    per_year = table(split, "Per år")
    assert per_year[str(year)] == ["1", "3", "75 %", "80 %", "-5"]
    assert per_year[str(year - 1)] == ["0", "0", "–", "75 %", "–"]
    assert per_year[str(year - 2)] == ["0", "0", "–", "–", "–"]
    assert "(mål 80 %)" in split.svg


@pytest.mark.parametrize(
    "persona", ["caseworker_a", "intake_x", "provider_user_p", "nobody", "admin"]
)
def test_only_leaders_see_dashboards_and_exports(personas, client, persona):
    client.force_login(getattr(personas, persona))

    assert client.get(DASHBOARD).status_code == 404
    assert client.get(export_url("ventetid")).status_code == 404
    assert not AccessEvent.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_each_section_has_an_accessible_svg_chart_its_table_and_an_export_link(
    personas, client, waits_world
):
    client.force_login(personas.county_leader_x)

    html = client.get(DASHBOARD).content.decode()

    for slug in ("ventetid", "utvikling", "henvisninger", "kapasitet", "grupper", "fordeling"):
        assert f'id="{slug}-heading"' in html
        assert f'role="img" class="inntak-chart" id="chart-{slug}"' in html, slug
        assert f'aria-labelledby="chart-{slug}-title chart-{slug}-desc"' in html
        assert f'<title id="chart-{slug}-title">' in html
        assert f'<desc id="chart-{slug}-desc">' in html
        assert f'id="{slug}-table-1"' in html
        assert f'href="{export_url(slug)}"' in html
    # Colour is not the only carrier: series have patterns and bars carry their values.
    assert 'fill="url(#chart-ventetid-p1)"' in html
    assert ">100</text>" in html
    # Aggregates only: nobody's name is on the page.
    assert "Nordmann" not in html


def test_names_in_charts_and_tables_are_escaped(personas, client):
    OfferingFactory.create(provider=ProviderFactory.create(name="<script>x</script> AS"))
    client.force_login(personas.county_leader_x)

    html = client.get(DASHBOARD).content.decode()

    assert "<script>x" not in html
    assert "&lt;script&gt;x&lt;/script&gt; AS" in html


def test_export_is_semicolon_csv_with_bom_and_is_audited(personas, client, waits_world):
    aft, _vta = waits_world
    client.force_login(personas.county_leader_x)

    response = client.get(export_url("ventetid"), REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffVentetid;Trøndelag")
    lines = body.splitlines()
    assert "Tiltakstype;Venter;Median (dager);90-persentil (dager);Lengst (dager)" in lines
    assert f"{aft};5;30;100;100" in lines
    assert "Nav Falkenborg;<5;–;–;–" in lines
    audit = AccessEvent.objects.get()
    assert (audit.actor_id, audit.kind, audit.what, audit.detail) == (
        personas.county_leader_x.pk,
        "EKSPORT",
        "dashboard-export",
        "ventetid",
    )
    assert audit.person_count == 0
    assert not audit.persons.exists()
    assert audit.address == "10.1.2.3"


def test_unknown_export_section_is_404_and_not_audited(personas, client):
    client.force_login(personas.county_leader_x)

    assert client.get(export_url("personer")).status_code == 404
    assert not AccessEvent.objects.exists()


def test_every_section_exports(personas, client):
    client.force_login(personas.office_leader_a)
    for slug in ("ventetid", "utvikling", "henvisninger", "kapasitet", "grupper", "fordeling"):
        response = client.get(export_url(slug))
        assert response.status_code == 200, slug
        assert response.content.decode("utf-8").split(";")[1].startswith("Nav Midtbyen")
    assert AccessEvent.objects.filter(kind="EKSPORT", what="dashboard-export").count() == 6


def _grow_world(personas, size: int) -> None:
    """`size` of everything the dashboards count, in several offices, types and providers."""
    for i in range(size):
        offering = OfferingFactory.create(**({"provider": personas.provider_p} if i % 2 else {}))
        for code, office in (("ARBFORB", "5083"), ("VASV", "5080"), ("INDOPPFAG", "5083")):
            referral = waiting(10 + i, code, office)
            event(referral, EventKind.SOKT_INN, ReferralStatus.SOKT_INN, days_ago=40 + i)
            event(
                referral,
                EventKind.RETURNERT,
                ReferralStatus.RETURNERT,
                days_ago=35,
                reasons=["CV_MANGLER"],
            )
            event(
                referral,
                EventKind.GODKJENT,
                ReferralStatus.VENTELISTE,
                days_ago=10 + i,
                from_status=ReferralStatus.SOKT_INN,
            )
        placed = ReferralFactory.create(status=ReferralStatus.VENTER_PA_OPPSTART)
        place(placed, offering, by=personas.intake_x, days_ago=i)
    YearlyPlaceTarget.objects.get_or_create(year=timezone.now().year, adapted_share_percent=80)


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DASHBOARD).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("persona", ["county_leader_x", "office_leader_a"])
def test_dashboard_costs_the_same_queries_for_a_three_times_larger_world(personas, client, persona):
    client.force_login(getattr(personas, persona))
    _grow_world(personas, 2)
    small = _queries(client)
    cache.clear()  # the figures are cached; measure computing them again
    _grow_world(personas, 4)
    large = _queries(client)

    assert small == large
    assert large <= 30


def test_the_figures_are_computed_once_and_then_served_from_the_cache(personas, client):
    client.force_login(personas.county_leader_x)
    _grow_world(personas, 2)
    first = _queries(client)
    page = client.get(DASHBOARD).content.decode()
    again = _queries(client)

    assert again < first - 5  # no figure queries, only the session, user and header
    assert "Tallene ble regnet ut kl." in page
    # Another leader's area has its own entry: an office leader never sees the county's page.
    client.force_login(personas.office_leader_a)
    assert _queries(client) == first


def test_admin_edits_the_yearly_target_and_the_single_flag_settings_row(personas, client):
    client.force_login(personas.admin)

    response = client.post(
        reverse("admin:portfolio_yearlyplacetarget_add"),
        {"year": 2027, "adapted_share_percent": 80},
    )
    assert response.status_code == 302
    assert YearlyPlaceTarget.objects.get(year=2027).adapted_share_percent == 80

    fields = {f.name: f.default for f in FlagSettings._meta.fields if f.name != "id"}
    response = client.post(
        reverse("admin:portfolio_flagsettings_add"), {**fields, "young_age_limit": 25}
    )
    assert response.status_code == 302
    assert FlagSettings.current().young_age_limit == 25
    # One row only: no second add.
    assert client.get(reverse("admin:portfolio_flagsettings_add")).status_code == 403


def test_a_hidden_value_breaks_the_line_instead_of_being_bridged():
    chart = line_chart(
        LineChart(
            chart_id="c",
            title="T",
            description="D",
            x_labels=["a", "b", "c", "d"],
            series=[Series("S", [3.0, None, 7.0, 8.0], ["3", "<5", "7", "8"])],
        )
    )

    assert chart.count("<polyline") == 2
    assert chart.count("<circle") == 1 + 3  # the legend's marker, and one per value shown
    assert chart.startswith('<svg xmlns="http://www.w3.org/2000/svg" role="img"')
