"""Staff: the documented demo logins, and generated caseworkers and intake team members.

Every user this package makes has an e-mail address in GENERATED_EMAIL_DOMAIN; that is how
`--reset` knows which users are its own.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, check_password, make_password
from django.db.models import Count, Q, QuerySet

from org.models import (
    County,
    CountyMembership,
    CountyRole,
    Office,
    OfficeMembership,
    OfficeRole,
    Provider,
    ProviderMembership,
    User,
)
from org.vocabulary import CountryBackground
from portfolio.demo_data.names import person_name
from portfolio.demo_data.people import Geography, PersonPlan
from portfolio.demo_data.scales import DEMO_COUNTY, DEMO_OFFICE, DEMO_PORTFOLIO
from portfolio.demo_data.timeline import Timeline

GENERATED_EMAIL_DOMAIN = "demo.inntak.invalid"
# The one password of every demo login; documented in the command's help and printed by it.
DEMO_PASSWORD = "inntak-demo"  # noqa: S105
# A caseworker follows 100-260 persons (DOMAIN.md section 11).
PORTFOLIO_MAX = 260
# Share of persons without a caseworker (new in the office, or their caseworker has left).
UNASSIGNED_SHARE = 0.03


@dataclass(frozen=True)
class DemoLogin:
    username: str
    first_name: str
    last_name: str
    role: str


DEMO_LOGINS = (
    DemoLogin("veileder", "Vera", "Solberg", "veileder, Nav Midtbyen"),
    DemoLogin("inntak", "Ingrid", "Haugen", "inntaksteam, Trøndelag"),
    DemoLogin("arrangor", "Arne", "Rønning", "tiltaksarrangør"),
    DemoLogin("leder", "Lene", "Moe", "leder, Nav Midtbyen"),
    DemoLogin("fylkesleder", "Frode", "Aune", "fylkesleder, Trøndelag"),
    DemoLogin("admin", "Ada", "Strand", "administrator"),
)


def generated_users() -> QuerySet[User]:
    return User.objects.filter(email__endswith=f"@{GENERATED_EMAIL_DOMAIN}")


def demo_provider() -> Provider | None:
    """The provider with the most offerings in the demo county: `arrangor` works there."""
    return (
        Provider.objects.annotate(
            local=Count("offerings", filter=Q(offerings__municipality__county=DEMO_COUNTY))
        )
        .filter(local__gt=0)
        .order_by("-local", "pk")
        .first()
    )


def ensure_demo_logins() -> dict[str, User]:
    """Create or repair the demo logins: names, flags, the documented password, memberships.
    Safe to run any number of times."""
    users: dict[str, User] = {}
    for login in DEMO_LOGINS:
        wanted = {
            "first_name": login.first_name,
            "last_name": login.last_name,
            "email": f"{login.username}@{GENERATED_EMAIL_DOMAIN}",
            "is_active": True,
            "is_staff": login.username == "admin",
            "is_superuser": login.username == "admin",
        }
        user, created = User.objects.get_or_create(username=login.username, defaults=wanted)
        changed = [name for name, value in wanted.items() if getattr(user, name) != value]
        if changed and not created:
            for name in changed:
                setattr(user, name, wanted[name])
            user.save(update_fields=changed)
        users[login.username] = user
    _ensure_password(list(users.values()))

    office = Office.objects.get(number=DEMO_OFFICE)
    county = County.objects.get(number=DEMO_COUNTY)
    OfficeMembership.objects.get_or_create(
        user=users["veileder"], office=office, role=OfficeRole.VEILEDER
    )
    OfficeMembership.objects.get_or_create(
        user=users["leder"], office=office, role=OfficeRole.LEDER
    )
    CountyMembership.objects.get_or_create(
        user=users["inntak"], county=county, role=CountyRole.INNTAKSTEAM
    )
    CountyMembership.objects.get_or_create(
        user=users["fylkesleder"], county=county, role=CountyRole.LEDER
    )
    provider = demo_provider()
    if provider is not None and not ProviderMembership.objects.filter(user=users["arrangor"]):
        ProviderMembership.objects.create(user=users["arrangor"], provider=provider)
    return users


def _ensure_password(users: list[User]) -> None:
    # Hashing is deliberately slow, so the logins share one hash and each distinct stored hash
    # is checked once. A password already right is left alone: rewriting it would log out
    # everyone signed in as a demo user.
    verdicts: dict[str, bool] = {}
    wrong = []
    for user in users:
        if user.password not in verdicts:
            verdicts[user.password] = check_password(DEMO_PASSWORD, user.password)
        if not verdicts[user.password]:
            wrong.append(user)
    if wrong:
        encoded = make_password(DEMO_PASSWORD)
        for user in wrong:
            user.password = encoded
        User.objects.bulk_update(wrong, ["password"])


@dataclass
class Staff:
    caseworkers: dict[int, list[int]] = field(default_factory=dict)  # office id -> user ids
    intake: dict[str, list[int]] = field(default_factory=dict)  # county number -> user ids


class _UserFactory:
    def __init__(self, rng: random.Random, timeline: Timeline) -> None:
        self.rng = rng
        self.timeline = timeline
        self.taken: set[str] = set()

    def user(self) -> User:
        rng = self.rng
        background = CountryBackground.NORGE if rng.random() < 0.92 else CountryBackground.EOS
        first_name, last_name = person_name(rng, background, male=rng.random() < 0.4)
        ident = self._nav_ident(last_name)
        return User(
            username=ident,
            email=f"{ident.lower()}@{GENERATED_EMAIL_DOMAIN}",
            first_name=first_name,
            last_name=last_name,
            # Unusable (the "!" prefix), yet drawn from the seed so that runs are identical.
            password=UNUSABLE_PASSWORD_PREFIX
            + "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=40)),
            date_joined=self.timeline.morning(self.timeline.days_ago(rng.randint(30, 4000))),
        )

    def _nav_ident(self, last_name: str) -> str:
        """NAV's staff idents: the initial of the last name and six digits."""
        letter = {"Æ": "A", "Ø": "O", "Å": "A"}.get(last_name[0].upper())
        letter = letter or unicodedata.normalize("NFKD", last_name[0].upper())[0]
        while True:
            ident = f"{letter}{self.rng.randint(100_000, 999_999)}"
            if ident not in self.taken:
                self.taken.add(ident)
                return ident


def create_staff(
    rng: random.Random,
    plans: list[PersonPlan],
    geography: Geography,
    timeline: Timeline,
    demo_users: dict[str, User],
    advance: Callable[[int], object],
) -> Staff:
    """Caseworkers for every office, so that each follows about 100-260 persons, and an intake
    team for every county; then give most persons a caseworker. The demo `veileder` takes the
    first DEMO_PORTFOLIO persons of the demo office."""
    factory = _UserFactory(rng, timeline)
    by_office: dict[int, list[PersonPlan]] = {office_id: [] for office_id in geography.offices}
    for plan in plans:
        by_office[plan.office_id].append(plan)

    to_assign: list[tuple[int, list[User], list[PersonPlan]]] = []
    new_users: list[User] = []
    memberships: list[OfficeMembership] = []
    for office_id, persons in by_office.items():
        assigned = [plan for plan in persons if rng.random() >= UNASSIGNED_SHARE]
        if office_id == geography.demo_office_id:
            for plan in assigned[:DEMO_PORTFOLIO]:
                plan.caseworker_id = demo_users["veileder"].pk
            assigned = assigned[DEMO_PORTFOLIO:]
        count = max(1, round(len(assigned) / rng.uniform(150, 200)))
        if len(assigned) > count * PORTFOLIO_MAX:
            count += 1
        caseworkers = [factory.user() for _ in range(count)]
        new_users += caseworkers
        memberships += [
            OfficeMembership(user=user, office_id=office_id, role=OfficeRole.VEILEDER)
            for user in caseworkers
        ]
        to_assign.append((office_id, caseworkers, assigned))

    population: dict[str, int] = {}
    for municipality in geography.municipalities:
        population[municipality.county_id] = (
            population.get(municipality.county_id, 0) + municipality.population
        )
    intake_teams = {
        county: [factory.user() for _ in range(2 + round(people / 250_000))]
        for county, people in sorted(population.items())
    }
    for team in intake_teams.values():
        new_users += team

    User.objects.bulk_create(new_users, batch_size=2000)
    advance(len(new_users))
    OfficeMembership.objects.bulk_create(memberships, batch_size=2000)
    CountyMembership.objects.bulk_create(
        [
            CountyMembership(user=user, county_id=county, role=CountyRole.INNTAKSTEAM)
            for county, team in intake_teams.items()
            for user in team
        ]
    )

    staff = Staff(intake={county: [u.pk for u in team] for county, team in intake_teams.items()})
    for office_id, caseworkers, persons in to_assign:
        loads = [rng.uniform(0.8, 1.2) for _ in caseworkers]
        for plan, caseworker in zip(
            persons, rng.choices(caseworkers, loads, k=len(persons)), strict=True
        ):
            plan.caseworker_id = caseworker.pk
        staff.caseworkers[office_id] = [user.pk for user in caseworkers]
    return staff
