"""What the browser tests share (issue 9): signing in through the login form, axe-core on a
page, keyboard checks, and the screenshots the README shows."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from tests.conftest import PASSWORD, ROOT

AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
# The impacts that fail a test; the rest is listed in the test output (issue 9).
FAILING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A and AA, and axe's best practices (reported, failing only when serious).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Through the login form, as a person does."""
    page.goto(f"{base_url}/logg-inn/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/logg-inn/" not in page.url, f"{username} could not sign in"


def sign_out(page: Page) -> None:
    page.context.clear_cookies()


@dataclass
class AxeReport:
    """Every page axe has looked at in a test, with what it found."""

    pages: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)

    def check(self, page: Page, label: str) -> None:
        """Run axe-core on the page as it is now. Serious and critical violations are kept to
        fail the test (see `assert_clean`); the others are printed."""
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol, so the page's CSP does not apply.
            page.evaluate(AXE_SOURCE.read_text())
        results: dict[str, Any] = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            AXE_TAGS,
        )
        self.pages.append(label)
        for violation in results["violations"]:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
            line = (
                f"{label}: [{violation['impact']}] {violation['id']}: {violation['help']} "
                f"({len(violation['nodes'])}x: {'; '.join(targets)})"
            )
            if violation["impact"] in FAILING_IMPACTS:
                self.failing.append(line)
            else:
                self.listed.append(line)

    def assert_clean(self) -> None:
        for line in self.listed:
            print("axe (not failing):", line)
        assert not self.failing, "axe found serious or critical violations:\n" + "\n".join(
            self.failing
        )


def focus_is_visible(page: Page) -> bool:
    """Whether the focused element shows a focus indicator: an outline or a box shadow that
    differs from how it looks unfocused is the browser's and Aksel's way of showing it."""
    return bool(
        page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body) return false;
                const s = getComputedStyle(el);
                const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
                const shadow = s.boxShadow && s.boxShadow !== 'none';
                return outline || shadow;
            }"""
        )
    )


def focused(page: Page) -> dict[str, str]:
    """What has the focus: tag, id, name, text (for messages about tab order)."""
    return json.loads(
        page.evaluate(
            """() => { const el = document.activeElement; return JSON.stringify({
                tag: el ? el.tagName.toLowerCase() : '', id: el && el.id || '',
                name: el && el.getAttribute('name') || '',
                text: el ? (el.innerText || el.value || '').trim().slice(0, 60) : ''}); }"""
        )
    )


def tab_to(page: Page, selector: str, limit: int = 80) -> list[dict[str, str]]:
    """Press Tab until the element matching `selector` has the focus, checking on the way that
    every stop shows its focus. Returns the stops, in order; fails if the element is never
    reached (it is not in the tab order, or focus is trapped)."""
    stops: list[dict[str, str]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = focused(page)
        stops.append(stop)
        assert focus_is_visible(page), f"no visible focus on {stop}"
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return stops
    raise AssertionError(f"{selector} was not reached with Tab; stops: {stops[-10:]}")


def screenshot(page: Page, name: str) -> Path:
    """A screenshot of the page, saved by every run in var/screenshots/NAME.png, and with
    UPDATE_SCREENSHOTS=1 also in docs/screenshots/ for the README (so that an ordinary test
    run leaves the repository as it was: the demo data's dates change every day)."""
    folders = [ROOT / "var" / "screenshots"]
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        folders.append(SCREENSHOTS)
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=False)
    return folders[-1] / f"{name}.png"
