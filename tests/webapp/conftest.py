"""Fixtures shared by the webapp tests: a listener, a curator, small CF settings."""

import pytest
from django.contrib.auth.models import Group

from webapp.listening.services import listener_create


@pytest.fixture
def listener():
    return listener_create(username="ada", password="correct horse battery")


@pytest.fixture
def listener_client(client, listener):
    client.force_login(listener)
    return client


@pytest.fixture
def curator():
    user = listener_create(username="cleo", password="curate all the things")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name="Curators"))
    return user


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def small_cf(settings):
    """ALS small enough for a planted two-group world to train in a blink."""
    settings.CF_FACTORS = 8
    settings.CF_ITERATIONS = 8
    settings.CF_REGULARIZATION = 0.1
