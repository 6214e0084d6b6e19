from django.contrib import admin

from outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: what went out, and what waits for the broker."""

    list_display = ["task", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["task", ("sent_at", admin.EmptyFieldListFilter)]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    # A pending message is a notification or a run someone is owed: never deleted by hand.
    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
