"""Curators' audio permissions are granted with all the others, after every migrate, from the
one list in webapp.dashboard.curators; this migration does nothing."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audio", "0001_initial")]
    operations = []
