"""Telling caseworkers what happened to their referrals: in the app, and by email."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from intake.models import Notification, NotificationKind, Referral
from org.models import User
from outbox.services import outbox_enqueue


def notification_create(
    *, referral: Referral, kind: NotificationKind, recipients: list[User]
) -> None:
    """One notification per recipient; the email goes out after the transaction commits."""
    from intake.tasks import notification_send_email  # tasks import services, not the reverse

    for recipient in {user.pk: user for user in recipients if user is not None}.values():
        notification = Notification.objects.create(
            recipient=recipient, referral=referral, kind=kind
        )
        outbox_enqueue(notification_send_email, notification.pk)


def notification_send(*, notification_id: int) -> None:
    """Send the email of one notification, once: a retried task sends nothing twice. The email
    names the referral and programme type, never the person: email is not a safe channel for
    personal data."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",), no_key=True)
            .select_related("recipient", "referral__programme_type")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.emailed_at or not notification.recipient.email:
            return
        path = reverse("referral-detail", args=[notification.referral_id])
        with override(settings.LANGUAGE_CODE):
            subject = f"Inntak: {notification.get_kind_display()}"
            body = _(
                "%(kind)s: henvisning %(id)s til %(type)s.\n\nSe henvisningen i Inntak: %(url)s\n"
            ) % {
                "kind": notification.get_kind_display(),
                "id": notification.referral_id,
                "type": notification.referral.programme_type.name,
                "url": f"{settings.INNTAK_BASE_URL}{path}",
            }
        send_mail(subject, body, None, [notification.recipient.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
