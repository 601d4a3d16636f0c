"""The recommender library never touches Django: switch off the project-wide Django fixtures.

Same-named fixtures here override the autouse ones in tests/conftest.py, so this suite runs
with `-p no:django` and without a database.
"""

import pytest


@pytest.fixture(autouse=True)
def _isolated_storage():
    yield


@pytest.fixture(autouse=True)
def _clean_cache():
    yield


@pytest.fixture(autouse=True)
def _eager_celery():
    yield
