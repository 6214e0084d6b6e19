"""Writes of the providers app: providers, offerings, capacity reports, API keys."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import orgnr as orgnr_check

from config.errors import ApplicationError
from org.access import scope_for
from org.models import Provider, User
from org.vocabulary import CompetenceTag
from providers.models import (
    CapacityReport,
    Offering,
    OfferingClosedPeriod,
    ProviderApiToken,
    ReportChannel,
)
from providers.signals import capacity_reported

# How far back a "free from" date may lie: a report is about places free now or soon.
FREE_FROM_MAX_DAYS_BACK = 14
FREE_FROM_MAX_DAYS_AHEAD = 366


def orgnr_clean(value: str) -> str:
    try:
        return str(orgnr_check.validate(orgnr_check.compact(value or "")))
    except StdnumError:
        raise ApplicationError(
            _(
                "Organisasjonsnummeret er ikke gyldig. Sjekk at du har skrevet alle 9 sifrene "
                "riktig."
            ),
            code="INVALID_ORGNR",
            fields={"orgnr": [_("Ugyldig organisasjonsnummer.")]},
        ) from None


def _require_admin_or_intake(actor: User, county_number: str | None = None) -> None:
    scope = scope_for(actor)
    if scope.is_admin:
        return
    if county_number is None and scope.intake_county_numbers:
        return
    if county_number is not None and scope.may_review_for_county(county_number):
        return
    raise ApplicationError(
        _("Bare administratorer og fylkets inntaksteam kan endre tiltak og arrangører."),
        code="FORBIDDEN",
    )


def provider_create(*, actor: User, name: str, orgnr: str) -> Provider:
    _require_admin_or_intake(actor)
    number = orgnr_clean(orgnr)
    name = name.strip()
    if not name:
        raise ApplicationError(
            _("Skriv inn arrangørens navn."), code="REQUIRED", fields={"name": [_("Påkrevd.")]}
        )
    try:
        with transaction.atomic():
            return Provider.objects.create(name=name, orgnr=number)
    except IntegrityError:
        raise ApplicationError(
            _("Det finnes allerede en arrangør med dette organisasjonsnummeret."),
            code="ORGNR_EXISTS",
            fields={"orgnr": [_("Allerede registrert.")]},
        ) from None


def _check_offering_values(values: dict[str, Any]) -> None:
    tags = values.get("competence_tags", [])
    unknown = [t for t in tags if t not in CompetenceTag.values]
    if unknown:
        raise ApplicationError(
            _("Ukjent kompetanse: %(codes)s.") % {"codes": ", ".join(unknown)},
            code="UNKNOWN_TAG",
            fields={"competence_tags": [_("Ukjent kompetanse.")]},
        )
    places = values.get("contracted_places")
    if places is not None and places < 0:
        raise ApplicationError(
            _("Avtalte plasser kan ikke være negativt."),
            code="NEGATIVE",
            fields={"contracted_places": [_("Må være 0 eller mer.")]},
        )
    starts, ends = values.get("cohort_starts_on"), values.get("cohort_ends_on")
    if starts and ends and ends < starts:
        raise ApplicationError(
            _("Sluttdatoen kan ikke være før oppstartsdatoen."),
            code="DATES_OUT_OF_ORDER",
            fields={"cohort_ends_on": [_("Må være etter oppstart.")]},
        )


OFFERING_FIELDS = (
    "provider_id",
    "programme_type_id",
    "name",
    "municipality_id",
    "contracted_places",
    "start_type",
    "competence_tags",
    "open_for_intake",
    "cohort_starts_on",
    "cohort_ends_on",
)


def _county_of(municipality_id: str) -> str:
    return municipality_id[:2]


def offering_create(*, actor: User, **values: Any) -> Offering:
    _require_admin_or_intake(actor, _county_of(values["municipality_id"]))
    _check_offering_values(values)
    return Offering.objects.create(**{k: v for k, v in values.items() if k in OFFERING_FIELDS})


@transaction.atomic
def offering_update(*, actor: User, offering_id: int, **values: Any) -> Offering:
    offering = Offering.objects.select_for_update(no_key=True).get(pk=offering_id)
    _require_admin_or_intake(actor, _county_of(offering.municipality_id))
    if "municipality_id" in values:
        _require_admin_or_intake(actor, _county_of(values["municipality_id"]))
    _check_offering_values(values)
    in_use = offering.places_assigned + offering.places_occupied + offering.free_places
    if values.get("contracted_places", offering.contracted_places) < in_use:
        raise ApplicationError(
            _(
                "Avtalte plasser kan ikke settes lavere enn %(n)s: så mange er i bruk eller "
                "meldt ledige nå (%(occupied)s deltar, %(assigned)s tildelt, %(free)s ledige)."
            )
            % {
                "n": in_use,
                "occupied": offering.places_occupied,
                "assigned": offering.places_assigned,
                "free": offering.free_places,
            },
            code="BELOW_IN_USE",
            fields={"contracted_places": [_("Lavere enn plasser i bruk.")]},
        )
    for name, value in values.items():
        if name in OFFERING_FIELDS:
            setattr(offering, name, value)
    offering.save()
    return offering


def closed_period_add(
    *,
    actor: User,
    offering_id: int,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str = "",
) -> OfferingClosedPeriod:
    offering = Offering.objects.get(pk=offering_id)
    _require_admin_or_intake(actor, _county_of(offering.municipality_id))
    if ends_on < starts_on:
        raise ApplicationError(
            _("Til-datoen kan ikke være før fra-datoen."),
            code="DATES_OUT_OF_ORDER",
            fields={"ends_on": [_("Må være etter fra-datoen.")]},
        )
    return OfferingClosedPeriod.objects.create(
        offering=offering, starts_on=starts_on, ends_on=ends_on, reason=reason.strip()
    )


def capacity_limit(offering: Offering) -> int:
    """The most places that can be free: contracted, less participants and places given but
    not yet started."""
    return max(0, offering.contracted_places - offering.places_occupied - offering.places_assigned)


def capacity_check(
    offering: Offering, free_places: int, free_from: datetime.date, today: datetime.date
) -> None:
    """The checks every capacity report passes, from the page, the API or an imported sheet:
    not negative, not above `capacity_limit`, "free from" neither too early nor too late.
    Raises ApplicationError with `fields` naming free_places or free_from."""
    if free_places < 0:
        raise ApplicationError(
            _("Antall ledige plasser kan ikke være negativt."),
            code="NEGATIVE",
            fields={"free_places": [_("Må være 0 eller mer.")]},
        )
    limit = capacity_limit(offering)
    if free_places > limit:
        raise ApplicationError(
            _(
                "Dere kan melde høyst %(limit)s ledige plasser: %(contracted)s avtalte "
                "plasser, minus %(occupied)s deltakere og %(assigned)s som har fått plass "
                "og ikke startet ennå."
            )
            % {
                "limit": limit,
                "contracted": offering.contracted_places,
                "occupied": offering.places_occupied,
                "assigned": offering.places_assigned,
            },
            code="ABOVE_CAPACITY",
            fields={"free_places": [_("Høyst %(limit)s.") % {"limit": limit}]},
        )
    if free_from < today - datetime.timedelta(days=FREE_FROM_MAX_DAYS_BACK):
        raise ApplicationError(
            _(
                "«Ledig fra» kan ikke være mer enn %(days)s dager tilbake i tid. Meld plasser "
                "som er ledige nå eller snart."
            )
            % {"days": FREE_FROM_MAX_DAYS_BACK},
            code="FREE_FROM_TOO_EARLY",
            fields={"free_from": [_("For langt tilbake i tid.")]},
        )
    if free_from > today + datetime.timedelta(days=FREE_FROM_MAX_DAYS_AHEAD):
        raise ApplicationError(
            _("«Ledig fra» kan ikke være mer enn ett år fram i tid."),
            code="FREE_FROM_TOO_LATE",
            fields={"free_from": [_("For langt fram i tid.")]},
        )


def capacity_report(
    *,
    offering_id: int,
    free_places: int,
    free_from: datetime.date,
    note: str = "",
    channel: str = ReportChannel.WEB,
    reported_by: User | None = None,
    provider_id: int | None = None,
    for_county: str | None = None,
    idempotency_key: str = "",
    expected_latest_report_id: int | None = None,
    today: datetime.date | None = None,
) -> CapacityReport:
    """Record "N places free from D" for an offering. `reported_by` (web) or `provider_id`
    (API token) says who: either must own the offering. `for_county` (an import by the
    county's intake team) lets the intake team of that county report for an offering in the
    county instead; the web page never passes it. The same idempotency key twice gives
    the first report back, so a double post or an API retry is one report.
    `expected_latest_report_id` (0: there was none) is the latest report the form was loaded
    with: if someone reported since, the report is refused as stale, checked under the lock."""
    today = today or timezone.localdate()
    with transaction.atomic():
        offering = (
            Offering.objects.select_for_update(of=("self",), no_key=True)
            .select_related("municipality")
            .filter(pk=offering_id)
            .first()
        )
        owner_ok = offering is not None and (
            (
                reported_by is not None
                and offering.provider_id in scope_for(reported_by).provider_ids
            )
            or (provider_id is not None and offering.provider_id == provider_id)
            or (
                for_county is not None
                and reported_by is not None
                and offering.municipality.county_id == for_county
                and scope_for(reported_by).may_review_for_county(for_county)
            )
        )
        if offering is None or not owner_ok:
            # Someone else's offering answers like a missing one: nothing leaks.
            raise ApplicationError(_("Fant ikke gjennomføringen."), code="NOT_FOUND")
        if idempotency_key:
            earlier = CapacityReport.objects.filter(
                offering=offering, idempotency_key=idempotency_key
            ).first()
            if earlier is not None:
                return earlier
        if expected_latest_report_id is not None:
            latest = (
                CapacityReport.objects.filter(offering=offering)
                .order_by("-created_at", "-pk")
                .first()
            )
            if latest is not None and latest.pk != expected_latest_report_id:
                raise ApplicationError(
                    _(
                        "Noen andre meldte ledig kapasitet etter at du åpnet siden: %(free)s "
                        "ledige fra %(date)s. Se over tallene og send på nytt."
                    )
                    % {"free": latest.free_places, "date": latest.free_from.strftime("%d.%m.%Y")},
                    code="STALE",
                )
        capacity_check(offering, free_places, free_from, today)
        report = CapacityReport.objects.create(
            offering=offering,
            free_places=free_places,
            free_from=free_from,
            note=note.strip(),
            reported_by=reported_by,
            channel=channel,
            contracted_places=offering.contracted_places,
            places_assigned=offering.places_assigned,
            places_occupied=offering.places_occupied,
            idempotency_key=idempotency_key,
        )
        previous = offering.free_places
        offering.free_places = free_places
        offering.free_from = free_from
        offering.save(update_fields=["free_places", "free_from"])
        if free_places > previous:
            capacity_reported.send(sender=Offering, offering_id=offering.pk, report_id=report.pk)
    return report


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, actor: User, provider_id: int, name: str) -> tuple[ProviderApiToken, str]:
    """A new API key for the provider; the key itself is returned once and never stored."""
    if provider_id not in scope_for(actor).provider_ids:
        raise ApplicationError(_("Fant ikke arrangøren."), code="NOT_FOUND")
    key = secrets.token_urlsafe(32)
    token = ProviderApiToken.objects.create(
        provider_id=provider_id,
        name=name.strip() or _("API-nøkkel"),
        key_hash=_hash(key),
        prefix=key[:8],
        created_by=actor,
    )
    return token, key


def api_token_revoke(*, actor: User, token_id: int) -> None:
    token = ProviderApiToken.objects.filter(pk=token_id).first()
    if token is None or token.provider_id not in scope_for(actor).provider_ids:
        raise ApplicationError(_("Fant ikke nøkkelen."), code="NOT_FOUND")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_authenticate(key: str) -> ProviderApiToken | None:
    token = (
        ProviderApiToken.objects.select_related("provider")
        .filter(key_hash=_hash(key), revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        ProviderApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
