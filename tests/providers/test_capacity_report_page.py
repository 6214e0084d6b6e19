"""The offering page's capacity report form: "N plasser ledige fra dato", checked by the
service, kept in the history, safe against double posts and stale forms."""

import datetime

import pytest
from django.utils import timezone

from providers.models import CapacityReport, ReportChannel
from providers.services import capacity_report
from tests.providers.support import offering_with_free_places, placed

pytestmark = pytest.mark.django_db


def url(offering):
    return f"/tiltak/{offering.pk}/"


def drawn_form(client, offering):
    """The hidden values the page put into the form when it was drawn."""
    form = client.get(url(offering)).context["form"]
    return {
        "idempotency_key": form.initial["idempotency_key"],
        "latest_report_id": form.initial["latest_report_id"],
    }


def post(client, offering, hidden, **values):
    data = {"free_from": timezone.localdate().isoformat(), "note": "", **hidden, **values}
    return client.post(url(offering), data)


def test_a_provider_reports_three_free_places_on_the_page(client, personas):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p)
    client.force_login(personas.provider_user_p)

    response = post(client, offering, drawn_form(client, offering), free_places=3)

    assert response.status_code == 302
    offering.refresh_from_db()
    assert (offering.free_places, offering.free_from) == (3, timezone.localdate())
    report = CapacityReport.objects.get(offering=offering)
    assert (report.free_places, report.channel, report.reported_by) == (
        3,
        ReportChannel.WEB,
        personas.provider_user_p,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Meldt: 3 ledige plasser fra" in page
    assert "Nettside" in page  # the history says which channel


def test_the_history_shows_every_report_with_who_when_and_channel(client, personas):
    offering = offering_with_free_places(
        personas.provider_p, personas.provider_user_p, contracted=8, free=2
    )
    capacity_report(
        offering_id=offering.pk,
        free_places=5,
        free_from=timezone.localdate(),
        note="Ny gruppe fra mandag",
        channel=ReportChannel.API,
        provider_id=personas.provider_p.pk,
    )
    client.force_login(personas.provider_user_p)

    history = list(client.get(url(offering)).context["history"])

    assert [(r.free_places, r.channel) for r in history] == [(5, "API"), (2, "WEB")]
    page = client.get(url(offering)).content.decode()
    assert "Ny gruppe fra mandag" in page
    assert personas.provider_user_p.display_name in page


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"free_places": -1}, "Antall ledige plasser kan ikke være negativt."),
        (
            {"free_from": (timezone.localdate() - datetime.timedelta(days=60)).isoformat()},
            "«Ledig fra» kan ikke være mer enn 14 dager tilbake i tid.",
        ),
        ({"free_places": "tre"}, "Oppgi et heltall."),
    ],
)
def test_bad_reports_are_refused_with_a_clear_message_and_nothing_saved(
    client, personas, values, message
):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p)
    client.force_login(personas.provider_user_p)

    response = post(client, offering, drawn_form(client, offering), **{"free_places": 2, **values})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CapacityReport.objects.filter(offering=offering).exists()
    offering.refresh_from_db()
    assert offering.free_places == 0


def test_too_many_places_are_refused_naming_the_limiting_numbers(client, personas):
    offering = offering_with_free_places(
        personas.provider_p, personas.provider_user_p, contracted=5, free=2
    )
    placed(offering, personas.intake_x)  # one given, not started
    client.force_login(personas.provider_user_p)

    response = post(client, offering, drawn_form(client, offering), free_places=6)

    assert response.status_code == 400
    form = response.context["form"]
    assert form.non_field_errors() == [
        "Dere kan melde høyst 4 ledige plasser: 5 avtalte plasser, minus 0 deltakere og 1 "
        "som har fått plass og ikke startet ennå."
    ]
    assert form.errors["free_places"] == ["Høyst 4."]
    assert CapacityReport.objects.filter(offering=offering).count() == 1
    offering.refresh_from_db()
    assert (offering.free_places, offering.places_assigned) == (1, 1)


def test_a_double_post_gives_one_report(client, personas):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p)
    client.force_login(personas.provider_user_p)
    hidden = drawn_form(client, offering)

    first = post(client, offering, hidden, free_places=3)
    second = post(client, offering, hidden, free_places=3)

    assert (first.status_code, second.status_code) == (302, 302)
    assert CapacityReport.objects.filter(offering=offering).count() == 1


def test_a_form_loaded_before_someone_elses_report_is_refused_as_stale(client, personas):
    offering = offering_with_free_places(
        personas.provider_p, personas.provider_user_p, contracted=10, free=1
    )
    client.force_login(personas.provider_user_p)
    hidden = drawn_form(client, offering)
    capacity_report(  # a colleague, meanwhile
        offering_id=offering.pk,
        free_places=4,
        free_from=timezone.localdate(),
        channel=ReportChannel.API,
        provider_id=personas.provider_p.pk,
    )

    response = post(client, offering, hidden, free_places=2, note="Etter ferien")

    assert response.status_code == 400
    page = response.content.decode()
    assert "Noen andre meldte ledig kapasitet etter at du åpnet siden: 4 ledige fra" in page
    form = response.context["form"]
    assert (form["free_places"].value(), form["note"].value()) == ("2", "Etter ferien")
    offering.refresh_from_db()
    assert offering.free_places == 4
    assert CapacityReport.objects.filter(offering=offering).count() == 2

    # Sent again knowingly, the user's numbers are saved.
    again = client.post(url(offering), form.data)
    assert again.status_code == 302
    offering.refresh_from_db()
    assert offering.free_places == 2


def test_someone_elses_offering_is_not_found(client, personas):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p)
    client.force_login(personas.provider_user_q)

    assert client.get(url(offering)).status_code == 404
    response = post(
        client, offering, {"idempotency_key": "x", "latest_report_id": 0}, free_places=1
    )
    assert response.status_code == 404
    assert not CapacityReport.objects.exists()


def test_the_county_reads_the_numbers_but_does_not_report_them(client, personas):
    offering = offering_with_free_places(
        personas.provider_p, personas.provider_user_p, contracted=6, free=2
    )
    client.force_login(personas.intake_x)

    response = client.get(url(offering))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert "Meld ledige plasser" not in response.content.decode()
    refused = post(client, offering, {"idempotency_key": "x", "latest_report_id": 0}, free_places=1)
    assert refused.status_code == 403
    assert CapacityReport.objects.filter(offering=offering).count() == 1


def test_with_htmx_a_refusal_comes_back_as_the_form_and_success_as_a_redirect(client, personas):
    offering = offering_with_free_places(personas.provider_p, personas.provider_user_p)
    client.force_login(personas.provider_user_p)
    hidden = drawn_form(client, offering)

    refused = client.post(
        url(offering),
        {"free_places": 11, "free_from": timezone.localdate().isoformat(), **hidden},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 200
    fragment = refused.content.decode()
    assert fragment.startswith("<form")
    assert "Dere kan melde høyst 10 ledige plasser" in fragment

    saved = client.post(
        url(offering),
        {"free_places": 3, "free_from": timezone.localdate().isoformat(), **hidden},
        headers={"HX-Request": "true"},
    )
    assert saved["HX-Redirect"] == url(offering)
    offering.refresh_from_db()
    assert offering.free_places == 3
