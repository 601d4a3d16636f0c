"""Shared fixtures: isolated media and model folders, a clean cache, eager Celery by default."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MODEL_DIR = tmp_path / "models"


@pytest.fixture(autouse=True)
def _fresh_registry():
    """Each test starts with no model loaded in this process (ids repeat across tests), and
    no weekly build's models remembered by build id."""
    from webapp.playlists import weekly
    from webapp.training.registry import registry

    registry.clear()
    weekly._build_serving.clear()
    yield
    registry.clear()
    weekly._build_serving.clear()


_DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def _uses_database(request) -> bool:
    return request.node.get_closest_marker("django_db") is not None or bool(
        _DATABASE_FIXTURES & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def _clean_cache(request):
    """An empty cache before and after each test. The embedded default keeps the cache in the
    database (webapp.settings): tests without database access cannot touch it, and for the
    others the database is set up first."""
    from django.core.cache import cache, caches
    from django.core.cache.backends.db import DatabaseCache

    if isinstance(caches["default"], DatabaseCache):
        if not _uses_database(request):
            yield
            return
        request.getfixturevalue("_django_db_helper")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks run in-process unless a test is marked to use the real worker."""
    from celery._state import _set_task_join_will_block

    from webapp.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
    # Celery keeps "inside a task" in one process-wide flag that each eager task sets and
    # restores: threads running eager tasks at once (the live-server tests) can leave it set,
    # and every later result.get() would refuse. Each test starts with it clear.
    _set_task_join_will_block(False)
