"""TRUNCATE of the access log is refused everywhere, with no setting to lift it: any session
could set a custom setting. The test suite's throwaway database disables the TRUNCATE
triggers instead (tests/conftest.py), which only the tables' owner can do, as DDL."""

from django.db import migrations

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The access log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRES_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_from_portfolio_exports")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
