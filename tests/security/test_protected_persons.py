"""Protected persons (kode 6, kode 7, skjermet) are masked for everyone without the clearance,
everywhere (DOMAIN.md section 10; issue 7 item 2): no page, API call, export, notification or
email tells an uncleared user their name, fødselsnummer, birth date or municipality; they are
never auto-matched; and a user with the clearance sees them in full.

The crawler requests every GET-able URL pattern of the URLconf, its parameters filled from the
world's objects, as every persona. A new pattern whose parameters the world cannot fill fails
the test, so that a new page is covered when it is added."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.http import HttpResponseBase
from django.test import Client
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from audit.models import AccessedPerson
from intake.models import MatchProposal, Notification, Person
from org.models import Municipality, User
from portfolio.selectors_dashboard import SECTIONS
from providers.models import ProviderApiToken
from tests.conftest import Personas
from tests.intake.caseworker import attachment_storage  # noqa: F401 (a fixture)
from tests.providers.support import provider_client
from tests.security.protected_world import (
    CONTROL_MUNICIPALITIES,
    ProtectedPerson,
    ProtectedWorld,
    build_protected_world,
)
from tests.security.urls import Route, all_routes

pytestmark = pytest.mark.usefixtures("attachment_storage")

# Personas without any clearance, and how each reaches the application.
UNCLEARED = [
    "caseworker_a",
    "caseworker_b",
    "office_leader_a",
    "county_leader_x",
    "intake_x",
    "intake_y",
    "provider_user_p",
    "provider_user_p_api_key",
    "provider_user_q",
    "admin",
]


@pytest.fixture
def world(
    personas: Personas,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> ProtectedWorld:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        built = build_protected_world(personas)
    # Cleared staff read the protected persons' pages, so that the access log holds records
    # about them for the leaders' crawl.
    pages: list[tuple[User, str, list[Any]]] = [
        (built.cleared_caseworker, "person-detail", [pp.person for pp in built.protected]),
        (built.cleared_intake, "review-detail", [p.referrals["SOKT_INN"] for p in built.protected]),
    ]
    for user, name, objects in pages:
        reader = Client()
        reader.force_login(user)
        for obj in objects:
            assert reader.get(reverse(name, args=[obj.pk])).status_code == 200
    return built


# --- the URLconf, and its parameters filled from the world ---------------------------------


def _admin_model(route: Route) -> type[Any] | None:
    """The model of an admin route `admin/<app_label>/<model_name>/...`."""
    found = re.match(r"admin/(\w+)/(\w+)/", route.route)
    if found is None:
        return None
    for model in admin.site._registry:
        if (model._meta.app_label, model._meta.model_name) == found.groups():
            return model
    return None


class Unfillable(Exception):
    pass


def parameter_values(world: ProtectedWorld, route: Route) -> dict[str, list[Any]]:
    """Every value to try for each of the route's parameters: the protected persons' own
    objects first, and an ordinary one beside them."""
    protected = world.protected
    referrals = [r.pk for pp in protected for r in pp.referrals.values()]
    placements = [pl.pk for pp in protected for pl in pp.placements.values()]
    placements.append(world.ordinary_placements[0].pk)
    offering_ids = [o.pk for o in world.offerings.values()] + [world.offering_q.pk]
    model = _admin_model(route)
    object_ids: list[Any] = []
    if model is Municipality:
        # The protected persons' municipalities are reference data the admin shows in full;
        # their pages are compared through the controls instead.
        object_ids = list(CONTROL_MUNICIPALITIES)
    elif model is User:
        object_ids = [world.personas.caseworker_a.pk, world.cleared_caseworker.pk]
    elif model is not None:
        # Configuration only (the admin registers no persons); an empty table's pages are
        # requested with an id that does not exist.
        first = model._default_manager.order_by("pk").first()
        object_ids = [first.pk if first is not None else 0]
    elif "content_type_id" in route.params:  # the admin's "view on site"
        object_ids = list(CONTROL_MUNICIPALITIES)
    known: dict[str, list[Any]] = {
        "person_id": [pp.person.pk for pp in protected] + [world.ordinary[0].pk],
        "referral_id": referrals,
        "placement_id": placements,
        "flag_id": [f.pk for pp in protected for f in pp.flags],
        "attachment_id": [a.pk for pp in protected for a in pp.attachments],
        "offering_id": offering_ids,
        "proposal_id": list(MatchProposal.objects.values_list("pk", flat=True)),
        "county_number": ["50", "03"],
        "programme_type_id": [t.pk for t in world.programme_types.values()],
        "programme_type_code": list(world.programme_types),
        "token": ["0123456789abcdef0123456789abcdef"],
        "token_id": list(ProviderApiToken.objects.values_list("pk", flat=True)),
        "section": list(SECTIONS),
        "batch_id": [world.import_batch.pk],
        "fmt": ["csv", "xlsx"],  # the intake team's downloads (issue 8)
        "app_label": sorted({m._meta.app_label for m in admin.site._registry}),
        "object_id": object_ids,
        "id": object_ids,
        "content_type_id": [ContentType.objects.get_for_model(Municipality).pk],
        "url": ["finnes-ikke/"],
    }
    values: dict[str, list[Any]] = {}
    for param in route.params:
        if param not in known or not known[param]:
            raise Unfillable(f"{route.route}: the world has no values for <{param}>")
        values[param] = known[param]
    return values


def _combinations(values: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
    """Each value of each parameter at least once (not the full product: that grows fast)."""
    if not values:
        yield {}
        return
    longest = max(len(v) for v in values.values())
    for i in range(longest):
        yield {name: options[i % len(options)] for name, options in values.items()}


def _unnamed_url(route: Route, kwargs: dict[str, Any]) -> str:
    """A URL for a route without a name (catch-alls, redirects): its parameters filled, an
    optional part left out, a wildcard given a path that exists nowhere else."""
    url = route.route
    for param, value in kwargs.items():
        url = re.sub(rf"\(\?P<{param}>[^)]*\)|<(\w+:)?{param}>", str(value), url)
    url = re.sub(r"\(\?:[^)]*\)\?", "", url)
    url = re.sub(r"\.\*|\.\+", "finnes-ikke", url)
    url = "/" + re.sub(r"[\^$]", "", url)
    resolve(url)  # a route that this cannot fill fails here, to be taught to the crawler
    return url


def urls_to_crawl(world: ProtectedWorld) -> list[str]:
    urls: list[str] = []
    unfillable: list[str] = []
    for route in all_routes():
        try:
            values = parameter_values(world, route)
        except Unfillable as missing:
            unfillable.append(str(missing))
            continue
        for kwargs in _combinations(values):
            if route.name is not None:
                urls.append(reverse(route.name, kwargs=kwargs))
            else:
                urls.append(_unnamed_url(route, kwargs))
    assert not unfillable, "URL patterns the crawler cannot fill:\n" + "\n".join(unfillable)
    return sorted(set(urls))


# --- what a response must not contain -------------------------------------------------------


def response_text(response: HttpResponseBase) -> str:
    """Everything the user receives: headers that carry content, and the body read as they
    would (a spreadsheet's cells, JSON with its escapes undone)."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        body = response.content  # type: ignore[attr-defined]
    parts = [
        str(response.get("Location", "")),
        str(response.get("Content-Disposition", "")),
        str(response.get("HX-Trigger", "")),
    ]
    content_type = str(response.get("Content-Type", ""))
    if "spreadsheetml" in content_type:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        for sheet in book.worksheets:
            parts.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                parts.append("\t".join("" if cell is None else str(cell) for cell in row))
        return "\n".join(parts)
    text = body.decode("utf-8-sig", errors="replace")
    parts.append(text)
    if "json" in content_type:
        with contextlib.suppress(ValueError):
            parts.append(json.dumps(json.loads(text), ensure_ascii=False))
    return "\n".join(parts)


def _count(text: str, word: str) -> int:
    return len(re.findall(rf"(?<![\w]){re.escape(word)}(?![\w])", text, flags=re.IGNORECASE))


def leaks(text: str, people: list[ProtectedPerson]) -> list[str]:
    """What in `text` identifies one of `people`. A municipality's name or number counts only
    when it is shown more often than an equally empty control municipality's: a list of every
    municipality is reference data, a municipality beside a person is not."""
    found: list[str] = []
    control_names = max(_count(text, name) for name in CONTROL_MUNICIPALITIES.values())
    control_numbers = max(_count(text, number) for number in CONTROL_MUNICIPALITIES)
    for pp in people:
        found += [
            f"{pp.identity.level}: {secret!r}"
            for secret in pp.secrets
            if secret.lower() in text.lower()
        ]
        if _count(text, pp.identity.municipality_name) > control_names:
            found.append(f"{pp.identity.level}: municipality {pp.identity.municipality_name!r}")
        if _count(text, pp.identity.municipality) > control_numbers:
            found.append(f"{pp.identity.level}: municipality number {pp.identity.municipality}")
    return found


def client_for(world: ProtectedWorld, who: str) -> Client | APIClient:
    p = world.personas
    if who == "provider_user_p_api_key":
        api_client, _token = provider_client(p.provider_user_p, p.provider_p)
        return api_client
    client = Client()
    user = getattr(p, who, None) or User.objects.get(username=who)
    client.force_login(user)
    return client


def crawl(world: ProtectedWorld, who: str, people: list[ProtectedPerson]) -> dict[str, Any]:
    """Request every URL as `who`; the leaks found, by URL, and the statuses seen."""
    client = client_for(world, who)
    found: dict[str, list[str]] = {}
    statuses: dict[str, int] = {}
    for url in urls_to_crawl(world):
        response = client.get(url)
        statuses[url] = response.status_code
        if response.status_code >= 500:
            found[url] = [f"server error {response.status_code}"]
            continue
        if hit := leaks(response_text(response), people):
            found[url] = hit
    return {"leaks": found, "statuses": statuses}


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}: {', '.join(hits)}" for url, hits in sorted(found.items()))


# --- the tests ------------------------------------------------------------------------------


def test_every_url_pattern_with_parameters_is_filled_from_the_world(world):
    urls = urls_to_crawl(world)
    for pp in world.protected:
        assert reverse("person-detail", args=[pp.person.pk]) in urls
        for referral in pp.referrals.values():
            assert reverse("review-detail", args=[referral.pk]) in urls
        for attachment in pp.attachments:
            assert reverse("document-attachment", args=[attachment.pk]) in urls


def test_an_unfillable_url_parameter_fails_the_crawl(world):
    route = Route("new-page", "ny/<int:widget_id>/", ("widget_id",), ())
    with pytest.raises(Unfillable, match="widget_id"):
        parameter_values(world, route)


@pytest.mark.parametrize("who", UNCLEARED)
def test_uncleared_user_learns_nothing_about_protected_persons(world, who):
    result = crawl(world, who, world.protected)
    assert not result["leaks"], f"{who} sees protected persons:\n" + _report(result["leaks"])
    # The crawl reached real pages (the API key reaches only the provider API), not only
    # login redirects.
    answered = sum(1 for status in result["statuses"].values() if status == 200)
    assert answered >= (2 if who.endswith("api_key") else 5), f"{who}: {answered} answered"


def test_partly_cleared_caseworker_learns_nothing_about_the_others(world):
    """Kode 7 clearance opens kode 7 persons, not kode 6 or skjermet ones."""
    others = [pp for pp in world.protected if pp.identity.level != "FORTROLIG"]
    result = crawl(world, "veileder_kode7", others)
    assert not result["leaks"], "veileder_kode7 sees:\n" + _report(result["leaks"])


def test_protected_rows_are_masked_not_hidden(client, world):
    client.force_login(world.personas.caseworker_a)
    page = client.get(reverse("person-list")).content.decode()
    assert page.count("Adressebeskyttet") >= len(world.protected)
    assert "Vanlig" in page


def test_emails_and_notifications_name_no_protected_person(world):
    protected_referrals = {r.pk for pp in world.protected for r in pp.referrals.values()}
    notified = Notification.objects.filter(referral_id__in=protected_referrals)
    recipients = set(notified.values_list("recipient__username", flat=True))
    assert {"caseworker_a", "provider_p"} <= recipients
    assert mail.outbox, "the notifications should have been emailed"
    sent_to_uncleared = [
        m for m in mail.outbox if set(m.to) & {f"{name}@nav.test" for name in recipients}
    ]
    assert sent_to_uncleared
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        for alternative, _mime in getattr(message, "alternatives", []):
            text += f"\n{alternative}"
        assert not leaks(text, world.protected), (message.to, text)


def test_protected_persons_are_never_proposed_by_matching(world):
    run = world.run.run
    assert run is not None
    waiting = [pp.referrals["VENTELISTE"] for pp in world.protected]
    assert run.report["exact"]["left_out"]["protected"] == len(waiting)
    proposed = set(MatchProposal.objects.values_list("referral_id", flat=True))
    assert proposed, "the run should propose the ordinary people waiting"
    assert not proposed & {r.pk for r in waiting}
    # Free places were left over: only the protection kept them out.
    offering = world.offerings["ARBFORB"]
    offering.refresh_from_db()
    assert offering.free_places > len(proposed)


@pytest.mark.parametrize("level", ["STRENGT_FORTROLIG", "FORTROLIG", "SKJERMET"])
def test_user_with_clearance_sees_the_person_in_full(client, world, level):
    pp = next(pp for pp in world.protected if pp.identity.level == level)
    client.force_login(world.cleared_caseworker)
    page = response_text(client.get(reverse("person-detail", args=[pp.person.pk])))
    assert pp.person.last_name in page
    assert pp.identity.municipality_name in page
    documents = client.get(reverse("api-person-documents", args=[pp.person.pk])).json()
    assert pp.person.last_name in documents["cv"]["attachment"]["original_name"]
    client.force_login(world.cleared_intake)
    review = client.get(reverse("review-detail", args=[pp.referrals["SOKT_INN"].pk]))
    assert pp.person.last_name in response_text(review)


def test_kode_7_clearance_shows_kode_7_only(client, world):
    client.force_login(world.fortrolig_caseworker)
    page = response_text(client.get(reverse("person-list")))
    by_level = {pp.identity.level: pp for pp in world.protected}
    assert by_level["FORTROLIG"].person.last_name in page
    assert by_level["STRENGT_FORTROLIG"].person.last_name not in page
    assert by_level["SKJERMET"].person.last_name not in page


def test_the_world_is_what_the_crawl_assumes(world):
    # The access log holds the cleared staff's reads of the protected persons.
    read = set(AccessedPerson.objects.values_list("person_id", flat=True))
    assert {pp.person.pk for pp in world.protected} <= read
    for pp in world.protected:
        others = Person.objects.exclude(pk=pp.person.pk)
        assert not others.filter(home_municipality_id=pp.identity.municipality).exists()
        assert not others.filter(last_name__iexact=pp.person.last_name).exists()
        assert not others.filter(birth_date=pp.identity.birth_date).exists()
        assert set(pp.referrals) >= {
            "KLADD",
            "SOKT_INN",
            "RETURNERT",
            "VENTELISTE",
            "PLASS_TILDELT",
            "PLASS_DELTAR",
            "PLASS_AVSLUTTET",
            "PLASS_IKKE_STARTET",
        }


def _rows_masked(client: Client, url: str) -> int:
    return response_text(client.get(url)).count("Adressebeskyttet")


@pytest.mark.parametrize("who", ["intake_x", "county_leader_x", "caseworker_a", "office_leader_a"])
def test_filtering_by_a_protected_persons_municipality_finds_no_masked_row(client, world, who):
    """A masked row among one municipality's rows would tell where the person lives."""
    client.force_login(getattr(world.personas, who))
    arbforb = world.programme_types["ARBFORB"].pk
    lists = [
        reverse("review-queue"),
        reverse("waitlist-detail", args=["50", arbforb]),
        reverse("portfolio-list"),
    ]
    for url in lists:
        for pp in world.protected:
            filtered = f"{url}?kommune={pp.identity.municipality}"
            assert _rows_masked(client, filtered) == 0, filtered


def test_masked_rows_are_in_the_exports_without_identity(client, world):
    client.force_login(world.personas.office_leader_a)
    for name in ("portfolio-export-csv", "portfolio-export-xlsx"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        text = response_text(response)
        assert text.count("Adressebeskyttet") >= len(world.protected), name
        assert "Vanlig" in text
        assert not leaks(text, world.protected)


def test_masked_rows_come_last_not_in_their_names_order(client, world):
    """A masked row between "Berg" and "Brekke" would tell how the name begins."""
    client.force_login(world.personas.caseworker_a)
    page = response_text(client.get(reverse("person-list")))
    office_a = [p for p in world.ordinary if p.office_id == world.personas.office_a.pk]
    last_visible = max(page.rindex(p.last_name) for p in office_a)
    assert page.index("Adressebeskyttet") > last_visible
    rows = client.get(reverse("api-person-list")).json()["results"]
    masked = [row["masked"] for row in rows]
    assert masked == sorted(masked) and masked[-1] is True
