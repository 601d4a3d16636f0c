import numpy as np
import pytest
import scipy.sparse as sp

from recommender.blend import blend, candidate_exclusions, listener_rows
from recommender.blend_weights import fit_weights
from recommender.interactions import IdMap
from recommender.popularity_scorer import PopularityScorer
from recommender.scoring import ListenerBatch
from recommender.standardize import row_stats
from recommender.topk import top_columns
from tests.recommender.matrix_scorer import MatrixScorer
from tests.recommender.scorer_contract import ScorerCase, ScorerContract

N_LISTENERS, N_TRACKS = 12, 80
LISTENER_IDS = np.arange(500, 500 + N_LISTENERS)
TRACK_IDS = np.arange(9000, 9000 + N_TRACKS)


def batch(history_density=0.1, seed=0, empty_rows=()):
    rng = np.random.default_rng(seed)
    history = sp.random(
        N_LISTENERS, N_TRACKS, density=history_density, random_state=rng, format="lil"
    )
    for row in empty_rows:
        history[row, :] = 0
    history = sp.csr_matrix(history, dtype=np.float32)
    history.data = np.ceil(history.data * 10)
    return ListenerBatch(LISTENER_IDS, history, IdMap(TRACK_IDS))


def matrix(seed, scale=1.0, shift=0.0):
    rng = np.random.default_rng(seed)
    return shift + scale * rng.standard_normal((N_LISTENERS, N_TRACKS))


def candidates_of(listeners, row, exclude=None):
    forbidden = candidate_exclusions(listeners, TRACK_IDS, exclude).toarray().astype(bool)
    return ~forbidden[row]


def z_of(values, keep):
    mean, std = values[keep].mean(), values[keep].std()
    return (values - mean) / std


# -- standardization ----------------------------------------------------------------------


def test_z_scores_are_taken_over_each_listeners_candidates_only():
    scores = matrix(1, scale=3.0, shift=2.0).astype(np.float32)
    exclude = sp.random(N_LISTENERS, N_TRACKS, density=0.3, random_state=2, format="coo")
    mean, std, count = row_stats(scores.copy(), exclude.row, exclude.col)
    keep = ~exclude.toarray().astype(bool)
    for row in range(N_LISTENERS):
        assert count[row] == keep[row].sum()
        assert mean[row] == pytest.approx(scores[row, keep[row]].mean(), rel=1e-5)
        assert std[row] == pytest.approx(scores[row, keep[row]].std(), rel=1e-4)


def test_a_nan_cell_is_left_out_of_the_statistics_and_gets_a_z_of_zero():
    scores = matrix(3).astype(np.float32)
    scores[4, :10] = np.nan
    clean = scores[4, 10:].astype(np.float64)
    none = np.zeros(0, dtype=np.int64)
    mean, std, count = row_stats(scores, none, none)
    assert count[4] == N_TRACKS - 10
    assert mean[4] == pytest.approx(clean.mean(), rel=1e-5)
    assert std[4] == pytest.approx(clean.std(), rel=1e-4)
    np.testing.assert_allclose(scores[4, :10], mean[4], rtol=1e-6)


@pytest.mark.parametrize("extra", [False, True])
@pytest.mark.parametrize("with_sums", [False, True])
def test_columns_a_model_cannot_score_are_filled_with_each_rows_mean(with_sums, extra):
    """The same unscored columns in every row (CF's unknown tracks) are filled in place, and
    a row with a NaN elsewhere too still gets every such cell filled."""
    scores = matrix(6).astype(np.float32)
    scores[:, [3, 17]] = np.nan
    if extra:
        scores[5, 40] = np.nan  # one more, in one row only
    finite = np.isfinite(scores)
    expected = [scores[row, finite[row]].astype(np.float64).mean() for row in range(N_LISTENERS)]
    none = np.zeros(0, dtype=np.int64)
    sums = None
    if with_sums:
        clean = np.where(finite, scores, 0.0).astype(np.float64)
        sums = (finite.sum(axis=1), clean.sum(axis=1), (clean * clean).sum(axis=1))
    mean, _, count = row_stats(scores, none, none, sums)
    assert count[5] == N_TRACKS - (3 if extra else 2) and count[0] == N_TRACKS - 2
    np.testing.assert_allclose(mean, expected, rtol=1e-5)
    assert np.isfinite(scores).all()
    np.testing.assert_allclose(scores[:, 3], mean, rtol=1e-6)
    if extra:
        assert scores[5, 40] == pytest.approx(mean[5], rel=1e-6)


def test_a_constant_or_empty_row_has_no_spread_so_the_model_says_nothing_there():
    scores = matrix(4).astype(np.float32)
    scores[0] = 7.25
    scores[1] = np.nan
    none = np.zeros(0, dtype=np.int64)
    _, std, count = row_stats(scores, none, none)
    assert std[0] == 0 and std[1] == 0 and count[1] == 0
    assert (std[2:] > 0).all()


def test_scores_far_from_zero_keep_their_spread():
    scores = matrix(5, scale=1.0, shift=3e4).astype(np.float32)
    none = np.zeros(0, dtype=np.int64)
    _, std, _ = row_stats(scores.copy(), none, none)
    np.testing.assert_allclose(std, scores.astype(np.float64).std(axis=1), rtol=1e-3)


# -- top columns ---------------------------------------------------------------------------


@pytest.mark.parametrize("n_cols", [50, 30_000])
def test_top_columns_match_a_full_sort_with_ties_to_the_lower_column(n_cols):
    rng = np.random.default_rng(n_cols)
    values = rng.integers(0, 40, (20, n_cols)).astype(np.float32)  # many ties
    values[3, :] = -np.inf
    values[4, 5:] = -np.inf  # only five candidates left
    cols, top = top_columns(values, 25)
    expected = np.argsort(-values, axis=1, kind="stable")[:, :25]
    finite = np.isfinite(np.take_along_axis(values, expected, axis=1))
    np.testing.assert_array_equal(cols, np.where(finite, expected, -1))
    assert (cols[3] == -1).all() and (cols[4, :5] >= 0).all() and (cols[4, 5:] == -1).all()
    assert np.isneginf(top[cols < 0]).all()


def test_top_columns_of_continuous_scores_equal_the_exact_ranking():
    values = np.random.default_rng(1).lognormal(0, 2, (30, 40_000)).astype(np.float32)
    cols, top = top_columns(values, 300)
    np.testing.assert_array_equal(cols, np.argsort(-values, axis=1, kind="stable")[:, :300])
    np.testing.assert_array_equal(top, -np.sort(-values, axis=1)[:, :300])


# -- the blend -----------------------------------------------------------------------------


def test_the_pool_never_holds_a_track_the_listener_had_or_was_excluded():
    listeners = batch()
    exclude = sp.random(N_LISTENERS, N_TRACKS, density=0.2, random_state=9, format="csr")
    cf = MatrixScorer("cf", LISTENER_IDS, TRACK_IDS, matrix(1))
    pool = blend(listeners, TRACK_IDS, [cf], exclude=exclude, pool_size=N_TRACKS)
    for row in range(N_LISTENERS):
        allowed = set(TRACK_IDS[candidates_of(listeners, row, exclude)].tolist())
        picked = pool.track_ids[row][pool.track_ids[row] >= 0]
        assert set(picked.tolist()) == allowed
        assert pool.candidates[row] == len(allowed)


def test_contributions_are_weight_times_z_and_add_up_to_the_score():
    listeners = batch()
    a, b = matrix(1), matrix(2, scale=5.0, shift=-3.0)
    scorers = [MatrixScorer("cf", LISTENER_IDS, TRACK_IDS, a)]
    scorers.append(MatrixScorer("audio", LISTENER_IDS, TRACK_IDS, b))
    pool = blend(listeners, TRACK_IDS, scorers, {"cf": 0.7, "audio": 0.3}, pool_size=10)
    for row in range(N_LISTENERS):
        keep = candidates_of(listeners, row)
        cols = pool.columns[row]
        np.testing.assert_allclose(
            pool.contributions[row, :, 0], 0.7 * z_of(a[row], keep)[cols], rtol=1e-4, atol=1e-5
        )
        np.testing.assert_allclose(
            pool.contributions[row, :, 1], 0.3 * z_of(b[row], keep)[cols], rtol=1e-4, atol=1e-5
        )
        np.testing.assert_allclose(pool.scores[row], pool.contributions[row].sum(-1), rtol=1e-5)
        blended = 0.7 * z_of(a[row], keep) + 0.3 * z_of(b[row], keep)
        blended[~keep] = -np.inf
        np.testing.assert_array_equal(cols, np.argsort(-blended, kind="stable")[:10])
    assert pool.kinds == ("cf", "audio")


def test_one_model_ranks_by_its_own_scores():
    listeners = batch()
    a = matrix(7, scale=0.01, shift=4.0)
    pool = blend(listeners, TRACK_IDS, [MatrixScorer("cf", LISTENER_IDS, TRACK_IDS, a)])
    for row in range(N_LISTENERS):
        ranked = np.where(candidates_of(listeners, row), a[row], -np.inf)
        expected = np.argsort(-ranked.astype(np.float32), kind="stable")
        n = int(candidates_of(listeners, row).sum())
        np.testing.assert_array_equal(pool.columns[row, :n], expected[:n])


def test_a_track_a_model_cannot_score_still_gets_the_other_models_contribution():
    listeners = batch()
    a, b = matrix(1), matrix(2)
    a[:, 5] = np.nan  # CF has never seen track 5; audio loves it
    b[:, 5] = 50.0
    scorers = [MatrixScorer("cf", LISTENER_IDS, TRACK_IDS, a)]
    scorers.append(MatrixScorer("audio", LISTENER_IDS, TRACK_IDS, b))
    pool = blend(listeners, TRACK_IDS, scorers, pool_size=5)
    for row in np.flatnonzero([candidates_of(listeners, r)[5] for r in range(N_LISTENERS)]):
        assert pool.columns[row, 0] == 5
        assert pool.contributions[row, 0, 0] == pytest.approx(0.0, abs=1e-6)
        assert pool.contributions[row, 0, 1] > 0


def test_a_model_of_weight_zero_is_never_scored_and_contributes_nothing():
    listeners = batch()
    cf = MatrixScorer("cf", LISTENER_IDS, TRACK_IDS, matrix(1))
    culture = MatrixScorer("culture", LISTENER_IDS, TRACK_IDS, matrix(2))
    pool = blend(listeners, TRACK_IDS, [cf, culture], {"cf": 1.0, "culture": 0.0})
    alone = blend(listeners, TRACK_IDS, [cf])
    assert culture.calls == 0
    assert (pool.contributions[..., 1] == 0).all()
    np.testing.assert_array_equal(pool.columns, alone.columns)


def test_a_negative_weight_is_refused_with_the_kind_named():
    cf = MatrixScorer("cf", LISTENER_IDS, TRACK_IDS, matrix(1))
    with pytest.raises(ValueError, match="cf"):
        blend(batch(), TRACK_IDS, [cf], {"cf": -1.0})


def test_a_cold_start_listener_gets_popularity_plus_what_models_can_score_flagged():
    listeners = batch(empty_rows=[2])
    counts = np.arange(N_TRACKS)[::-1].astype(float)  # the first tracks are the most played
    popularity = PopularityScorer(TRACK_IDS, counts)
    culture = MatrixScorer("culture", LISTENER_IDS, TRACK_IDS, matrix(3))
    pool = blend(listeners, TRACK_IDS, [culture, popularity], {"popularity": 0.0}, pool_size=10)
    assert pool.fallback.tolist() == [row == 2 for row in range(N_LISTENERS)]
    assert (pool.contributions[2, :, 1] > 0).all()  # popularity speaks for the cold listener
    assert (pool.contributions[2, :, 0] != 0).any()  # and culture still does
    assert (pool.contributions[0, :, 1] == 0).all()  # a warm listener: popularity weight 0


def test_a_listener_no_model_can_score_falls_back_to_popularity():
    listeners = batch()
    a = matrix(1)
    a[4] = np.nan  # CF has no vector for this listener
    counts = np.arange(N_TRACKS)[::-1].astype(float)
    scorers = [MatrixScorer("cf", LISTENER_IDS, TRACK_IDS, a), PopularityScorer(TRACK_IDS, counts)]
    pool = blend(listeners, TRACK_IDS, scorers, {"popularity": 0.0}, pool_size=5)
    assert pool.fallback[4] and not pool.fallback[3]
    keep = candidates_of(listeners, 4)
    np.testing.assert_array_equal(pool.columns[4], np.flatnonzero(keep)[:5])
    without = blend(listeners, TRACK_IDS, scorers[:1], pool_size=5)
    assert (without.columns[4] == -1).all()  # without popularity there is nothing to say


def test_damping_lowers_a_track_by_the_penalty_in_blended_units():
    listeners = batch(history_density=0.0)
    a = matrix(1)
    top = int(np.argmax(a[0]))
    penalty = sp.csr_matrix(([2.5], ([0], [top])), shape=(N_LISTENERS, N_TRACKS))
    for scorers in (
        [MatrixScorer("cf", LISTENER_IDS, TRACK_IDS, a)],
        [
            MatrixScorer("cf", LISTENER_IDS, TRACK_IDS, a),
            MatrixScorer("audio", LISTENER_IDS, TRACK_IDS, matrix(2)),
        ],
    ):
        plain = blend(listeners, TRACK_IDS, scorers, pool_size=N_TRACKS)
        damped = blend(listeners, TRACK_IDS, scorers, penalty=penalty, pool_size=N_TRACKS)
        before = plain.scores[0][plain.columns[0] == top][0]
        after = damped.scores[0][damped.columns[0] == top][0]
        assert after == pytest.approx(before - 2.5, abs=1e-4)
        np.testing.assert_allclose(
            damped.contributions[0][damped.columns[0] == top],
            plain.contributions[0][plain.columns[0] == top],
            atol=1e-5,
        )


def test_inner_batches_give_the_same_pool_as_one_batch():
    listeners = batch()
    scorers = [
        MatrixScorer("cf", LISTENER_IDS, TRACK_IDS, matrix(1)),
        MatrixScorer("audio", LISTENER_IDS, TRACK_IDS, matrix(2)),
    ]
    whole = blend(listeners, TRACK_IDS, scorers, pool_size=20)
    pieces = blend(listeners, TRACK_IDS, scorers, pool_size=20, batch_cells=3 * N_TRACKS)
    np.testing.assert_array_equal(whole.columns, pieces.columns)
    np.testing.assert_allclose(whole.contributions, pieces.contributions, rtol=1e-6)


def test_listener_rows_keeps_history_and_vectors_of_the_chosen_rows():
    listeners = batch()
    vectors = np.arange(N_LISTENERS * 2, dtype=np.float32).reshape(N_LISTENERS, 2)
    listeners = ListenerBatch(listeners.ids, listeners.history, listeners.history_items, vectors)
    sub = listener_rows(listeners, [3, 1])
    assert sub.ids.tolist() == [LISTENER_IDS[3], LISTENER_IDS[1]]
    assert (sub.history.toarray() == listeners.history[[3, 1]].toarray()).all()
    np.testing.assert_array_equal(sub.cf_vectors, vectors[[3, 1]])


# -- popularity through the contract -------------------------------------------------------


class TestPopularityScorerContract(ScorerContract):
    @pytest.fixture
    def case(self):
        counts = np.arange(N_TRACKS, dtype=float)
        return ScorerCase(
            scorer=PopularityScorer(TRACK_IDS, counts), listeners=batch(), track_ids=TRACK_IDS
        )


# -- weight fitting ------------------------------------------------------------------------


def test_fitting_weights_finds_the_informative_model_and_ignores_the_noise():
    rng = np.random.default_rng(11)
    n_listeners, n_tracks = 300, 600
    ids, tracks = np.arange(n_listeners), np.arange(n_tracks)
    truth = rng.standard_normal((n_listeners, n_tracks))
    history = sp.csr_matrix(
        (rng.random((n_listeners, n_tracks)) < 0.05) & (truth < 1.0), dtype=np.float32
    )
    ranked = np.where(history.toarray() > 0, -np.inf, truth)
    positives = np.argsort(-ranked, axis=1)[:, :5]
    held_out = sp.csr_matrix(
        (np.ones(positives.size), (np.repeat(ids, 5), positives.ravel())),
        shape=(n_listeners, n_tracks),
    )
    informative = MatrixScorer("cf", ids, tracks, truth + 0.8 * rng.standard_normal(truth.shape))
    noise = MatrixScorer("audio", ids, tracks, rng.standard_normal(truth.shape))
    listeners = ListenerBatch(ids, history, IdMap(tracks))
    fit = fit_weights(listeners, tracks, [noise, informative], held_out, seed=1)
    assert fit.weights["cf"] > 0.95 and fit.weights["audio"] < 0.05
    assert sum(fit.weights.values()) == pytest.approx(1.0)
    assert fit.auc["cf"] > 0.9 and 0.4 < fit.auc["audio"] < 0.6
    assert fit.positives == held_out.nnz and fit.negatives > 15 * fit.positives


def test_fitting_weights_without_held_out_plays_says_so():
    listeners = batch()
    cf = MatrixScorer("cf", LISTENER_IDS, TRACK_IDS, matrix(1))
    empty = sp.csr_matrix((N_LISTENERS, N_TRACKS))
    with pytest.raises(ValueError, match="held-out plays"):
        fit_weights(listeners, TRACK_IDS, [cf], empty)


def test_a_scorer_that_knows_its_moments_blends_exactly_like_its_score_matrix():
    from recommender.cf_scorer import CFScorer

    rng = np.random.default_rng(4)
    known = TRACK_IDS[:-5]  # CF has never seen the last five tracks
    cf = CFScorer(rng.standard_normal((known.size, 6)), IdMap(known), regularization=1, alpha=1)
    vectors = rng.standard_normal((N_LISTENERS, 6)).astype(np.float32)
    vectors[3] = np.nan  # and has no vector for this listener
    base = batch()
    listeners = ListenerBatch(base.ids, base.history, base.history_items, vectors)
    as_matrix = MatrixScorer("cf", LISTENER_IDS, TRACK_IDS, cf.score(listeners, TRACK_IDS))
    audio = MatrixScorer("audio", LISTENER_IDS, TRACK_IDS, matrix(2))
    fast = blend(listeners, TRACK_IDS, [cf, audio], pool_size=N_TRACKS)
    slow = blend(listeners, TRACK_IDS, [as_matrix, audio], pool_size=N_TRACKS)
    np.testing.assert_array_equal(fast.columns, slow.columns)
    np.testing.assert_allclose(fast.contributions, slow.contributions, rtol=1e-4, atol=1e-5)
    unknown = np.isin(fast.track_ids, TRACK_IDS[-5:])
    assert unknown.any()
    np.testing.assert_allclose(fast.contributions[..., 0][unknown], 0, atol=1e-6)
    assert (fast.contributions[3, :, 0] == 0).all()


def test_spread_artists_keeps_each_artists_best_few_and_refills_the_pool():
    from recommender.blend import spread_artists

    artists = np.array([0] * 50 + [1, 2, 3, 4, 5, 6])
    ranking = np.vstack(
        [
            np.concatenate([np.linspace(10, 5, 50), np.linspace(4, 3, 6)]),  # artist 0 on top
            np.concatenate([np.zeros(50), np.linspace(4, 3, 6)]),  # no crowding
        ]
    ).astype(np.float32)
    ranking[0, 7] = -np.inf  # excluded stays out
    cols, _ = top_columns(ranking, 8)
    spread = spread_artists(ranking, cols, artists, per_artist=2)
    np.testing.assert_array_equal(spread[0], [0, 1, 50, 51, 52, 53, 54, 55])
    np.testing.assert_array_equal(spread[1], cols[1])  # an uncrowded row is left as it was
    four = spread_artists(ranking[:1], top_columns(ranking[:1], 8)[0], artists, per_artist=4)
    np.testing.assert_array_equal(four[0], [0, 1, 2, 3, 50, 51, 52, 53])
    # a pool of 8 by one artist already spans the 8 // 8 = 1 artist it needs: left alone
    alone = spread_artists(ranking[:1], cols[:1], artists, per_artist=8)
    np.testing.assert_array_equal(alone, cols[:1])
