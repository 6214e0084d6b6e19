"""Programme types (tiltakstyper) and providers' offerings (gjennomføringer)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Municipality, Provider
from org.vocabulary import CompetenceTag, NeedGroup


class ProgrammeType(models.Model):
    """tiltakstype. Capabilities and the gate's thresholds are data, edited by an
    administrator, rather than lists of codes in the program (as in NAV's mulighetsrommet)."""

    code = models.CharField(_("tiltakskode"), max_length=20, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    short_name = models.CharField(_("kortnavn"), max_length=20)
    admitted_need_groups = models.JSONField(
        _("innsatsgrupper som kan delta"),
        default=list,
        help_text=_("Liste med innsatsgruppekoder, f.eks. VARIG_TILPASSET_INNSATS."),
    )
    sheltered = models.BooleanField(_("skjermet tiltak"), default=False)
    has_waitlist = models.BooleanField(_("fylkesvis venteliste"), default=True)
    requires_work_capacity_assessment = models.BooleanField(
        _("krever arbeidsevnevurdering med nedsatt arbeidsevne"), default=False
    )
    cv_max_age_days = models.PositiveIntegerField(_("CV maks alder (dager)"), default=183)
    assessment_max_age_days = models.PositiveIntegerField(
        _("arbeidsevnevurdering maks alder (dager)"), default=365
    )
    plan_max_age_days = models.PositiveIntegerField(
        _("aktivitetsplan maks alder (dager)"), default=92
    )
    justification_min_chars = models.PositiveIntegerField(
        _("minste lengde per del av begrunnelsen (tegn)"), default=40
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("tiltakstype")
        verbose_name_plural = _("tiltakstyper")

    def __str__(self) -> str:
        return f"{self.short_name} – {self.name}"

    def admits(self, need_group: str) -> bool:
        return need_group in self.admitted_need_groups


class StartType(models.TextChoices):
    LOPENDE = "LOPENDE", _("Løpende oppstart")
    FELLES = "FELLES", _("Felles oppstart")


class Offering(models.Model):
    """gjennomføring: one provider's running instance of a programme type at a place."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="offerings")
    programme_type = models.ForeignKey(
        ProgrammeType, on_delete=models.PROTECT, related_name="offerings"
    )
    name = models.CharField(_("navn"), max_length=200)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="offerings"
    )
    contracted_places = models.PositiveIntegerField(_("avtalte plasser"))
    start_type = models.CharField(
        _("oppstart"), max_length=10, choices=StartType.choices, default=StartType.LOPENDE
    )
    competence_tags = models.JSONField(
        _("kompetanseprofil"),
        default=list,
        help_text=_("Liste med kompetansekoder: %(codes)s")
        % {"codes": ", ".join(CompetenceTag.values)},
    )
    open_for_intake = models.BooleanField(_("åpen for inntak"), default=True)
    cohort_starts_on = models.DateField(_("oppstart (felles)"), null=True, blank=True)
    cohort_ends_on = models.DateField(_("slutt (felles)"), null=True, blank=True)
    # Capacity, kept in step by the services under a row lock and guarded by the database:
    # `free_places` is what the provider reported free and nobody has been given yet; a
    # placement takes one with a conditional UPDATE (never below zero), so a place can't be
    # given twice whatever the timing. `places_assigned` (given, not started) and
    # `places_occupied` (participating) can never exceed the contracted places together.
    free_places = models.PositiveIntegerField(_("ledige plasser"), default=0)
    free_from = models.DateField(_("ledig fra"), null=True, blank=True)
    places_assigned = models.PositiveIntegerField(_("tildelt, ikke startet"), default=0)
    places_occupied = models.PositiveIntegerField(_("deltakere"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("gjennomføring")
        verbose_name_plural = _("gjennomføringer")
        constraints = [
            models.CheckConstraint(
                condition=Q(contracted_places__gte=0), name="offering_places_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(start_type__in=StartType.values), name="offering_start_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(free_places__gte=0)
                & Q(
                    places_assigned__gte=0,
                    places_occupied__gte=0,
                ),
                name="offering_capacity_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    free_places__lte=models.F("contracted_places")
                    - models.F("places_assigned")
                    - models.F("places_occupied")
                ),
                name="offering_capacity_within_contract",
            ),
            models.CheckConstraint(
                condition=Q(cohort_ends_on__isnull=True)
                | Q(cohort_starts_on__isnull=True)
                | Q(cohort_ends_on__gte=models.F("cohort_starts_on")),
                name="offering_cohort_dates_in_order",
            ),
        ]
        indexes = [models.Index(fields=["programme_type", "municipality"])]

    def __str__(self) -> str:
        return self.name


class OfferingClosedPeriod(models.Model):
    """A period when an offering takes nobody in (holidays, renovation)."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="closed_periods")
    starts_on = models.DateField(_("fra"))
    ends_on = models.DateField(_("til"))
    reason = models.CharField(_("årsak"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("stengt periode")
        verbose_name_plural = _("stengte perioder")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="closed_period_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y}"


class ReportChannel(models.TextChoices):
    WEB = "WEB", _("Nettside")
    API = "API", _("API")
    IMPORT = "IMPORT", _("Import fra regneark")


class CapacityReport(models.Model):
    """ledig kapasitet: the provider's statement "N places free from date D" for an offering.
    Every accepted report is kept; the latest sets the offering's free places."""

    offering = models.ForeignKey(
        Offering, on_delete=models.CASCADE, related_name="capacity_reports"
    )
    free_places = models.PositiveIntegerField(_("ledige plasser"))
    free_from = models.DateField(_("ledig fra"))
    note = models.TextField(_("merknad"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=6, choices=ReportChannel.choices)
    # The places that were already spoken for when the report came in, for the history.
    contracted_places = models.PositiveIntegerField()
    places_assigned = models.PositiveIntegerField()
    places_occupied = models.PositiveIntegerField()
    # A client-chosen key: the same key twice is one report (a double click, an API retry).
    idempotency_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("kapasitetsmelding")
        verbose_name_plural = _("kapasitetsmeldinger")
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="capacity_report_idempotent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.free_places} ledige fra {self.free_from:%d.%m.%Y}"


class ProviderApiToken(models.Model):
    """A provider's key to the capacity API. Only a hash is stored; the key is shown once."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("navn"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API-nøkkel")
        verbose_name_plural = _("API-nøkler")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


__all__ = [
    "CapacityReport",
    "NeedGroup",
    "Offering",
    "OfferingClosedPeriod",
    "ProgrammeType",
    "ProviderApiToken",
    "ReportChannel",
    "StartType",
]
