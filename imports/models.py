"""Import batches (issue 8): a county's spreadsheet as it was uploaded, the mapping of its
columns, the dry run's verdict per row, and what applying it did, with who and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import County
from providers.models import ProgrammeType


class ImportKind(models.TextChoices):
    VENTELISTE = "VENTELISTE", _("Venteliste")
    KAPASITET = "KAPASITET", _("Kapasitet")


class BatchStatus(models.TextChoices):
    LASTET_OPP = "LASTET_OPP", _("Lastet opp")
    KONTROLLERES = "KONTROLLERES", _("Kontrolleres")
    KONTROLLERT = "KONTROLLERT", _("Kontrollert")
    IMPORTERES = "IMPORTERES", _("Importeres")
    IMPORTERT = "IMPORTERT", _("Importert")
    FEILET = "FEILET", _("Feilet")


class ImportBatch(models.Model):
    """One uploaded file. The original bytes are kept as they came (the file is the record of
    what the county's list held), in the database so that the batch and its file are written
    and removed together."""

    kind = models.CharField(_("type"), max_length=12, choices=ImportKind.choices)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("filnavn"), max_length=200)
    content = models.BinaryField(editable=False)
    size = models.PositiveIntegerField(_("størrelse (byte)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    # What the reader found: the columns, the sheet or encoding and separator.
    columns = models.JSONField(default=list)
    file_description = models.CharField(max_length=200, blank=True)
    # field key -> column name, as confirmed by the intake team.
    mapping = models.JSONField(default=dict, blank=True)
    # For a sheet without a programme type column: every row is of this type.
    programme_type = models.ForeignKey(
        ProgrammeType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tiltakstype for alle rader"),
    )
    status = models.CharField(
        max_length=12, choices=BatchStatus.choices, default=BatchStatus.LASTET_OPP
    )
    summary = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    # What applying did (counts of what was written), or why it failed.
    result = models.JSONField(default=dict, blank=True)
    failure = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("importer")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ImportKind.values), name="import_batch_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=BatchStatus.values), name="import_batch_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=BatchStatus.IMPORTERT)
                | Q(applied_at__isnull=False, applied_by__isnull=False),
                name="import_batch_applied_has_who_and_when",
            ),
        ]
        indexes = [models.Index(fields=["county", "kind", "-uploaded_at"])]

    def __str__(self) -> str:
        # Never the file name: counties name files after people as often as after lists.
        return f"{self.get_kind_display()} #{self.pk}"


class RowOutcome(models.TextChoices):
    """What the dry run says a row would do (issue 8)."""

    KLAR = "KLAR", _("Ny henvisning, klar for venteliste")
    MANGLER_DOKUMENTER = "MANGLER_DOKUMENTER", _("Ny henvisning, mangler dokumenter (kladd)")
    DUPLIKAT_RAD = "DUPLIKAT_RAD", _("Duplikat av en rad over")
    DUPLIKAT_FINNES = "DUPLIKAT_FINNES", _("Har allerede en åpen henvisning")
    NY_MELDING = "NY_MELDING", _("Ny kapasitetsmelding")
    UENDRET = "UENDRET", _("Uendret")
    FEIL = "FEIL", _("Feil i raden")


class ImportRow(models.Model):
    """The dry run's verdict on one row of the file. `shown` is what the preview shows of the
    row, from the file, with the fødselsnummer cut to the birth date."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(_("rad"))
    outcome = models.CharField(max_length=20, choices=RowOutcome.choices)
    # For a person row: is the person new to Inntak? (None: not a person row, or an error.)
    new_person = models.BooleanField(null=True)
    person = models.ForeignKey(
        "intake.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    column = models.CharField(_("kolonne"), max_length=200, blank=True)
    message = models.TextField(_("melding"), blank=True)
    duplicate_of_line = models.PositiveIntegerField(null=True, blank=True)
    shown = models.JSONField(default=dict)

    class Meta:
        ordering = ["line"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="import_row_line_once"),
            models.CheckConstraint(
                condition=Q(outcome__in=RowOutcome.values), name="import_row_outcome_valid"
            ),
        ]
        indexes = [models.Index(fields=["batch", "outcome", "line"])]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} (rad {self.line})"


class SavedMapping(models.Model):
    """A column mapping kept for the next file of the same kind from the same source."""

    county = models.ForeignKey(County, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ImportKind.choices)
    name = models.CharField(_("navn"), max_length=100)
    mapping = models.JSONField()
    programme_type = models.ForeignKey(
        ProgrammeType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lagret kolonneoppsett")
        verbose_name_plural = _("lagrede kolonneoppsett")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "kind", "name"], name="saved_mapping_name_once"
            )
        ]

    def __str__(self) -> str:
        return self.name
