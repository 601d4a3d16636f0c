"""recommender.audio.evaluate: tempo accuracy measures, and this analyser against librosa's
default beat tracker on the labelled real clips in ../shared/data/audio."""

import numpy as np
import pytest

from recommender.audio.evaluate import (
    labelled_clips,
    nearest_neighbour_accuracy,
    tempo_accuracy,
    tempo_estimates,
)
from tests.shared_data import needs_shared, shared_path


def test_acc1_takes_four_percent_and_acc2_also_the_metrical_relatives():
    labels = np.array([100.0, 100.0, 100.0, 100.0])
    estimates = np.array([103.9, 200.0, 33.4, 150.0])
    assert tempo_accuracy(estimates, labels) == (0.25, 0.75)


def test_nearest_neighbour_accuracy_is_leave_one_out():
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9], [1, 1.05]])
    assert nearest_neighbour_accuracy(vectors, ["a", "a", "b", "b", "a"]) == pytest.approx(0.8)


@needs_shared("audio", "labels.csv")
def test_this_analyser_beats_librosas_default_on_the_labelled_clips():
    directory = shared_path("audio")
    found = tempo_estimates(directory, labelled_clips(directory))
    ours = tempo_accuracy(found["ours"], found["label"])
    librosa_default = tempo_accuracy(found["librosa"], found["label"])
    assert ours[0] >= librosa_default[0] and ours[1] > librosa_default[1]
