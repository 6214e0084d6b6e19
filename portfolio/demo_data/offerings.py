"""Providers (tiltaksarrangører) and their offerings (gjennomføringer).

A provider is either a sheltered business running VTA, AFT and APS, or an ordinary provider
of assessment, follow-up, rehabilitation, job clubs and courses. It has one to six offerings,
in its home municipality and elsewhere in the same county; homes and locations are drawn by
population, like persons.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import accumulate

from intake.models import Person
from org.models import Municipality, Provider
from org.vocabulary import ADAPTED_NEED_GROUPS, CompetenceTag
from portfolio.demo_data.names import (
    ORDINARY_PROVIDER_PATTERNS,
    PROVIDER_PREFIXES,
    SHELTERED_PROVIDER_PATTERNS,
)
from portfolio.demo_data.numbers import orgnr
from portfolio.demo_data.people import Geography, PersonPlan
from portfolio.demo_data.scales import DEMO_MUNICIPALITY, Scale
from providers.models import Offering, ProgrammeType, StartType

T = CompetenceTag
OFFERING_MIX = (
    ("VASV", 30),
    ("ARBFORB", 30),
    ("APS", 4),
    ("AVKLARAG", 9),
    ("INDOPPFAG", 10),
    ("ARBRRHDAG", 6),
    ("JOBBK", 5),
    ("GRUPPEAMO", 6),
)
# Contracted places: (fewest, most, most common).
PLACES = {
    "VASV": (15, 80, 30),
    "ARBFORB": (10, 50, 20),
    "APS": (8, 30, 12),
    "AVKLARAG": (5, 25, 10),
    "INDOPPFAG": (5, 30, 12),
    "ARBRRHDAG": (4, 20, 8),
    "JOBBK": (6, 20, 12),
    "GRUPPEAMO": (8, 24, 12),
}
# Share of offerings that start in cohorts (felles oppstart) rather than rolling.
COHORT_SHARE = {"GRUPPEAMO": 0.85, "JOBBK": 0.6, "ARBFORB": 0.15}
COMPETENCE = {
    "VASV": ((T.KOGNITIV, 35), (T.FYSISK_FUNKSJON, 30), (T.PSYKISK_HELSE, 25), (T.SOSIAL, 10)),
    "ARBFORB": (
        (T.PSYKISK_HELSE, 30),
        (T.RUS, 20),
        (T.SOSIAL, 20),
        (T.UNGE, 15),
        (T.SPRAK, 10),
        (T.FYSISK_FUNKSJON, 5),
    ),
    "APS": ((T.PSYKISK_HELSE, 35), (T.RUS, 25), (T.SOSIAL, 25), (T.KOGNITIV, 15)),
    "AVKLARAG": ((T.PSYKISK_HELSE, 30), (T.FYSISK_FUNKSJON, 30), (T.SPRAK, 20), (T.UNGE, 20)),
    "INDOPPFAG": ((T.PSYKISK_HELSE, 35), (T.UNGE, 25), (T.SPRAK, 20), (T.RUS, 20)),
    "ARBRRHDAG": ((T.FYSISK_FUNKSJON, 50), (T.PSYKISK_HELSE, 50)),
    "JOBBK": ((T.UNGE, 50), (T.SPRAK, 50)),
    "GRUPPEAMO": ((T.SPRAK, 60), (T.UNGE, 40)),
}
OFFERINGS_PER_PROVIDER = (1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6)
# The demo provider (where `arrangor` works) has this many offerings in the demo county.
DEMO_PROVIDER_OFFERINGS = 4
CLOSED_SHARE = 0.05
# Share of adapted-need persons who have asked not to be sent to a given provider.
EXCLUDING_SHARE = 0.01


class _ProviderFactory:
    def __init__(
        self, rng: random.Random, geography: Geography, programme_types: dict[str, ProgrammeType]
    ) -> None:
        self.rng = rng
        self.geography = geography
        self.programme_types = programme_types
        self.names: set[str] = set()
        self.orgnrs: set[str] = set()
        self.by_county: dict[str, tuple[list[Municipality], list[float]]] = {}
        for municipality in geography.municipalities:
            places, weights = self.by_county.setdefault(municipality.county_id, ([], []))
            places.append(municipality)
            weights.append(float(municipality.population))
        for _, weights in self.by_county.values():
            weights[:] = accumulate(weights)

    def name(self, place: str, *, sheltered: bool) -> str:
        patterns = SHELTERED_PROVIDER_PATTERNS if sheltered else ORDINARY_PROVIDER_PATTERNS
        for _ in range(200):
            name = self.rng.choice(patterns).format(
                place=place, prefix=self.rng.choice(PROVIDER_PREFIXES)
            )
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError(f"no free provider name left for {place}")

    def in_county(self, county: str) -> Municipality:
        places, cum_weights = self.by_county[county]
        return self.rng.choices(places, cum_weights=cum_weights)[0]

    def offering(self, provider: Provider, code: str, municipality: Municipality) -> Offering:
        rng = self.rng
        programme_type = self.programme_types[code]
        fewest, most, common = PLACES[code]
        tags: set[str] = set()
        wanted = rng.randint(1, 3)
        weighted = COMPETENCE[code]
        while len(tags) < min(wanted, len(weighted)):
            tags.add(rng.choices([t for t, _ in weighted], [w for _, w in weighted])[0])
        short_provider = provider.name.removesuffix(" AS")
        return Offering(
            provider=provider,
            programme_type=programme_type,
            name=f"{programme_type.short_name} {municipality.norwegian_name} – {short_provider}",
            municipality=municipality,
            contracted_places=round(rng.triangular(fewest, most, common)),
            start_type=(
                StartType.FELLES
                if rng.random() < COHORT_SHARE.get(code, 0.05)
                else StartType.LOPENDE
            ),
            competence_tags=[tag for tag in CompetenceTag.values if tag in tags],
            open_for_intake=rng.random() >= CLOSED_SHARE,
        )


def create_providers(
    rng: random.Random,
    scale: Scale,
    geography: Geography,
    programme_types: dict[str, ProgrammeType],
    advance: Callable[[int], object],
) -> list[Offering]:
    factory = _ProviderFactory(rng, geography, programme_types)
    slots = rng.choices(
        [code for code, _ in OFFERING_MIX],
        [weight for _, weight in OFFERING_MIX],
        k=scale.offerings,
    )
    queues = {
        True: [code for code in slots if programme_types[code].sheltered],
        False: [code for code in slots if not programme_types[code].sheltered],
    }
    plans: list[tuple[Provider, list[tuple[str, Municipality]]]] = []
    while queues[True] or queues[False]:
        if not plans:
            # The demo provider first: a sheltered business in Trondheim.
            sheltered = bool(queues[True])
            home = geography.municipality(DEMO_MUNICIPALITY)
            count = DEMO_PROVIDER_OFFERINGS
        else:
            remaining = len(queues[True]) + len(queues[False])
            sheltered = rng.random() * remaining < len(queues[True])
            home = geography.weighted_municipalities(rng, 1, boost=scale.demo_county_boost)[0]
            count = rng.choice(OFFERINGS_PER_PROVIDER)
        queue = queues[sheltered]
        codes, queue[:] = queue[:count], queue[count:]
        provider = Provider(
            name=factory.name(home.norwegian_name, sheltered=sheltered),
            orgnr=orgnr(rng, factory.orgnrs),
        )
        places = [home] + [factory.in_county(home.county_id) for _ in codes[1:]]
        plans.append((provider, list(zip(codes, places, strict=True))))

    Provider.objects.bulk_create([provider for provider, _ in plans])
    offerings: list[Offering] = []
    for provider, located in plans:
        for number, (code, municipality) in enumerate(located):
            offering = factory.offering(provider, code, municipality)
            # A provider running the same programme twice in one place numbers them.
            if (code, municipality) in located[:number]:
                offering.name = (
                    f"{offering.name} {located[: number + 1].count((code, municipality))}"
                )
            offerings.append(offering)
    Offering.objects.bulk_create(offerings, batch_size=1000)
    advance(len(offerings))
    return offerings


def exclude_providers(
    rng: random.Random, plans: list[PersonPlan], offerings: list[Offering]
) -> set[tuple[int, int]]:
    """A few adapted-need persons have asked not to be sent to one provider in their county
    (a hard constraint for matching, DOMAIN.md section 7). Returns the (person, provider)
    primary keys."""
    providers_in: dict[str, list[int]] = {}
    for offering in offerings:
        local = providers_in.setdefault(offering.municipality.county_id, [])
        if offering.provider_id not in local:
            local.append(offering.provider_id)
    through = Person.excluded_providers.through
    rows = [
        through(person_id=plan.pk, provider_id=rng.choice(providers_in[plan.county_id]))
        for plan in plans
        if plan.need_group in ADAPTED_NEED_GROUPS
        and plan.county_id in providers_in
        and rng.random() < EXCLUDING_SHARE
    ]
    through.objects.bulk_create(rows, batch_size=5000)
    return {(row.person_id, row.provider_id) for row in rows}
