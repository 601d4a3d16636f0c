"""recommender.audio.coldstart and .demo: the cold-start evaluation end to end on a tiny
synthetic world whose clips reflect genre and taste (recommender.audio.synth)."""

import json

import numpy as np
import pytest

from recommender.audio.coldstart import auc_per_item, audio_files, main, read_listens
from recommender.audio.demo import track_name, write_audio, write_listens
from recommender.audio.synth import synthesize_world_track
from recommender.synthetic import generate_world

TINY_WORLD = {
    "n_listeners": 80,
    "n_tracks": 200,
    "n_genres": 4,
    "mean_listens_per_listener": 60,
    "seed": 5,
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("coldstart")
    write_listens(generate_world(**TINY_WORLD), out / "listens.tsv")
    write_audio(TINY_WORLD, out / "audio", seconds=3.0, workers=1)
    return out / "listens.tsv", out / "audio"


def test_the_command_beats_random_from_audio_alone(dataset, capsys):
    listens, audio = dataset
    assert main([str(listens), str(audio), "--json", "--workers", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"cnn", "features", "random"}
    assert 0.35 < result["random"]["auc"] < 0.65
    assert result["cnn"]["auc"] > 0.65 and result["features"]["auc"] > 0.6


def test_the_demo_dataset_names_one_clip_per_track(dataset):
    listens, audio = dataset
    files = audio_files(audio)
    assert len(files) == TINY_WORLD["n_tracks"] and track_name(7) in files
    parsed = read_listens(listens)
    assert set(parsed.tracks) <= set(files) and parsed.matrix.sum() > 0


def test_world_tracks_are_deterministic_and_differ_by_track():
    world = generate_world(**TINY_WORLD)
    a = synthesize_world_track(world, 3, seconds=2.0)
    np.testing.assert_array_equal(a, synthesize_world_track(world, 3, seconds=2.0))
    assert not np.allclose(a, synthesize_world_track(world, 4, seconds=2.0))
    assert a.dtype == np.float32 and np.abs(a).max() == pytest.approx(0.9, abs=1e-3)


def test_listens_with_string_ids_and_a_header_are_read(tmp_path):
    path = tmp_path / "l.tsv"
    path.write_text("user\ttrack\tcount\nann\tsong-a\t3\nbob\tsong-a\t1\nann\tsong-b\t2\n")
    listens = read_listens(path)
    assert listens.users == ["ann", "bob"] and listens.tracks == ["song-a", "song-b"]
    assert listens.matrix.toarray().tolist() == [[3, 2], [1, 0]]


def test_a_malformed_listens_line_names_its_line(tmp_path):
    path = tmp_path / "l.tsv"
    path.write_text("ann\tsong-a\t3\nbob\tsong-b\tlots\n")
    with pytest.raises(ValueError, match=r"l\.tsv:2"):
        read_listens(path)


def test_auc_counts_positives_ranked_above_negatives_with_ties_as_half():
    scores = np.array([[0.9, 1.0], [0.5, 1.0], [0.1, 0.0], [0.7, 0.0]])
    positives = np.array([[1, 1], [0, 0], [0, 1], [1, 0]], dtype=bool)
    # column 0: positives 0.9, 0.7 beat both negatives -> 1.0
    # column 1: positive 1.0 vs negatives (1.0 tie, 0.0) = 1.5/2; positive 0.0 vs (1.0, 0.0) = 0.5/2
    np.testing.assert_allclose(auc_per_item(scores, positives), [1.0, 0.5])


def test_auc_is_nan_without_positives():
    assert np.isnan(auc_per_item(np.ones((3, 1)), np.zeros((3, 1), dtype=bool))).all()
