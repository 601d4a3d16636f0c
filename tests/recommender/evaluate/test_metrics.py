import numpy as np
import pytest

from recommender.evaluate.metrics import (
    average_precision_at_k,
    average_precision_from_hits,
    catalog_coverage,
    ndcg_at_k,
    ndcg_from_hits,
    novelty,
    precision_at_k,
    precision_from_hits,
    recall_at_k,
    recall_from_hits,
)

RANKED = [1, 2, 3, 4, 5]
RELEVANT = {2, 4, 9}  # hits at ranks 2 and 4; item 9 is never recommended


def test_precision_counts_hits_in_the_top_k_over_k():
    # top-5 hits {2, 4} -> 2 / 5
    assert precision_at_k(RANKED, RELEVANT, 5) == pytest.approx(0.4)
    # top-1 is item 1, not relevant -> 0 / 1
    assert precision_at_k(RANKED, RELEVANT, 1) == 0.0


def test_recall_divides_hits_by_all_relevant_items():
    # 2 hits of 3 relevant -> 2 / 3
    assert recall_at_k(RANKED, RELEVANT, 5) == pytest.approx(2 / 3)
    assert recall_at_k(RANKED, set(), 5) == 0.0


def test_average_precision_averages_precision_at_each_hit():
    # hits at ranks 2, 4: P@2 = 1/2, P@4 = 2/4; sum 1.0 over min(|rel|=3, k=5) = 3 -> 1/3
    assert average_precision_at_k(RANKED, RELEVANT, 5) == pytest.approx(1 / 3)


def test_average_precision_is_one_when_the_top_k_are_all_relevant():
    # 4 relevant, k=2, both picks relevant: (1 + 1) / min(4, 2) = 1
    assert average_precision_at_k([1, 2], {1, 2, 3, 4}, 2) == pytest.approx(1.0)


def test_ndcg_matches_the_hand_computed_value():
    # DCG = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161
    # IDCG = 1/log2(2) + 1/log2(3) + 1/log2(4) = 1 + 0.63093 + 0.5 = 2.13093
    # NDCG = 1.06161 / 2.13093 = 0.49819
    assert ndcg_at_k(RANKED, RELEVANT, 5) == pytest.approx(0.49819, abs=1e-5)


def test_ndcg_is_one_when_all_relevant_items_lead_the_ranking():
    assert ndcg_at_k([7, 8, 1, 2], {7, 8}, 4) == pytest.approx(1.0)


def test_ndcg_ideal_uses_at_most_k_relevant_items():
    # 4 relevant but k=2: IDCG = 1 + 1/log2(3), which two hits reach -> 1
    assert ndcg_at_k([1, 2], {1, 2, 3, 4}, 2) == pytest.approx(1.0)


def test_ndcg_is_zero_with_nothing_relevant():
    assert ndcg_at_k(RANKED, set(), 5) == 0.0


def test_catalog_coverage_is_the_share_of_items_recommended_to_anyone():
    # distinct {1, 2, 3} of 10 items -> 0.3
    assert catalog_coverage([[1, 2], [2, 3]], 10) == pytest.approx(0.3)


def test_novelty_is_mean_self_information_with_unplayed_items_floored_at_one_user():
    popularity = np.array([10, 5, 1, 0])  # users per item, of 10 users
    # -log2(10/10)=0, -log2(5/10)=1, -log2(1/10)=3.32193, item 3 floored to 1 -> 3.32193
    # mean = (0 + 1 + 3.32193 + 3.32193) / 4 = 1.91096
    assert novelty([[0, 1], [2, 3]], popularity, 10) == pytest.approx(1.91096, abs=1e-5)


def test_batched_forms_agree_with_the_scalar_metrics():
    rng = np.random.default_rng(0)
    k, n_items = 10, 40
    rankings = [rng.permutation(n_items)[:k].tolist() for _ in range(25)]
    relevant = [
        set(rng.choice(n_items, size=rng.integers(1, 15), replace=False).tolist())
        for _ in range(25)
    ]
    hits = np.array(
        [[item in rel for item in ranked] for ranked, rel in zip(rankings, relevant, strict=True)]
    )
    n_rel = np.array([len(rel) for rel in relevant])
    pairs = list(zip(rankings, relevant, strict=True))
    np.testing.assert_allclose(
        precision_from_hits(hits, 5), [precision_at_k(r, s, 5) for r, s in pairs]
    )
    np.testing.assert_allclose(
        recall_from_hits(hits[:, :5], n_rel), [recall_at_k(r, s, 5) for r, s in pairs]
    )
    np.testing.assert_allclose(
        average_precision_from_hits(hits, n_rel),
        [average_precision_at_k(r, s, k) for r, s in pairs],
    )
    np.testing.assert_allclose(
        ndcg_from_hits(hits, n_rel, k=7), [ndcg_at_k(r, s, 7) for r, s in pairs]
    )
