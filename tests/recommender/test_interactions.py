import numpy as np
import pytest
import scipy.sparse as sp

from recommender.interactions import (
    SIGNAL_WEIGHTS,
    IdMap,
    aggregate_signals,
    build_matrix,
    confidence,
    from_counts,
)


def test_confidence_follows_the_log_formula():
    # c = 1 + alpha * log(1 + r / eps): r=0 -> 1; r=1 -> 1 + 2 ln 2; r=e-1 -> 1 + 2 * 1 = 3
    got = confidence(np.array([0.0, 1.0, np.e - 1]), alpha=2.0)
    np.testing.assert_allclose(got, [1.0, 1 + 2 * np.log(2), 3.0], rtol=1e-6)
    assert got.dtype == np.float32


def test_confidence_eps_sets_the_count_scale():
    # r=10, eps=10 -> 1 + 1 * ln(2)
    assert confidence(np.array([10.0]), alpha=1.0, eps=10.0)[0] == pytest.approx(1 + np.log(2))


def test_confidence_rejects_non_positive_eps():
    with pytest.raises(ValueError, match="eps"):
        confidence(np.array([1.0]), alpha=1.0, eps=0.0)


def test_id_map_is_sorted_unique_and_marks_unknown_ids():
    ids = IdMap.from_ids(np.array([30, 10, 20, 10]))
    np.testing.assert_array_equal(ids.ids, [10, 20, 30])
    np.testing.assert_array_equal(ids.index_of(np.array([20, 99, 10, 30])), [1, -1, 0, 2])
    assert len(ids) == 3
    assert 20 in ids and 21 not in ids


def test_id_map_append_keeps_old_rows_in_place():
    ids = IdMap.from_ids(np.array([10, 20])).append(np.array([15, 20, 5]))
    np.testing.assert_array_equal(ids.ids, [10, 20, 5, 15])
    np.testing.assert_array_equal(ids.index_of(np.array([5, 10, 15, 20])), [2, 0, 3, 1])


@pytest.mark.parametrize(
    "ids",
    [
        np.arange(1, 5001)[::3],  # database ids: dense, looked up in a table
        np.array([-7, -1, 3, 12]),  # negative ids: searched
        np.array([5, 2**40, 2**41 + 3]),  # sparse hashed ids: searched
        np.array([3, 2**31 - 2]),  # a table would be huge: searched
    ],
)
def test_id_map_finds_every_id_the_same_way_whatever_the_ids_look_like(ids):
    rng = np.random.default_rng(len(ids))
    ids = rng.permutation(ids).astype(np.int64)
    unsorted = IdMap(ids)  # rows in the given order
    from_ids = IdMap.from_ids(np.concatenate([ids, ids[:3]]))  # duplicates allowed
    np.testing.assert_array_equal(from_ids.ids, np.sort(ids))
    unknown = np.array([-(2**40), -2, 0, 2**42, int(ids.max()) + 1], dtype=np.int64)
    unknown = unknown[~np.isin(unknown, ids)]
    for idmap in (unsorted, from_ids):
        np.testing.assert_array_equal(idmap.ids[idmap.index_of(ids)], ids)
        assert (idmap.index_of(unknown) == -1).all()
        assert int(ids[0]) in idmap and int(unknown[0]) not in idmap


def test_id_map_rejects_duplicate_ids():
    with pytest.raises(ValueError, match="unique"):
        IdMap(np.array([1, 1]))


def test_build_matrix_sums_duplicate_pairs_and_maps_ids():
    inter = build_matrix(
        np.array([7, 7, 3, 7]),
        np.array([50, 50, 40, 40]),
        np.array([2.0, 3.0, 1.0, 4.0]),
        alpha=2.0,
    )
    np.testing.assert_array_equal(inter.users.ids, [3, 7])
    np.testing.assert_array_equal(inter.items.ids, [40, 50])
    np.testing.assert_array_equal(inter.counts.toarray(), [[1, 0], [4, 5]])
    expected = np.where(inter.counts.toarray() > 0, confidence(inter.counts.toarray(), alpha=2), 0)
    np.testing.assert_allclose(inter.matrix.toarray(), expected, rtol=1e-6)
    assert inter.matrix.dtype == np.float32 and sp.isspmatrix_csr(inter.matrix)


def test_build_matrix_drops_rows_with_non_positive_counts():
    inter = build_matrix(
        np.array([1, 2, 3]), np.array([9, 9, 9]), np.array([1.0, 0.0, -2.0]), alpha=1
    )
    np.testing.assert_array_equal(inter.users.ids, [1])
    assert inter.matrix.nnz == 1


def test_build_matrix_with_given_maps_uses_their_order_and_drops_unknown_ids():
    users, items = IdMap(np.array([5, 1])), IdMap(np.array([20, 10]))
    inter = build_matrix(
        np.array([1, 5, 6]),
        np.array([10, 20, 10]),
        np.array([1.0, 2.0, 3.0]),
        alpha=1,
        users=users,
        items=items,
    )
    np.testing.assert_array_equal(inter.counts.toarray(), [[2, 0], [0, 1]])


def test_build_matrix_rejects_arrays_of_different_lengths():
    with pytest.raises(ValueError, match="same length"):
        build_matrix(np.array([1, 2]), np.array([1]), np.array([1.0, 2.0]), alpha=1)


def test_with_alpha_recomputes_confidence_from_counts():
    inter = from_counts(sp.csr_matrix(np.array([[3.0, 0.0]])), alpha=1.0)
    assert inter.with_alpha(1.0) is inter
    assert inter.with_alpha(4.0).matrix[0, 0] == pytest.approx(1 + 4 * np.log(4))


def test_aggregate_signals_weights_each_signal_and_drops_skips():
    users, items, counts = aggregate_signals(
        {
            "play": (np.array([1]), np.array([10]), np.array([3.0])),
            "save": (np.array([1]), np.array([10]), np.array([1.0])),
            "skip": (np.array([1]), np.array([11]), np.array([9.0])),
        }
    )
    np.testing.assert_array_equal(users, [1, 1])
    np.testing.assert_array_equal(items, [10, 10])
    np.testing.assert_allclose(counts, [3.0 * SIGNAL_WEIGHTS["play"], SIGNAL_WEIGHTS["save"]])
    assert build_matrix(users, items, counts, alpha=1).counts[0, 0] == pytest.approx(8.0)


def test_aggregate_signals_rejects_an_unknown_signal():
    with pytest.raises(ValueError, match="like"):
        aggregate_signals({"like": (np.array([1]), np.array([1]), np.array([1.0]))})
