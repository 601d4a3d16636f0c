import json

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.cf import CFParams
from recommender.evaluate.playlist_eval import (
    evaluate_playlists,
    lastfm_data,
    main,
    playlist_metrics,
    synthetic_data,
)
from recommender.interactions import IdMap
from tests.shared_data import needs_shared, shared_path

SMALL_CF = CFParams(factors=32, regularization=5.0)


def test_metrics_count_hidden_tracks_and_hidden_artists_as_worked_out_by_hand():
    items = IdMap(np.array([10, 11, 12, 13, 14, 15]))
    item_artist = np.array([1, 1, 2, 3, 3, 4])  # artist 1 has items 10, 11; artist 3 has 13, 14
    train = sp.csr_matrix(np.array([[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0]], dtype=float))
    test = sp.csr_matrix(np.array([[0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 0, 1]], dtype=float))
    tracks = np.array([[11, 13, 15], [13, 12, -1]])
    artists = np.array([[1, 3, 4], [3, 2, -1]])
    metrics = playlist_metrics(
        tracks, artists, train=train, test=test, items=items, item_artist=item_artist
    )
    # listener 0: hidden tracks 11, 12, 13 -> finds 11, 13; hidden artists 2, 3 (1 is known)
    # -> finds 3. listener 1: hidden tracks 13, 15 -> finds 13; hidden artists 4 only (3 is
    # known) -> finds none.
    assert metrics["tracks_found"] == pytest.approx((2 + 1) / 2)
    assert metrics["hit_rate"] == 1.0
    assert metrics["artists_found"] == pytest.approx((1 + 0) / 2)
    assert metrics["artist_recall"] == pytest.approx((1 / 2 + 0 / 1) / 2)
    assert metrics["new_artist_share"] == pytest.approx(3 / 5)  # 1 and 3 are known, once each
    assert metrics["distinct_artists"] == pytest.approx(2.5)
    assert metrics["coverage"] == pytest.approx(4 / 6)


@pytest.fixture(scope="module")
def synthetic_result():
    data = synthetic_data(listeners=301, tracks=3000, artists=None, listens=200, seed=7)  # demo
    return evaluate_playlists(data, params=SMALL_CF, seed=0)


def test_the_playlist_finds_clearly_more_hidden_artists_than_a_popularity_playlist(
    synthetic_result,
):
    variants = synthetic_result.variants
    playlist = variants["playlist (blend + rules)"]["artists_found"]
    assert playlist > 1.1 * variants["popularity + rules"]["artists_found"]
    assert playlist > 2 * variants["popularity raw top 30"]["artists_found"]


def test_every_rule_shows_in_the_playlists_it_changes(synthetic_result):
    variants = synthetic_result.variants
    assert variants["playlist (blend + rules)"]["distinct_artists"] == 30
    assert variants["  without artist rules"]["distinct_artists"] < 30
    assert variants["cf raw top 30"]["distinct_artists"] < 30
    share = variants["playlist (blend + rules)"]["new_artist_share"]
    assert abs(share - 0.5) < abs(variants["  without new-artist share"]["new_artist_share"] - 0.5)
    assert set(synthetic_result.weights) == {"cf", "popularity"}
    assert sum(synthetic_result.weights.values()) == pytest.approx(1.0)


def test_the_command_prints_a_json_object_of_every_variant(capsys):
    argv = ["--synthetic", "--listeners", "200", "--tracks", "800", "--listens", "40"]
    assert main([*argv, "--factors", "8", "--iterations", "5", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "playlist (blend + rules)" in result["variants"]
    assert result["params"]["factors"] == 8


def test_the_command_says_what_is_missing():
    with pytest.raises(SystemExit):
        main([])
    assert main(["/nonexistent/lastfm"]) == 2


@needs_shared("lastfm-2k")
def test_on_lastfm_the_playlist_finds_more_hidden_artists_than_popularity():
    data = lastfm_data(shared_path("lastfm-2k"))
    result = evaluate_playlists(
        data, params=CFParams(factors=32, regularization=50.0), seed=0, max_listeners=300
    )
    variants = result.variants
    playlist = variants["playlist (blend + rules)"]["artists_found"]
    assert playlist > 1.5 * variants["popularity + rules"]["artists_found"]
