"""The access matrix (issue 7, item 3): every URL pattern and every API operation, against
every persona, on the persona's own objects, on others' objects and on ids that do not exist.

What each row expects comes from DOMAIN.md section 2 and `org/access.py`, not from what the
views happen to answer:

- "allowed": the view let the user in. Any status but 401/403/404, a 5xx or a redirect to a
  login page (200, 201, 204, a redirect elsewhere, and 400/409/422 for an empty or minimal POST
  all count: the form or the service spoke, not the access check).
- denied: 403 or 404 (401 on the API; a redirect to the login page for anonymous on pages). A
  denied persona's answer for someone else's object must be the answer for an id that does not
  exist: same status, and for pages the same body once CSRF tokens, nonces and the address
  itself are taken out. A deny must never reveal that the object exists.
- `refused`: personas who may see the object but not do this to it (a county leader reads a
  referral the intake team approves). Denied, but 403 is fine and there is no existence check.
- `open`: personas a list page may let in as long as it shows them nothing (the leak check
  below still applies).

Every response, allowed or not, is also searched for the last names and fødselsnumre of the
world's persons that the persona may not see (`World.visible_to`).

The matrix must name every URL pattern of the URLconf and every (path, method) of the OpenAPI
schema: a new endpoint without a row fails the test, and so does a row whose URL is gone. The
Django admin is one group, checked on its index and one changelist per app.

Every request goes through `fetch()`, inside a transaction that is rolled back afterwards (so a
POST does not change the world for the next row), and calls the `AFTER_RESPONSE` hooks before
the rollback.
"""

from __future__ import annotations

import datetime
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.contrib import admin
from django.db import transaction
from django.db.models import Max
from django.http import HttpResponse, HttpResponseServerError
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from audit.models import AccessedPerson, AccessEvent
from intake.services.referrals import RETURN_REASONS
from portfolio.selectors_dashboard import SECTIONS
from tests.conftest import Personas
from tests.factories import make_fodselsnummer
from tests.intake.caseworker import attachment_storage  # noqa: F401 (a fixture)
from tests.intake.review_world import JUSTIFICATION
from tests.security.urls import all_routes
from tests.security.world import PERSONA_NAMES, World, build_world

pytestmark = pytest.mark.django_db

# --- personas ---------------------------------------------------------------------------------

CA, CB = "caseworker_a", "caseworker_b"
IX, IY = "intake_x", "intake_y"
PP, PQ = "provider_user_p", "provider_user_q"
LA, LX = "office_leader_a", "county_leader_x"
ADMIN, ANON = "admin", "anonymous"
EVERYONE = frozenset(PERSONA_NAMES)
LOGGED_IN = EVERYONE - {ANON}
NOBODY: frozenset[str] = frozenset()


def who(*names: str) -> frozenset[str]:
    return frozenset(names)


# Rows where the code still disagrees with the domain: (url name, method, case, persona). Each
# is reported in the issue; the test fails on any other mismatch, and on a row listed here that
# no longer mismatches (take it out). Empty when all is fixed.
KNOWN: set[tuple[str, str, str, str]] = set()

# --- the matrix -------------------------------------------------------------------------------

PAGE, API, PROVIDER_API, PUBLIC = "page", "api", "provider-api", "public"
MISSING_ID = 987654321

Args = Callable[[World], list[Any]]
Data = Callable[[World], dict[str, Any]]


def _no_args(world: World) -> list[Any]:
    return []


@dataclass(frozen=True)
class Case:
    """One object (or none) to try, and who is let in."""

    label: str
    allow: frozenset[str]
    args: Args = _no_args
    data: Data | None = None
    refused: frozenset[str] = NOBODY
    open: frozenset[str] = NOBODY


@dataclass(frozen=True)
class Entry:
    name: str
    method: str
    kind: str
    cases: tuple[Case, ...]
    # The same request for an object that does not exist: (args, data). None for pages
    # without an object.
    missing: Callable[[World], tuple[list[Any], dict[str, Any] | None]] | None = None
    # For a pattern without a name: its route (as the URLconf walk shows it) and an address.
    route: str = ""
    path: str = ""


def case(
    label: str,
    allow: Iterable[str],
    args: Args = _no_args,
    data: Data | None = None,
    refused: Iterable[str] = (),
    open: Iterable[str] = (),
) -> Case:
    return Case(label, frozenset(allow), args, data, frozenset(refused), frozenset(open))


def everyone_logged_in(label: str = "-") -> Case:
    return case(label, LOGGED_IN)


def page(name: str, *cases: Case, method: str = "GET", missing: Any = None) -> Entry:
    return Entry(name, method, PAGE, cases, missing)


def api(name: str, *cases: Case, method: str = "GET", missing: Any = None) -> Entry:
    return Entry(name, method, API, cases, missing)


def provider_api(name: str, *cases: Case, method: str = "GET", missing: Any = None) -> Entry:
    return Entry(name, method, PROVIDER_API, cases, missing)


def ids(attribute: str) -> Args:
    """The URL argument: the id of the world's object of this name."""
    return lambda w: [getattr(w, attribute).pk]


def body(attribute: str, **values: Any) -> Data:
    """A minimal valid body for an action on the world's object: its version and `values`."""

    def make(w: World) -> dict[str, Any]:
        obj = getattr(w, attribute)
        obj.refresh_from_db()
        return {
            "version": obj.version,
            **{k: v(w) if callable(v) else v for k, v in values.items()},
        }

    return make


def _waitlist_file(county: str, fmt: str) -> Args:
    return lambda w: [county, w.aft.pk, fmt]


def _missing_waitlist_file(fmt: str) -> Callable[[World], tuple[list[Any], None]]:
    return lambda w: (["99", w.aft.pk, fmt], None)


def _fixed(values: list[Any]) -> Args:
    return lambda w: values


def today() -> str:
    return timezone.localdate().isoformat()


def days_ago(days: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days)).isoformat()


# Who sees a person of office A, of office B, of office Y (Oslo: no persona works there).
SEES_A = who(CA, LA, LX)
SEES_B = who(CB, LX)
# Person pages that only the person's own caseworkers may change.
PERSON_CASES_READ = (
    case("office A", SEES_A, ids("person_a")),
    case("office B", SEES_B, ids("person_b")),
    case("office Y", NOBODY, ids("person_y")),
    # Masked for whoever has the person in scope but no clearance (the leak check holds them
    # to it), hidden from everyone else.
    case("kode 6, office A", NOBODY, ids("person_a_protected"), open=SEES_A),
)
PERSON_CASES_WRITE = (
    case("office A", who(CA), ids("person_a")),
    case("office B", who(CB), ids("person_b")),
    case("office Y", NOBODY, ids("person_y")),
    case("kode 6, office A", NOBODY, ids("person_a_protected")),
)
# A referral page any reader of the referral may open.
REFERRAL_READ = (
    case("draft, office A", SEES_A, ids("draft_a")),
    case("in review, office A", SEES_A | who(IX), ids("in_review_a")),
    case("in review, office B", SEES_B | who(IX), ids("in_review_b")),
    case("in review, county Y", who(IY), ids("in_review_y")),
    case("kode 6 in review, office A", NOBODY, ids("in_review_a_protected"), open=SEES_A | who(IX)),
)
# The intake team's own work: only the county's team.
REVIEW_ACTION = (
    case("in review, county X", who(IX), ids("in_review_a")),
    case("in review, county Y", who(IY), ids("in_review_y")),
)
COUNTY_LIST = (
    case("county X", who(IX), lambda w: ["50", w.aft.pk]),
    case("county Y", who(IY), lambda w: ["03", w.aft.pk]),
)
MISSING_COUNTY = lambda w: (["99", w.aft.pk], None)  # noqa: E731
FLAG_CASES = (
    case("office A", SEES_A, ids("flag_a")),
    case("office B", SEES_B, ids("flag_b")),
    case("office Y", NOBODY, ids("flag_y")),
)
PARTICIPANT_PAGE = (
    case("placed at P", who(PP), ids("placement_p")),
    case("placed at Q", who(PQ), ids("placement_q")),
)
MANAGE_OFFERING = (
    case("P's offering, county X", who(ADMIN, IX), ids("offering_p")),
    case("Q's offering, county Y", who(ADMIN, IY), ids("offering_q")),
)
MISSING = lambda w: ([MISSING_ID], None)  # noqa: E731

ASSESSMENT = {
    "assessed_on": days_ago(1),
    "reduced_capacity": True,
    "need_group": "SPESIELT_TILPASSET_INNSATS",
}
PLAN = {"goal": "Jobb på lager", "approved": True, "last_updated": days_ago(1)}
CAPACITY = {"free_places": 1, "free_from": days_ago(0)}


PERSON_JSON = {
    "first_name": "Ny",
    "last_name": "Registrert",
    "home_municipality_id": "5001",
}

MATRIX: list[Entry] = [
    # --- open to anyone, or to anyone logged in -----------------------------------------
    Entry("healthz", "GET", PUBLIC, (case("-", EVERYONE),)),
    Entry("login", "GET", PUBLIC, (case("-", EVERYONE),)),
    Entry("set_language", "POST", PUBLIC, (case("-", EVERYONE),)),
    # Logging out ends at the login page, for anyone.
    Entry("logout", "POST", PUBLIC, (case("-", EVERYONE),)),
    page("home", everyone_logged_in()),
    page("notification-list", everyone_logged_in()),
    page("notifications-mark-read", everyone_logged_in(), method="POST"),
    api("api-schema", everyone_logged_in()),
    api("api-docs", everyone_logged_in()),
    # --- a caseworker's persons and documents -----------------------------------------------
    page("person-list", case("-", who(CA, CB, LA, LX), open=LOGGED_IN)),
    page("person-create", case("-", who(CA, CB))),
    page("person-detail", *PERSON_CASES_READ, missing=MISSING),
    page("person-update", *PERSON_CASES_WRITE, missing=MISSING),
    page("person-update", *PERSON_CASES_WRITE, method="POST", missing=MISSING),
    page("person-cv", *PERSON_CASES_WRITE, method="POST", missing=MISSING),
    page("person-assessment", *PERSON_CASES_WRITE, method="POST", missing=MISSING),
    page("person-activity-plan", *PERSON_CASES_WRITE, method="POST", missing=MISSING),
    page(
        "document-attachment",
        case("office A", SEES_A, ids("attachment_a")),
        case("office B", SEES_B, ids("attachment_b")),
        case("office Y", NOBODY, ids("attachment_y")),
        missing=MISSING,
    ),
    # --- a caseworker's referrals -----------------------------------------------------------
    page("referral-create", *PERSON_CASES_WRITE, missing=MISSING),
    page("referral-gate-preview", *PERSON_CASES_WRITE, method="POST", missing=MISSING),
    page("caseworker-referrals", case("-", who(CA, CB, LA), open=who(LX))),
    page("referral-detail", *REFERRAL_READ, missing=MISSING),
    page(
        "referral-update",
        case("draft, office A", who(CA), ids("draft_a")),
        case("returned, office A", who(CA), ids("returned_a")),
        case("in review, office B", who(CB), ids("in_review_b")),
        case("in review, county Y", NOBODY, ids("in_review_y")),
        missing=MISSING,
    ),
    page(
        "referral-gate-preview-existing",
        case("draft, office A", who(CA), ids("draft_a")),
        case("in review, office B", who(CB), ids("in_review_b")),
        case("in review, county Y", NOBODY, ids("in_review_y")),
        method="POST",
        missing=MISSING,
    ),
    page(
        "referral-withdraw",
        case("draft, office A", who(CA), ids("draft_a")),
        case("in review, office B", who(CB), ids("in_review_b")),
        case("in review, county Y", NOBODY, ids("in_review_y")),
        method="POST",
        missing=MISSING,
    ),
    # --- the intake team: review, waitlists, places -----------------------------------------
    page("review-queue", case("-", who(IX, IY, LX))),
    page("review-bulk", case("-", who(IX, IY)), method="POST"),
    page(
        "review-detail",
        case("in review, office A", who(IX, LX), ids("in_review_a")),
        case("in review, office B", who(IX, LX), ids("in_review_b")),
        case("in review, county Y", who(IY), ids("in_review_y")),
        case("draft, office A", NOBODY, ids("draft_a")),
        missing=MISSING,
    ),
    page("review-approve", *REVIEW_ACTION, method="POST", missing=MISSING),
    page("review-return", *REVIEW_ACTION, method="POST", missing=MISSING),
    page("review-decline", *REVIEW_ACTION, method="POST", missing=MISSING),
    page("waitlist-overview", case("-", who(IX, IY, LX), open=LOGGED_IN)),
    page(
        "waitlist-detail",
        case("county X", who(IX, LX), lambda w: ["50", w.aft.pk]),
        case("county Y", who(IY), lambda w: ["03", w.aft.pk]),
        missing=MISSING_COUNTY,
    ),
    page(
        "placement-assign",
        case("waiting, county X", who(IX), ids("waiting_a")),
        case("waiting, county Y", who(IY), ids("waiting_y")),
        missing=MISSING,
    ),
    page(
        "placement-assign",
        case("waiting, county X", who(IX), ids("waiting_a")),
        case("waiting, county Y", who(IY), ids("waiting_y")),
        method="POST",
        missing=MISSING,
    ),
    page("placement-list", case("-", who(IX, IY, LX))),
    page(
        "placement-not-started",
        case("placed at P, county X", who(IX), ids("placement_p")),
        case("placed at Q, county Y", who(IY), ids("placement_q")),
        method="POST",
        missing=MISSING,
    ),
    page("capacity-overview", case("-", who(IX, IY, LX))),
    page("capacity-mark-seen", case("-", who(IX, IY)), method="POST"),
    # --- downloads of a waitlist and of capacity (issue 8): who may see the page they are on
    *(
        page(
            "waitlist-export",
            case("county X", who(IX, LX), _waitlist_file("50", fmt)),
            case("county Y", who(IY), _waitlist_file("03", fmt)),
            missing=_missing_waitlist_file(fmt),
        )
        for fmt in ("csv", "xlsx")
    ),
    *(
        page("capacity-export", case(fmt, who(IX, IY, LX), _fixed([fmt])))
        for fmt in ("csv", "xlsx")
    ),
    # --- matching: the county's intake team only --------------------------------------------
    # --- imports from the county's spreadsheets (issue 8): the county's intake team only
    page("import-list", case("-", who(IX, IY))),
    page("import-list", case("-", who(IX, IY)), method="POST"),
    *(
        page(
            name,
            case("county X", who(IX), ids("batch_x")),
            case("county Y", who(IY), ids("batch_y")),
            missing=MISSING,
        )
        for name in ("import-detail", "import-progress", "import-original")
    ),
    *(
        page(
            name,
            case("county X", who(IX), ids("batch_x"), body("batch_x")),
            case("county Y", who(IY), ids("batch_y"), body("batch_y")),
            method="POST",
            missing=MISSING,
        )
        for name in ("import-map", "import-apply")
    ),
    page("matching-overview", case("-", who(IX, IY))),
    page(
        "matching-confirm",
        case("proposal, county X", who(IX), ids("proposal_x")),
        case("proposal, county Y", who(IY), ids("proposal_y")),
        method="POST",
        missing=MISSING,
    ),
    page(
        "matching-reject",
        case("proposal, county X", who(IX), ids("proposal_x")),
        case("proposal, county Y", who(IY), ids("proposal_y")),
        method="POST",
        missing=MISSING,
    ),
    page("matching-list", *COUNTY_LIST, missing=MISSING_COUNTY),
    page("matching-bulk", *COUNTY_LIST, method="POST", missing=MISSING_COUNTY),
    page("matching-run", *COUNTY_LIST, method="POST", missing=MISSING_COUNTY),
    page(
        "matching-run-status",
        case("county X", who(IX), lambda w: ["50", w.aft.pk, "0" * 32]),
        case("county Y", who(IY), lambda w: ["03", w.aft.pk, "0" * 32]),
        missing=lambda w: (["99", w.aft.pk, "0" * 32], None),
    ),
    page("matching-history", *COUNTY_LIST, missing=MISSING_COUNTY),
    page("matching-what-if", *COUNTY_LIST, missing=MISSING_COUNTY),
    # --- the leaders' access log (DOMAIN.md section 10) ------------------------------------
    page("access-log", case("-", who(LA, LX))),
    page("access-log", case("-", who(LA, LX)), method="POST"),
    *(
        page(
            name,
            case("office A", who(LA, LX), ids("person_a")),
            case("office B", who(LX), ids("person_b")),
            case("office Y", NOBODY, ids("person_y")),
            case("kode 6, office A", NOBODY, ids("person_a_protected")),
            missing=MISSING,
        )
        for name in ("access-report", "access-report-csv")
    ),
    # --- the provider portal ----------------------------------------------------------------
    page("provider-participants", case("-", who(PP, PQ))),
    page("provider-participant-start", *PARTICIPANT_PAGE, method="POST", missing=MISSING),
    page("provider-participant-end", *PARTICIPANT_PAGE, method="POST", missing=MISSING),
    page("provider-participant-not-started", *PARTICIPANT_PAGE, method="POST", missing=MISSING),
    page("offering-list", case("-", who(PP, PQ, IX, IY, LX), open=LOGGED_IN)),
    page(
        "offering-detail",
        case("P's offering, county X", who(PP, IX, LX), ids("offering_p")),
        case("Q's offering, county Y", who(PQ, IY), ids("offering_q")),
        missing=MISSING,
    ),
    page(
        "offering-detail",
        # Only the provider reports its free places; the county reads them.
        case("P's offering, county X", who(PP), ids("offering_p"), refused=who(IX, LX)),
        case("Q's offering, county Y", who(PQ), ids("offering_q"), refused=who(IY)),
        method="POST",
        missing=MISSING,
    ),
    page("provider-api-tokens", case("-", who(PP, PQ))),
    page("provider-api-tokens", case("-", who(PP, PQ)), method="POST"),
    page(
        "provider-api-token-revoke",
        case("P's key", who(PP), ids("token_p")),
        case("Q's key", who(PQ), ids("token_q")),
        method="POST",
        missing=MISSING,
    ),
    # --- managing offerings: administrators and intake teams ------------------------------
    page("manage-offering-list", case("-", who(ADMIN, IX, IY))),
    page("manage-offering-create", case("-", who(ADMIN, IX, IY))),
    page("manage-provider-create", case("-", who(ADMIN, IX, IY))),
    page("manage-offering-edit", *MANAGE_OFFERING, missing=MISSING),
    page("manage-offering-edit", *MANAGE_OFFERING, method="POST", missing=MISSING),
    page("manage-closed-period-add", *MANAGE_OFFERING, method="POST", missing=MISSING),
    # --- portfolio, flags and dashboards ----------------------------------------------------
    page("portfolio-list", case("-", who(CA, CB, LA, LX))),
    page("portfolio-export-csv", case("-", who(LA, LX))),
    page("portfolio-export-xlsx", case("-", who(LA, LX))),
    page("portfolio-flag", *FLAG_CASES, missing=MISSING),
    page("portfolio-flag-referral", *FLAG_CASES, method="POST", missing=MISSING),
    page("portfolio-flag-dismiss", *FLAG_CASES, method="POST", missing=MISSING),
    page("portfolio-flag-snooze", *FLAG_CASES, method="POST", missing=MISSING),
    page(
        "portfolio-person-flags",
        case("office A", SEES_A, ids("person_a")),
        case("office B", SEES_B, ids("person_b")),
        case("office Y", NOBODY, ids("person_y")),
        case("kode 6, office A", NOBODY, ids("person_a_protected")),
        missing=MISSING,
    ),
    page("dashboard", case("-", who(LA, LX))),
    page("dashboard-export", case(SECTIONS[0], who(LA, LX), lambda w: [SECTIONS[0]])),
    # --- the staff API: persons and documents -------------------------------------------------
    api("api-person-list", case("-", who(CA, CB, LA, LX), open=LOGGED_IN)),
    api(
        "api-person-list",
        case(
            "new person at office A",
            who(CA),
            data=lambda w: {
                **PERSON_JSON,
                "fodselsnummer": make_fodselsnummer(datetime.date(1991, 2, 3)),
                "office_id": w.personas.office_a.pk,
            },
            refused=LOGGED_IN - who(CA),
        ),
        method="POST",
    ),
    api("api-person-detail", *PERSON_CASES_READ, missing=MISSING),
    api(
        "api-person-detail",
        case("office A", who(CA), ids("person_a"), body("person_a"), refused=who(LA, LX)),
        case("office B", who(CB), ids("person_b"), body("person_b"), refused=who(LX)),
        case("office Y", NOBODY, ids("person_y"), body("person_y")),
        method="PATCH",
        missing=lambda w: ([MISSING_ID], {"version": 1}),
    ),
    api("api-person-documents", *PERSON_CASES_READ, missing=MISSING),
    api(
        "api-person-cv",
        case(
            "office A", who(CA), ids("person_a"), lambda w: {"last_updated": today()}, who(LA, LX)
        ),
        case("office Y", NOBODY, ids("person_y"), lambda w: {"last_updated": today()}),
        method="PUT",
        missing=lambda w: ([MISSING_ID], {"last_updated": today()}),
    ),
    api(
        "api-person-assessments",
        *(
            case(label, allow, ids(person), lambda w: ASSESSMENT, refused)
            for label, allow, person, refused in (
                ("office A", who(CA), "person_a", who(LA, LX)),
                ("office Y", NOBODY, "person_y", NOBODY),
            )
        ),
        method="POST",
        missing=lambda w: ([MISSING_ID], ASSESSMENT),
    ),
    api(
        "api-person-activity-plan",
        *(
            case(label, allow, ids(person), lambda w: PLAN, refused)
            for label, allow, person, refused in (
                ("office A", who(CA), "person_a", who(LA, LX)),
                ("office Y", NOBODY, "person_y", NOBODY),
            )
        ),
        method="PUT",
        missing=lambda w: ([MISSING_ID], PLAN),
    ),
    # --- the staff API: referrals -----------------------------------------------------------
    api("api-referral-list", case("-", who(CA, CB, LA, LX, IX, IY), open=LOGGED_IN)),
    api(
        "api-referral-list",
        case(
            "new referral for a person of office A",
            who(CA),
            data=lambda w: new_referral(w.person_a.pk),
            refused=who(LA, LX),
        ),
        method="POST",
        missing=lambda w: ([], new_referral(MISSING_ID)),
    ),
    api("api-referral-detail", *REFERRAL_READ, missing=MISSING),
    api(
        "api-referral-detail",
        case("draft, office A", who(CA), ids("draft_a"), body("draft_a"), who(LA, LX)),
        case("in review, county Y", NOBODY, ids("in_review_y"), body("in_review_y"), who(IY)),
        method="PATCH",
        missing=lambda w: ([MISSING_ID], {"version": 1}),
    ),
    api("api-referral-gate", *REFERRAL_READ, missing=MISSING),
    api("api-referral-history", *REFERRAL_READ, missing=MISSING),
    api(
        "api-referral-submit",
        case("draft, office A", who(CA), ids("draft_a"), body("draft_a"), who(LA, LX)),
        case("in review, county Y", NOBODY, ids("in_review_y"), body("in_review_y"), who(IY)),
        method="POST",
        missing=lambda w: ([MISSING_ID], {"version": 1}),
    ),
    *(
        api(
            name,
            case(
                "in review, office A",
                who(IX),
                ids("in_review_a"),
                body("in_review_a", **extra),
                who(CA, LA, LX),
            ),
            case(
                "in review, office B",
                who(IX),
                ids("in_review_b"),
                body("in_review_b", **extra),
                who(CB, LX),
            ),
            case("in review, county Y", who(IY), ids("in_review_y"), body("in_review_y", **extra)),
            method="POST",
            missing=lambda w, extra=extra: ([MISSING_ID], {"version": 1, **extra}),
        )
        for name, extra in (
            ("api-referral-approve", {}),
            ("api-referral-return", {"reasons": [next(iter(RETURN_REASONS))], "comment": "Se CV."}),
            ("api-referral-decline", {"reason": "KRAV_IKKE_OPPFYLT", "comment": "Oppfyller ikke."}),
        )
    ),
    api(
        "api-referral-withdraw",
        case(
            "in review, office A",
            who(CA),
            ids("in_review_a"),
            body("in_review_a", reason="FATT_JOBB"),
            who(LA, LX, IX),
        ),
        case(
            "in review, office B",
            who(CB),
            ids("in_review_b"),
            body("in_review_b", reason="FATT_JOBB"),
            who(LX, IX),
        ),
        case(
            "in review, county Y",
            NOBODY,
            ids("in_review_y"),
            body("in_review_y", reason="FATT_JOBB"),
            who(IY),
        ),
        method="POST",
        missing=lambda w: ([MISSING_ID], {"version": 1, "reason": "FATT_JOBB"}),
    ),
    api(
        "api-referral-assign",
        case(
            "waiting, county X",
            who(IX),
            ids("waiting_a"),
            body("waiting_a", offering_id=lambda w: w.offering_p.pk, planned_start=today()),
            who(CA, LA, LX),
        ),
        case(
            "waiting, county Y",
            who(IY),
            ids("waiting_y"),
            body("waiting_y", offering_id=lambda w: w.offering_q.pk, planned_start=today()),
        ),
        method="POST",
        missing=lambda w: (
            [MISSING_ID],
            {"version": 1, "offering_id": w.offering_p.pk, "planned_start": today()},
        ),
    ),
    api(
        "api-placement-not-started",
        case(
            "placed at P, county X",
            who(IX),
            ids("placement_p"),
            body("placement_p", reason="SYK", comment=""),
            who(LX),
        ),
        case(
            "placed at Q, county Y",
            who(IY),
            ids("placement_q"),
            body("placement_q", reason="SYK", comment=""),
        ),
        method="POST",
        missing=lambda w: ([MISSING_ID], {"version": 1, "reason": "SYK", "comment": ""}),
    ),
    api(
        "api-waitlist",
        case("county X", who(IX, LX), lambda w: ["50", "ARBFORB"]),
        case("county Y", who(IY), lambda w: ["03", "ARBFORB"]),
        missing=lambda w: (["99", "ARBFORB"], None),
    ),
    # Any other address under /api/ names nothing, for anyone.
    Entry(
        "(unknown API address)",
        "GET",
        PUBLIC,
        (case("-", NOBODY),),
        route="/^api/(?:.*/)?$",
        path="/api/finnes-ikke/",
    ),
    # --- the provider API: a provider's API key, nothing else -----------------------------
    provider_api("provider-api-offering-list", case("-", who(PP, PQ))),
    provider_api(
        "provider-api-capacity-reports",
        case("P's offering", who(PP), ids("offering_p")),
        case("Q's offering", who(PQ), ids("offering_q")),
        missing=MISSING,
    ),
    provider_api(
        "provider-api-capacity-reports",
        case("P's offering", who(PP), ids("offering_p"), lambda w: CAPACITY),
        case("Q's offering", who(PQ), ids("offering_q"), lambda w: CAPACITY),
        method="POST",
        missing=lambda w: ([MISSING_ID], CAPACITY),
    ),
    provider_api("provider-api-participants", case("-", who(PP, PQ))),
    *(
        provider_api(
            name,
            case("placed at P", who(PP), ids("placement_p"), body("placement_p", **extra)),
            case("placed at Q", who(PQ), ids("placement_q"), body("placement_q", **extra)),
            method="POST",
            missing=lambda w, extra=extra: ([MISSING_ID], {"version": 1, **extra}),
        )
        for name, extra in (
            ("provider-api-participant-start", {"started_on": today()}),
            (
                "provider-api-participant-end",
                {"ended_on": today(), "reason": "FATT_JOBB", "outcome": "ARBEID"},
            ),
            ("provider-api-participant-not-started", {"reason": "SYK", "comment": ""}),
        )
    ),
]


def new_referral(person_id: int) -> dict[str, Any]:
    return {"person_id": person_id, "programme_type": "VASV", **JUSTIFICATION}


def admin_entries() -> list[Entry]:
    """The Django admin as one group: its index and one changelist per app, administrators
    only."""
    first_model: dict[str, str] = {}
    for model in admin.site._registry:
        first_model.setdefault(model._meta.app_label, model._meta.model_name or "")
    names = ["admin:index"] + [
        f"admin:{app}_{model}_changelist" for app, model in sorted(first_model.items())
    ]
    return [page(name, case("-", who(ADMIN))) for name in names]


# --- requests ---------------------------------------------------------------------------------

AfterResponse = Callable[[str, str, str, HttpResponse], None]

# Called with (persona name, url name, case label, response) for every request, inside the
# request's transaction, before it is rolled back: a hook sees what the request wrote (an audit
# record, say) and may assert on it. Append to it from another test module or a fixture.
AFTER_RESPONSE: list[AfterResponse] = []


@dataclass
class Caller:
    """How a persona calls: a page client with its session, and the header for the API."""

    persona: str
    client: Client
    cookies: str  # the session as it was after login, put back after every request
    staff_auth: str  # "Token <key>" for the staff API, "" for anonymous
    provider_auth: str  # "Bearer <key>" for the provider API, "" for staff


def fetch(
    caller: Caller,
    method: str,
    url: str,
    data: dict[str, Any] | None,
    *,
    kind: str,
    url_name: str,
    case_label: str,
) -> HttpResponse:
    """One request, in a transaction that is rolled back afterwards; the hooks run first."""
    client = caller.client
    extra: dict[str, Any] = {}
    if kind == API and caller.staff_auth:
        extra["HTTP_AUTHORIZATION"] = caller.staff_auth
    elif kind == PROVIDER_API:
        extra["HTTP_AUTHORIZATION"] = caller.provider_auth or caller.staff_auth
    with transaction.atomic():
        response: Any  # the test client's response, or the 500 made for a crash
        try:
            if kind in (API, PROVIDER_API):
                response = client.generic(
                    method,
                    url,
                    json.dumps(data or {}) if method != "GET" else "",
                    content_type="application/json",
                    **extra,
                )
            elif method == "GET":
                response = client.get(url, **extra)
            else:
                response = client.post(url, data or {}, **extra)
        except Exception as error:  # a crash is a finding, reported with the rest
            response = HttpResponseServerError(f"{type(error).__name__}: {error}")
        for hook in AFTER_RESPONSE:
            hook(caller.persona, url_name, case_label, response)
        transaction.set_rollback(True)
    # Logging out, or a session rolled back with the transaction, must not log the persona out
    # for the next row.
    client.cookies = SimpleCookie(caller.cookies)
    return response


def callers(world: World) -> dict[str, Caller]:
    found: dict[str, Caller] = {}
    for name in PERSONA_NAMES:
        client = Client()
        user = world.user(name)
        if user is not None:
            client.force_login(user)
        provider_auth = {PP: f"Bearer {world.key_p}", PQ: f"Bearer {world.key_q}"}.get(name, "")
        staff = world.staff_tokens.get(name)
        found[name] = Caller(
            name,
            client,
            client.cookies.output(header="", sep=";"),
            f"Token {staff}" if staff else "",
            provider_auth,
        )
    return found


# --- judging an answer --------------------------------------------------------------------

LOGIN_PATHS = ("/logg-inn/", "/admin/login/")


def to_login(response: HttpResponse) -> bool:
    return response.status_code in (301, 302, 303) and any(
        response.get("Location", "").startswith(p) or f"{p}?" in response.get("Location", "")
        for p in LOGIN_PATHS
    )


def allowed(response: HttpResponse, kind: str) -> bool:
    return (
        response.status_code < 500
        and response.status_code not in (401, 403, 404)
        and (kind == PUBLIC or not to_login(response))
    )


def denied(response: HttpResponse, kind: str, persona: str) -> bool:
    status = response.status_code
    if kind == PUBLIC:
        return status in (403, 404)
    if kind in (API, PROVIDER_API):
        return status in ((401, 403) if persona == ANON else (401, 403, 404))
    if persona == ANON:
        return to_login(response)
    return status in (403, 404) or to_login(response)


def describe(response: HttpResponse) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        return f"{status} -> {response.get('Location', '')[:60]}"
    if status >= 500:
        return f"{status} {_text(response)[:160]}"
    return str(status)


def _text(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return ""
    content_type = response.get("Content-Type", "")
    if not any(t in content_type for t in ("text/", "json", "javascript")):
        return ""
    return response.content.decode("utf-8", "replace")


_VOLATILE = [
    re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'),
    re.compile(r'csrf[-_]?token["\']?\s*[:=]\s*["\'][^"\']*["\']', re.IGNORECASE),
    re.compile(r'"X-CSRFToken"\s*:\s*"[^"]*"'),
    re.compile(r'nonce="[^"]*"'),
]


def normalised(response: HttpResponse, urls: Iterable[str]) -> str:
    text = _text(response)
    for pattern in _VOLATILE:
        text = pattern.sub("", text)
    for url in urls:
        text = text.replace(url, "<url>")
    return text


@dataclass
class Verdicts:
    rows: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)
    known_seen: set[tuple[str, str, str, str]] = field(default_factory=set)

    def mismatch(
        self, entry: Entry, case_label: str, persona: str, expected: str, got: str
    ) -> None:
        key = (entry.name, entry.method, case_label, persona)
        if key in KNOWN:
            self.known_seen.add(key)
            return
        self.rows.append((entry.name, entry.method, case_label, persona, expected, got))

    def table(self) -> str:
        header = ("url name", "method", "case", "persona", "expected", "got")
        rows = [header, *self.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        return "\n".join(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            for row in rows
        )


def leaks(world: World, persona: str, response: HttpResponse) -> list[str]:
    """Names and fødselsnumre in the answer of persons the persona may not see."""
    text = _text(response)
    if not text:
        return []
    visible = world.visible_to(persona)
    found = []
    for person in world.everyone():
        if person.pk not in visible and person.last_name in text:
            found.append(f"name of person {person.pk}")
        if (
            person.pk not in visible or not world.may_see_fodselsnummer(persona)
        ) and person.fodselsnummer in text:
            found.append(f"fødselsnummer of person {person.pk}")
    return found


# --- coverage: the URLconf and the schema against the matrix ------------------------------


def url_names() -> tuple[set[str], list[str]]:
    """Every named URL pattern ("namespace:name"), and the routes of unnamed ones."""
    routes = all_routes()
    names = {route.name for route in routes if route.name}
    return names, ["/" + route.route for route in routes if not route.name]


def schema_operations() -> set[tuple[str, str]]:
    """(url name, METHOD) of every operation in the OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = set()
    for path, operations in schema["paths"].items():
        name = resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name
        for method in operations:
            if method in ("get", "post", "put", "patch", "delete"):
                found.add((name, method.upper()))
    return found


def coverage_problems(matrix: list[Entry]) -> list[str]:
    names, unnamed = url_names()
    covered = {entry.name for entry in matrix if not entry.route}
    routes = {entry.route for entry in matrix if entry.route}
    problems = [
        f"URL pattern without a name or a row: {route}"
        for route in unnamed
        if route not in routes and not route.startswith("/admin/")
    ]
    problems += [
        f"URL name without a row in the matrix: {name}"
        for name in sorted(names - covered)
        if not name.startswith("admin:")
    ]
    problems += [f"row for a URL name that no longer exists: {n}" for n in sorted(covered - names)]
    rows = {(entry.name, entry.method) for entry in matrix}
    problems += [
        f"API operation without a row in the matrix: {method} {name}"
        for name, method in sorted(schema_operations() - rows)
    ]
    return problems


def test_every_url_and_operation_has_a_row() -> None:
    problems = coverage_problems(MATRIX + admin_entries())
    assert not problems, "\n".join(problems)


# --- the matrix itself --------------------------------------------------------------------


def _url(entry: Entry, args: list[Any]) -> str:
    return entry.path or reverse(entry.name, args=args)


@dataclass
class MissingAnswers:
    """The answers for an object that does not exist (and their addresses), asked once per
    persona and row, when a deny needs them."""

    world: World
    callers: dict[str, Caller]
    entry: Entry
    answers: dict[str, tuple[HttpResponse, str]] = field(default_factory=dict)

    def __call__(self, persona: str) -> tuple[HttpResponse, str]:
        if persona not in self.answers:
            assert self.entry.missing is not None
            args, data = self.entry.missing(self.world)
            url = _url(self.entry, args)
            response = fetch(
                self.callers[persona],
                self.entry.method,
                url,
                data,
                kind=self.entry.kind,
                url_name=self.entry.name,
                case_label="missing id",
            )
            self.answers[persona] = (response, url)
        return self.answers[persona]


def _expected(case_: Case, persona: str) -> str:
    if persona in case_.allow:
        return "allow"
    if persona in case_.refused:
        return "deny"
    if persona in case_.open:
        return "empty"
    return "hidden"


def judge(
    world: World,
    entry: Entry,
    case_: Case,
    persona: str,
    response: HttpResponse,
    url: str,
    missing: Callable[[], tuple[HttpResponse, str]],
) -> list[tuple[str, str]]:
    """What is wrong with the answer, as (expected, got) pairs; none when it is right."""
    expected = _expected(case_, persona)
    got = describe(response)
    problems = []
    if response.status_code >= 500:
        problems.append((expected, got))
    elif expected == "allow" and not allowed(response, entry.kind):
        problems.append(("allow", got))
    elif expected in ("deny", "hidden") and not denied(response, entry.kind, persona):
        problems.append(("deny", got))
    elif expected == "hidden" and entry.missing is not None:
        other, other_url = missing()
        if other.status_code != response.status_code:
            problems.append(("deny as for a missing id", f"{got}, missing id: {describe(other)}"))
        elif persona != ANON and normalised(response, [url]) != normalised(other, [other_url]):
            problems.append(("deny as for a missing id", f"{got}, but another body"))
    problems += [("no data of others", leak) for leak in leaks(world, persona, response)]
    return problems


class AuditCheck:
    """Every answer that shows a person (by their unique last name) must have written an
    access record naming that person (DOMAIN.md section 10): a new page or endpoint that
    reads persons without being recorded fails here."""

    def __init__(self, world: World) -> None:
        self.persons = world.everyone()
        # Each request is rolled back, so the records above this id are the request's own.
        self.baseline = AccessEvent.objects.aggregate(top=Max("pk"))["top"] or 0
        self.gaps: list[str] = []

    def __call__(
        self, persona: str, url_name: str, case_label: str, response: HttpResponse
    ) -> None:
        if response.status_code >= 300:
            return
        text = _text(response)
        shown = {p.pk for p in self.persons if p.last_name in text}
        if not shown:
            return
        recorded = set(
            AccessedPerson.objects.filter(event__pk__gt=self.baseline).values_list(
                "person_id", flat=True
            )
        )
        if missing := shown - recorded:
            self.gaps.append(f"{url_name} ({case_label}) as {persona}: persons {sorted(missing)}")


def test_access_matrix(personas: Personas, attachment_storage: Any) -> None:  # noqa: F811
    started = time.monotonic()
    world = build_world(personas)
    by_persona = callers(world)
    verdicts = Verdicts()
    audit = AuditCheck(world)
    AFTER_RESPONSE.append(audit)
    requests = 0
    for entry in MATRIX + admin_entries():
        missing = MissingAnswers(world, by_persona, entry)
        for case_ in entry.cases:
            url = _url(entry, case_.args(world))
            for persona in PERSONA_NAMES:
                data = case_.data(world) if case_.data else None
                response = fetch(
                    by_persona[persona],
                    entry.method,
                    url,
                    data,
                    kind=entry.kind,
                    url_name=entry.name,
                    case_label=case_.label,
                )
                requests += 1
                for expected, got in judge(
                    world, entry, case_, persona, response, url, partial(missing, persona)
                ):
                    verdicts.mismatch(entry, case_.label, persona, expected, got)
        requests += len(missing.answers)
    AFTER_RESPONSE.remove(audit)
    elapsed = time.monotonic() - started
    stale_known = KNOWN - verdicts.known_seen
    message = []
    if audit.gaps:
        message.append(
            "Answers that showed persons without an access record:\n" + "\n".join(audit.gaps)
        )
    if verdicts.rows:
        message.append(f"{len(verdicts.rows)} mismatches:\n{verdicts.table()}")
    if stale_known:
        message.append(f"KNOWN rows that now hold (take them out of KNOWN): {sorted(stale_known)}")
    assert not message, "\n\n".join(message) + f"\n({requests} requests in {elapsed:.0f} s)"
