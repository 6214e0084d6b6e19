"""Fuzzing the REST API with schemathesis against its own OpenAPI schema (issue 7, item 5).

Each operation is fuzzed as the persona it is for: the staff API (/api/) as caseworker_a and as
intake_x with their staff tokens, the provider API (/api/provider/) as provider_user_p with a
provider API key. The requests go in-process through the WSGI application into the test's
database, which holds a small world of real persons, referrals, offerings and placements in and
out of each persona's scope; path parameters and ids in bodies are drawn from those real ids as
well as at random, so that most GETs and many actions reach real objects.

Every response must:
- not be a server error;
- conform to the schema (a documented status code and content type, a body of that shape);
- show nothing outside the persona's scope: every person, referral, placement, offering and
  provider it names must be one the persona's `Scope` (org/access.py) allows, computed here
  from the database, and no name or fødselsnummer of a person outside it (or masked for it)
  may appear anywhere in the body.

Without credentials, every operation must answer 401 in its documented shape.

Bounded for CI: a fixed seed and derandomized generation, MAX_EXAMPLES per operation and
persona, no deadline, no coverage phase; the file takes about two minutes on the 2-core CI
machine.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import ANY
from urllib.parse import unquote, urlsplit

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.db.models import Q
from django.urls import resolve
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config import api
from config.wsgi import application
from intake.models import Person, Placement, Referral
from intake.services.placements import placement_start
from intake.services.referrals import referral_create
from org.access import Scope, scope_for
from org.models import User
from org.vocabulary import ProtectionLevel
from providers.models import Offering, ProgrammeType
from providers.services import api_token_create
from tests.conftest import Personas
from tests.intake.api_support import api_client
from tests.intake.review_world import JUSTIFICATION, programme, ready_person, submitted
from tests.providers.support import offering_with_free_places, placed, waiting_referral

# A few examples per operation keep the file within CI's budget; the seed makes every run ask
# the same questions.
MAX_EXAMPLES = 20
SEED = 20261127

# Every person of the world is called this and a number of two digits, so that a response can
# be searched for the names it must not hold.
NAME_PREFIX = "Fuzzperson"
ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


def _openapi() -> dict[str, Any]:
    """The schema /api/schema/ serves, generated without a request (the endpoint itself wants
    a login, and the database is not open while tests are collected)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    parsed: dict[str, Any] = json.loads(OpenApiJsonRenderer().render(generated))
    return parsed


def _schema(raw: dict[str, Any], mode: str) -> Any:
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # The coverage phase tries every enum value of every field (some 450 requests for
            # PATCH /api/persons/{person_id}/ alone): too slow for CI.
            "phases": {"coverage": {"enabled": False}},
            "generation": {
                "mode": mode,
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                # The personas' keys are sent by the tests; generated ones would be refused.
                "with-security-parameters": False,
            },
        }
    )
    schema = schemathesis.openapi.from_dict(raw, config=config)
    schema.app = application
    return schema


_RAW = _openapi()
# Valid and invalid input mixed; and valid input only, which gets further into the actions
# (a draft submitted, a referral approved, a participant started) and so to their answers.
SCHEMA = _schema(_RAW, "all")
VALID = _schema(_RAW, "positive")
STAFF_PATHS = r"^/api/(?!provider/|schema/)"
PROVIDER_PATHS = r"^/api/provider/"


# --- The world ---------------------------------------------------------------------------


@dataclass
class Persona:
    user: User
    authorization: str
    scope: Scope


@dataclass
class World:
    personas: Personas
    caseworker: Persona
    intake: Persona
    provider: Persona
    ids: dict[str, list[Any]] = field(default_factory=dict)


_world: World | None = None


def _build_world(p: Personas) -> World:
    """Persons in caseworker_a's office (Nav Midtbyen), in another office of the county (Nav
    Falkenborg) and in another county (Oslo), with referrals in every state that matters,
    offerings of both providers, and places given and started. Every person has a last name
    of their own, so that the body of a response can be searched for them."""
    names = iter(f"{NAME_PREFIX}{n:02d}" for n in range(1, 100))
    trondheim, oslo = "5001", "0301"

    def person(office: Any, **values: Any) -> Person:
        return ready_person(office=office, last_name=next(names), **values)

    def waiting(office: Any, **values: Any) -> Referral:
        return waiting_referral(office=office, last_name=next(names), **values)

    # Nav Midtbyen: a draft, a submitted referral, people waiting (one protected), one placed.
    referral_create(
        actor=p.caseworker_a,
        person=person(p.office_a, caseworker=p.caseworker_a),
        programme_type=programme(),
        justification=JUSTIFICATION,
    )
    submitted(p.caseworker_a, person(p.office_a, caseworker=p.caseworker_a))
    waiting(p.office_a, home_municipality_id=trondheim)
    protected = waiting(p.office_a, protection_level=ProtectionLevel.STRENGT_FORTROLIG)
    placed_a = waiting(p.office_a)
    # Nav Falkenborg (same county): submitted, waiting, placed.
    submitted(p.caseworker_b, person(p.office_b, caseworker=p.caseworker_b))
    waiting(p.office_b)
    placed_b = waiting(p.office_b)
    # Oslo: waiting and placed.
    waiting(p.office_y, home_municipality_id=oslo)
    placed_y = waiting(p.office_y, home_municipality_id=oslo)

    offering_p = offering_with_free_places(p.provider_p, p.provider_user_p, free=4)
    offering_with_free_places(p.provider_p, p.provider_user_p, free=2, name="AFT Prima 2")
    offering_q = offering_with_free_places(p.provider_q, p.provider_user_q, free=3)
    offering_q_oslo = offering_with_free_places(
        p.provider_q, p.provider_user_q, free=2, municipality_id=oslo
    )
    started = placed(offering_p, p.intake_x, referral=placed_a)
    placement_start(
        actor=p.provider_user_p,
        placement_id=started.pk,
        started_on=timezone.localdate() - datetime.timedelta(days=3),
        expected_version=started.version,
    )
    placed(offering_p, p.intake_x, referral=protected)
    placed(offering_q, p.intake_x, referral=placed_b)
    placed(offering_q_oslo, p.intake_y, referral=placed_y)

    def staff(user: User) -> Persona:
        token, _created = Token.objects.get_or_create(user=user)
        return Persona(user, f"Token {token.key}", scope_for(user))

    api_token, key = api_token_create(
        actor=p.provider_user_p, provider_id=p.provider_p.pk, name="Fagsystem"
    )
    provider = Persona(
        p.provider_user_p,
        f"Bearer {key}",
        Scope(user_id=p.provider_user_p.pk, provider_ids=frozenset({api_token.provider_id})),
    )
    world = World(
        personas=p, caseworker=staff(p.caseworker_a), intake=staff(p.intake_x), provider=provider
    )
    world.ids = {
        "person_id": list(Person.objects.order_by("pk").values_list("pk", flat=True)),
        "referral_id": list(Referral.objects.order_by("pk").values_list("pk", flat=True)),
        "placement_id": list(Placement.objects.order_by("pk").values_list("pk", flat=True)),
        "offering_id": list(Offering.objects.order_by("pk").values_list("pk", flat=True)),
        "office_id": [p.office_a.pk, p.office_b.pk, p.office_y.pk],
        "home_municipality_id": [trondheim, oslo],
        "county_number": ["50", "03"],
        "programme_type_code": list(
            ProgrammeType.objects.filter(has_waitlist=True)
            .order_by("code")
            .values_list("code", flat=True)[:3]
        ),
        "version": [1, 2, 3],
    }
    return world


@pytest.fixture
def wsgi_in_test_transaction(db: None) -> Iterator[None]:
    """The WSGI handler closes "old" database connections around each request, which inside
    the test's transaction would throw the test's data away; Django's own test client
    disconnects the same receivers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(personas: Personas, wsgi_in_test_transaction: None) -> Iterator[World]:
    global _world
    _world = _build_world(personas)
    try:
        yield _world
    finally:
        _world = None


# --- Real ids for the generator ----------------------------------------------------------


def _real(name: str) -> st.SearchStrategy[Any]:
    """One of the world's real values for `name`, chosen when the example is drawn (the ids
    differ from test to test, the strategies are built once). Without a world, 1."""

    def pick(index: int) -> Any:
        values = _world.ids[name] if _world is not None else [1]
        return values[index % len(values)]

    return st.integers(min_value=0, max_value=99).map(pick)


def before_generate_path_parameters(
    context: schemathesis.HookContext, strategy: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    assert context.operation is not None
    names = re.findall(r"{(\w+)}", context.operation.path)
    if not names:
        return strategy
    real = st.fixed_dictionaries({name: _real(name) for name in names})
    return st.one_of(real, strategy)


_REAL_IN_BODY = ("person_id", "offering_id", "office_id", "home_municipality_id", "version")


def flatmap_body(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
    if not isinstance(body, dict):
        return st.just(body)
    names = [name for name in _REAL_IN_BODY if name in body]
    if not names:
        return st.just(body)
    real = st.fixed_dictionaries({name: _real(name) for name in names})
    return st.one_of(st.just(body), real.map(lambda values: {**body, **values}))


for _hooked in (SCHEMA, VALID):
    _hooked.hook(before_generate_path_parameters)
    _hooked.hook(flatmap_body)


# --- The scope check ---------------------------------------------------------------------

# What the top-level objects of each operation's answer are (their "id"); others name what
# they hold with *_id fields and nested objects.
_TOP_LEVEL_KIND = {
    "/api/persons/": "person",
    "/api/persons/{person_id}/": "person",
    "/api/referrals/": "referral",
    "/api/referrals/{referral_id}/": "referral",
    "/api/referrals/{referral_id}/submit/": "referral",
    "/api/referrals/{referral_id}/approve/": "referral",
    "/api/referrals/{referral_id}/return/": "referral",
    "/api/referrals/{referral_id}/decline/": "referral",
    "/api/referrals/{referral_id}/withdraw/": "referral",
    "/api/referrals/{referral_id}/assign/": "placement",
    "/api/placements/{placement_id}/not-started/": "placement",
    "/api/provider/participants/": "placement",
    "/api/provider/participants/{placement_id}/start/": "placement",
    "/api/provider/participants/{placement_id}/end/": "placement",
    "/api/provider/participants/{placement_id}/not-started/": "placement",
    "/api/provider/offerings/": "offering",
}
_ID_FIELDS = {
    "person_id": "person",
    "referral_id": "referral",
    "placement_id": "placement",
    "offering_id": "offering",
    "provider_id": "provider",
}
_NESTED = {"person": "person", "offering": "offering", "referral": "referral"}


def _named(path: str, path_parameters: dict[str, Any], body: Any) -> dict[str, set[int]]:
    """Every object a successful answer names, by kind: top-level ids, *_id fields, nested
    objects, and the objects in the request's path."""
    named: dict[str, set[int]] = {kind: set() for kind in _ID_FIELDS.values()}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _ID_FIELDS and isinstance(item, int):
                    named[_ID_FIELDS[key]].add(item)
                elif key in _NESTED and isinstance(item, dict) and isinstance(item.get("id"), int):
                    named[_NESTED[key]].add(item["id"])
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    kind = _TOP_LEVEL_KIND.get(path)
    if kind and isinstance(body, dict):
        rows = body["results"] if isinstance(body.get("results"), list) else [body]
        named[kind].update(row["id"] for row in rows if isinstance(row.get("id"), int))
    walk(body)
    for name, value in path_parameters.items():
        if name in _ID_FIELDS and isinstance(value, int):
            named[_ID_FIELDS[name]].add(value)
    return named


@dataclass
class Allowed:
    ids: dict[str, set[int]]
    shown_persons: set[int]  # in scope and not masked: their name may appear


def _allowed(scope: Scope, *, provider_api: bool) -> Allowed:
    """What the scope allows, straight from org/access.py's Q objects (not the selectors the
    API itself uses), a little wider than the selectors where they narrow further."""
    if provider_api:
        placements = Placement.objects.filter(scope.provider_q("offering__provider"))
        persons = Person.objects.filter(referrals__placements__in=placements)
        referrals = Referral.objects.filter(placements__in=placements)
    else:
        referrals = Referral.objects.filter(
            scope.person_office_q("person__office") | scope.county_work_q("county")
        )
        persons = Person.objects.filter(
            scope.person_office_q("office") | Q(referrals__in=referrals)
        )
        placements = Placement.objects.filter(
            scope.county_work_q("referral__county")
            | scope.person_office_q("referral__person__office")
        )
    offerings = Offering.objects.filter(
        scope.provider_q("provider")
        | scope.county_work_q("municipality__county")
        | Q(placements__in=placements)
    )
    ids = {
        "person": set(persons.values_list("pk", flat=True)),
        "referral": set(referrals.values_list("pk", flat=True)),
        "placement": set(placements.values_list("pk", flat=True)),
        "offering": set(offerings.values_list("pk", flat=True)),
        "provider": set(offerings.values_list("provider_id", flat=True)) | scope.provider_ids,
    }
    levels = {ProtectionLevel.UGRADERT} if provider_api else scope.protection_levels
    shown = set(
        Person.objects.filter(pk__in=ids["person"], protection_level__in=levels).values_list(
            "pk", flat=True
        )
    )
    return Allowed(ids=ids, shown_persons=shown)


def _scope_problems(
    persona: Persona, path: str, path_parameters: dict[str, Any], status_code: int, text: str
) -> list[str]:
    """What the answer shows that the persona may not see. `path` is the operation's path
    template (/api/persons/{person_id}/)."""
    named: dict[str, set[int]] = {}
    if status_code < 300 and text:
        named = _named(path, path_parameters, json.loads(text))
    provider_api = path.startswith("/api/provider/")
    allowed = _allowed(persona.scope, provider_api=provider_api)
    problems = [
        f"{kind} {sorted(ids - allowed.ids[kind])} outside the scope"
        for kind, ids in named.items()
        if ids - allowed.ids[kind]
    ]
    for person in Person.objects.exclude(pk__in=allowed.shown_persons):
        # Only the world's own names are distinctive enough to search for.
        if person.last_name.startswith(NAME_PREFIX) and person.last_name in text:
            problems.append(f"the name of person {person.pk} (out of scope or masked)")
        if person.fodselsnummer in text:
            problems.append(f"the fødselsnummer of person {person.pk} (out of scope or masked)")
    if provider_api and ELEVEN_DIGITS.search(text):
        problems.append("an eleven-digit number (a fødselsnummer?) in the provider API")
    return problems


# --- The tests ---------------------------------------------------------------------------

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _fuzz(persona: Persona, case: schemathesis.Case) -> None:
    response = case.call_and_validate(
        headers={"Authorization": persona.authorization}, checks=CHECKS
    )
    problems = _scope_problems(
        persona,
        case.operation.path,
        case.path_parameters or {},
        response.status_code,
        response.text,
    )
    assert not problems, f"{case.method} {case.formatted_path}: " + "; ".join(problems)


SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


@SCHEMA.include(path_regex=STAFF_PATHS).parametrize()
@SETTINGS
def test_staff_api_as_a_caseworker(case: schemathesis.Case, world: World) -> None:
    _fuzz(world.caseworker, case)


@VALID.include(path_regex=STAFF_PATHS).parametrize()
@SETTINGS
def test_staff_api_as_the_intake_team(case: schemathesis.Case, world: World) -> None:
    _fuzz(world.intake, case)


@SCHEMA.include(path_regex=PROVIDER_PATHS).parametrize()
@SETTINGS
def test_provider_api_with_a_providers_key(case: schemathesis.Case, world: World) -> None:
    _fuzz(world.provider, case)


@VALID.include(path_regex=PROVIDER_PATHS).parametrize()
@SETTINGS
def test_provider_api_with_valid_input(case: schemathesis.Case, world: World) -> None:
    _fuzz(world.provider, case)


@SCHEMA.exclude(path="/api/schema/").parametrize()
@hypothesis.settings(SETTINGS, max_examples=3)
def test_without_credentials_every_operation_answers_401(
    case: schemathesis.Case, wsgi_in_test_transaction: None
) -> None:
    response = case.call_and_validate(checks=CHECKS)

    # Only an address that names no route (say, a path parameter that is not a whole number)
    # answers before authentication: with the API's 404.
    path = unquote(urlsplit(response.request.url).path)
    if resolve(path).func is api.not_found:
        assert response.status_code == 404, response.text
    else:
        assert response.status_code == 401, response.text


# --- The check itself --------------------------------------------------------------------


def test_the_scope_check_sees_a_person_of_another_office(world: World) -> None:
    mine = Person.objects.get(last_name=f"{NAME_PREFIX}03")  # Nav Midtbyen, waiting
    other = Person.objects.get(last_name=f"{NAME_PREFIX}07")  # Nav Falkenborg, waiting

    def problems(person: Person) -> list[str]:
        row = {"id": person.pk, "first_name": "Kari", "last_name": person.last_name}
        body = json.dumps({"count": 1, "next": None, "previous": None, "results": [row]})
        return _scope_problems(world.caseworker, "/api/persons/", {}, 200, body)

    assert problems(mine) == []
    assert problems(other) == [
        f"person [{other.pk}] outside the scope",
        f"the name of person {other.pk} (out of scope or masked)",
    ]


def test_the_scope_check_sees_a_masked_person_and_another_providers_participant(
    world: World,
) -> None:
    protected = Person.objects.get(last_name=f"{NAME_PREFIX}04")  # kode 6, placed at P
    elsewhere = Placement.objects.exclude(offering__provider=world.personas.provider_p).first()
    assert elsewhere is not None

    masked = _scope_problems(
        world.caseworker,
        "/api/persons/{person_id}/",
        {"person_id": protected.pk},
        200,
        json.dumps({"id": protected.pk, "last_name": protected.last_name}),
    )
    leaked = _scope_problems(
        world.provider,
        "/api/provider/participants/{placement_id}/start/",
        {"placement_id": elsewhere.pk},
        200,
        json.dumps(
            {
                "id": elsewhere.pk,
                "offering": {"id": elsewhere.offering_id},
                "note": protected.fodselsnummer,
            }
        ),
    )

    assert masked == [f"the name of person {protected.pk} (out of scope or masked)"]
    assert f"placement [{elsewhere.pk}] outside the scope" in leaked
    assert f"offering [{elsewhere.offering_id}] outside the scope" in leaked
    assert "an eleven-digit number (a fødselsnummer?) in the provider API" in leaked


# --- What the fuzzing found, kept as plain regression tests ------------------------------


def test_a_nul_character_in_a_key_is_refused_not_a_server_error(personas: Personas) -> None:
    response = api_client(personas.caseworker_a).post(
        "/api/persons/",
        {"first_name": "Kari", "home_municipality_id": "50\x0001", "needs": ["RUS\x00"]},
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        name: [{"code": "null_characters_not_allowed", "message": ANY}]
        for name in ("home_municipality_id", "needs")
    }


def test_a_wait_longer_than_any_date_allows_is_refused(personas: Personas) -> None:
    response = api_client(personas.intake_x).get(
        "/api/waitlists/50/ARBFORB/", {"min_days": 96410068000433104}
    )

    assert response.status_code == 400
    assert response.json()["fields"]["min_days"][0]["code"] == "max_value"


def test_an_api_address_that_names_nothing_answers_the_apis_404(personas: Personas) -> None:
    client = api_client(personas.caseworker_a)

    for response in (
        client.get("/api/persons/abc/"),
        client.post("/api/referrals/null,null/submit/", {"version": 1}),
        client.get("/api/persons/?page=0"),
    ):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "NOT_FOUND"
