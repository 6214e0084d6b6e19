"""A world around three protected persons (kode 6, kode 7, skjermet), for the tests that prove
nobody without the clearance can learn anything about them.

Each protected person has a name, a birth date and a home municipality found nowhere else in
the world (no other person, office or offering is in that municipality), documents with PDF
attachments (whose file name and content carry the name, as real uploads do), referrals in
every state (draft, submitted, returned, on the waitlist, given a place at provider P, started,
ended, and a place not taken up), a portfolio flag, and notifications and emails about all of
it. Ordinary persons wait around them, and a real matching run has been made over the list they
wait on. Everything is made through the services, by users with the clearance, the way the
application itself would make it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from imports.models import ImportBatch
from intake.models import (
    CountyIntakeSettings,
    DocumentAttachment,
    MatchingRun,
    MatchingTrigger,
    Person,
    Placement,
    Referral,
)
from intake.services.matching import RunResult, matching_run
from intake.services.persons import activity_plan_save, assessment_add, cv_save
from intake.services.placements import (
    placement_end,
    placement_not_started,
    placement_start,
)
from intake.services.referrals import (
    referral_approve,
    referral_create,
    referral_return,
    referral_submit,
)
from org.models import CountyMembership, CountyRole, OfficeMembership, OfficeRole, User
from org.vocabulary import Benefit, NeedGroup, ProtectionLevel
from portfolio.models import PortfolioFlag
from portfolio.services.flags import flags_refresh
from providers.models import Offering, ProgrammeType
from providers.services import api_token_create
from tests.conftest import Personas
from tests.factories import PersonFactory, UserFactory, make_fodselsnummer
from tests.imports.support import checked_import
from tests.intake.review_world import JUSTIFICATION
from tests.providers.support import offering_with_free_places, placed, waiting_referral

# Municipalities of Trøndelag (50) where nobody else in the world lives and no office or
# offering is, and whose names are in no office's name. The controls are their neighbours in
# number, equally empty: a page listing every municipality of the county (a filter's choices,
# the admin) shows a control as often as a protected person's municipality, so a municipality
# name shown more often than its controls is a leak.
CONTROL_MUNICIPALITIES = {"5043": "Raarvihke - Røyrvik", "5045": "Grong"}


@dataclass(frozen=True)
class Identity:
    """What a protected person must never be recognised by."""

    level: str
    first_name: str
    last_name: str
    birth_date: datetime.date
    municipality: str  # number
    municipality_name: str


IDENTITIES = (
    Identity(
        ProtectionLevel.STRENGT_FORTROLIG,
        "Tordis",
        "Vinjevoll",
        datetime.date(1961, 7, 23),
        "5042",
        "Lierne",
    ),
    Identity(
        ProtectionLevel.FORTROLIG,
        "Halvard",
        "Brekkvassli",
        datetime.date(1963, 2, 19),
        "5044",
        "Namsskogan",
    ),
    Identity(
        ProtectionLevel.SKJERMET,
        "Sylvi",
        "Ekornrud",
        datetime.date(1967, 11, 6),
        "5046",
        "Høylandet",
    ),
)


@dataclass
class ProtectedPerson:
    identity: Identity
    person: Person
    referrals: dict[str, Referral] = field(default_factory=dict)  # by the state made
    placements: dict[str, Placement] = field(default_factory=dict)
    attachments: list[DocumentAttachment] = field(default_factory=list)
    flags: list[PortfolioFlag] = field(default_factory=list)

    @property
    def secrets(self) -> list[str]:
        """Strings that identify the person: none may be in an uncleared user's response."""
        person, born = self.person, self.identity.birth_date
        return [
            person.first_name,
            person.last_name,
            person.fodselsnummer,
            f"{person.fodselsnummer[:6]} {person.fodselsnummer[6:]}",
            f"{born:%d.%m.%Y}",
            born.isoformat(),
        ]


@dataclass
class ProtectedWorld:
    personas: Personas
    cleared_caseworker: User  # Nav Midtbyen, every clearance
    cleared_intake: User  # Trøndelag's intake team, every clearance
    fortrolig_caseworker: User  # Nav Midtbyen, kode 7 only
    protected: list[ProtectedPerson]
    ordinary: list[Person]
    offerings: dict[str, Offering]  # by programme type code, all at provider P
    offering_q: Offering
    ordinary_placements: list[Placement]
    run: RunResult
    programme_types: dict[str, ProgrammeType]
    import_batch: ImportBatch  # checked by the cleared team member, naming everyone


def _pdf(name: str, person: Person) -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% {person.first_name} {person.last_name} {person.fodselsnummer}\n"
    return SimpleUploadedFile(name, body.encode(), "application/pdf")


def _cleared_user(username: str, **clearances: bool) -> User:
    return UserFactory.create(
        username=username,
        first_name="Klarert",
        last_name=username.replace("_", " ").title(),
        email=f"{username}@nav.test",
        **clearances,
    )


def _imported_list(
    team: User, protected: list[ProtectedPerson], ordinary: list[Person]
) -> ImportBatch:
    """The county's old list, naming everyone, checked by a team member with clearance
    (issue 8): others of the team must see the protected persons' rows masked."""
    lines = ["Fødselsnummer;Navn;NAV-kontor;Tiltak;Henvist dato;Merknad"]
    for person in [pp.person for pp in protected] + ordinary:
        lines.append(
            f"{person.fodselsnummer};{person.last_name}, {person.first_name};"
            f"{person.office.name};AFT;01.01.2026;"
        )
    return checked_import(team, lines)


def build_protected_world(personas: Personas) -> ProtectedWorld:
    """Build the world. Call it inside `django_capture_on_commit_callbacks(execute=True)` so
    that notification emails are sent (to mail.outbox) as after a real commit."""
    p = personas
    for user in (
        p.caseworker_a,
        p.caseworker_b,
        p.office_leader_a,
        p.intake_x,
        p.intake_y,
        p.county_leader_x,
        p.provider_user_p,
        p.provider_user_q,
        p.admin,
    ):
        user.email = f"{user.username}@nav.test"
        user.save(update_fields=["email"])
    all_clearances = {
        "may_see_fortrolig": True,
        "may_see_strengt_fortrolig": True,
        "may_see_skjermet": True,
    }
    cleared_caseworker = _cleared_user("veileder_klarert", **all_clearances)
    OfficeMembership.objects.create(
        user=cleared_caseworker, office=p.office_a, role=OfficeRole.VEILEDER
    )
    cleared_intake = _cleared_user("inntak_klarert", **all_clearances)
    CountyMembership.objects.create(
        user=cleared_intake, county=p.county_x, role=CountyRole.INNTAKSTEAM
    )
    fortrolig_caseworker = _cleared_user("veileder_kode7", may_see_fortrolig=True)
    OfficeMembership.objects.create(
        user=fortrolig_caseworker, office=p.office_a, role=OfficeRole.VEILEDER
    )
    # Far-away homes must still be within reach, so that only the protection keeps the
    # protected person on the waitlist out of the matching.
    CountyIntakeSettings.objects.update_or_create(
        county=p.county_x, defaults={"max_travel_km": 900}
    )

    codes = ["ARBFORB", "VASV", "APS", "AVKLARAG", "INDOPPFAG", "ARBRRHDAG", "JOBBK", "GRUPPEAMO"]
    types = {code: ProgrammeType.objects.get(code=code) for code in codes}
    offerings = {
        code: offering_with_free_places(
            p.provider_p,
            p.provider_user_p,
            contracted=20,
            free=8,
            programme_type=types[code],
            name=f"{types[code].short_name} hos Prima",
        )
        for code in ("ARBFORB", "VASV", "APS", "INDOPPFAG", "ARBRRHDAG")
    }
    api_token_create(actor=p.provider_user_p, provider_id=p.provider_p.pk, name="Fagsystem")
    offering_q = offering_with_free_places(
        p.provider_q, p.provider_user_q, free=2, programme_type=types["APS"], name="APS hos Kvarts"
    )

    today = timezone.localdate()
    protected: list[ProtectedPerson] = []
    for identity in IDENTITIES:
        person = PersonFactory.create(
            first_name=identity.first_name,
            last_name=identity.last_name,
            birth_date=identity.birth_date,
            fodselsnummer=make_fodselsnummer(identity.birth_date),
            home_municipality_id=identity.municipality,
            office=p.office_a,
            caseworker=p.caseworker_a,
            protection_level=identity.level,
            need_group=NeedGroup.VARIG_TILPASSET_INNSATS,
            need_group_decided_on=today - datetime.timedelta(days=900),
            benefit=Benefit.DAGPENGER,
            job_seeker_since=today - datetime.timedelta(days=800),
        )
        entry = ProtectedPerson(identity, person)
        file_name = f"{identity.last_name}-{identity.first_name}"
        for document in (
            cv_save(
                actor=cleared_caseworker,
                person_id=person.pk,
                last_updated=today - datetime.timedelta(days=20),
                attachment=_pdf(f"cv-{file_name}.pdf", person),
            ),
            assessment_add(
                actor=cleared_caseworker,
                person_id=person.pk,
                assessed_on=today - datetime.timedelta(days=40),
                reduced_capacity=True,
                need_group=NeedGroup.VARIG_TILPASSET_INNSATS,
                attachment=_pdf(f"aev-{file_name}.pdf", person),
            ),
            activity_plan_save(
                actor=cleared_caseworker,
                person_id=person.pk,
                goal="Komme i arbeid som lagermedarbeider",
                approved=True,
                last_updated=today - datetime.timedelta(days=5),
                attachment=_pdf(f"plan-{file_name}.pdf", person),
            ),
        ):
            assert document.attachment is not None
            entry.attachments.append(document.attachment)
        # Flags first: a referral closes some of them at the next refresh.
        flags_refresh(person_ids=[person.pk])
        entry.flags = list(PortfolioFlag.objects.filter(person=person))
        assert entry.flags, "the protected person should have a portfolio flag"

        def new(code: str, person: Person = person) -> Referral:
            return referral_create(
                actor=cleared_caseworker,
                person=person,
                programme_type=types[code],
                justification=JUSTIFICATION,
            )

        def submit(code: str) -> Referral:
            draft = new(code)
            return referral_submit(
                actor=cleared_caseworker, referral_id=draft.pk, expected_version=draft.version
            )

        def waiting(code: str) -> Referral:
            sent = submit(code)
            approved = referral_approve(
                actor=cleared_intake, referral_id=sent.pk, expected_version=sent.version
            )
            # They have waited longer than anyone: first in line for any free place.
            since = timezone.now() - datetime.timedelta(days=400)
            Referral.objects.filter(pk=approved.pk).update(waitlisted_at=since, queue_since=since)
            approved.refresh_from_db()
            return approved

        entry.referrals["KLADD"] = new("JOBBK")
        entry.referrals["SOKT_INN"] = submit("GRUPPEAMO")
        sent = submit("AVKLARAG")
        entry.referrals["RETURNERT"] = referral_return(
            actor=cleared_intake,
            referral_id=sent.pk,
            expected_version=sent.version,
            reasons=["BEGRUNNELSE_MANGELFULL"],
            comment="Begrunnelsen må si mer om behovet.",
        )
        entry.referrals["VENTELISTE"] = waiting("ARBFORB")
        tildelt = placed(offerings["APS"], cleared_intake, waiting("APS"))
        entry.placements["TILDELT"] = tildelt
        deltar = placed(offerings["VASV"], cleared_intake, waiting("VASV"))
        entry.placements["DELTAR"] = placement_start(
            actor=p.provider_user_p, placement_id=deltar.pk, started_on=today
        )
        ended = placed(offerings["INDOPPFAG"], cleared_intake, waiting("INDOPPFAG"))
        placement_start(
            actor=p.provider_user_p,
            placement_id=ended.pk,
            started_on=today - datetime.timedelta(days=10),
        )
        entry.placements["AVSLUTTET"] = placement_end(
            actor=p.provider_user_p,
            placement_id=ended.pk,
            ended_on=today,
            reason="FATT_JOBB",
            outcome="ARBEID",
        )
        not_taken = placed(offerings["ARBRRHDAG"], cleared_intake, waiting("ARBRRHDAG"))
        entry.placements["IKKE_STARTET"] = placement_not_started(
            actor=p.provider_user_p, placement_id=not_taken.pk, reason="IKKE_MOTT"
        )
        for state, placement in entry.placements.items():
            entry.referrals[f"PLASS_{state}"] = Referral.objects.get(pk=placement.referral_id)
        protected.append(entry)

    # Ordinary people around them: waiting for the same places, placed with P and Q.
    ordinary: list[Person] = []
    for index, office in enumerate((p.office_a, p.office_a, p.office_b, p.office_b)):
        referral = waiting_referral(
            office=office,
            days=30 + index,
            first_name="Vanlig",
            last_name=f"Venter {index}",
            caseworker=p.caseworker_a if office == p.office_a else p.caseworker_b,
            need_group=NeedGroup.VARIG_TILPASSET_INNSATS,
        )
        ordinary.append(referral.person)
    ordinary_placements = []
    for offering, last_name in ((offering_q, "Deltaker Q"), (offerings["APS"], "Deltaker P")):
        referral = waiting_referral(first_name="Vanlig", last_name=last_name)
        Referral.objects.filter(pk=referral.pk).update(programme_type=types["APS"])
        ordinary_placements.append(placed(offering, p.intake_x, referral))
    ordinary += [pl.referral.person for pl in ordinary_placements]

    run = matching_run(
        county_number="50",
        programme_type_id=types["ARBFORB"].pk,
        trigger=MatchingTrigger.MANUELL,
        actor=cleared_intake,
    )
    if run.run is None:  # the capacity reports' own run already saw the same inputs
        run = RunResult(MatchingRun.objects.filter(county_id="50").first(), created=False)
    return ProtectedWorld(
        import_batch=_imported_list(cleared_intake, protected, ordinary),
        personas=p,
        cleared_caseworker=cleared_caseworker,
        cleared_intake=cleared_intake,
        fortrolig_caseworker=fortrolig_caseworker,
        protected=protected,
        ordinary=ordinary,
        offerings=offerings,
        offering_q=offering_q,
        ordinary_placements=ordinary_placements,
        run=run,
        programme_types=types,
    )
