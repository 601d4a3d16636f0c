"""python -m recommender.culture.evaluate LASTFM_2K_FOLDER [--leads docs.jsonl] [--json]

Does cultural similarity predict co-listening? Listeners' tags of artists are the cultural
text; the same extraction and top-term weighting as crawled pages turns them into artist
vectors. For random artist pairs, "some listener played both" is the label and the cosine of
the two vectors the score: AUC against random scores and against tag-count popularity (the
product of the two artists' numbers of tag documents). With --leads, the same check for the
Wikipedia leads in ../shared/data/text/docs.jsonl, read through the mention detector over
all 17,632 Last.fm artist names.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from recommender.culture.analysis import analyze_document
from recommender.culture.datasets import (
    load_artist_names,
    load_leads,
    load_listening,
    load_tag_documents,
)
from recommender.culture.mentions import ArtistMatcher
from recommender.culture.model import CultureModel, Mentions, build_model
from recommender.culture.terms import extract_terms
from recommender.culture.weights import TermParams
from recommender.interactions import IdMap

DEFAULT_PAIRS = 200_000
AUC_AIM = 0.70
POPULARITY_BINS = 10


@dataclass(frozen=True)
class Check:
    """One similarity-vs-co-listening check: AUCs, and how many pairs/artists it used."""

    name: str
    auc_culture: float
    auc_culture_within_popularity: float  # culture's AUC among pairs of like popularity
    auc_popularity: float
    auc_random: float
    pairs: int
    positive_share: float
    artists: int
    seconds: float


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties half.

    Mann-Whitney: (sum of positive ranks - n_pos (n_pos + 1) / 2) / (n_pos n_neg), with
    average ranks for ties.
    """
    scores, labels = np.asarray(scores, np.float64), np.asarray(labels, bool)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(scores.size, np.float64)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], scores.size]
    average = (starts + ends + 1) / 2.0  # 1-based mean rank of each tie group
    ranks[order] = np.repeat(average, ends - starts)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def stratified_auc(scores: np.ndarray, labels: np.ndarray, strata: np.ndarray, bins: int) -> float:
    """AUC within quantile bins of `strata`, pooled: sum of n_pos n_neg AUC_b / sum n_pos n_neg.

    With popularity as the strata, it says how well the scores rank pairs of like popularity,
    so popularity cannot carry the score.
    """
    edges = np.quantile(strata, np.linspace(0, 1, bins + 1)[1:-1])
    which = np.searchsorted(edges, strata, side="right")
    total = weight = 0.0
    for b in range(bins):
        inside = which == b
        n_pos = float(labels[inside].sum())
        n_neg = float(inside.sum() - n_pos)
        if n_pos and n_neg:
            total += n_pos * n_neg * auc(scores[inside], labels[inside])
            weight += n_pos * n_neg
    return total / weight if weight else float("nan")


def co_listened(folder: Path, artist_ids: np.ndarray) -> sp.csr_matrix:
    """Artists x artists (in `artist_ids` order): listeners who played both."""
    users, items, _ = load_listening(folder)
    cols = IdMap(artist_ids).index_of(items)
    keep = cols >= 0
    user_rows = IdMap.from_ids(users[keep]).index_of(users[keep])
    played = sp.csr_matrix(
        (np.ones(int(keep.sum()), np.float32), (user_rows, cols[keep])),
        shape=(int(user_rows.max()) + 1 if user_rows.size else 0, artist_ids.size),
    )
    return sp.csr_matrix(played.T @ played)


def sample_pairs(n_artists: int, n_pairs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct unordered pairs (i < j) of artist positions, uniformly at random."""
    rng = np.random.default_rng(seed)
    total = n_artists * (n_artists - 1) // 2
    if total <= n_pairs:
        i, j = np.triu_indices(n_artists, k=1)
        return i, j
    i = rng.integers(0, n_artists, 3 * n_pairs)
    j = rng.integers(0, n_artists, 3 * n_pairs)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    keys = np.unique((lo * n_artists + hi)[lo != hi])
    keys = rng.permutation(keys)[:n_pairs]
    return keys // n_artists, keys % n_artists


def pair_check(
    name: str,
    model: CultureModel,
    artist_ids: np.ndarray,
    popularity: np.ndarray,
    folder: Path,
    *,
    n_pairs: int,
    seed: int,
    started: float,
) -> Check:
    """AUC of cosine (and of popularity, and of random scores) for co-listening."""
    i, j = sample_pairs(artist_ids.size, n_pairs, seed)
    together = co_listened(folder, artist_ids)
    labels = np.asarray(together[i, j]).ravel() > 0
    vectors = model.artist_vectors(artist_ids)
    cos = np.asarray(vectors[i].multiply(vectors[j]).sum(axis=1)).ravel()
    pop = np.log1p(popularity[i]) + np.log1p(popularity[j])
    noise = np.random.default_rng(seed + 1).random(i.size)
    return Check(
        name=name,
        auc_culture=round(auc(cos, labels), 4),
        auc_culture_within_popularity=round(stratified_auc(cos, labels, pop, POPULARITY_BINS), 4),
        auc_popularity=round(auc(pop, labels), 4),
        auc_random=round(auc(noise, labels), 4),
        pairs=int(i.size),
        positive_share=round(float(labels.mean()), 4),
        artists=int(artist_ids.size),
        seconds=round(time.monotonic() - started, 1),
    )


def tags_check(folder: Path, params: TermParams, *, n_pairs: int, seed: int) -> Check:
    """Last.fm tags as cultural text; artists with a vector and a listener are paired."""
    started = time.monotonic()
    docs = load_tag_documents(folder)
    doc_terms = [extract_terms(text) for text in docs.text]
    mentions = Mentions(
        doc=np.arange(len(doc_terms)), entity=docs.artist, weight=np.ones(len(doc_terms))
    )
    model = build_model(
        doc_terms=doc_terms,
        doc_time=docs.time,
        artist_mentions=mentions,
        now=float(docs.time.max()),
        params=params,
    )
    _, listened, _ = load_listening(folder)
    described = model.artists.ids[np.diff(model.artist_terms.indptr) > 0]
    artist_ids = np.intersect1d(described, np.unique(listened))
    tag_docs = np.bincount(docs.artist, minlength=int(artist_ids.max()) + 1)[artist_ids]
    return pair_check(
        "last.fm tags",
        model,
        artist_ids,
        tag_docs.astype(np.float64),
        folder,
        n_pairs=n_pairs,
        seed=seed,
        started=started,
    )


def leads_model(folder: Path, leads_path: Path, params: TermParams) -> CultureModel:
    """Wikipedia leads through mention detection over every Last.fm artist name."""
    names = load_artist_names(folder)
    matcher = ArtistMatcher(list(names), list(names.values()))
    leads = load_leads(leads_path)
    doc_terms, rows, entities, weights = [], [], [], []
    for row, lead in enumerate(leads):
        analysis = analyze_document(lead.text, title=lead.artist, artists=matcher)
        for mention in analysis.artists:
            rows.append(row)
            entities.append(mention.entity_id)
            weights.append(mention.weight)
        doc_terms.append(analysis.terms)
    mentions = Mentions(np.array(rows), np.array(entities), np.array(weights, np.float32))
    now = time.time()
    return build_model(
        doc_terms=doc_terms,
        doc_time=np.full(len(leads), now),
        artist_mentions=mentions,
        now=now,
        params=params,
    )


def leads_check(
    folder: Path, leads_path: Path, params: TermParams, *, n_pairs: int, seed: int
) -> tuple[Check, CultureModel, list]:
    started = time.monotonic()
    model = leads_model(folder, leads_path, params)
    leads = load_leads(leads_path)
    artist_ids = np.array(sorted({lead.artist_id for lead in leads}), dtype=np.int64)
    users, items, _ = load_listening(folder)
    listeners = np.bincount(items, minlength=int(items.max()) + 1)
    popularity = listeners[np.minimum(artist_ids, listeners.size - 1)].astype(np.float64)
    check = pair_check(
        "wikipedia leads",
        model,
        artist_ids,
        popularity,
        folder,
        n_pairs=n_pairs,
        seed=seed,
        started=started,
    )
    return replace(check, name="wikipedia leads (popularity: listeners)"), model, leads


def format_table(checks: Sequence[Check]) -> str:
    header = (
        "| check | AUC culture | AUC culture, like popularity | AUC popularity | AUC random "
        "| pairs | co-listened | artists |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for c in checks:
        lines.append(
            f"| {c.name} | **{c.auc_culture:.4f}** | {c.auc_culture_within_popularity:.4f} | "
            f"{c.auc_popularity:.4f} | {c.auc_random:.4f} | {c.pairs:,} | "
            f"{c.positive_share:.1%} | {c.artists:,} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m recommender.culture.evaluate")
    parser.add_argument("path", type=Path, help="the HetRec Last.fm 2K folder")
    parser.add_argument("--leads", type=Path, help="docs.jsonl of Wikipedia leads (optional)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--pairs", type=int, default=DEFAULT_PAIRS)
    parser.add_argument("--seed", type=int, default=0)
    defaults = TermParams()
    parser.add_argument("--top-k", type=int, default=defaults.top_k)
    parser.add_argument("--prior-docs", type=float, default=defaults.prior_docs)
    parser.add_argument("--min-df", type=int, default=defaults.min_df)
    parser.add_argument("--half-life-days", type=float, default=defaults.half_life_days)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    params = TermParams(
        top_k=args.top_k,
        prior_docs=args.prior_docs,
        min_df=args.min_df,
        half_life_days=args.half_life_days,
    )
    try:
        checks = [tags_check(args.path, params, n_pairs=args.pairs, seed=args.seed)]
        examples = []
        if args.leads:
            check, model, leads = leads_check(
                args.path, args.leads, params, n_pairs=args.pairs, seed=args.seed
            )
            checks.append(check)
            examples = leads_examples(model, leads)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        out = {"params": asdict(params), "checks": [asdict(c) for c in checks]}
        if examples:
            out["leads_examples"] = examples
        print(json.dumps(out, indent=2))
        return 0
    print(format_table(checks))
    print(f"\nparams: {asdict(params)}  (aim: AUC culture >= {AUC_AIM})")
    for example in examples:
        terms = ", ".join(f"{t} {w:.2f}" for t, w in example["top_terms"])
        print(f'\n{example["artist"]}: {terms}\n  "{example["text"]}"')
    return 0


def leads_examples(model: CultureModel, leads: list, n: int = 4) -> list[dict]:
    """A few artists' top terms next to the start of their text."""
    picks = [lead for lead in leads if model.top_terms(lead.artist_id, 5)][:: max(1, 400 // n)]
    return [
        {
            "artist": lead.artist,
            "top_terms": model.top_terms(lead.artist_id, 8),
            "text": lead.text[:240].replace("\n", " ") + "...",
        }
        for lead in picks[:n]
    ]


if __name__ == "__main__":
    sys.exit(main())
