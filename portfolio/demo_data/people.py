"""Persons (brukere) in offices' portfolios: where they live, who they are, what they need.

The shares follow DOMAIN.md section 11: adapted-need users are older on average (about 42),
mostly women and 16 % immigrants; ordinary job seekers are 39 % immigrants; education is unknown
for about 24 % of immigrants from the EEA and 15 % of those from outside it.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate

from intake.models import Person
from org.models import Municipality, Office
from org.vocabulary import (
    ADAPTED_NEED_GROUPS,
    Benefit,
    CompetenceTag,
    CountryBackground,
    EducationLevel,
    NeedGroup,
    ProtectionLevel,
)
from portfolio.demo_data.names import person_name
from portfolio.demo_data.numbers import fodselsnummer
from portfolio.demo_data.scales import DEMO_COUNTY, DEMO_MUNICIPALITY, DEMO_OFFICE, Scale
from portfolio.demo_data.timeline import Timeline, add_years

NG = NeedGroup
ADAPTED = frozenset(ADAPTED_NEED_GROUPS)
# Admitted by every sheltered programme (VTA too).
LASTING = frozenset((NG.GRADERT_VARIG_TILPASSET_INNSATS, NG.VARIG_TILPASSET_INNSATS))

# Need groups of the persons in the offices' portfolios; "" is "not yet decided".
NEED_GROUPS = (
    (NG.STANDARD_INNSATS, 33),
    (NG.SITUASJONSBESTEMT_INNSATS, 30),
    (NG.SPESIELT_TILPASSET_INNSATS, 23),
    (NG.GRADERT_VARIG_TILPASSET_INNSATS, 4),
    (NG.VARIG_TILPASSET_INNSATS, 8),
    ("", 2),
)


@dataclass(frozen=True)
class NeedGroupProfile:
    mean_age: float
    share_women: float
    share_eea: float
    share_non_eea: float
    benefits: tuple[tuple[str, int], ...]
    share_job_seekers: float
    # How many competence needs a person records: weights for 0, 1, 2, 3.
    needs_count: tuple[int, int, int, int]


_ORDINARY = NeedGroupProfile(
    mean_age=37,
    share_women=0.46,
    share_eea=0.16,
    share_non_eea=0.23,
    benefits=(
        (Benefit.DAGPENGER, 45),
        (Benefit.INGEN, 33),
        (Benefit.SOSIALHJELP, 12),
        (Benefit.TILTAKSPENGER, 10),
    ),
    share_job_seekers=1.0,
    needs_count=(85, 15, 0, 0),
)
_SITUATIONAL = NeedGroupProfile(
    mean_age=37,
    share_women=0.5,
    share_eea=0.10,
    share_non_eea=0.18,
    benefits=(
        (Benefit.AAP, 35),
        (Benefit.DAGPENGER, 20),
        (Benefit.SOSIALHJELP, 15),
        (Benefit.TILTAKSPENGER, 10),
        (Benefit.INGEN, 20),
    ),
    share_job_seekers=0.7,
    needs_count=(40, 40, 20, 0),
)
_ADAPTED = NeedGroupProfile(
    mean_age=43,
    share_women=0.55,
    share_eea=0.05,
    share_non_eea=0.11,
    benefits=(
        (Benefit.AAP, 55),
        (Benefit.UFORETRYGD, 10),
        (Benefit.SOSIALHJELP, 10),
        (Benefit.TILTAKSPENGER, 10),
        (Benefit.INGEN, 15),
    ),
    share_job_seekers=0.35,
    needs_count=(5, 45, 35, 15),
)
_LASTING = NeedGroupProfile(
    mean_age=40,
    share_women=0.5,
    share_eea=0.05,
    share_non_eea=0.11,
    benefits=((Benefit.UFORETRYGD, 60), (Benefit.AAP, 25), (Benefit.INGEN, 15)),
    share_job_seekers=0.1,
    needs_count=(5, 45, 35, 15),
)
PROFILES: dict[str, NeedGroupProfile] = {
    "": _ORDINARY,
    NG.STANDARD_INNSATS: _ORDINARY,
    NG.SITUASJONSBESTEMT_INNSATS: _SITUATIONAL,
    NG.SPESIELT_TILPASSET_INNSATS: _ADAPTED,
    NG.GRADERT_VARIG_TILPASSET_INNSATS: _LASTING,
    NG.VARIG_TILPASSET_INNSATS: _LASTING,
}

_E = EducationLevel
EDUCATION = {
    CountryBackground.NORGE: (
        (_E.INGEN, 2),
        (_E.GRUNNSKOLE, 32),
        (_E.VIDEREGAENDE, 30),
        (_E.FAGBREV, 16),
        (_E.HOYERE, 14),
        (_E.UKJENT, 6),
    ),
    CountryBackground.EOS: (
        (_E.INGEN, 3),
        (_E.GRUNNSKOLE, 17),
        (_E.VIDEREGAENDE, 26),
        (_E.FAGBREV, 12),
        (_E.HOYERE, 18),
        (_E.UKJENT, 24),
    ),
    CountryBackground.UTENFOR_EOS: (
        (_E.INGEN, 12),
        (_E.GRUNNSKOLE, 28),
        (_E.VIDEREGAENDE, 20),
        (_E.FAGBREV, 5),
        (_E.HOYERE, 20),
        (_E.UKJENT, 15),
    ),
}
# Health-related needs, roughly as the diagnosis groups of people with reduced work capacity
# (musculoskeletal and mental disorders dominate; seed L10037-10076).
HEALTH_NEEDS = (
    (CompetenceTag.FYSISK_FUNKSJON, 35),
    (CompetenceTag.PSYKISK_HELSE, 35),
    (CompetenceTag.KOGNITIV, 12),
    (CompetenceTag.SOSIAL, 10),
    (CompetenceTag.RUS, 8),
)
TRAVEL_LIMITS_KM = (10, 15, 20, 25, 30, 40, 50)


def pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


@dataclass(frozen=True)
class Geography:
    """The reference data persons and offerings are spread over, in a fixed order."""

    municipalities: tuple[Municipality, ...]
    offices: dict[int, Office]
    offices_serving: dict[str, tuple[int, ...]]
    demo_office_id: int

    @classmethod
    def load(cls) -> Geography:
        municipalities = tuple(Municipality.objects.order_by("number"))
        # Ordered by codes, not primary keys, so that the same seed gives the same data in
        # every database.
        offices = {office.pk: office for office in Office.objects.order_by("number")}
        serving: dict[str, list[int]] = {m.number: [] for m in municipalities}
        links = Office.municipalities.through.objects.order_by("municipality_id", "office__number")
        for municipality_id, office_id in links.values_list("municipality_id", "office_id"):
            serving[municipality_id].append(office_id)
        unserved = [number for number, ids in serving.items() if not ids]
        if unserved:
            raise RuntimeError(f"No office serves municipalities {unserved}")
        demo_office = next(o for o in offices.values() if o.number == DEMO_OFFICE)
        return cls(
            municipalities=municipalities,
            offices=offices,
            offices_serving={number: tuple(ids) for number, ids in serving.items()},
            demo_office_id=demo_office.pk,
        )

    def weighted_municipalities(
        self, rng: random.Random, count: int, *, boost: float
    ) -> list[Municipality]:
        """`count` municipalities drawn by population, the demo county `boost` times richer."""
        weights = [
            m.population * (boost if m.county_id == DEMO_COUNTY else 1.0)
            for m in self.municipalities
        ]
        return rng.choices(self.municipalities, cum_weights=list(accumulate(weights)), k=count)

    def municipality(self, number: str) -> Municipality:
        return next(m for m in self.municipalities if m.number == number)


@dataclass(slots=True)
class PersonPlan:
    fodselsnummer: str
    birth_date: datetime.date
    male: bool
    first_name: str
    last_name: str
    municipality_id: str
    office_id: int
    county_id: str
    need_group: str
    need_group_decided_on: datetime.date | None
    benefit: str
    aap_maksdato: datetime.date | None
    education_level: str
    country_background: str
    job_seeker_since: datetime.date | None
    needs: list[str]
    max_travel_km: int | None
    protection_level: str
    caseworker_id: int | None = None
    pk: int = field(default=0)

    def age_on(self, day: datetime.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def to_model(self) -> Person:
        return Person(
            fodselsnummer=self.fodselsnummer,
            birth_date=self.birth_date,
            first_name=self.first_name,
            last_name=self.last_name,
            home_municipality_id=self.municipality_id,
            office_id=self.office_id,
            caseworker_id=self.caseworker_id,
            need_group=self.need_group,
            need_group_decided_on=self.need_group_decided_on,
            benefit=self.benefit,
            aap_maksdato=self.aap_maksdato,
            education_level=self.education_level,
            country_background=self.country_background,
            job_seeker_since=self.job_seeker_since,
            needs=self.needs,
            max_travel_km=self.max_travel_km,
            protection_level=self.protection_level,
        )


class PersonFactory:
    """Draws one person after another from one random stream."""

    def __init__(self, rng: random.Random, timeline: Timeline) -> None:
        self.rng = rng
        self.timeline = timeline
        self.taken: set[str] = set()

    def person(self, municipality: Municipality, office_id: int) -> PersonPlan:
        rng, today = self.rng, self.timeline.today
        need_group = pick(rng, NEED_GROUPS)
        profile = PROFILES[need_group]
        age = rng.gauss(profile.mean_age, 12)
        while not 18.1 <= age < 67:
            age = rng.gauss(profile.mean_age, 12)
        birth_date = today - datetime.timedelta(days=int(age * 365.25))
        adult_on = add_years(birth_date, 18)
        male = rng.random() >= profile.share_women
        roll = rng.random()
        background = (
            CountryBackground.EOS
            if roll < profile.share_eea
            else CountryBackground.UTENFOR_EOS
            if roll < profile.share_eea + profile.share_non_eea
            else CountryBackground.NORGE
        )
        first_name, last_name = person_name(rng, background, male=male)
        benefit = pick(rng, profile.benefits)
        decided_on = (
            max(adult_on, self.timeline.days_ago(rng.randint(14, 6 * 365))) if need_group else None
        )
        job_seeker_since = None
        if rng.random() < profile.share_job_seekers:
            days = min(3 * 365, int(rng.expovariate(1 / 240)))
            job_seeker_since = max(adult_on, self.timeline.days_ago(days))
        return PersonPlan(
            fodselsnummer=fodselsnummer(rng, birth_date, male=male, taken=self.taken),
            birth_date=birth_date,
            male=male,
            first_name=first_name,
            last_name=last_name,
            municipality_id=municipality.number,
            office_id=office_id,
            county_id=municipality.county_id,
            need_group=need_group,
            need_group_decided_on=decided_on,
            benefit=benefit,
            # AAP runs out on its maksdato; for some it is near (portfolio flag AAP_NAER_MAKSDATO).
            aap_maksdato=(
                today + datetime.timedelta(days=rng.randint(14, 3 * 365))
                if benefit == Benefit.AAP
                else None
            ),
            education_level=pick(rng, EDUCATION[background]),
            country_background=background,
            job_seeker_since=job_seeker_since,
            needs=self._needs(profile, age=age, immigrant=background != CountryBackground.NORGE),
            max_travel_km=rng.choice(TRAVEL_LIMITS_KM) if rng.random() < 0.07 else None,
            protection_level=self._protection(),
        )

    def _needs(self, profile: NeedGroupProfile, *, age: float, immigrant: bool) -> list[str]:
        rng = self.rng
        count = rng.choices(range(4), profile.needs_count)[0]
        needs = {pick(rng, HEALTH_NEEDS) for _ in range(count)}
        if age < 30 and rng.random() < 0.6:
            needs.add(CompetenceTag.UNGE)
        if immigrant and rng.random() < 0.5:
            needs.add(CompetenceTag.SPRAK)
        # Stored in the vocabulary's order, so the same person always looks the same.
        return [tag for tag in CompetenceTag.values if tag in needs]

    def _protection(self) -> str:
        # About 0.5 % in all: kode 6 is rarest, skjermet covers NAV's own employees.
        roll = self.rng.random()
        if roll < 0.0005:
            return ProtectionLevel.STRENGT_FORTROLIG
        if roll < 0.0035:
            return ProtectionLevel.FORTROLIG
        if roll < 0.005:
            return ProtectionLevel.SKJERMET
        return ProtectionLevel.UGRADERT


def plan_persons(
    rng: random.Random,
    scale: Scale,
    geography: Geography,
    timeline: Timeline,
    advance: Callable[[int], object],
) -> list[PersonPlan]:
    """The persons of every portfolio, spread over municipalities by population, each in an
    office that serves their home municipality."""
    factory = PersonFactory(rng, timeline)
    extra = scale.demo_office_extra_persons
    homes = geography.weighted_municipalities(
        rng, scale.persons - extra, boost=scale.demo_county_boost
    )
    trondheim = geography.municipality(DEMO_MUNICIPALITY)
    plans = [factory.person(trondheim, geography.demo_office_id) for _ in range(extra)]
    _protect_one(plans)
    advance(extra)
    for number, municipality in enumerate(homes, start=1):
        office_id = rng.choice(geography.offices_serving[municipality.number])
        plans.append(factory.person(municipality, office_id))
        if number % 5000 == 0:
            advance(5000)
    advance(len(homes) % 5000)
    return plans


def _protect_one(extra: list[PersonPlan]) -> None:
    """The demo provider shows a protected participant ("Adressebeskyttet"): make sure the demo
    office has a protected person whom the sheltered programmes admit."""
    if any(
        p.protection_level != ProtectionLevel.UGRADERT and p.need_group in LASTING for p in extra
    ):
        return
    lasting = [p for p in extra if p.need_group in LASTING]
    if lasting:
        lasting[-1].protection_level = ProtectionLevel.FORTROLIG


def chunked(items: list[PersonPlan], size: int) -> Iterator[list[PersonPlan]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_persons(
    plans: list[PersonPlan], advance: Callable[[int], object], batch_size: int
) -> None:
    """Bulk insert, and remember each person's primary key on their plan."""
    for chunk in chunked(plans, batch_size):
        created = Person.objects.bulk_create([plan.to_model() for plan in chunk])
        for plan, person in zip(chunk, created, strict=True):
            plan.pk = person.pk
        advance(len(chunk))
