"""Persons, the documents the quality gate reads, and referrals with their history."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import County, Municipality, Office, Provider
from org.vocabulary import Benefit, CountryBackground, EducationLevel, NeedGroup, ProtectionLevel
from providers.models import ProgrammeType


class Person(models.Model):
    """bruker: a job seeker in an office's portfolio."""

    # The fødselsnummer is personal data: it is never put in a URL, a log line or a task
    # argument; pages and tasks use the primary key.
    fodselsnummer = models.CharField(_("fødselsnummer"), max_length=11, unique=True)
    birth_date = models.DateField(_("fødselsdato"))
    first_name = models.CharField(_("fornavn"), max_length=100)
    last_name = models.CharField(_("etternavn"), max_length=100)
    home_municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("bostedskommune")
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="persons", verbose_name=_("Nav-kontor")
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="portfolio",
        verbose_name=_("veileder"),
    )
    need_group = models.CharField(
        _("innsatsgruppe"), max_length=40, choices=NeedGroup.choices, blank=True
    )
    need_group_decided_on = models.DateField(_("vedtaksdato innsatsgruppe"), null=True, blank=True)
    benefit = models.CharField(
        _("ytelse"), max_length=20, choices=Benefit.choices, default=Benefit.INGEN
    )
    aap_maksdato = models.DateField(_("maksdato AAP"), null=True, blank=True)
    education_level = models.CharField(
        _("utdanning"), max_length=20, choices=EducationLevel.choices, default=EducationLevel.UKJENT
    )
    country_background = models.CharField(
        _("landbakgrunn"),
        max_length=20,
        choices=CountryBackground.choices,
        default=CountryBackground.NORGE,
    )
    job_seeker_since = models.DateField(_("registrert arbeidssøker fra"), null=True, blank=True)
    needs = models.JSONField(_("registrerte behov"), default=list, blank=True)
    max_travel_km = models.PositiveIntegerField(_("maks reiseavstand (km)"), null=True, blank=True)
    excluded_providers = models.ManyToManyField(
        Provider, blank=True, related_name="+", verbose_name=_("utelukkede arrangører")
    )
    protection_level = models.CharField(
        _("adressebeskyttelse"),
        max_length=20,
        choices=ProtectionLevel.choices,
        default=ProtectionLevel.UGRADERT,
    )
    # A version number, bumped by every service that writes the person: a form loaded before
    # someone else's change is refused instead of silently overwriting it.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("bruker")
        verbose_name_plural = _("brukere")
        constraints = [
            models.CheckConstraint(
                condition=Q(fodselsnummer__regex=r"^[0-9]{11}$"),
                name="person_fodselsnummer_eleven_digits",
            ),
            models.CheckConstraint(
                condition=Q(protection_level__in=ProtectionLevel.values),
                name="person_protection_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(aap_maksdato__isnull=True) | Q(benefit=Benefit.AAP),
                name="person_maksdato_only_with_aap",
            ),
        ]
        indexes = [models.Index(fields=["office", "caseworker"])]

    def __str__(self) -> str:
        # Never the fødselsnummer: __str__ ends up in logs and admin messages.
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: datetime.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _attachment_path(instance: models.Model, filename: str) -> str:
    # A random name: the stored path must carry no personal data.
    return f"documents/{uuid.uuid4().hex}.pdf"


def private_storage() -> FileSystemStorage:
    """Personal documents never live under a URL the web server serves: they are read only
    through the view that checks access. A callable, so migrations don't record the path."""
    return FileSystemStorage(location=settings.MEDIA_ROOT, base_url=None)


class DocumentAttachment(models.Model):
    """An optional PDF behind a document (at most 10 MB, checked by its content)."""

    file = models.FileField(storage=private_storage, upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("filnavn"), max_length=200)
    size = models.PositiveIntegerField(_("størrelse (byte)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vedlegg")
        verbose_name_plural = _("vedlegg")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__lte=10 * 1024 * 1024), name="attachment_at_most_10_mb"
            )
        ]

    def __str__(self) -> str:
        # Never the uploaded name: it may well hold the person's name or fødselsnummer, and
        # __str__ ends up in the admin (deleting the uploader lists their attachments) and logs.
        return f"vedlegg-{self.pk}.pdf"


class CV(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="cv")
    last_updated = models.DateField(_("sist oppdatert"))
    attachment = models.OneToOneField(
        DocumentAttachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("CV")
        verbose_name_plural = _("CV-er")

    def __str__(self) -> str:
        return f"CV {self.last_updated:%d.%m.%Y}"


class WorkCapacityAssessment(models.Model):
    """arbeidsevnevurdering (AEV). A person may have several; the newest counts."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="work_capacity_assessments"
    )
    assessed_on = models.DateField(_("vurdert dato"))
    reduced_capacity = models.BooleanField(_("nedsatt arbeidsevne"))
    need_group = models.CharField(_("innsatsgruppe"), max_length=40, choices=NeedGroup.choices)
    attachment = models.OneToOneField(
        DocumentAttachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-assessed_on"]
        verbose_name = _("arbeidsevnevurdering")
        verbose_name_plural = _("arbeidsevnevurderinger")

    def __str__(self) -> str:
        return f"AEV {self.assessed_on:%d.%m.%Y}"


class ActivityPlan(models.Model):
    """aktivitetsplan"""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="activity_plan")
    goal = models.TextField(_("mål"), blank=True)
    approved = models.BooleanField(_("godkjent"), default=False)
    last_updated = models.DateField(_("sist oppdatert"))
    planned_activities = models.TextField(_("planlagte aktiviteter"), blank=True)
    attachment = models.OneToOneField(
        DocumentAttachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("aktivitetsplan")
        verbose_name_plural = _("aktivitetsplaner")

    def __str__(self) -> str:
        return f"Aktivitetsplan {self.last_updated:%d.%m.%Y}"


class ReferralStatus(models.TextChoices):
    """NAV's participant lifecycle (amt-deltaker), plus RETURNERT (DOMAIN.md section 3-4)."""

    KLADD = "KLADD", _("Kladd")
    SOKT_INN = "SOKT_INN", _("Søkt inn")
    RETURNERT = "RETURNERT", _("Returnert")
    VENTELISTE = "VENTELISTE", _("På venteliste")
    VENTER_PA_OPPSTART = "VENTER_PA_OPPSTART", _("Venter på oppstart")
    DELTAR = "DELTAR", _("Deltar")
    HAR_SLUTTET = "HAR_SLUTTET", _("Har sluttet")
    IKKE_AKTUELL = "IKKE_AKTUELL", _("Ikke aktuell")
    AVBRUTT_UTKAST = "AVBRUTT_UTKAST", _("Avbrutt utkast")
    FEILREGISTRERT = "FEILREGISTRERT", _("Feilregistrert")


class EndReason(models.TextChoices):
    """Why a referral or participation ended or was declined (NAV's codes)."""

    FATT_JOBB = "FATT_JOBB", _("Fått jobb")
    SYK = "SYK", _("Syk")
    TRENGER_ANNEN_STOTTE = "TRENGER_ANNEN_STOTTE", _("Trenger annen støtte")
    FIKK_IKKE_PLASS = "FIKK_IKKE_PLASS", _("Fikk ikke plass")
    IKKE_MOTT = "IKKE_MOTT", _("Ikke møtt")
    UTDANNING = "UTDANNING", _("Utdanning")
    KRAV_IKKE_OPPFYLT = "KRAV_IKKE_OPPFYLT", _("Krav for deltakelse ikke oppfylt")
    ANNET = "ANNET", _("Annet")


class EventKind(models.TextChoices):
    """What happened to a referral, for its history."""

    OPPRETTET = "OPPRETTET", _("Opprettet")
    IMPORTERT = "IMPORTERT", _("Importert fra fylkets liste")
    ENDRET = "ENDRET", _("Endret")
    SOKT_INN = "SOKT_INN", _("Søkt inn")
    RETURNERT = "RETURNERT", _("Returnert til veileder")
    GODKJENT = "GODKJENT", _("Godkjent og satt på venteliste")
    TRUKKET = "TRUKKET", _("Trukket")
    AVSLATT = "AVSLATT", _("Avslått av inntaksteamet")
    AVBRUTT = "AVBRUTT", _("Utkast avbrutt")
    TILDELT = "TILDELT", _("Tildelt plass")
    TAKKET_NEI = "TAKKET_NEI", _("Plassen ble ikke tatt i bruk")
    STARTET = "STARTET", _("Startet")
    AVSLUTTET = "AVSLUTTET", _("Avsluttet")


OPEN_STATUSES = (
    ReferralStatus.KLADD,
    ReferralStatus.SOKT_INN,
    ReferralStatus.RETURNERT,
    ReferralStatus.VENTELISTE,
    ReferralStatus.VENTER_PA_OPPSTART,
    ReferralStatus.DELTAR,
)


class Referral(models.Model):
    """henvisning: a caseworker's request for a place in a programme type, in a county. An
    approved referral is the person's entry on that county's waitlist."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    programme_type = models.ForeignKey(
        ProgrammeType, on_delete=models.PROTECT, related_name="referrals"
    )
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="referrals")
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("henvisende kontor"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.KLADD
    )
    # begrunnelse, in four parts (DOMAIN.md section 3)
    justification_need = models.TextField(_("behov"), blank=True)
    justification_goal = models.TextField(_("mål"), blank=True)
    justification_why_programme = models.TextField(_("hvorfor dette tiltaket"), blank=True)
    justification_why_not_ordinary = models.TextField(_("hvorfor ikke ordinært tiltak"), blank=True)
    submitted_at = models.DateTimeField(_("søkt inn"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("på venteliste fra"), null=True, blank=True)
    # The waitlist's order: approval time moved earlier by the county's priority-group bonus
    # (DOMAIN.md section 5). Kept in step by the services and a nightly refresh, so that the
    # order is one index scan; the groups are kept to explain it.
    queue_since = models.DateTimeField(_("teller ventetid fra"), null=True, blank=True)
    priority_bonus_days = models.PositiveIntegerField(_("prioritetstillegg (dager)"), default=0)
    priority_groups = models.JSONField(_("prioriterte grupper"), default=list, blank=True)
    closed_reason = models.CharField(
        _("årsak"), max_length=30, choices=EndReason.choices, blank=True
    )
    # Brought in from a county's spreadsheet (issue 8): which import, the day the old list
    # says the person was put on it (their wait counts from then, also when a draft is
    # approved later), and what the sheet said about wishes and circumstances.
    imported_from = models.ForeignKey(
        "imports.ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("importert fra"),
    )
    listed_on = models.DateField(_("satt på fylkets liste"), null=True, blank=True)
    import_note = models.TextField(_("fra regnearket"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("henvisning")
        verbose_name_plural = _("henvisninger")
        constraints = [
            # One open referral per person and programme type (DOMAIN.md section 4).
            models.UniqueConstraint(
                fields=["person", "programme_type"],
                condition=Q(status__in=OPEN_STATUSES),
                name="referral_one_open_per_person_and_type",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.VENTELISTE)
                | Q(waitlisted_at__isnull=False, queue_since__isnull=False),
                name="referral_waitlisted_has_dates",
            ),
        ]
        indexes = [
            # The waitlist: one (county, programme type), in waiting order.
            models.Index(
                fields=["county", "programme_type", "queue_since", "waitlisted_at"],
                condition=Q(status=ReferralStatus.VENTELISTE),
                name="referral_waitlist_idx",
            ),
            models.Index(
                fields=["county", "submitted_at"],
                condition=Q(status=ReferralStatus.SOKT_INN),
                name="referral_review_queue_idx",
            ),
            models.Index(fields=["office", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.programme_type.short_name} #{self.pk}"


class ReferralEvent(models.Model):
    """Append-only history of a referral: who did what, when, from which office or team, why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("hendelse"), max_length=30, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_county = models.ForeignKey(
        County, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reasons = models.JSONField(_("årsaker"), default=list, blank=True)
    comment = models.TextField(_("kommentar"), blank=True)
    at = models.DateTimeField(_("tidspunkt"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("hendelse")
        verbose_name_plural = _("hendelser")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%d.%m.%Y %H:%M}"


class CountyIntakeSettings(models.Model):
    """A county's choices for its waitlists: the priority-group bonuses of the yearly
    allocation letters (DOMAIN.md section 5; default 0 days, that is off)."""

    county = models.OneToOneField(
        County, on_delete=models.CASCADE, primary_key=True, related_name="intake_settings"
    )
    bonus_days_young = models.PositiveIntegerField(
        _("tillegg for unge under 30 (dager)"), default=0
    )
    bonus_days_non_eea = models.PositiveIntegerField(
        _("tillegg for innvandrere fra land utenfor EØS (dager)"), default=0
    )
    bonus_days_long_term_unemployed = models.PositiveIntegerField(
        _("tillegg for langtidsledige (dager)"), default=0
    )
    young_age_limit = models.PositiveIntegerField(_("aldersgrense for unge"), default=30)
    long_term_unemployed_days = models.PositiveIntegerField(
        _("langtidsledig etter (dager)"), default=182
    )
    # Matching (DOMAIN.md section 7): the cost of giving person p a place at offering o is
    # weight_km * km - weight_wait * effective wait in days - weight_fit * fit. By default one
    # km of travel weighs as much as two days of waiting: on the national benchmark that
    # gives 30 % less travel than "longest wait first, nearest place", with as many placed and
    # their total wait within 0.2 % (at 1:1 it was 19 % less travel).
    weight_km = models.FloatField(
        _("vekt per km reisevei"), default=2.0, validators=[MinValueValidator(0)]
    )
    weight_wait = models.FloatField(
        _("vekt per dag ventetid"), default=1.0, validators=[MinValueValidator(0)]
    )
    weight_fit = models.FloatField(
        _("vekt for faglig match (0–1)"), default=10.0, validators=[MinValueValidator(0)]
    )
    max_travel_km = models.PositiveIntegerField(
        _("maks reiseavstand (km)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("Gjelder alle som venter, med mindre brukeren selv har satt en lavere grense."),
    )

    class Meta:
        verbose_name = _("fylkets innstillinger for inntak")
        verbose_name_plural = _("fylkenes innstillinger for inntak")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_km__gte=0, weight_wait__gte=0, weight_fit__gte=0),
                name="county_settings_weights_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(max_travel_km__gt=0), name="county_settings_max_travel_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(self.county)


class PlacementStatus(models.TextChoices):
    TILDELT = "TILDELT", _("Tildelt, ikke startet")
    DELTAR = "DELTAR", _("Deltar")
    AVSLUTTET = "AVSLUTTET", _("Avsluttet")
    IKKE_STARTET = "IKKE_STARTET", _("Ikke startet")


class Outcome(models.TextChoices):
    """What a participation led to, for results per provider (DOMAIN.md section 6)."""

    ARBEID = "ARBEID", _("Arbeid")
    UTDANNING = "UTDANNING", _("Utdanning")
    ANNET_TILTAK = "ANNET_TILTAK", _("Annet tiltak")
    HELSE = "HELSE", _("Helse")
    ANNET = "ANNET", _("Annet")


ACTIVE_PLACEMENT_STATUSES = (PlacementStatus.TILDELT, PlacementStatus.DELTAR)


class Placement(models.Model):
    """tildelt plass: a person given a place at an offering. The offering's capacity counters
    move with it (see providers.Offering), under the database's checks."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="placements")
    offering = models.ForeignKey(
        "providers.Offering", on_delete=models.PROTECT, related_name="placements"
    )
    status = models.CharField(
        max_length=20, choices=PlacementStatus.choices, default=PlacementStatus.TILDELT
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    planned_start = models.DateField(_("planlagt oppstart"), null=True, blank=True)
    started_on = models.DateField(_("startdato"), null=True, blank=True)
    ended_on = models.DateField(_("sluttdato"), null=True, blank=True)
    end_reason = models.CharField(_("årsak"), max_length=30, choices=EndReason.choices, blank=True)
    outcome = models.CharField(_("resultat"), max_length=20, choices=Outcome.choices, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        verbose_name = _("tildelt plass")
        verbose_name_plural = _("tildelte plasser")
        constraints = [
            # A referral holds at most one place at a time.
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(status__in=ACTIVE_PLACEMENT_STATUSES),
                name="placement_one_active_per_referral",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PlacementStatus.values), name="placement_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="placement_dates_in_order",
            ),
        ]
        indexes = [models.Index(fields=["offering", "status"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()} #{self.pk}"


class MatchingRequest(models.Model):
    """New free places were reported for a county and programme type: the intake team sees
    them, and (from the matching issue on) a matching run starts. One row per debounced burst."""

    county = models.ForeignKey(County, on_delete=models.CASCADE, related_name="+")
    programme_type = models.ForeignKey(ProgrammeType, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    free_places = models.PositiveIntegerField(default=0)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.county_id}/{self.programme_type_id} {self.requested_at:%d.%m.%Y %H:%M}"


class NotificationKind(models.TextChoices):
    RETURNERT = "RETURNERT", _("Henvisning returnert")
    GODKJENT = "GODKJENT", _("Henvisning godkjent")
    AVSLATT = "AVSLATT", _("Henvisning avslått")
    TILDELT = "TILDELT", _("Plass tildelt")
    IKKE_STARTET = "IKKE_STARTET", _("Plassen ble ikke tatt i bruk")


class Notification(models.Model):
    """A message to one member of staff about a referral, shown in the app and sent by email.
    It names the referral by id and programme type only, never the person's identity."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.referral_id}"


class MatchingTrigger(models.TextChoices):
    KAPASITET = "KAPASITET", _("Ny ledig kapasitet")
    NATTLIG = "NATTLIG", _("Nattlig kjøring")
    MANUELL = "MANUELL", _("Startet av inntaksteamet")
    KOMMANDO = "KOMMANDO", _("Startet fra kommandolinjen")


class MatchingRun(models.Model):
    """One run of the matcher for a county and programme type: what it saw (as a digest), the
    weights, and the report for the exact matcher and the greedy baseline on the same data.
    A run whose inputs equal the previous run's is not saved again (a repeat changes nothing)."""

    county = models.ForeignKey(County, on_delete=models.CASCADE, related_name="+")
    programme_type = models.ForeignKey(ProgrammeType, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(_("startet av"), max_length=10, choices=MatchingTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The Celery task's id: a redelivered or retried task finds its own run and stops.
    task_id = models.CharField(max_length=64, blank=True)
    inputs_digest = models.CharField(max_length=64)
    weights = models.JSONField()
    report = models.JSONField(_("rapport"))
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-finished_at", "-pk"]
        verbose_name = _("matchekjøring")
        verbose_name_plural = _("matchekjøringer")
        constraints = [
            models.UniqueConstraint(
                fields=["task_id"], condition=~Q(task_id=""), name="matching_run_task_once"
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=MatchingTrigger.values), name="matching_run_trigger_valid"
            ),
        ]
        indexes = [models.Index(fields=["county", "programme_type", "-finished_at"])]

    def __str__(self) -> str:
        return f"{self.county_id}/{self.programme_type_id} {self.finished_at:%d.%m.%Y %H:%M}"


class ProposalStatus(models.TextChoices):
    FORESLATT = "FORESLATT", _("Foreslått")
    BEKREFTET = "BEKREFTET", _("Bekreftet")
    AVVIST = "AVVIST", _("Avvist")
    UTDATERT = "UTDATERT", _("Utdatert")
    ERSTATTET = "ERSTATTET", _("Erstattet av ny kjøring")


class RejectReason(models.TextChoices):
    PASSER_IKKE = "PASSER_IKKE", _("Tiltaket passer ikke for brukeren")
    REISEVEI = "REISEVEI", _("Reiseveien er for lang i praksis")
    BRUKER_VIL_IKKE = "BRUKER_VIL_IKKE", _("Brukeren ønsker ikke denne arrangøren")
    ARRANGOR = "ARRANGOR", _("Arrangøren kan ikke ta imot brukeren")
    ANNET = "ANNET", _("Annet")


class MatchProposal(models.Model):
    """A proposal to give one waiting person one free place (a slot of an offering's free
    places). Only the intake team's confirmation turns it into a placement; a rejected pair is
    never proposed again."""

    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="proposals")
    county = models.ForeignKey(County, on_delete=models.CASCADE, related_name="+")
    programme_type = models.ForeignKey(ProgrammeType, on_delete=models.CASCADE, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="proposals")
    offering = models.ForeignKey(
        "providers.Offering", on_delete=models.CASCADE, related_name="proposals"
    )
    # Which of the offering's free places this is: two open proposals never share one.
    slot = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.FORESLATT
    )
    km = models.FloatField()
    fit = models.FloatField()
    cost = models.FloatField()
    effective_wait_days = models.IntegerField()
    position = models.PositiveIntegerField(_("plass i køen"))
    # The next candidates for this place and what became of them, for the explanation.
    candidates = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)
    placement = models.OneToOneField(
        Placement, on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("matcheforslag")
        verbose_name_plural = _("matcheforslag")
        constraints = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(status="FORESLATT"),
                name="proposal_one_open_per_referral",
            ),
            models.UniqueConstraint(
                fields=["offering", "slot"],
                condition=Q(status="FORESLATT"),
                name="proposal_one_open_per_place",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="BEKREFTET", placement__isnull=False)
                | (~Q(status="BEKREFTET") & Q(placement__isnull=True)),
                name="proposal_confirmed_has_placement",
            ),
        ]
        indexes = [models.Index(fields=["county", "programme_type", "status"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()} #{self.pk}"
