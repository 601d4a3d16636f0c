"""Unsaves: a saved track taken out of the library stays "had" (the listener saved it once).

A raw TrackUnsave row per unsave and TrackSignal.unsaved_at, kept by the signal triggers,
which are installed again here (their emptiness test now counts unsaves). SQLite may rebuild
the signal table to add the column, and renaming the rebuilt table fails while a trigger names
it: the triggers are off around the changes there.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from webapp.listening import signal_sql


def _triggers_off_on_sqlite(apps, schema_editor) -> None:
    signal_sql.triggers_execute(schema_editor, install=False, sqlite_only=True)


def _triggers_install(apps, schema_editor) -> None:
    signal_sql.triggers_execute(schema_editor, install=True)


def _triggers_remove(apps, schema_editor) -> None:
    signal_sql.triggers_execute(schema_editor, install=False)


def _triggers_install_without_unsaves(apps, schema_editor) -> None:
    """Back to 0009: the triggers as they were, with no unsave table or column to name."""
    signal_sql.triggers_execute(schema_editor, install=True, unsaves=False)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_no_repeated_fk_indexes'),
        ('listening', '0009_no_repeated_fk_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_triggers_off_on_sqlite, _triggers_install_without_unsaves),
        migrations.AddField(
            model_name='tracksignal',
            name='unsaved_at',
            field=models.DateTimeField(blank=True, help_text='Last taken out of the library (saved before).', null=True),
        ),
        migrations.CreateModel(
            name='TrackUnsave',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('unsaved_at', models.DateTimeField()),
                ('track', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='catalog.track')),
                ('user', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['user', 'track'], name='unsave_user_track')],
            },
        ),
        migrations.RunPython(_triggers_install, _triggers_remove),
    ]
