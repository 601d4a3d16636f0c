"""The small culture model the model and scorer tests share."""

import pytest

from tests.recommender.culture.small_world import small_model


@pytest.fixture
def model():
    return small_model()
