"""The access log (DOMAIN.md section 10): every read of a person's data by a user, on a page,
in the API or in an export. Append-only: PostgreSQL refuses any UPDATE, DELETE or TRUNCATE of
these tables (see migration 0001), whoever asks."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessKind(models.TextChoices):
    SIDE = "SIDE", _("Side")
    API = "API", _("API")
    EKSPORT = "EKSPORT", _("Eksport")


class AccessEvent(models.Model):
    """One request that read personal data: who, what, when and from where.

    The actor is kept by id and by name, without a foreign key: the record must outlive the
    user (a deleted account still answers "who looked at me"), and nothing may cascade into an
    append-only table."""

    at = models.DateTimeField(_("tidspunkt"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("bruker-id"), db_index=True)
    actor_username = models.CharField(_("brukernavn"), max_length=150)
    actor_name = models.CharField(_("navn"), max_length=300)
    kind = models.CharField(_("type"), max_length=10, choices=AccessKind.choices)
    # The route's name (e.g. "person-detail") or an export's description; never a name or a
    # fødselsnummer, which never appear in addresses either.
    what = models.CharField(_("hva"), max_length=200)
    path = models.CharField(_("adresse i Inntak"), max_length=300)
    method = models.CharField(_("metode"), max_length=8)
    address = models.GenericIPAddressField(_("IP-adresse"), null=True, blank=True)
    detail = models.CharField(_("detaljer"), max_length=500, blank=True)
    person_count = models.PositiveIntegerField(_("antall brukere"), default=0)

    class Meta:
        verbose_name = _("tilgangshendelse")
        verbose_name_plural = _("tilgangslogg")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.actor_username} {self.what} {self.at:%d.%m.%Y %H:%M}"


class AccessedPerson(models.Model):
    """One person whose data an event read. The person is kept by id only, without a foreign
    key, so that the record outlives the person's row."""

    event = models.ForeignKey(AccessEvent, on_delete=models.PROTECT, related_name="persons")
    person_id = models.BigIntegerField(_("bruker-id"))

    class Meta:
        verbose_name = _("lest bruker")
        verbose_name_plural = _("leste brukere")
        indexes = [models.Index(fields=["person_id", "event"], name="audit_person_event")]
        constraints = [
            models.UniqueConstraint(fields=["event", "person_id"], name="audit_person_once")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.person_id}"
