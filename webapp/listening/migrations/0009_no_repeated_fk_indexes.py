"""Foreign keys whose own index repeated another index lose it (fewer index writes a listen).

SQLite rebuilds a table to alter a column, and renaming the rebuilt table fails while a
trigger names a table being rebuilt: the signal triggers are taken off around the changes
there and put back after (the rows are copied unchanged, so the signal tables stay true).
PostgreSQL only drops the indexes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from webapp.listening import signal_sql


def _sqlite_triggers(install: bool):
    def run(apps, schema_editor) -> None:  # the triggers as they were before 0010
        signal_sql.triggers_execute(schema_editor, install=install, unsaves=False, sqlite_only=True)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_no_repeated_fk_indexes'),
        ('listening', '0008_cache_table'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_sqlite_triggers(False), _sqlite_triggers(True)),
        migrations.AlterField(
            model_name='artistsignal',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='artistvisit',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='listen',
            name='track',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='catalog.track'),
        ),
        migrations.AlterField(
            model_name='listen',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='savedtrack',
            name='track',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='catalog.track'),
        ),
        migrations.AlterField(
            model_name='savedtrack',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='skip',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='trackrefusal',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='tracksignal',
            name='track',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='catalog.track'),
        ),
        migrations.AlterField(
            model_name='tracksignal',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(_sqlite_triggers(True), _sqlite_triggers(False)),
    ]
