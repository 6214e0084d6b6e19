"""Portfolio flags (DOMAIN.md section 8): people in caseworkers' portfolios who look suitable
for a programme but have none, each with a reason, the facts it used and a suggestion, and the
review of those flags. The flags are raised and cleared by one set-based job
(portfolio/services/flags.py); people review them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.models import Person, Referral
from providers.models import ProgrammeType


class FlagCode(models.TextChoices):
    UNG_UTEN_AKTIVITET = "UNG_UTEN_AKTIVITET", _("Ung uten aktivitet")
    LANGTIDSLEDIG = "LANGTIDSLEDIG", _("Langtidsledig uten tiltak")
    NEDSATT_ARBEIDSEVNE_UTEN_TILTAK = (
        "NEDSATT_ARBEIDSEVNE_UTEN_TILTAK",
        _("Nedsatt arbeidsevne uten tiltak"),
    )
    AAP_NAER_MAKSDATO = "AAP_NAER_MAKSDATO", _("AAP nær maksdato")
    MANGLER_AEV = "MANGLER_AEV", _("Mangler gyldig arbeidsevnevurdering")
    INNVANDRER_UTENFOR_EOS = "INNVANDRER_UTENFOR_EOS", _("Innvandrer utenfor EØS uten tiltak")
    LENGE_I_SKJERMET_TILTAK = "LENGE_I_SKJERMET_TILTAK", _("Lenge i skjermet tiltak")


class FlagStatus(models.TextChoices):
    AKTIV = "AKTIV", _("Åpent")
    SE_IGJEN = "SE_IGJEN", _("Se på igjen senere")
    HENVISNING_STARTET = "HENVISNING_STARTET", _("Henvisning startet")
    IKKE_RELEVANT = "IKKE_RELEVANT", _("Ikke relevant")
    OPPHORT = "OPPHORT", _("Gjelder ikke lenger")


OPEN_FLAG_STATUSES = (FlagStatus.AKTIV, FlagStatus.SE_IGJEN)


class DismissReason(models.TextChoices):
    ANNEN_OPPFOLGING = "ANNEN_OPPFOLGING", _("Får annen oppfølging som passer bedre")
    HELSE = "HELSE", _("Helsen tillater ikke tiltak nå")
    ONSKER_IKKE = "ONSKER_IKKE", _("Brukeren ønsker ikke tiltak nå")
    I_ARBEID = "I_ARBEID", _("Er i arbeid eller utdanning")
    OPPLYSNINGER_FEIL = "OPPLYSNINGER_FEIL", _("Opplysningene bak flagget er feil")
    ANNET = "ANNET", _("Annet")


class FlagSettings(models.Model):
    """The flag rules' thresholds (one row; the defaults follow DOMAIN.md section 8)."""

    young_age_limit = models.PositiveIntegerField(
        _("unge: under alder"), default=30, validators=[MinValueValidator(16)]
    )
    inactive_days = models.PositiveIntegerField(
        _("unge: uten aktivitet i (dager)"), default=92, validators=[MinValueValidator(1)]
    )
    long_term_days = models.PositiveIntegerField(
        _("langtidsledig: arbeidssøker i minst (dager)"),
        default=182,
        validators=[MinValueValidator(1)],
    )
    adapted_without_programme_days = models.PositiveIntegerField(
        _("nedsatt arbeidsevne: uten tiltak i (dager)"),
        default=182,
        validators=[MinValueValidator(1)],
    )
    aap_maksdato_days = models.PositiveIntegerField(
        _("AAP: maksdato innen (dager)"), default=365, validators=[MinValueValidator(1)]
    )
    assessment_max_age_days = models.PositiveIntegerField(
        _("arbeidsevnevurdering gyldig i (dager)"),
        default=365,
        validators=[MinValueValidator(1)],
    )
    sheltered_lock_in_days = models.PositiveIntegerField(
        _("skjermet tiltak: deltatt i minst (dager)"),
        default=730,
        validators=[MinValueValidator(1)],
    )
    dismissed_quiet_days = models.PositiveIntegerField(
        _("«ikke relevant» holder flagget borte i (dager)"),
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )

    class Meta:
        verbose_name = _("innstillinger for flagg")
        verbose_name_plural = _("innstillinger for flagg")

    def __str__(self) -> str:
        return str(_("Innstillinger for flagg"))

    @classmethod
    def current(cls) -> FlagSettings:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class PortfolioFlag(models.Model):
    """One reason to consider a person for a programme. Raised and cleared by the flagging
    job; reviewed by a caseworker or leader. Closed flags stay as history."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(_("årsak"), max_length=40, choices=FlagCode.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=FlagStatus.choices, default=FlagStatus.AKTIV
    )
    suggested_programme_type = models.ForeignKey(
        ProgrammeType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("foreslått tiltakstype"),
    )
    # The facts the rule used, for the one-line explanation ("under 30, no activity since
    # 12 March"): a date and a number whose meaning depends on the code.
    fact_date = models.DateField(null=True, blank=True)
    fact_number = models.IntegerField(null=True, blank=True)
    raised_at = models.DateTimeField(_("flagget"), default=timezone.now)
    cleared_at = models.DateTimeField(_("lukket"), null=True, blank=True)
    snooze_until = models.DateField(_("se på igjen"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.CharField(
        _("begrunnelse"), max_length=30, choices=DismissReason.choices, blank=True
    )
    comment = models.TextField(_("kommentar"), blank=True)
    referral = models.ForeignKey(
        Referral, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("flagg")
        verbose_name_plural = _("flagg")
        constraints = [
            # The job re-runs freely: a person has at most one open flag per rule.
            models.UniqueConstraint(
                fields=["person", "code"],
                condition=Q(status__in=["AKTIV", "SE_IGJEN"]),
                name="flag_one_open_per_person_and_code",
            ),
            models.CheckConstraint(condition=Q(code__in=FlagCode.values), name="flag_code_valid"),
            models.CheckConstraint(
                condition=Q(status__in=FlagStatus.values), name="flag_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="SE_IGJEN") | Q(snooze_until__isnull=False),
                name="flag_snoozed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="IKKE_RELEVANT") | ~Q(dismiss_reason=""),
                name="flag_dismissed_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "code"]),
            models.Index(fields=["person", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} ({self.get_status_display()})"


class FlagEventKind(models.TextChoices):
    FLAGGET = "FLAGGET", _("Flagget")
    OPPHORT = "OPPHORT", _("Regelen gjelder ikke lenger")
    TILBAKE = "TILBAKE", _("Tilbake etter «se på igjen»")
    HENVISNING_STARTET = "HENVISNING_STARTET", _("Henvisning startet")
    IKKE_RELEVANT = "IKKE_RELEVANT", _("Markert som ikke relevant")
    SE_IGJEN = "SE_IGJEN", _("Satt til «se på igjen»")


class FlagEvent(models.Model):
    """The history of a flag: raised, cleared, came back, reviewed. Never edited."""

    flag = models.ForeignKey(PortfolioFlag, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=FlagEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["flag", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%d.%m.%Y}"


class YearlyPlaceTarget(models.Model):
    """The allocation letter's split of places between ordinary job seekers and adapted-need
    users for a year (DOMAIN.md section 9: 17/83, 20/80, 25/75 in different years)."""

    year = models.PositiveIntegerField(_("år"), unique=True)
    adapted_share_percent = models.PositiveIntegerField(
        _("andel til brukere med nedsatt arbeidsevne (%)"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("årlig mål for fordeling av plasser")
        verbose_name_plural = _("årlige mål for fordeling av plasser")
        constraints = [
            models.CheckConstraint(
                condition=Q(adapted_share_percent__lte=100), name="target_share_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.adapted_share_percent} %"
