"""factory_boy factories. Synthetic fødselsnumre and organisation numbers are valid by their
check digits, so the code under test sees realistic identifiers."""

import datetime
import itertools

import factory
from django.utils import timezone

from intake.models import (
    CV,
    ActivityPlan,
    Person,
    Referral,
    ReferralStatus,
    WorkCapacityAssessment,
)
from org.models import Office, Provider, User
from org.vocabulary import NeedGroup
from providers.models import Offering, ProgrammeType

_FNR_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_FNR_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_ORGNR_W = (3, 2, 7, 6, 5, 4, 3, 2)


def _mod11(digits: str, weights: tuple[int, ...]) -> int | None:
    check = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    if check == 11:
        return 0
    return None if check == 10 else check


_individual = itertools.count(500)


def make_fodselsnummer(birth: datetime.date) -> str:
    """A valid fødselsnummer for `birth` (born 1940-1999 uses individual numbers 000-499,
    2000-2039 uses 500-999); each call gives a new one."""
    while True:
        n = next(_individual) % 500 + (500 if birth.year >= 2000 else 0)
        base = f"{birth:%d%m%y}{n:03d}"
        k1 = _mod11(base, _FNR_W1)
        if k1 is None:
            continue
        k2 = _mod11(base + str(k1), _FNR_W2)
        if k2 is None:
            continue
        return f"{base}{k1}{k2}"


_orgnr_seq = itertools.count(10000)


def make_orgnr() -> str:
    while True:
        base = f"9{next(_orgnr_seq):07d}"
        check = _mod11(base, _ORGNR_W)
        if check is not None:
            return f"{base}{check}"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Bruker {n}")
    password = factory.django.Password("riktig-passord-123")


class ProviderFactory(factory.django.DjangoModelFactory[Provider]):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Arbeidssenter {n} AS")
    orgnr = factory.LazyFunction(make_orgnr)


class OfferingFactory(factory.django.DjangoModelFactory[Offering]):
    class Meta:
        model = Offering

    provider = factory.SubFactory(ProviderFactory)
    programme_type = factory.LazyFunction(lambda: ProgrammeType.objects.get(code="ARBFORB"))
    name = factory.Sequence(lambda n: f"AFT gruppe {n}")
    municipality_id = "5001"
    contracted_places = 20


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    birth_date = datetime.date(1985, 3, 14)
    fodselsnummer = factory.LazyAttribute(lambda p: make_fodselsnummer(p.birth_date))
    first_name = "Kari"
    last_name = factory.Sequence(lambda n: f"Nordmann {n}")
    office = factory.LazyFunction(lambda: Office.objects.get(number="5083"))
    home_municipality_id = "5001"
    need_group = NeedGroup.SPESIELT_TILPASSET_INNSATS


class CVFactory(factory.django.DjangoModelFactory[CV]):
    class Meta:
        model = CV

    person = factory.SubFactory(PersonFactory)
    last_updated = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))


class WorkCapacityAssessmentFactory(factory.django.DjangoModelFactory[WorkCapacityAssessment]):
    class Meta:
        model = WorkCapacityAssessment

    person = factory.SubFactory(PersonFactory)
    assessed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))
    reduced_capacity = True
    need_group = NeedGroup.SPESIELT_TILPASSET_INNSATS


class ActivityPlanFactory(factory.django.DjangoModelFactory[ActivityPlan]):
    class Meta:
        model = ActivityPlan

    person = factory.SubFactory(PersonFactory)
    goal = "Komme i arbeid som lagermedarbeider"
    approved = True
    last_updated = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))


class ReferralFactory(factory.django.DjangoModelFactory[Referral]):
    class Meta:
        model = Referral

    person = factory.SubFactory(PersonFactory)
    programme_type = factory.LazyFunction(lambda: ProgrammeType.objects.get(code="ARBFORB"))
    county = factory.LazyAttribute(lambda r: r.person.office.county)
    office = factory.LazyAttribute(lambda r: r.person.office)
    created_by = factory.SubFactory(UserFactory)
    status = ReferralStatus.VENTELISTE
    submitted_at = factory.LazyFunction(timezone.now)
    waitlisted_at = factory.LazyFunction(timezone.now)
    queue_since = factory.LazyAttribute(lambda r: r.waitlisted_at)
