"""Install the triggers that keep the signal tables current, and fill them from the raw rows.

The SQL lives in webapp.listening.signal_sql, shared with `manage.py rebuild_signals`, as it
was before unsaves (listening 0010 adds them).
"""

from django.db import migrations

from webapp.listening import signal_sql


def install(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in (
        *signal_sql.triggers_install(vendor, unsaves=False),
        *signal_sql.rebuild_sql(vendor, unsaves=False),
    ):
        schema_editor.execute(statement, params=None)


def remove(apps, schema_editor) -> None:
    for statement in signal_sql.triggers_remove(schema_editor.connection.vendor, unsaves=False):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("listening", "0004_signal_tables")]
    operations = [migrations.RunPython(install, remove)]
