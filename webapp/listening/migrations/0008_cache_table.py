"""Create the database cache table (when the cache is the database), so `migrate` alone sets
up a working site: rate limits and login throttling count there without Redis."""

from django.core.management import call_command
from django.db import migrations


def cache_table_create(apps, schema_editor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("listening", "0007_profile_token_hash")]
    operations = [migrations.RunPython(cache_table_create, migrations.RunPython.noop)]
