"""The transactional outbox: work for the Celery workers, written in the same transaction as the
change that calls for it, so a broker that is down loses nothing (ARCHITECTURE.md)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One task to publish. The id is also the Celery task id, so a message published twice
    (published, then the database lost the mark) is recognisable by the task that receives it.
    Arguments are ids and codes only, never personal data."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task = models.CharField(_("oppgave"), max_length=200)
    args = models.JSONField(_("argumenter"), default=list)
    countdown = models.PositiveIntegerField(_("utsettelse (sekunder)"), null=True, blank=True)
    created_at = models.DateTimeField(_("opprettet"), default=timezone.now)
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("forsøk"), default=0)
    # The error's kind and the broker's words, never the arguments.
    last_error = models.CharField(_("siste feil"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("utgående oppgave")
        verbose_name_plural = _("utgående oppgaver")
        ordering = ["created_at"]
        indexes = [
            # The relay reads only what is pending: the index stays small however long the
            # history of sent messages is.
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.pk}"
