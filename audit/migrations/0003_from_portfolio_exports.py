"""The export records that the portfolio app wrote before the access log existed move here,
with the persons they named, so that nothing recorded is lost."""

from django.db import migrations


def forwards(apps, schema_editor):
    Old = apps.get_model("portfolio", "AuditEvent")
    User = apps.get_model("org", "User")
    AccessEvent = apps.get_model("audit", "AccessEvent")
    AccessedPerson = apps.get_model("audit", "AccessedPerson")
    users = {u.pk: u for u in User.objects.filter(pk__in=Old.objects.values("actor_id"))}
    for old in Old.objects.order_by("at", "pk").iterator():
        user = users[old.actor_id]
        event = AccessEvent.objects.create(
            at=old.at,
            actor_id=user.pk,
            actor_username=user.username,
            actor_name=f"{user.first_name} {user.last_name}".strip(),
            kind="EKSPORT",
            what=old.action,
            path="",
            method="GET",
            address=old.address,
            detail=old.what,
            person_count=old.person_count,
        )
        AccessedPerson.objects.bulk_create(
            [AccessedPerson(event=event, person_id=pk) for pk in sorted(set(old.person_ids))]
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only"), ("portfolio", "0001_flags"), ("org", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
