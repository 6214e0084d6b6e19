from django.db import migrations

from org.reference_data import load_reference_data


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    load_reference_data(
        apps.get_model("org", "County"),
        apps.get_model("org", "Municipality"),
        apps.get_model("org", "Office"),
    )


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
