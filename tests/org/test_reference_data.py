import pytest
from django.db.models import Count

from org.geo import great_circle_km
from org.models import County, Municipality, Office
from org.reference_data import load_reference_data, norwegian_name

pytestmark = pytest.mark.django_db


def test_all_counties_municipalities_and_offices_are_loaded():
    assert County.objects.count() == 15
    assert Municipality.objects.count() == 357
    assert 240 <= Office.objects.count() <= 270


def test_every_municipality_is_served_by_an_office_of_its_own_county():
    unserved = Municipality.objects.annotate(n=Count("offices")).filter(n=0)
    assert list(unserved) == []
    for office in Office.objects.prefetch_related("municipalities"):
        assert {m.county_id for m in office.municipalities.all()} == {office.county_id}


def test_loading_again_changes_nothing():
    before = (
        County.objects.count(),
        Municipality.objects.count(),
        Office.objects.count(),
        Office.municipalities.through.objects.count(),
    )
    load_reference_data(County, Municipality, Office)
    after = (
        County.objects.count(),
        Municipality.objects.count(),
        Office.objects.count(),
        Office.municipalities.through.objects.count(),
    )
    assert after == before


def test_norwegian_names_are_used_where_ssb_puts_another_form_first():
    assert norwegian_name("5628", "Deatnu - Tana") == "Tana"
    assert norwegian_name("0301", "Oslo - Oslove") == "Oslo"
    assert Municipality.objects.get(number="5610").norwegian_name == "Karasjok"


def test_great_circle_distance_between_municipalities():
    oslo = Municipality.objects.get(number="0301")
    bergen = Municipality.objects.get(number="4601")
    trondheim = Municipality.objects.get(number="5001")
    assert oslo.distance_km(oslo) == 0
    assert 295 < oslo.distance_km(bergen) < 315
    assert oslo.distance_km(trondheim) == pytest.approx(trondheim.distance_km(oslo))


def test_great_circle_known_value():
    # One degree of latitude along a meridian is about 111.2 km.
    assert great_circle_km(60.0, 10.0, 61.0, 10.0) == pytest.approx(111.2, abs=0.1)
