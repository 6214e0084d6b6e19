"""Registering and editing persons, and their documents (CV, work-capacity assessment,
activity plan, with an optional PDF each)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import fodselsnummer as fnr

from config.errors import ApplicationError
from intake.models import CV, ActivityPlan, DocumentAttachment, Person, WorkCapacityAssessment
from intake.signals import person_changed
from org.access import scope_for
from org.models import User
from org.vocabulary import Benefit, CompetenceTag

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

# Fields a caseworker sets on a person (the fødselsnummer only at registration).
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "home_municipality_id",
    "office_id",
    "need_group",
    "need_group_decided_on",
    "benefit",
    "aap_maksdato",
    "education_level",
    "country_background",
    "job_seeker_since",
    "needs",
    "max_travel_km",
    "protection_level",
)


def fodselsnummer_clean(value: str) -> str:
    """The 11 digits of a valid fødselsnummer or D-number, or a clear error."""
    compact = fnr.compact(value or "")
    try:
        return str(fnr.validate(compact))
    except StdnumError:
        raise ApplicationError(
            _("Fødselsnummeret er ikke gyldig. Sjekk at du har skrevet alle 11 sifrene riktig."),
            code="INVALID_FODSELSNUMMER",
            fields={"fodselsnummer": [_("Ugyldig fødselsnummer.")]},
        ) from None


def _not_in_future(day: datetime.date | None, field: str, label: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ApplicationError(
            _("%(label)s kan ikke være en dato fram i tid.") % {"label": label},
            code="DATE_IN_FUTURE",
            fields={field: [_("Datoen kan ikke være fram i tid.")]},
        )


def _check_person_values(values: dict[str, Any]) -> None:
    _not_in_future(values.get("need_group_decided_on"), "need_group_decided_on", _("Vedtaksdato"))
    _not_in_future(values.get("job_seeker_since"), "job_seeker_since", _("Arbeidssøker fra"))
    if values.get("aap_maksdato") and values.get("benefit") != Benefit.AAP:
        raise ApplicationError(
            _("Maksdato gjelder bare for arbeidsavklaringspenger (AAP)."),
            code="MAKSDATO_WITHOUT_AAP",
            fields={"aap_maksdato": [_("Maksdato gjelder bare for AAP.")]},
        )
    unknown = [n for n in values.get("needs", []) if n not in CompetenceTag.values]
    if unknown:
        raise ApplicationError(
            _("Ukjent behov: %(codes)s.") % {"codes": ", ".join(unknown)},
            code="UNKNOWN_NEED",
            fields={"needs": [_("Ukjent behov.")]},
        )


def _require_office(actor: User, office_id: int) -> None:
    if not scope_for(actor).may_work_for_office(office_id):
        raise ApplicationError(
            _("Du kan bare registrere og endre brukere ved kontor der du er veileder."),
            code="FORBIDDEN",
            fields={"office_id": [_("Velg et kontor der du er veileder.")]},
        )


def person_create(*, actor: User, fodselsnummer: str, **values: Any) -> Person:
    number = fodselsnummer_clean(fodselsnummer)
    _require_office(actor, values["office_id"])
    _check_person_values(values)
    unknown = set(values) - set(PERSON_FIELDS) - {"excluded_provider_ids"}
    if unknown:
        raise ApplicationError(_("Ukjente felt."), code="UNKNOWN_FIELDS")
    excluded = values.pop("excluded_provider_ids", [])
    if Person.objects.filter(fodselsnummer=number).exists():
        raise _already_registered()
    try:
        with transaction.atomic():
            person = Person.objects.create(
                fodselsnummer=number,
                birth_date=fnr.get_birth_date(number),
                caseworker=actor,
                **values,
            )
            person.excluded_providers.set(excluded)
            person_changed.send(sender=Person, person_id=person.pk)
    except IntegrityError:
        if Person.objects.filter(fodselsnummer=number).exists():
            raise _already_registered() from None
        raise
    return person


def _already_registered() -> ApplicationError:
    return ApplicationError(
        _(
            "Det finnes allerede en bruker med dette fødselsnummeret. Søk den opp i stedet for "
            "å registrere den på nytt."
        ),
        code="FODSELSNUMMER_EXISTS",
        fields={"fodselsnummer": [_("Brukeren er allerede registrert.")]},
    )


def _lock_person(actor: User, person_id: int, expected_version: int | None) -> Person:
    person = (
        Person.objects.select_for_update(of=("self",), no_key=True).filter(pk=person_id).first()
    )
    if person is None or not scope_for(actor).may_work_for_office(person.office_id):
        raise ApplicationError(_("Fant ikke brukeren."), code="NOT_FOUND")
    if expected_version is not None and person.version != expected_version:
        raise ApplicationError(
            _(
                "Brukeren er endret av noen andre etter at du åpnet siden. Det du skrev er ikke "
                "lagret: last siden på nytt og prøv igjen."
            ),
            code="STALE",
        )
    # Every write to a person or their documents locks the person here: announce it once
    # (receivers act after commit, so a refused change announces nothing that happened).
    person_changed.send(sender=Person, person_id=person.pk)
    return person


@transaction.atomic
def person_update(
    *, actor: User, person_id: int, expected_version: int | None, **values: Any
) -> Person:
    person = _lock_person(actor, person_id, expected_version)
    unknown = set(values) - set(PERSON_FIELDS) - {"excluded_provider_ids"}
    if unknown:
        raise ApplicationError(_("Ukjente felt."), code="UNKNOWN_FIELDS")
    excluded = values.pop("excluded_provider_ids", None)
    if "office_id" in values:
        _require_office(actor, values["office_id"])
    merged = {name: getattr(person, name) for name in PERSON_FIELDS} | values
    _check_person_values(merged)
    for name, value in values.items():
        setattr(person, name, value)
    person.version += 1
    person.save()
    if excluded is not None:
        person.excluded_providers.set(excluded)
    return person


def _attachment(actor: User, upload: UploadedFile | None) -> DocumentAttachment | None:
    """Store an uploaded PDF, checked by its content (not its name or declared type)."""
    if upload is None:
        return None
    if upload.size is None or upload.size > MAX_ATTACHMENT_BYTES:
        raise ApplicationError(
            _("Vedlegget er for stort. Største tillatte størrelse er 10 MB."),
            code="ATTACHMENT_TOO_LARGE",
            fields={"attachment": [_("Filen er større enn 10 MB.")]},
        )
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise ApplicationError(
            _("Vedlegget må være en PDF-fil."),
            code="ATTACHMENT_NOT_PDF",
            fields={"attachment": [_("Filen er ikke en PDF.")]},
        )
    attachment = DocumentAttachment(
        original_name=(upload.name or "dokument.pdf")[-200:],
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save("document.pdf", upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def cv_save(
    *,
    actor: User,
    person_id: int,
    last_updated: datetime.date,
    attachment: UploadedFile | None = None,
) -> CV:
    person = _lock_person(actor, person_id, None)
    _not_in_future(last_updated, "last_updated", _("Dato for CV"))
    cv, _created = CV.objects.get_or_create(person=person, defaults={"last_updated": last_updated})
    cv.last_updated = last_updated
    stored = _attachment(actor, attachment)
    if stored is not None:
        cv.attachment = stored
    cv.save()
    return cv


@transaction.atomic
def assessment_add(
    *,
    actor: User,
    person_id: int,
    assessed_on: datetime.date,
    reduced_capacity: bool,
    need_group: str,
    attachment: UploadedFile | None = None,
) -> WorkCapacityAssessment:
    person = _lock_person(actor, person_id, None)
    _not_in_future(assessed_on, "assessed_on", _("Dato for arbeidsevnevurderingen"))
    return WorkCapacityAssessment.objects.create(
        person=person,
        assessed_on=assessed_on,
        reduced_capacity=reduced_capacity,
        need_group=need_group,
        attachment=_attachment(actor, attachment),
    )


@transaction.atomic
def activity_plan_save(
    *,
    actor: User,
    person_id: int,
    goal: str,
    approved: bool,
    last_updated: datetime.date,
    planned_activities: str = "",
    attachment: UploadedFile | None = None,
) -> ActivityPlan:
    person = _lock_person(actor, person_id, None)
    _not_in_future(last_updated, "last_updated", _("Dato for aktivitetsplanen"))
    if approved and not goal.strip():
        raise ApplicationError(
            _("En godkjent aktivitetsplan må ha et mål. Skriv inn brukerens hovedmål."),
            code="PLAN_WITHOUT_GOAL",
            fields={"goal": [_("Skriv inn et mål.")]},
        )
    plan, _created = ActivityPlan.objects.get_or_create(
        person=person, defaults={"last_updated": last_updated}
    )
    plan.goal = goal.strip()
    plan.approved = approved
    plan.last_updated = last_updated
    plan.planned_activities = planned_activities.strip()
    stored = _attachment(actor, attachment)
    if stored is not None:
        plan.attachment = stored
    plan.save()
    return plan
