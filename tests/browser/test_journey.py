"""The whole journey in a real browser (issue 9), in Norwegian and, after the header's language
switch, in English: a caseworker registers a person and the documents, is stopped by the gate,
reads why, fixes and submits; the intake team returns the referral with a reason, the
caseworker fixes and resubmits, the team approves it onto the waitlist; the provider reports a
free place; the matcher (on a real Celery worker) proposes and the team confirms; the provider
confirms the start; the office leader sees it in the portfolio and on the dashboard.

Every step is done as the person doing it, by clicking and typing; the main actions of several
steps with the keyboard alone. axe-core looks at every page the journey visits."""

from __future__ import annotations

import datetime
import os
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from intake.models import Placement, Referral, ReferralStatus
from providers.models import ProgrammeType
from tests.browser.support import AxeReport, focused, sign_in, sign_out, tab_to
from tests.factories import OfferingFactory, make_fodselsnummer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SHORT = "Prøvd før."
JUSTIFICATION = {
    "justification_need": "Brukeren trenger tett oppfølging over tid for å komme nærmere "
    "arbeidslivet.",
    "justification_goal": "Målet er å prøve seg i ordinært arbeid på lager innen ett år.",
    "justification_why_programme": "AFT gir trening i et skjermet miljø med tett veiledning.",
}
WHY_NOT_ORDINARY = "Ordinær praksis har vært prøvd to ganger og ble avbrutt begge ganger."
RUN_TIMEOUT = 60_000


def days_ago(days: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days)).isoformat()


def look(page: Page, axe: AxeReport, label: str) -> None:
    """axe-core on the page as it is; with JOURNEY_SCREENSHOTS=DIR, a picture of it too."""
    axe.check(page, label)
    folder = os.environ.get("JOURNEY_SCREENSHOTS")
    if folder:
        name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def as_role(page: Page, base: str, username: str, language: str) -> None:
    """Sign in through the form; in English, switch with the header's language button."""
    sign_out(page)
    sign_in(page, base, username)
    if language == "en":
        submit(page, "button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", language)
    other = "nb" if language == "en" else "en"  # the header offers the other language
    expect(page.locator(f"button[name=language][value={other}]")).to_be_visible()


def follow_nav(page: Page, href: str) -> None:
    """Click the header's link to one of the role's pages."""
    with page.expect_navigation():
        page.click(f"nav a[href='{href}']")
    page.wait_for_load_state("networkidle")


def submit(page: Page, selector: str) -> None:
    """Click a submit button and wait for the page that follows."""
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state("networkidle")


def press_enter_and_wait(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def type_into(page: Page, selector: str, text: str) -> None:
    """Tab to a field, select what is in it, and type over it."""
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def tab_off_the_end(page: Page, limit: int = 200) -> None:
    """Tab through the whole page: focus must leave its last element (to the browser, which
    leaves document.body focused) or come round to the first again: no trap."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    first = focused(page)
    seen = [first]
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = focused(page)
        if here["tag"] in ("body", "") or (here == first and len(seen) > 1):
            return
        seen.append(here)
    raise AssertionError(f"focus never left the page after {limit} Tabs: {seen[-10:]}")


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_whole_journey(
    live_server, personas, worker_tasks, page: Page, axe: AxeReport, language: str
) -> None:
    base = live_server.url
    aft = ProgrammeType.objects.get(code="ARBFORB")
    offering = OfferingFactory.create(
        provider=personas.provider_p,
        programme_type=aft,
        name="Prima AFT Midtbyen",
        municipality_id="5001",
        contracted_places=10,
    )
    first_name, last_name = "Sigrid", f"Lykke {language.upper()}"
    full_name = f"{first_name} {last_name}"

    # --- 1. The caseworker registers the person and the documents ------------------------
    as_role(page, base, personas.caseworker_a.username, language)
    look(page, axe, f"{language} caseworker: landing page")
    follow_nav(page, "/brukere/")
    look(page, axe, f"{language} caseworker: persons")
    page.click("a[href='/brukere/ny/']")
    page.wait_for_load_state("networkidle")
    look(page, axe, f"{language} caseworker: register person form")
    page.fill("#id_fodselsnummer", make_fodselsnummer(datetime.date(1990, 5, 17)))
    page.fill("#id_first_name", first_name)
    page.fill("#id_last_name", last_name)
    page.select_option("#id_home_municipality", "5001")
    page.select_option("#id_need_group", "SPESIELT_TILPASSET_INNSATS")
    page.fill("#id_need_group_decided_on", days_ago(100))
    page.select_option("#id_benefit", "AAP")
    page.fill("#id_aap_maksdato", (timezone.localdate() + datetime.timedelta(days=200)).isoformat())
    page.fill("#id_job_seeker_since", days_ago(400))
    page.fill("#id_max_travel_km", "40")
    submit(page, "form.inntak-form--wide button[type=submit][data-variant=primary]")
    match = re.search(r"/brukere/(\d+)/$", page.url)
    assert match, f"not on the person's page: {page.url}"
    person_path = match.group(0)
    expect(page.locator("h1")).to_have_text(full_name)
    look(page, axe, f"{language} caseworker: person page")

    for action in ("cv", "arbeidsevnevurdering", "aktivitetsplan"):
        page.click(f"form[action$='/{action}/'] >> xpath=.. >> summary")
    look(page, axe, f"{language} caseworker: person page, document forms open")
    page.fill("#id_cv-last_updated", days_ago(10))
    submit(page, "form[action$='/cv/'] button[type=submit]")
    page.click("form[action$='/arbeidsevnevurdering/'] >> xpath=.. >> summary")
    page.fill("#id_aev-assessed_on", days_ago(30))
    page.check("#id_aev-reduced_capacity_0")  # "1": reduced capacity
    page.select_option("#id_aev-need_group", "SPESIELT_TILPASSET_INNSATS")
    submit(page, "form[action$='/arbeidsevnevurdering/'] button[type=submit]")
    page.click("form[action$='/aktivitetsplan/'] >> xpath=.. >> summary")
    page.fill("#id_plan-goal", "Fast arbeid på lager")
    page.check("#id_plan-approved")
    page.fill("#id_plan-last_updated", days_ago(5))
    submit(page, "form[action$='/aktivitetsplan/'] button[type=submit]")
    assert person_path in page.url
    look(page, axe, f"{language} caseworker: person page with documents")

    # --- 2. A referral the gate refuses, then fixed and submitted (by keyboard) ----------
    page.click(f"a[href='{person_path}henvisninger/ny/']")
    page.wait_for_load_state("networkidle")
    look(page, axe, f"{language} caseworker: new referral form")
    page.select_option("#id_programme_type", str(aft.pk))
    for name, text in JUSTIFICATION.items():
        page.fill(f"#id_{name}", text)
    page.fill("#id_justification_why_not_ordinary", SHORT)
    page.wait_for_load_state("networkidle")  # the gate's live preview
    look(page, axe, f"{language} caseworker: referral form with the gate's preview")
    submit(page, "button[name=handling][value=send-inn]")
    refusal = page.locator("[role=alert][data-color=danger]")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("BEGRUNNELSE_MANGELFULL")
    action = page.locator("#referral-form").get_attribute("action") or ""
    assert action.endswith("/endre/"), "the refused draft is saved: the form edits it now"
    look(page, axe, f"{language} caseworker: referral refused by the gate")

    # Fixed with the keyboard alone: into the field, type, on to "Send inn", Enter.
    page.focus("#main")
    type_into(page, "#id_justification_why_not_ordinary", WHY_NOT_ORDINARY)
    tab_to(page, "button[name=handling][value=send-inn]")
    press_enter_and_wait(page)
    match = re.search(r"/henvisninger/(\d+)/$", page.url)
    assert match, f"not on the referral's page after submitting: {page.url}"
    referral_id = int(match.group(1))
    referral_path = match.group(0)
    assert Referral.objects.get(pk=referral_id).status == ReferralStatus.SOKT_INN
    look(page, axe, f"{language} caseworker: referral submitted")
    tab_off_the_end(page)

    # --- 3. The intake team returns it with a reason ----------------------------------------
    as_role(page, base, personas.intake_x.username, language)
    look(page, axe, f"{language} intake: landing page")
    follow_nav(page, "/vurdering/")
    look(page, axe, f"{language} intake: review queue")
    page.click(f"a[href='/vurdering/{referral_id}/'] >> nth=0")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text(full_name)
    look(page, axe, f"{language} intake: review page")
    page.check("#reason-BEGRUNNELSE_MANGELFULL")
    page.fill("#return-comment", "Beskriv målet mer konkret.")
    submit(page, "form[action$='/returner/'] button[type=submit]")
    assert Referral.objects.get(pk=referral_id).status == ReferralStatus.RETURNERT
    look(page, axe, f"{language} intake: after returning")

    # --- 4. The caseworker sees why, fixes and resubmits -----------------------------------
    as_role(page, base, personas.caseworker_a.username, language)
    follow_nav(page, "/henvisninger/")
    look(page, axe, f"{language} caseworker: my referrals with a returned one")
    page.click(f"a[href='{referral_path}'] >> nth=0")
    page.wait_for_load_state("networkidle")
    returned = page.locator(".aksel-alert[data-color=warning]")
    expect(returned).to_contain_text("Beskriv målet mer konkret.")  # the comment
    expect(returned.locator("li")).to_have_count(1)  # and the reason, in words
    look(page, axe, f"{language} caseworker: returned referral")
    page.click(f"a[href='{referral_path}endre/']")
    page.wait_for_load_state("networkidle")
    look(page, axe, f"{language} caseworker: fixing the returned referral")
    page.fill(
        "#id_justification_goal",
        "Målet er fast arbeid på lager, 60 prosent stilling, innen tolv måneder.",
    )
    submit(page, "button[name=handling][value=send-inn]")
    assert page.url.endswith(referral_path)
    assert Referral.objects.get(pk=referral_id).status == ReferralStatus.SOKT_INN

    # --- 5. The intake team approves it onto the waitlist (by keyboard) ------------------
    as_role(page, base, personas.intake_x.username, language)
    follow_nav(page, "/vurdering/")
    page.click(f"a[href='/vurdering/{referral_id}/'] >> nth=0")
    page.wait_for_load_state("networkidle")
    look(page, axe, f"{language} intake: review page, resubmitted")
    page.focus("#main")
    tab_to(page, "form[action$='/godkjenn/'] button[type=submit]")
    press_enter_and_wait(page)
    assert Referral.objects.get(pk=referral_id).status == ReferralStatus.VENTELISTE
    look(page, axe, f"{language} intake: approved")

    # --- 6. The provider reports a free place (by keyboard) -----------------------------
    as_role(page, base, personas.provider_user_p.username, language)
    look(page, axe, f"{language} provider: landing page")
    follow_nav(page, "/tiltak/")
    look(page, axe, f"{language} provider: offerings")
    page.click(f"a[href='/tiltak/{offering.pk}/'] >> nth=0")
    page.wait_for_load_state("networkidle")
    look(page, axe, f"{language} provider: offering page")
    # Tabbed to and typed into; Enter in the field sends the form. (Tabbing on through the
    # date field would stop on Chromium's calendar button, whose focus ring is drawn inside
    # the field's shadow DOM, where focus_is_visible cannot see it.)
    page.focus("#main")
    type_into(page, "#id_free_places", "1")
    press_enter_and_wait(page)  # HTMX posts it; the answer sends the browser to the page again
    expect(page.locator(".aksel-alert[data-color=success]")).to_be_visible()
    look(page, axe, f"{language} provider: free place reported")

    # --- 7. The matcher proposes on the real worker; the intake team confirms ------------
    as_role(page, base, personas.intake_x.username, language)
    follow_nav(page, "/matching/")
    look(page, axe, f"{language} intake: matching overview")
    list_path = f"/matching/50/{aft.pk}/"
    page.click(f"a[href='{list_path}'] >> nth=0")
    page.wait_for_load_state("networkidle")
    look(page, axe, f"{language} intake: matching list")
    submit(page, f"form[action='{list_path}kjor/'] button[type=submit]")
    expect(page.locator("#run-status")).to_be_visible()
    try:
        look(page, axe, f"{language} intake: matching run started")
    except PlaywrightError as error:  # the run finished and the page reloaded under axe
        if "context was destroyed" not in str(error):
            raise
    confirm = page.locator("form[action^='/matching/forslag/'][action$='/bekreft/'] button")
    confirm.first.wait_for(timeout=RUN_TIMEOUT)
    page.wait_for_load_state("networkidle")
    look(page, axe, f"{language} intake: matching proposals")
    expect(page.locator("section[aria-labelledby=proposals-heading] table")).to_contain_text(
        full_name
    )
    page.focus("#main")
    tab_to(page, "form[action^='/matching/forslag/'][action$='/bekreft/'] button")
    press_enter_and_wait(page)
    placement = Placement.objects.get(proposal__referral_id=referral_id)
    look(page, axe, f"{language} intake: proposal confirmed")

    # --- 8. The provider sees the person and confirms the start --------------------------
    as_role(page, base, personas.provider_user_p.username, language)
    follow_nav(page, "/deltakere/")
    row = page.locator(f"#participant-{placement.pk}")
    expect(row).to_contain_text(full_name)
    look(page, axe, f"{language} provider: participants")
    tab_off_the_end(page)  # the rows' pop-over forms do not hold the focus either
    row.locator("summary").first.click()
    start_form = row.locator("form[action$='/oppstart/']")
    date_field = start_form.locator("input[type=date]")
    if not date_field.input_value():
        date_field.fill(timezone.localdate().isoformat())
    look(page, axe, f"{language} provider: confirming a start")
    with page.expect_navigation():  # HTMX posts it; the answer sends the browser on
        start_form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".aksel-alert[data-color=success]")).to_be_visible()
    placement.refresh_from_db()
    assert placement.started_on == timezone.localdate()
    look(page, axe, f"{language} provider: start confirmed")

    # --- 9. The office leader sees it in the portfolio and on the dashboard --------------
    as_role(page, base, personas.office_leader_a.username, language)
    look(page, axe, f"{language} leader: landing page")
    follow_nav(page, "/portefolje/")
    portfolio_row = page.locator(f"tbody tr:has(a[href='{person_path}'])")
    expect(portfolio_row.locator(f"a[href='{person_path}']")).to_have_text(full_name)
    expect(portfolio_row).to_contain_text("AFT")  # the open referral, now a placement
    look(page, axe, f"{language} leader: portfolio")
    cache.clear()  # the dashboard's figures are cached for ten minutes
    follow_nav(page, "/dashbord/")
    # Capacity and use per provider: 10 contracted places, 1 participant (the person).
    capacity_row = page.locator("#kapasitet tbody tr", has_text=personas.provider_p.name)
    expect(capacity_row.locator("td, th")).to_have_text(
        [personas.provider_p.name, "10", "1", "0", "0", re.compile(r"10\s*%")]
    )
    look(page, axe, f"{language} leader: dashboard")
