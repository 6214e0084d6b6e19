"""Programme types (tiltakstyper) and providers' offerings (gjennomføringer)."""

from django.db import models
from django.db.models import Q
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
        ]
        indexes = [models.Index(fields=["programme_type", "municipality"])]

    def __str__(self) -> str:
        return self.name


__all__ = ["NeedGroup", "Offering", "ProgrammeType", "StartType"]
