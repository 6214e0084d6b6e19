"""The provider's "Mine tiltak": their own offerings with the capacity numbers; the county's
offerings, read-only, for its intake team and leaders."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import OfferingFactory
from tests.providers.support import offering_with_free_places, placed, provider_client

pytestmark = pytest.mark.django_db


def test_a_provider_sees_only_their_own_offerings_with_capacity_numbers(client, personas):
    mine = offering_with_free_places(
        personas.provider_p, personas.provider_user_p, contracted=8, free=3, name="AFT Prima"
    )
    for _n in range(2):
        placed(mine, personas.intake_x)
    offering_with_free_places(personas.provider_q, personas.provider_user_q, name="AFT Kvarts")
    client.force_login(personas.provider_user_p)

    response = client.get("/tiltak/")

    assert response.context["title"] == "Mine tiltak"
    rows = response.context["rows"]
    assert [row.offering.name for row in rows] == ["AFT Prima"]
    offering = rows[0].offering
    assert (
        offering.contracted_places,
        offering.places_occupied,
        offering.places_assigned,
        offering.free_places,
        rows[0].limit,
    ) == (8, 0, 2, 1, 6)
    assert "AFT Kvarts" not in response.content.decode()


def test_the_intake_team_sees_the_countys_offerings_read_only(client, personas):
    in_county = offering_with_free_places(personas.provider_p, personas.provider_user_p)
    offering_with_free_places(  # Oslo: another county
        personas.provider_q, personas.provider_user_q, municipality_id="0301"
    )
    client.force_login(personas.intake_x)

    rows = client.get("/tiltak/").context["rows"]
    page = client.get(f"/tiltak/{in_county.pk}/")

    assert [row.offering.pk for row in rows] == [in_county.pk]
    assert page.status_code == 200
    assert page.context["may_report"] is False


def offerings(provider, n):
    for _n in range(n):
        OfferingFactory.create(provider=provider, contracted_places=5)


@pytest.mark.parametrize("path", ["/tiltak/", "api"])
def test_the_offerings_list_costs_the_same_for_5_and_30_rows(client, personas, path):
    client.force_login(personas.provider_user_p)
    api, _token = provider_client(personas.provider_user_p, personas.provider_p)

    def cost() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            if path == "api":
                rows = len(api.get("/api/provider/offerings/").json()["results"])
            else:
                rows = len(client.get(path).context["rows"])
        return rows, len(queries)

    offerings(personas.provider_p, 5)
    five, few = cost()
    offerings(personas.provider_p, 25)
    thirty, many = cost()

    assert (five, thirty) == (5, 30)
    assert many == few
