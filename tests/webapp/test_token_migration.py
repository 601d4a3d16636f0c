"""Migration listening 0004: tokens issued before it keep working, and only their hashes stay."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from webapp.listening.models import Profile
from webapp.listening.selectors import listener_by_token

BEFORE = [("listening", "0003_listen_listened_at_index")]


def _migrate(targets=None):
    """Migrate to targets (default: every app's latest migration); the historical apps."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_token_issued_before_hashing_still_works_and_is_no_longer_stored():
    old_apps = _migrate(BEFORE)
    user = old_apps.get_model("auth", "User").objects.create(username="early", is_active=True)
    token = "0123456789abcdef0123456789abcdef01234567"
    old_apps.get_model("listening", "Profile").objects.create(user_id=user.pk, api_token=token)
    old_apps.get_model("listening", "Profile").objects.create(
        user=old_apps.get_model("auth", "User").objects.create(username="other"),
        api_token="f" * 40,
    )

    _migrate()

    assert listener_by_token(token=token) == (user.pk, "early")
    profile = Profile.objects.get(user_id=user.pk)
    assert profile.token_prefix == "0123"
    assert token not in repr(Profile.objects.filter(pk=profile.pk).values().get())


@pytest.mark.django_db(transaction=True)
def test_going_back_issues_fresh_distinct_tokens():
    for name in ("a", "b"):
        Profile.objects.get_or_create(
            user=Profile._meta.get_field("user").related_model.objects.create(username=name)
        )
    old_apps = _migrate(BEFORE)

    tokens = list(
        old_apps.get_model("listening", "Profile").objects.values_list("api_token", flat=True)
    )

    assert len(tokens) == len(set(tokens)) == 2 and all(len(t) == 40 for t in tokens)
    _migrate()
