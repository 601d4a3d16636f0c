"""Shared fixtures: isolated media and model folders, a clean cache, eager Celery by default."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MODEL_DIR = tmp_path / "models"


@pytest.fixture(autouse=True)
def _fresh_registry():
    """Each test starts with no model loaded in this process (ids repeat across tests)."""
    from webapp.training.registry import registry

    registry.clear()
    yield
    registry.clear()


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks run in-process unless a test is marked to use the real worker."""
    from webapp.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
