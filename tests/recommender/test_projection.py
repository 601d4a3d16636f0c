"""The CF map: PCA of unit track vectors, its stored sample and per-component group labels."""

import numpy as np
import pytest

from recommender.cf import CFParams, train
from recommender.projection import (
    Projection,
    component_groups,
    fit_projection,
    projection_path,
)
from tests.recommender.factories import GROUP_A_ITEMS, GROUP_B_ITEMS, planted_interactions


def _clusters(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three tight clusters of 8-d vectors (with very different lengths) around 3 directions."""
    rng = np.random.default_rng(seed)
    centres = np.eye(8)[:3] * 3
    labels = np.repeat(np.arange(3), 40)
    lengths = rng.uniform(0.1, 10, size=labels.size)[:, None]  # popularity-like lengths
    vectors = (centres[labels] + rng.normal(scale=0.2, size=(labels.size, 8))) * lengths
    return vectors, np.arange(500, 500 + labels.size), labels


def test_tracks_pointing_the_same_way_land_together_whatever_their_length():
    vectors, ids, labels = _clusters()
    projection = fit_projection(vectors, ids, labels, sample=1000)
    xy = projection.transform(vectors)
    centroids = np.stack([xy[labels == g].mean(axis=0) for g in range(3)])
    spread = max(np.linalg.norm(xy[labels == g] - centroids[g], axis=1).max() for g in range(3))
    gaps = [np.linalg.norm(centroids[a] - centroids[b]) for a, b in ((0, 1), (0, 2), (1, 2))]
    assert min(gaps) > 3 * spread
    assert projection.explained.sum() > 0.9  # three directions: two axes hold nearly all


def test_the_axes_are_orthonormal_and_refitting_draws_the_same_map():
    vectors, ids, labels = _clusters()
    first = fit_projection(vectors, ids, labels)
    second = fit_projection(vectors[::-1], ids[::-1], labels[::-1])
    np.testing.assert_allclose(first.axes @ first.axes.T, np.eye(2), atol=1e-9)
    np.testing.assert_allclose(first.axes, second.axes, atol=1e-9)


def test_a_listener_vector_lands_among_the_tracks_it_scores_highest():
    vectors, ids, labels = _clusters()
    projection = fit_projection(vectors, ids, labels)
    listener = np.eye(8)[1] * 0.7  # any length: only its direction counts
    xy = projection.transform(vectors)
    here = projection.transform(listener)[0]
    nearest = labels[np.argsort(np.linalg.norm(xy - here, axis=1))[:20]]
    assert (nearest == 1).all()


def test_the_stored_sample_is_capped_seeded_and_on_the_map():
    vectors, ids, labels = _clusters()
    projection = fit_projection(vectors, ids, labels, sample=30, seed=3)
    assert projection.sample_ids.size == 30
    np.testing.assert_array_equal(
        projection.sample_ids, fit_projection(vectors, ids, labels, sample=30, seed=3).sample_ids
    )
    rows = np.searchsorted(ids, projection.sample_ids)
    np.testing.assert_allclose(
        projection.sample_xy, projection.transform(vectors[rows]), rtol=1e-5, atol=1e-5
    )


def test_zero_vectors_are_left_off_the_map_and_transform_to_nan():
    vectors, ids, labels = _clusters()
    vectors[:5] = 0
    projection = fit_projection(vectors, ids, labels, sample=1000)
    assert not np.isin(ids[:5], projection.sample_ids).any()
    assert np.isnan(projection.transform(vectors[:1])).all()
    with pytest.raises(ValueError, match="factors"):
        projection.transform(np.ones((1, 3)))


def test_each_component_is_labelled_by_the_groups_loading_most_on_either_side():
    factors = np.array(
        [[5.0, 0.0], [4.0, 0.1], [3.0, 0.0], [-6.0, 0.0], [0.1, 2.0], [0.0, -1.0]],
    )
    groups = np.array([10, 10, 11, 12, 13, -1])
    high, low = component_groups(factors, groups, n=2, top_items=3)
    assert high[0].tolist() == [10, 11]  # 5 + 4 beats 3
    assert low[0].tolist() == [12, -1]  # only one track loads negatively
    assert high[1].tolist() == [13, 10]
    assert low[1].tolist() == [-1, -1]  # the only negative track has no group


def test_a_trained_cf_model_separates_its_planted_taste_groups(tmp_path):
    model = train(planted_interactions(), CFParams(factors=8, regularization=0.1, iterations=10))
    items = model.items.ids
    groups = np.where(np.isin(items, GROUP_A_ITEMS), 1, 2)
    projection = fit_projection(model.item_factors, items, groups)
    xy = projection.transform(model.item_factors)
    a, b = xy[np.isin(items, GROUP_A_ITEMS)], xy[np.isin(items, GROUP_B_ITEMS)]
    gap = np.linalg.norm(a.mean(axis=0) - b.mean(axis=0))
    assert gap > 2 * max(a.std(axis=0).max(), b.std(axis=0).max())

    path = projection.save(projection_path(tmp_path / "cf-000001.npz"))
    assert path.name == "cf-000001.projection.npz"
    loaded = Projection.load(path)
    for name in ("mean", "axes", "sample_ids", "sample_xy", "component_high", "component_low"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(projection, name))


def test_loading_a_file_of_another_format_says_what_it_is(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, meta=np.array('{"format": "something-else"}'))
    with pytest.raises(ValueError, match="not a discover-weekly/cf-projection"):
        Projection.load(path)
