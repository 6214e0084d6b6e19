"""Each role's landing page in a real browser (issue 9): signs in through the form as each demo
login, is free of serious and critical accessibility violations there and on every page its
header navigation leads to, works with the keyboard, and is photographed for the README.

The pages are shown with the demo data (`seed_demo --scale demo`), so that the screenshots look
like Inntak in use; seeding takes a few seconds, so one test visits every role."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page

from portfolio.demo_data import DEMO_PASSWORD
from tests.browser.support import (
    AxeReport,
    focus_is_visible,
    focused,
    screenshot,
    sign_in,
    sign_out,
    tab_to,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Demo login, screenshot name, and the header links (by their Norwegian text) the role sees.
ROLES = [
    ("veileder", "veileder", ["Oversikt", "Brukere", "Portefølje", "Henvisninger", "Varsler"]),
    (
        "inntak",
        "inntak",
        [
            "Oversikt",
            "Vurdering",
            "Ventelister",
            "Matching",
            "Kapasitet",
            "Import",
            "Tiltak",
        ],
    ),
    ("arrangor", "arrangor", ["Oversikt", "Tiltak", "Deltakere"]),
    (
        "leder",
        "leder",
        ["Oversikt", "Dashbord", "Tilgangslogg", "Brukere", "Portefølje", "Henvisninger"],
    ),
    (
        "fylkesleder",
        "fylkesleder",
        [
            "Oversikt",
            "Dashbord",
            "Tilgangslogg",
            "Brukere",
            "Portefølje",
            "Vurdering",
            "Ventelister",
            "Kapasitet",
            "Tiltak",
        ],
    ),
    ("admin", "admin", ["Oversikt", "Administrasjon"]),
]
# Extra screenshots of a role's main pages, by the header link that leads there.
EXTRA_SCREENSHOTS = {
    ("inntak", "Ventelister"): "inntak-venteliste",
    ("leder", "Dashbord"): "leder-dashbord",
    ("inntak", "Matching"): "inntak-matching",
}
# The page each role works from, photographed for the README (the landing page otherwise).
MAIN_PAGE = {"leder": "Portefølje", "fylkesleder": "Dashbord"}


@pytest.fixture
def demo_data(db: None) -> None:
    call_command("seed_demo", "--scale", "demo", verbosity=0, stdout=io.StringIO())


def _nav_links(page: Page) -> dict[str, str]:
    """The header navigation's links: their text (without a count badge) and address."""
    links = page.locator("nav.inntak-nav a")
    found: dict[str, str] = {}
    for index in range(links.count()):
        link = links.nth(index)
        text = link.evaluate("(a) => a.childNodes[0].textContent.trim()")
        found[text] = link.get_attribute("href") or ""
    return found


def _check_first_row(page: Page, axe: AxeReport, base_url: str, label: str) -> None:
    """One level deeper: the page behind the first row of the page's first table, if any (a
    waitlist, an offering, a person), checked and left again."""
    first = page.locator("main table tbody tr a[href]").first
    if not first.count():
        return
    href = first.get_attribute("href") or ""
    if not href.startswith("/"):
        return
    listing = page.url
    response = page.goto(f"{base_url}{href}")
    assert response is not None and response.ok, f"{label}: {href} answered badly"
    page.wait_for_load_state("networkidle")
    axe.check(page, f"{label} → first row ({href})")
    page.goto(listing)


def test_every_role_landing_and_main_pages(live_server, demo_data, page, axe: AxeReport):
    for username, name, expected in ROLES:
        sign_in(page, live_server.url, username, DEMO_PASSWORD)
        assert page.locator("main h1").count() >= 1, f"{username}: no heading on landing page"
        axe.check(page, f"{name}: landing page ({page.url.removeprefix(live_server.url)})")
        links = _nav_links(page)
        assert list(links) == expected, f"{username}: header links {list(links)}"
        if name not in MAIN_PAGE:
            screenshot(page, name)
        for text, href in links.items():
            if text == "Oversikt":
                continue
            response = page.goto(f"{live_server.url}{href}")
            assert response is not None and response.ok, f"{username}: {href} answered badly"
            page.wait_for_load_state("networkidle")
            axe.check(page, f"{name}: {text} ({href})")
            _check_first_row(page, axe, live_server.url, f"{name}: {text}")
            if MAIN_PAGE.get(name) == text:
                screenshot(page, name)
            if (name, text) in EXTRA_SCREENSHOTS:
                screenshot(page, EXTRA_SCREENSHOTS[(name, text)])
        sign_out(page)
    # And once in English, after the language switch in the header.
    sign_in(page, live_server.url, "veileder", DEMO_PASSWORD)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".inntak-skip-link").inner_text() == "Skip to main content"
    axe.check(page, "veileder: landing page in English")
    page.get_by_role("button", name="Norsk").click()
    assert len(axe.pages) >= 30, axe.pages
    print(f"axe checked {len(axe.pages)} pages:", *axe.pages, sep="\n  ")


def _tab_until_wrapped(page: Page, limit: int = 200) -> list[dict[str, str]]:
    """Tab on from where the focus is until it leaves the page (back to the document, or to
    the browser's own interface: the body is focused) or comes round to the skip link: never
    stuck on one element, and every stop on the way visible."""
    stops: list[dict[str, str]] = []
    for _ in range(limit):
        page.evaluate(
            "() => { document.querySelectorAll('[data-was-focused]').forEach("
            "(el) => el.removeAttribute('data-was-focused'));"
            " document.activeElement.setAttribute('data-was-focused', ''); }"
        )
        page.keyboard.press("Tab")
        stop = focused(page)
        if stop["tag"] in ("body", "") or page.evaluate(
            "() => document.activeElement === document.querySelector('.inntak-skip-link')"
        ):
            return stops
        assert focus_is_visible(page), f"no visible focus on {stop}"
        assert not page.evaluate("() => document.activeElement.hasAttribute('data-was-focused')"), (
            f"focus stuck on {stop}"
        )
        stops.append(stop)
    raise AssertionError(f"focus never left the page after {limit} Tabs: {stops[-5:]}")


# Per role: the landing page's first main action, reached with Tab after the header links.
FIRST_ACTIONS = {
    "veileder": 'main a.inntak-card[href="/brukere/?mine=1"]',
    "inntak": 'main a.inntak-card[href="/vurdering/"]',
    "arrangor": 'main a.inntak-card[href="/tiltak/"]',
    "leder": 'main a.inntak-card[href="/brukere/"]',
    "fylkesleder": 'main a.inntak-card[href="/vurdering/"]',
    "admin": 'main a[href="/admin/"]',
}


def test_landing_pages_work_with_the_keyboard(live_server, demo_data, page, axe: AxeReport):
    for username, action in FIRST_ACTIONS.items():
        sign_in(page, live_server.url, username, DEMO_PASSWORD)
        # From the top of the page: the skip link comes first and is visible when focused.
        skip = page.locator(".inntak-skip-link")
        hidden = skip.bounding_box()
        assert hidden is not None and hidden["y"] + hidden["height"] <= 0, "skip link shown unasked"
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.classList.contains('inntak-skip-link')")
        assert focus_is_visible(page) and skip.is_visible(), f"{username}: skip link hidden"
        box = skip.bounding_box()
        assert box is not None and box["y"] >= 0 and box["x"] >= 0, box
        # It jumps to the main content: the next Tab is the first thing in <main>.
        page.keyboard.press("Enter")
        assert page.evaluate("() => location.hash") == "#main"
        page.keyboard.press("Tab")
        assert page.evaluate(
            "() => document.querySelector('main').contains(document.activeElement)"
        ), f"{username}: skip link did not lead into main: {focused(page)}"
        # From the top again: the skip link, the title, every header link in turn (one Tab
        # each), then the first main action.
        page.goto(f"{live_server.url}/")
        page.wait_for_load_state("networkidle")
        nav = page.locator("nav.inntak-nav a")
        for index in range(nav.count()):
            nav.nth(index).evaluate("(a, i) => { a.dataset.tabTarget = 'nav-' + i; }", index)
            stops = tab_to(page, f'[data-tab-target="nav-{index}"]')
            assert len(stops) == (3 if index == 0 else 1), f"{username}: tab order {stops}"
        tab_to(page, action)
        assert page.evaluate(
            "() => document.querySelector('main').contains(document.activeElement)"
        )
        # Shift+Tab goes back the same way (into the header), and Tab returns.
        page.keyboard.press("Shift+Tab")
        assert not page.evaluate(
            "(s) => document.activeElement === document.querySelector(s)", action
        ), f"{username}: Shift+Tab did not leave {action}"
        assert focus_is_visible(page), f"{username}: no visible focus after Shift+Tab"
        page.keyboard.press("Tab")
        assert page.evaluate("(s) => document.activeElement === document.querySelector(s)", action)
        # And on to the end: focus is never trapped.
        rest = _tab_until_wrapped(page)
        print(f"{username}: {nav.count()} header links, then {len(rest)} more stops to the end")
        axe.check(page, f"{username}: landing page after tabbing")
        sign_out(page)
