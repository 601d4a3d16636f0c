"""The culture model: built from documents, top terms, similarity, track vectors, artifact."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.culture.model import CultureModel
from recommender.culture.vectors import co_mentions, cosine
from tests.recommender.culture.small_world import DREAMY, DREAMY_TWIN, LONELY, METAL


def test_an_artists_top_terms_come_from_the_pages_about_it(model):
    terms = dict(model.top_terms(DREAMY))
    assert {"dreamy", "shoegaze"} <= set(terms)
    assert "loud" not in terms and "weather" not in terms
    assert max(terms.values()) == 1.0
    assert model.top_terms(999) == []


def test_manual_tags_show_for_artists_no_page_names(model):
    assert model.top_terms(LONELY) == [("lonely tag", 1.0)]
    assert ("headbanging", 1.0) in model.top_terms(METAL)


def test_culturally_similar_artists_rank_by_cosine(model):
    similar = model.similar_artists(DREAMY)
    assert similar[0][0] == DREAMY_TWIN
    assert METAL not in [a for a, _ in similar]


def test_a_tracks_vector_is_its_artists_plus_its_own_terms(model):
    own = dict(model.track_top_terms(21))
    artist_only = dict(model.track_top_terms(20))
    assert set(dict(model.top_terms(DREAMY))) == set(artist_only)
    assert {"loud", "riffs"} <= set(own)
    vectors = model.track_vectors(np.array([20, 21, 999]))
    assert np.diff(vectors.indptr).tolist()[2] == 0  # unknown track: empty row
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    assert norms[:2] == pytest.approx([1.0, 1.0])


def test_a_listeners_profile_is_the_listening_weighted_sum_of_their_artists(model):
    history = sp.csr_matrix(np.array([[3.0, 1.0], [0.0, 2.0]], dtype=np.float32))
    profiles = model.profiles(history, np.array([20, 21]))
    unit = model.artist_vectors(np.array([DREAMY, METAL]))
    expected = (3 * unit[0] + 1 * unit[1]).toarray()
    expected /= np.linalg.norm(expected)
    assert profiles[0].toarray() == pytest.approx(expected, abs=1e-6)
    assert cosine(profiles[1], unit[1])[0, 0] == pytest.approx(1.0)


def test_co_mentions_count_pages_naming_both():
    w = sp.csr_matrix(np.array([[1, 0.25, 0], [1, 1, 0], [0, 1, 1]], dtype=np.float32))
    both = co_mentions(w).toarray()
    assert both.tolist() == [[0, 2, 0], [2, 0, 1], [0, 1, 0]]


def test_the_artifact_round_trips_without_pickle(model, tmp_path):
    path = model.save(tmp_path / "culture")
    assert path.suffix == ".npz"
    loaded = CultureModel.load(path)
    assert loaded.top_terms(DREAMY) == model.top_terms(DREAMY)
    assert loaded.similar_artists(DREAMY) == model.similar_artists(DREAMY)
    assert loaded.track_top_terms(21) == model.track_top_terms(21)
    assert loaded.counts == model.counts and loaded.params == model.params
    with np.load(path, allow_pickle=False) as data:
        assert data["vocab"].dtype.kind == "U"


def test_loading_something_else_fails_with_a_clear_error(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, meta=np.array('{"format": "other"}'))
    with pytest.raises(ValueError, match="not a culture artifact"):
        CultureModel.load(path)


def test_the_document_term_matrix_has_sorted_columns_and_keeps_counts():
    from recommender.culture.vectors import doc_term_matrix

    x, vocab = doc_term_matrix([{"b": 2, "a": 1}, {}, {"c": 1, "b": 1}], extra=["zz"])
    assert vocab == ["a", "b", "c", "zz"]
    assert x.toarray().tolist() == [[1, 2, 0, 0], [0, 0, 0, 0], [0, 1, 1, 0]]
