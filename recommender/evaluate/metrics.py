"""Ranking metrics as small pure functions.

A ranked list of item ids and a set of relevant ones in, a float out. The `*_from_hits` twins
take a (users x k) boolean hit matrix and give one value per user, for the batched harness.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def _hits(ranked: Sequence[int], relevant: Iterable[int], k: int) -> np.ndarray:
    relevant = set(relevant)
    return np.array([item in relevant for item in list(ranked)[:k]], dtype=bool)


def precision_at_k(ranked: Sequence[int], relevant: Iterable[int], k: int) -> float:
    """P@k = |top-k ∩ relevant| / k  (a list shorter than k still divides by k)."""
    return float(_hits(ranked, relevant, k).sum() / k)


def recall_at_k(ranked: Sequence[int], relevant: Iterable[int], k: int) -> float:
    """R@k = |top-k ∩ relevant| / |relevant|  (0 when nothing is relevant)."""
    relevant = set(relevant)
    if not relevant:
        return 0.0
    return float(_hits(ranked, relevant, k).sum() / len(relevant))


def average_precision_at_k(ranked: Sequence[int], relevant: Iterable[int], k: int) -> float:
    """AP@k = Σ_{i≤k} P@i · rel_i / min(|relevant|, k).  MAP@k is its mean over users."""
    relevant = set(relevant)
    if not relevant:
        return 0.0
    return float(average_precision_from_hits(_hits(ranked, relevant, k)[None, :], len(relevant))[0])


def ndcg_at_k(ranked: Sequence[int], relevant: Iterable[int], k: int) -> float:
    """NDCG@k with binary relevance.

    DCG@k = Σ_{i≤k} rel_i / log2(i + 1);  IDCG@k = Σ_{i≤min(|relevant|, k)} 1 / log2(i + 1);
    NDCG@k = DCG@k / IDCG@k  (0 when nothing is relevant).
    """
    relevant = set(relevant)
    if not relevant:
        return 0.0
    return float(ndcg_from_hits(_hits(ranked, relevant, k)[None, :], len(relevant), k=k)[0])


def catalog_coverage(recommended_lists: Iterable[Iterable[int]], n_items: int) -> float:
    """Share of the catalog recommended to anyone: |∪ lists| / n_items."""
    seen = {item for items in recommended_lists for item in items if item >= 0}
    return len(seen) / n_items if n_items else 0.0


def novelty(
    recommended_lists: Iterable[Iterable[int]],
    item_popularity: np.ndarray,
    n_users: int,
) -> float:
    """Mean self-information of recommended items: mean over all picks of -log2(pop_i / n_users).

    `pop_i` is how many users interacted with item i (an index into `item_popularity`); it is
    floored at 1 so an item nobody played counts as the rarest possible, not infinite.
    """
    picks = np.array([i for items in recommended_lists for i in items if i >= 0], dtype=np.int64)
    if picks.size == 0:
        return 0.0
    pop = np.maximum(np.asarray(item_popularity, dtype=np.float64)[picks], 1.0)
    return float(np.mean(-np.log2(pop / n_users)))


# -- batched forms over a hit matrix: hits[u, i] is True when user u's i-th pick is relevant ----


def precision_from_hits(hits: np.ndarray, k: int) -> np.ndarray:
    """P@k per row of `hits` (users x ≥k)."""
    return hits[:, :k].sum(axis=1) / k


def recall_from_hits(hits: np.ndarray, n_relevant: np.ndarray) -> np.ndarray:
    """R@k per row: hits in the first k columns (pass hits[:, :k]) / |relevant|."""
    n_relevant = np.asarray(n_relevant, dtype=np.float64)
    return np.divide(hits.sum(axis=1), n_relevant, out=np.zeros(len(hits)), where=n_relevant > 0)


def average_precision_from_hits(hits: np.ndarray, n_relevant: np.ndarray | int) -> np.ndarray:
    """AP@k per row, k = hits.shape[1]: Σ_i P@i · rel_i / min(|relevant|, k)."""
    k = hits.shape[1]
    ranks = np.arange(1, k + 1)
    precision_at_i = np.cumsum(hits, axis=1) / ranks
    denom = np.minimum(np.asarray(n_relevant, dtype=np.float64), k)
    denom = np.broadcast_to(denom, (len(hits),))
    total = (precision_at_i * hits).sum(axis=1)
    return np.divide(total, denom, out=np.zeros(len(hits)), where=denom > 0)


def ndcg_from_hits(hits: np.ndarray, n_relevant: np.ndarray | int, *, k: int) -> np.ndarray:
    """NDCG@k per row with binary relevance; IDCG uses min(|relevant|, k) ideal hits."""
    hits = hits[:, :k]
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits * discounts[: hits.shape[1]]).sum(axis=1)
    ideal_cumulative = np.concatenate([[0.0], np.cumsum(discounts)])
    n_ideal = np.minimum(np.broadcast_to(np.asarray(n_relevant), (len(hits),)), k)
    idcg = ideal_cumulative[n_ideal.astype(np.int64)]
    return np.divide(dcg, idcg, out=np.zeros(len(hits)), where=idcg > 0)
