"""API tokens stored as their SHA-256: existing tokens keep working, the raw ones are dropped.

Going back issues every listener a fresh random token (the old ones cannot be recovered).
"""

import hashlib
import secrets

from django.db import migrations, models


def tokens_hash(apps, schema_editor):
    Profile = apps.get_model("listening", "Profile")
    profiles = list(Profile.objects.exclude(api_token=None).only("pk", "api_token"))
    for profile in profiles:
        profile.token_hash = hashlib.sha256(profile.api_token.encode()).hexdigest()
        profile.token_prefix = profile.api_token[:4]
    Profile.objects.bulk_update(profiles, ["token_hash", "token_prefix"], batch_size=1000)


def tokens_issue(apps, schema_editor):
    Profile = apps.get_model("listening", "Profile")
    profiles = list(Profile.objects.only("pk"))
    for profile in profiles:
        profile.api_token = secrets.token_hex(20)
    Profile.objects.bulk_update(profiles, ["api_token"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("listening", "0006_invites"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="token_hash",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="SHA-256 of the API token; empty until the listener asks for a token.",
                max_length=64,
                null=True,
                unique=True,
            ),
        ),
        migrations.AddField(
            model_name="profile",
            name="token_prefix",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="The token's first characters, so a listener can tell tokens apart.",
                max_length=8,
            ),
        ),
        migrations.AlterField(
            model_name="profile",
            name="api_token",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(tokens_hash, tokens_issue, elidable=True),
        migrations.RemoveField(model_name="profile", name="api_token"),
    ]
