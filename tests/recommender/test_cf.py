import numpy as np
import pytest
import scipy.sparse as sp

from recommender.cf import CFModel, CFParams, UnknownIdError, _top_n, make_model, train
from recommender.interactions import IdMap, build_matrix, from_counts
from tests.recommender.factories import (
    GROUP_A_ITEMS,
    GROUP_A_USERS,
    GROUP_B_ITEMS,
    GROUP_B_USERS,
    planted_interactions,
)

# Few factors and firm regularization: the planted structure is rank 2, and 20 users is tiny.
PARAMS = CFParams(factors=4, regularization=5.0, alpha=2.0, iterations=10, random_state=3)


@pytest.fixture(scope="module")
def planted():
    inter = planted_interactions()
    return inter, train(inter, PARAMS)


def played_by(inter, user_id):
    row = inter.users.index_of(user_id)
    return set(inter.items.ids[inter.counts[row].indices].tolist())


def test_make_model_builds_a_cpu_als_that_does_not_rescale_confidence():
    model = make_model(PARAMS)
    assert model.factors == 4 and model.alpha == 1.0 and model.iterations == 10


def test_training_reports_progress_once_per_iteration():
    calls = []
    train(planted_interactions(), PARAMS, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 10) for i in range(1, 11)]


def test_training_is_deterministic_for_a_random_state():
    a, b = train(planted_interactions(), PARAMS), train(planted_interactions(), PARAMS)
    np.testing.assert_array_equal(a.user_factors, b.user_factors)


def test_factors_are_float32_with_one_row_per_user_and_item(planted):
    inter, model = planted
    assert model.user_factors.shape == (20, 4) and model.user_factors.dtype == np.float32
    assert model.item_factors.shape == (24, 4) and model.item_factors.dtype == np.float32


def test_recommendations_come_from_the_users_own_group_and_skip_played_items(planted):
    inter, model = planted
    for users, own_items in ((GROUP_A_USERS, GROUP_A_ITEMS), (GROUP_B_USERS, GROUP_B_ITEMS)):
        for user in users:
            recs = model.recommend(int(user), n=4)
            ids = {item for item, _ in recs}
            assert len(recs) == 4
            assert ids <= set(own_items.tolist())
            assert not ids & played_by(inter, user)
            scores = [score for _, score in recs]
            assert scores == sorted(scores, reverse=True)


def test_recommend_can_include_played_items(planted):
    inter, model = planted
    user = int(GROUP_A_USERS[0])
    top = {item for item, _ in model.recommend(user, n=7, exclude_played=False)}
    assert top & played_by(inter, user)


def test_recommend_batch_matches_single_recommendations_and_pads_unknown_users(planted):
    _, model = planted
    users = np.array([GROUP_A_USERS[0], 999, GROUP_B_USERS[3]])
    ids, scores = model.recommend_batch(users, n=5)
    assert ids.shape == scores.shape == (3, 5)
    assert [i for i, _ in model.recommend(int(users[0]), n=5)] == ids[0].tolist()
    assert ids[1].tolist() == [-1] * 5 and np.all(np.isneginf(scores[1]))


def test_recommend_batch_pads_when_fewer_unplayed_items_remain_than_asked(planted):
    inter, model = planted
    ids, scores = model.recommend_batch(GROUP_A_USERS[:1], n=30)
    assert (ids[0] >= 0).sum() == 24 - 7
    assert np.all(ids[0][17:] == -1)


def test_unknown_user_raises_a_clear_value_error(planted):
    _, model = planted
    with pytest.raises(ValueError, match="user 999 is not in the CF model"):
        model.recommend(999)
    assert issubclass(UnknownIdError, ValueError)


def test_similar_items_stay_in_the_items_group_and_leave_the_item_out(planted):
    _, model = planted
    item = int(GROUP_B_ITEMS[0])
    similar = model.similar_items(item, n=5)
    ids = [i for i, _ in similar]
    assert item not in ids and len(ids) == 5
    assert set(ids) <= set(GROUP_B_ITEMS.tolist())


def test_similar_users_stay_in_the_users_group_and_leave_the_user_out(planted):
    _, model = planted
    user = int(GROUP_A_USERS[2])
    ids = [u for u, _ in model.similar_users(user, n=5)]
    assert user not in ids and set(ids) <= set(GROUP_A_USERS.tolist())


def test_score_gives_dot_products_and_nan_for_unknown_items(planted):
    _, model = planted
    user = int(GROUP_A_USERS[0])
    scores = model.score(user, np.array([GROUP_A_ITEMS[0], 12345]))
    expected = model.user_factors[0] @ model.item_factors[0]
    assert scores[0] == pytest.approx(expected, rel=1e-5) and np.isnan(scores[1])


def test_update_user_moves_only_that_user_and_pulls_recs_toward_new_items():
    inter = planted_interactions()
    model = train(inter, PARAMS)
    before = model.user_factors.copy()
    user = int(GROUP_A_USERS[0])
    new_items = GROUP_B_ITEMS[:6]
    model.update_user(user, new_items, np.full(6, 20.0))
    row = model.users.index_of(user)
    assert not np.allclose(model.user_factors[row], before[row])
    others = np.arange(len(before)) != row
    np.testing.assert_array_equal(model.user_factors[others], before[others])
    recs = {item for item, _ in model.recommend(user, n=4)}
    assert recs <= set(GROUP_B_ITEMS[6:].tolist())  # new taste, new items excluded as played


def test_similar_users_follow_a_users_updated_taste():
    model = train(planted_interactions(), PARAMS)
    user = int(GROUP_A_USERS[0])
    model.similar_users(user, n=3)  # fills the normalized-factor cache
    model.update_user(user, GROUP_B_ITEMS[:8], np.full(8, 20.0))
    ids = [u for u, _ in model.similar_users(user, n=5)]
    assert set(ids) <= set(GROUP_B_USERS.tolist())


def test_update_user_with_unchanged_history_keeps_recommendations():
    inter = planted_interactions()
    model = train(inter, PARAMS)
    user = int(GROUP_B_USERS[1])
    before = [i for i, _ in model.recommend(user, n=3)]
    row = inter.users.index_of(user)
    model.update_user(user, inter.items.ids[inter.counts[row].indices], inter.counts[row].data)
    assert [i for i, _ in model.recommend(user, n=3)] == before


def test_update_user_appends_a_new_user_without_retraining():
    model = train(planted_interactions(), PARAMS)
    model.update_user(777, GROUP_A_ITEMS[:5], np.full(5, 10.0))
    assert len(model.users) == 21 and model.user_factors.shape[0] == 21
    recs = {item for item, _ in model.recommend(777, n=3)}
    assert recs <= set(GROUP_A_ITEMS[5:].tolist())


def test_update_users_in_one_batch_matches_updating_each_user_alone():
    one_by_one, batched = (train(planted_interactions(), PARAMS) for _ in range(2))
    updates = {int(GROUP_A_USERS[0]): GROUP_B_ITEMS[:6], 555: GROUP_A_ITEMS[:4]}
    for user, items in updates.items():
        one_by_one.update_user(user, items, np.full(items.size, 20.0))
    user_ids = np.concatenate([np.full(items.size, user) for user, items in updates.items()])
    item_ids = np.concatenate(list(updates.values()))
    solved, _ = batched.update_users(user_ids, item_ids, np.full(item_ids.size, 20.0))
    assert solved.tolist() == sorted(updates)
    for user in updates:
        a, b = (m.user_factors[m.users.index_of(user)] for m in (one_by_one, batched))
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
        assert batched.recommend(user, n=3) == one_by_one.recommend(user, n=3)
    assert (batched.user_items != one_by_one.user_items).nnz == 0


def test_set_user_vectors_appends_new_users_and_refreshes_similar_users():
    model = train(planted_interactions(), PARAMS)
    user = int(GROUP_A_USERS[0])
    model.similar_users(user, n=3)  # fills the normalized-factor cache
    b_vector = model.user_factors[model.users.index_of(int(GROUP_B_USERS[0]))]
    model.set_user_vectors(np.array([user, 999]), np.stack([b_vector, b_vector]))
    assert {u for u, _ in model.similar_users(user, n=5)} <= set(GROUP_B_USERS.tolist()) | {999}
    assert 999 in model.users and model.user_items.shape[0] == len(model.users)
    assert model.user_items[model.users.index_of(999)].nnz == 0
    played_before = model.user_items[model.users.index_of(user)].nnz
    assert played_before > 0  # known users keep their played rows without user_items


def test_save_load_round_trip_gives_identical_recommendations(tmp_path, planted):
    _, model = planted
    path = model.save(tmp_path / "cf")
    assert path.name == "cf.npz" and path.exists()
    loaded = CFModel.load(path)
    assert loaded.params == model.params
    np.testing.assert_array_equal(loaded.item_factors, model.item_factors)
    np.testing.assert_array_equal(loaded.users.ids, model.users.ids)
    users = np.concatenate([GROUP_A_USERS, GROUP_B_USERS])
    loaded_ids, loaded_scores = loaded.recommend_batch(users, n=5)
    ids, scores = model.recommend_batch(users, n=5)
    np.testing.assert_array_equal(loaded_ids, ids)
    np.testing.assert_array_equal(loaded_scores, scores)


def test_load_refuses_a_file_that_is_not_a_cf_artifact(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, meta=np.array('{"format": "something-else"}'))
    with pytest.raises(ValueError, match="not a discover-weekly/cf-als"):
        CFModel.load(path)


def test_training_on_an_empty_matrix_raises_a_clear_error():
    with pytest.raises(ValueError, match="empty interaction matrix"):
        train(from_counts(sp.csr_matrix((3, 4)), alpha=1.0), PARAMS)


def test_training_with_no_users_or_items_raises_a_clear_error():
    empty = build_matrix(np.array([], int), np.array([], int), np.array([]), alpha=1.0)
    with pytest.raises(ValueError, match="no users or no items"):
        train(empty, PARAMS)


def test_a_one_row_matrix_trains_and_recommends_the_unplayed_items():
    inter = build_matrix(
        np.array([1, 1, 1]),
        np.array([10, 11, 12]),
        np.array([3.0, 1.0, 2.0]),
        alpha=2.0,
        items=IdMap(np.arange(10, 15)),
    )
    model = train(inter, PARAMS)
    assert {item for item, _ in model.recommend(1, n=5)} == {13, 14}


def test_top_n_breaks_ties_by_lower_index_even_at_the_cut_off():
    scores = np.array([[1.0, 3.0, 2.0, 2.0, 2.0, -np.inf]], dtype=np.float32)
    top, values = _top_n(scores, 3)
    np.testing.assert_array_equal(top, [[1, 2, 3]])
    np.testing.assert_array_equal(values, [[3.0, 2.0, 2.0]])
    assert _top_n(scores, 6)[0][0, :3].tolist() == top[0].tolist()
