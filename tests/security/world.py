"""One realistic world with objects on every side, for the access matrix.

County X (Trøndelag, 50) holds office A (Nav Midtbyen) and office B (Nav Falkenborg); county Y
(Oslo, 03) holds office Y (Nav Frogner). Provider P runs an AFT offering in Trondheim, provider
Q one in Oslo. On each side there are persons with documents and PDF attachments, referrals in
every state the pages act on (draft, in review, returned, on the waitlist, given a place), a
placement, capacity reports, an API key, a portfolio flag and a matching run with an open
proposal. Everything is made through the real services where the history matters.

Every person has a last name of its own ("Matrise" and a word), so that a response can be
searched for the people it must not show (`World.visible_to`).
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token

from imports.models import BatchStatus, ImportBatch, ImportKind, ImportRow, RowOutcome
from intake.models import (
    DocumentAttachment,
    MatchingTrigger,
    MatchProposal,
    Person,
    Placement,
    ProposalStatus,
    Referral,
)
from intake.services.matching import matching_run
from intake.services.persons import cv_save
from intake.services.placements import placement_assign
from intake.services.referrals import referral_approve, referral_create, referral_return
from org.models import OfficeMembership, OfficeRole, User
from org.vocabulary import Benefit, ProtectionLevel
from portfolio.models import FlagCode, PortfolioFlag
from portfolio.services.flags import flags_refresh
from providers.models import CapacityReport, Offering, ProgrammeType, ProviderApiToken
from providers.services import api_token_create
from tests.conftest import Personas
from tests.factories import PersonFactory, UserFactory
from tests.intake.review_world import JUSTIFICATION, programme, ready_person, submitted
from tests.providers.support import offering_with_free_places

TRONDHEIM, OSLO = "5001", "0301"

# The persona names the matrix uses, in the order its table shows them.
PERSONA_NAMES = (
    "caseworker_a",
    "caseworker_b",
    "intake_x",
    "intake_y",
    "provider_user_p",
    "provider_user_q",
    "office_leader_a",
    "county_leader_x",
    "admin",
    "anonymous",
)


@dataclass
class World:
    personas: Personas
    aft: ProgrammeType
    caseworker_y: User  # Oslo has no persona; someone has to write its referrals

    # Persons, each with a referral of its own (one open referral per programme type).
    person_a: Person  # office A, referral in review, documents with a PDF
    person_b: Person  # office B, referral in review, documents with a PDF
    person_y: Person  # office Y, referral in review, documents with a PDF
    person_a_protected: Person  # office A, kode 6, referral in review: nobody here may see it
    person_a_draft: Person
    person_a_returned: Person
    person_a_waiting: Person
    person_a_placed: Person
    person_y_waiting: Person
    person_y_placed: Person

    in_review_a: Referral
    in_review_b: Referral
    in_review_y: Referral
    in_review_a_protected: Referral
    draft_a: Referral
    returned_a: Referral
    waiting_a: Referral
    waiting_y: Referral
    placed_a: Referral
    placed_y: Referral

    attachment_a: DocumentAttachment
    attachment_b: DocumentAttachment
    attachment_y: DocumentAttachment

    offering_p: Offering  # provider P, Trondheim (county X)
    offering_q: Offering  # provider Q, Oslo (county Y)
    report_p: CapacityReport
    report_q: CapacityReport
    placement_p: Placement  # person_a_placed at P
    placement_q: Placement  # person_y_placed at Q
    proposal_x: MatchProposal  # waiting_a proposed for P
    proposal_y: MatchProposal  # waiting_y proposed for Q

    flag_a: PortfolioFlag  # each on a person of its own, raised by the flag job
    flag_b: PortfolioFlag
    flag_y: PortfolioFlag

    batch_x: ImportBatch  # a checked waitlist import of county X, one row naming waiting_a
    batch_y: ImportBatch
    token_p: ProviderApiToken
    token_q: ProviderApiToken
    key_p: str
    key_q: str
    staff_tokens: dict[str, str] = field(default_factory=dict)  # DRF Token per persona

    def user(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self.personas, name)

    def everyone(self) -> list[Person]:
        persons = [value for value in vars(self).values() if isinstance(value, Person)]
        return persons + [f.person for f in (self.flag_a, self.flag_b, self.flag_y)]

    def visible_to(self, persona: str) -> set[int]:
        """The persons whose name the persona may see somewhere (DOMAIN.md section 2): the
        persons of their offices or county (caseworkers, leaders), those with a submitted
        referral in their county (intake team), those given a place at their offerings
        (provider). A protected person is visible to nobody here: no persona has clearance."""
        office_a = {p.pk for p in self.everyone() if p.office_id == self.personas.office_a.pk}
        office_b = {p.pk for p in self.everyone() if p.office_id == self.personas.office_b.pk}
        in_county = {
            "50": {
                r.person_id
                for r in (
                    self.in_review_a,
                    self.in_review_b,
                    self.returned_a,
                    self.waiting_a,
                    self.placed_a,
                )
            },
            "03": {r.person_id for r in (self.in_review_y, self.waiting_y, self.placed_y)},
        }
        seen: set[int] = {
            "caseworker_a": office_a,
            "office_leader_a": office_a,
            "caseworker_b": office_b,
            "county_leader_x": office_a | office_b,
            "intake_x": in_county["50"],
            "intake_y": in_county["03"],
            "provider_user_p": {self.person_a_placed.pk},
            "provider_user_q": {self.person_y_placed.pk},
        }.get(persona, set())
        return seen - {self.person_a_protected.pk}

    def may_see_fodselsnummer(self, persona: str) -> bool:
        """Providers never see a fødselsnummer, not even of their own participants."""
        return persona not in ("provider_user_p", "provider_user_q")


_WORDS = [
    *("Alfa", "Bravo", "Charlie", "Delta", "Ekko", "Foxtrot", "Golf", "Hotell", "India"),
    *("Juliett", "Kilo", "Lima", "Mike", "November", "Oscar", "Papa", "Quebec", "Romeo"),
    *("Sierra", "Tango", "Uniform", "Victor", "Whiskey", "Xray", "Yankee", "Zulu"),
]
_names = itertools.count()


def _name() -> dict[str, str]:
    """A last name no other person has, and that is no part of another: two words from a list
    where no word begins another."""
    n = next(_names)
    first, second = _WORDS[n % len(_WORDS)], _WORDS[n // len(_WORDS) % len(_WORDS)]
    return {"first_name": "Kari", "last_name": f"Matrise{first}{second}"}


def _pdf(person: Person, actor: User) -> DocumentAttachment:
    upload = SimpleUploadedFile("cv.pdf", b"%PDF-1.4\n%matrise\n", "application/pdf")
    cv = cv_save(
        actor=actor,
        person_id=person.pk,
        last_updated=timezone.localdate() - datetime.timedelta(days=20),
        attachment=upload,
    )
    assert cv.attachment is not None
    return cv.attachment


def _approved(caseworker: User, intake: User, **person: Any) -> Referral:
    referral = submitted(caseworker, ready_person(caseworker=caseworker, **_name(), **person))
    return referral_approve(
        actor=intake, referral_id=referral.pk, expected_version=referral.version
    )


def _flagged(office: Any, caseworker: User) -> PortfolioFlag:
    person = PersonFactory.create(
        office=office,
        caseworker=caseworker,
        home_municipality_id=TRONDHEIM if office.county_id == "50" else OSLO,
        job_seeker_since=timezone.localdate() - datetime.timedelta(days=300),
        benefit=Benefit.DAGPENGER,
        **_name(),
    )
    flags_refresh(person_ids=[person.pk])
    return PortfolioFlag.objects.get(person=person, code=FlagCode.LANGTIDSLEDIG)


def _import_batch(team: User, county: str, waiting: Referral) -> ImportBatch:
    """A checked import whose one row is a person already waiting (issue 8)."""
    person = waiting.person
    content = f"Navn;Tiltak;Dato\r\n{person.last_name}, {person.first_name};AFT;01.01.2026\r\n"
    batch = ImportBatch.objects.create(
        kind=ImportKind.VENTELISTE,
        county_id=county,
        filename="venteliste.csv",
        content=content.encode(),
        size=len(content.encode()),
        sha256="0" * 64,
        uploaded_by=team,
        columns=["Navn", "Tiltak", "Dato"],
        mapping={"name": "Navn", "programme_type": "Tiltak", "referred_on": "Dato"},
        status=BatchStatus.KONTROLLERT,
        summary={"rows": 1, "already_in_inntak": 1, "errors": 0},
        checked_at=timezone.now(),
    )
    ImportRow.objects.create(
        batch=batch,
        line=2,
        outcome=RowOutcome.DUPLIKAT_FINNES,
        new_person=False,
        person=person,
        shown={"name": f"{person.last_name}, {person.first_name}", "programme_type": "AFT"},
    )
    return batch


def build_world(personas: Personas) -> World:
    """Build the world. Attachments go to whatever storage the caller has set up."""
    p = personas
    aft = programme("ARBFORB")
    caseworker_y = UserFactory.create(username="caseworker_y", first_name="Oslo")
    OfficeMembership.objects.create(user=caseworker_y, office=p.office_y, role=OfficeRole.VEILEDER)
    oslo = {"office": p.office_y, "home_municipality_id": OSLO}

    in_review_a = submitted(p.caseworker_a, ready_person(caseworker=p.caseworker_a, **_name()))
    in_review_b = submitted(
        p.caseworker_b, ready_person(office=p.office_b, caseworker=p.caseworker_b, **_name())
    )
    in_review_y = submitted(caseworker_y, ready_person(caseworker=caseworker_y, **oslo, **_name()))
    in_review_a_protected = submitted(
        p.caseworker_a,
        ready_person(
            caseworker=p.caseworker_a,
            protection_level=ProtectionLevel.STRENGT_FORTROLIG,
            **_name(),
        ),
    )
    attachment_a = _pdf(in_review_a.person, p.caseworker_a)
    attachment_b = _pdf(in_review_b.person, p.caseworker_b)
    attachment_y = _pdf(in_review_y.person, caseworker_y)

    draft_a = referral_create(
        actor=p.caseworker_a,
        person=ready_person(caseworker=p.caseworker_a, **_name()),
        programme_type=aft,
        justification=JUSTIFICATION,
    )
    returned = submitted(p.caseworker_a, ready_person(caseworker=p.caseworker_a, **_name()))
    returned_a = referral_return(
        actor=p.intake_x,
        referral_id=returned.pk,
        expected_version=returned.version,
        reasons=["CV_UTDATERT"],
        comment="Oppdater CV-en og send inn på nytt.",
    )
    waiting_a = _approved(p.caseworker_a, p.intake_x)
    placed_a = _approved(p.caseworker_a, p.intake_x)
    waiting_y = _approved(caseworker_y, p.intake_y, **oslo)
    placed_y = _approved(caseworker_y, p.intake_y, **oslo)

    offering_p = offering_with_free_places(
        p.provider_p, p.provider_user_p, contracted=10, free=3, municipality_id=TRONDHEIM
    )
    offering_q = offering_with_free_places(
        p.provider_q, p.provider_user_q, contracted=10, free=3, municipality_id=OSLO
    )
    placement_p = placement_assign(
        actor=p.intake_x, referral_id=placed_a.pk, offering_id=offering_p.pk
    )
    placement_q = placement_assign(
        actor=p.intake_y, referral_id=placed_y.pk, offering_id=offering_q.pk
    )
    for county in ("50", "03"):
        matching_run(
            county_number=county, programme_type_id=aft.pk, trigger=MatchingTrigger.NATTLIG
        )
    open_proposals = MatchProposal.objects.filter(status=ProposalStatus.FORESLATT)

    token_p, key_p = api_token_create(
        actor=p.provider_user_p, provider_id=p.provider_p.pk, name="Fagsystem P"
    )
    token_q, key_q = api_token_create(
        actor=p.provider_user_q, provider_id=p.provider_q.pk, name="Fagsystem Q"
    )
    staff_tokens = {
        name: Token.objects.get_or_create(user=getattr(p, name))[0].key
        for name in PERSONA_NAMES
        if name != "anonymous"
    }

    def fresh(obj: Any) -> Any:
        obj.refresh_from_db()
        return obj

    return World(
        personas=p,
        aft=aft,
        caseworker_y=caseworker_y,
        person_a=in_review_a.person,
        person_b=in_review_b.person,
        person_y=in_review_y.person,
        person_a_protected=in_review_a_protected.person,
        person_a_draft=draft_a.person,
        person_a_returned=returned_a.person,
        person_a_waiting=waiting_a.person,
        person_a_placed=placed_a.person,
        person_y_waiting=waiting_y.person,
        person_y_placed=placed_y.person,
        in_review_a=fresh(in_review_a),
        in_review_b=fresh(in_review_b),
        in_review_y=fresh(in_review_y),
        in_review_a_protected=fresh(in_review_a_protected),
        draft_a=fresh(draft_a),
        returned_a=fresh(returned_a),
        waiting_a=fresh(waiting_a),
        waiting_y=fresh(waiting_y),
        placed_a=fresh(placed_a),
        placed_y=fresh(placed_y),
        attachment_a=attachment_a,
        attachment_b=attachment_b,
        attachment_y=attachment_y,
        offering_p=fresh(offering_p),
        offering_q=fresh(offering_q),
        report_p=CapacityReport.objects.filter(offering=offering_p).latest("pk"),
        report_q=CapacityReport.objects.filter(offering=offering_q).latest("pk"),
        placement_p=fresh(placement_p),
        placement_q=fresh(placement_q),
        proposal_x=open_proposals.get(county_id="50", referral=waiting_a),
        proposal_y=open_proposals.get(county_id="03", referral=waiting_y),
        flag_a=_flagged(p.office_a, p.caseworker_a),
        flag_b=_flagged(p.office_b, p.caseworker_b),
        flag_y=_flagged(p.office_y, caseworker_y),
        batch_x=_import_batch(p.intake_x, "50", waiting_a),
        batch_y=_import_batch(p.intake_y, "03", waiting_y),
        token_p=token_p,
        token_q=token_q,
        key_p=key_p,
        key_q=key_q,
        staff_tokens=staff_tokens,
    )
