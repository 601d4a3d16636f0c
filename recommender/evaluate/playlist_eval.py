"""The weekly playlist against held-out listens: what each rule costs or gains.

Listening counts in (a `user item count` file, the Last.fm 2K folder, or a synthetic world);
a table out: per variant, the hit rate of the 30-track playlist (listeners with at least one
held-out track in it) and the held-out tracks and artists it finds per listener.

Protocol: each listener hides a random 20 % of their tracks (test). From the rest (train),
another 20 % is set aside (validation): CF trained without it fits the blend weights on it
(held-out plays as positives), then CF is retrained on all of train and every variant builds
playlists from train alone. A hidden artist is an artist of a test track the listener never
played in train. Variants: CF's raw top 30 and popularity's (played tracks excluded, no other
rule), popularity and CF with all the rules, the playlist (fitted blend, all rules), and the
playlist with one rule switched off at a time.

    python -m recommender.evaluate.playlist_eval ../shared/data/lastfm-2k/
    python -m recommender.evaluate.playlist_eval --synthetic   # the demo world of seed_demo
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from recommender.blend_weights import fit_weights
from recommender.cf import CFParams, train
from recommender.cf_scorer import CFScorer
from recommender.evaluate.datasets import load_user_item_counts
from recommender.evaluate.splits import random_holdout
from recommender.interactions import SIGNAL_WEIGHTS, IdMap, build_matrix, from_counts
from recommender.playlist import Catalog, Controls, Pairs, Rules, build_playlists
from recommender.popularity_scorer import PopularityScorer
from recommender.scoring import ListenerBatch

TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.2
PRODUCT = Rules(reasons=False)  # reasons change no pick; skipping them saves time here
RAW = replace(
    PRODUCT,
    max_per_artist=PRODUCT.length,
    distinct_artists_first=False,
    diversity=0.0,
    new_artist_share=False,
    flow=False,
)
COLUMNS = (
    ("hit_rate", "hit rate"),
    ("tracks_found", "tracks found"),
    ("artists_found", "artists found"),
    ("artist_recall", "artist recall"),
    ("distinct_artists", "artists/list"),
    ("new_artist_share", "new-artist share"),
    ("coverage", "coverage"),
)


@dataclass(frozen=True, eq=False)
class ListeningData:
    """Who listened to what (users x items counts), each item's artist and what it sounds like."""

    name: str
    counts: sp.csr_matrix
    users: IdMap
    items: IdMap
    item_artist: np.ndarray
    tempo: np.ndarray | None = None
    key: np.ndarray | None = None
    mode: np.ndarray | None = None
    skipped: Pairs = field(default_factory=Pairs)  # (user row, item id): had, never offered


@dataclass
class PlaylistEvaluation:
    dataset: str
    listeners: int
    params: CFParams
    weights: dict[str, float]
    auc: dict[str, float]
    variants: dict[str, dict[str, float]]
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "params": asdict(self.params)}


def lastfm_data(path: str) -> ListeningData:
    """HetRec Last.fm 2K (or any triples file): items are artists, each its own artist."""
    users, items, counts = load_user_item_counts(path)
    inter = build_matrix(users, items, counts, alpha=1.0)
    return ListeningData(str(path), inter.counts, inter.users, inter.items, inter.items.ids.copy())


def synthetic_data(
    *, listeners: int, tracks: int, artists: int | None, listens: float, seed: int
) -> ListeningData:
    """A world from `recommender.synthetic`: plays and saves (weighted), skips, tempo, key."""
    from recommender.synthetic import generate_world

    world = generate_world(
        n_listeners=listeners,
        n_tracks=tracks,
        n_artists=artists,
        mean_listens_per_listener=listens,
        seed=seed,
    )
    users = np.concatenate([world.plays.listener, world.saves.listener])
    items = np.concatenate([world.plays.item, world.saves.item])
    weight = np.r_[
        np.full(len(world.plays), SIGNAL_WEIGHTS["play"]),
        np.full(len(world.saves), SIGNAL_WEIGHTS["save"]),
    ]
    inter = build_matrix(users, items, weight, alpha=1.0, items=IdMap.identity(world.n_tracks))
    skip_rows = inter.users.index_of(world.skips.listener)
    return ListeningData(
        name=f"synthetic world ({listeners} listeners, {tracks} tracks, seed {seed})",
        counts=inter.counts,
        users=inter.users,
        items=inter.items,
        item_artist=world.track_artist.astype(np.int64),
        tempo=world.track_tempo_bpm,
        key=world.track_key,
        mode=world.track_mode,
        skipped=Pairs(skip_rows[skip_rows >= 0], world.skips.item[skip_rows >= 0]),
    )


def variants(weights: dict[str, float]) -> dict[str, tuple[tuple[str, ...], dict, Rules]]:
    """name -> (models, weights, rules) of every playlist compared."""
    product = PRODUCT
    return {
        "cf raw top 30": (("cf",), {"cf": 1.0}, RAW),
        "popularity raw top 30": ((), {"popularity": 1.0}, RAW),
        "popularity + rules": ((), {"popularity": 1.0}, product),
        "cf + rules": (("cf",), {"cf": 1.0}, product),
        "playlist (blend + rules)": (("cf",), weights, product),
        "  without diversity": (("cf",), weights, replace(product, diversity=0.0)),
        "  without artist rules": (
            ("cf",),
            weights,
            replace(product, max_per_artist=product.length, distinct_artists_first=False),
        ),
        "  without new-artist share": (("cf",), weights, replace(product, new_artist_share=False)),
    }


def evaluate_playlists(
    data: ListeningData,
    *,
    params: CFParams | None = None,
    seed: int = 0,
    max_listeners: int | None = None,
) -> PlaylistEvaluation:
    """Build every variant's playlists for the test listeners and score them on test."""
    start = time.perf_counter()
    params = replace(params or CFParams(), random_state=seed)
    train_counts, test = random_holdout(data.counts, fraction=TEST_FRACTION, seed=seed)
    weights, auc = _fitted_weights(data, train_counts, params, seed)
    model = train(from_counts(train_counts, alpha=params.alpha, eps=params.eps), params)
    scorers = {"cf": CFScorer(model.item_factors, data.items, **_scorer_params(params))}
    rows = np.flatnonzero(np.diff(test.indptr) > 0)
    if max_listeners is not None and rows.size > max_listeners:
        rows = np.sort(np.random.default_rng(seed).choice(rows, max_listeners, replace=False))
    listeners = _batch(data, train_counts, model.user_factors, rows)
    catalog = _catalog(data, train_counts, model.item_factors)
    controls = Controls(skipped=data.skipped.take(rows))
    results = {}
    for name, (kinds, w, rules) in variants(weights).items():
        built = build_playlists(
            listeners, catalog, [scorers[k] for k in kinds], w, controls=controls, rules=rules
        )
        results[name] = playlist_metrics(
            built.track_ids,
            built.artist_ids,
            train=train_counts[rows],
            test=test[rows],
            items=data.items,
            item_artist=data.item_artist,
        )
    return PlaylistEvaluation(
        dataset=data.name,
        listeners=int(rows.size),
        params=params,
        weights=weights,
        auc=auc,
        variants=results,
        seconds=time.perf_counter() - start,
    )


def _scorer_params(params: CFParams) -> dict:
    return {"regularization": params.regularization, "alpha": params.alpha, "eps": params.eps}


def _batch(data, counts: sp.csr_matrix, user_factors: np.ndarray, rows: np.ndarray):
    return ListenerBatch(
        data.users.ids[rows],
        sp.csr_matrix(counts[rows], dtype=np.float32),
        data.items,
        np.asarray(user_factors[rows], dtype=np.float32),
    )


def _catalog(data: ListeningData, counts: sp.csr_matrix, item_factors: np.ndarray) -> Catalog:
    return Catalog(
        track_ids=data.items.ids,
        artist_ids=data.item_artist,
        popularity=sp.csr_matrix(counts).getnnz(axis=0).astype(np.float64),
        tempo=data.tempo,
        key=data.key,
        mode=data.mode,
        vectors=item_factors,
    )


def _fitted_weights(data, train_counts, params, seed) -> tuple[dict[str, float], dict]:
    """Blend weights for CF and popularity, fitted on a validation split of train."""
    fit_part, validation = random_holdout(train_counts, fraction=VALIDATION_FRACTION, seed=seed + 1)
    model = train(from_counts(fit_part, alpha=params.alpha, eps=params.eps), params)
    rows = np.flatnonzero(np.diff(validation.indptr) > 0)
    popularity = sp.csr_matrix(fit_part).getnnz(axis=0)
    scorers = [
        CFScorer(model.item_factors, data.items, **_scorer_params(params)),
        PopularityScorer(data.items.ids, popularity),
    ]
    fit = fit_weights(
        _batch(data, fit_part, model.user_factors, rows),
        data.items.ids,
        scorers,
        validation[rows],
        seed=seed,
    )
    return fit.weights, fit.auc


def playlist_metrics(
    track_ids: np.ndarray,
    artist_ids: np.ndarray,
    *,
    train: sp.csr_matrix,
    test: sp.csr_matrix,
    items: IdMap,
    item_artist: np.ndarray,
) -> dict[str, float]:
    """Hidden tracks and artists found per listener, hit rate, and what the playlists hold.

    Row r of `track_ids` / `artist_ids` (-1: empty slot) is the listener of row r of `train`
    and `test` (listeners x items counts over `items`). A hidden artist is one of a test item
    whose artist the listener has no train item by.
    """
    picked = track_ids >= 0
    n_rows = track_ids.shape[0]
    rows = np.broadcast_to(np.arange(n_rows)[:, None], track_ids.shape)
    span_items = len(items)
    cols = items.index_of(np.where(picked, track_ids, -1))
    found = picked & np.isin(rows * span_items + cols, _keys(test, span_items))
    artists, dense = np.unique(item_artist, return_inverse=True)
    span = artists.size + 1
    known = _artist_keys(train, dense, span)
    hidden = np.setdiff1d(_artist_keys(test, dense, span), known)
    in_list = rows * span + np.searchsorted(artists, artist_ids)
    listed = np.unique(in_list[picked])
    hidden_per_row = np.bincount(hidden // span, minlength=n_rows)
    found_per_row = np.bincount(np.intersect1d(listed, hidden) // span, minlength=n_rows)
    new = ~np.isin(in_list[picked], known)
    distinct = [np.unique(row[row >= 0]).size for row in artist_ids]
    return {
        "hit_rate": float(found.any(axis=1).mean()),
        "tracks_found": float(found.sum(axis=1).mean()),
        "artists_found": float(found_per_row.mean()),
        "artist_recall": float(np.mean(found_per_row / np.maximum(hidden_per_row, 1))),
        "distinct_artists": float(np.mean(distinct)),
        "new_artist_share": float(new.mean()) if new.size else 0.0,
        "coverage": float(np.unique(track_ids[picked]).size / span_items),
        "length": float(picked.sum(axis=1).mean()),
    }


def _keys(matrix: sp.csr_matrix, span: int) -> np.ndarray:
    coo = sp.csr_matrix(matrix).tocoo()
    return coo.row.astype(np.int64) * span + coo.col


def _artist_keys(matrix: sp.csr_matrix, dense_artist: np.ndarray, span: int) -> np.ndarray:
    coo = sp.csr_matrix(matrix).tocoo()
    return np.unique(coo.row.astype(np.int64) * span + dense_artist[coo.col])


# -- command line ------------------------------------------------------------------------------


def format_table(result: PlaylistEvaluation) -> str:
    width = max(len(label) for _, label in COLUMNS) + 2
    name_width = max(len(name) for name in result.variants) + 2
    lines = ["variant".ljust(name_width) + "".join(label.rjust(width) for _, label in COLUMNS)]
    for name, values in result.variants.items():
        cells = "".join(f"{values[key]:.4f}".rjust(width) for key, _ in COLUMNS)
        lines.append(name.ljust(name_width) + cells)
    weights = ", ".join(f"{k}={v:.3f}" for k, v in result.weights.items())
    auc = ", ".join(f"{k}={v:.3f}" for k, v in result.auc.items())
    params = ", ".join(f"{k}={v}" for k, v in asdict(result.params).items())
    lines += [
        "",
        f"dataset: {result.dataset}",
        f"test listeners: {result.listeners}; 30-track playlists; per-listener means",
        f"fitted blend weights: {weights} (validation AUC {auc})",
        f"cf params: {params}",
        f"time: {result.seconds:.1f}s",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m recommender.evaluate.playlist_eval",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", nargs="?", help="Last.fm 2K folder or a 'user item count' file")
    parser.add_argument("--synthetic", action="store_true", help="evaluate on a synthetic world")
    world = parser.add_argument_group("synthetic world (defaults: the demo world of seed_demo)")
    world.add_argument("--listeners", type=int, default=301)
    world.add_argument("--tracks", type=int, default=3000)
    world.add_argument("--artists", type=int, default=None, help="default: tracks / 10")
    world.add_argument("--listens", type=float, default=200.0, help="mean per listener")
    world.add_argument("--world-seed", type=int, default=7)
    parser.add_argument("--max-listeners", type=int, default=None, help="sample test listeners")
    parser.add_argument("--seed", type=int, default=0, help="split and model seed")
    parser.add_argument("--factors", type=int, default=CFParams.factors)
    parser.add_argument("--regularization", type=float, default=CFParams.regularization)
    parser.add_argument("--alpha", type=float, default=CFParams.alpha)
    parser.add_argument("--iterations", type=int, default=CFParams.iterations)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not args.synthetic and not args.path:
        parser.error("give a PATH or --synthetic")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.synthetic:
            data = synthetic_data(
                listeners=args.listeners,
                tracks=args.tracks,
                artists=args.artists,
                listens=args.listens,
                seed=args.world_seed,
            )
        else:
            data = lastfm_data(args.path)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    params = CFParams(
        factors=args.factors,
        regularization=args.regularization,
        alpha=args.alpha,
        iterations=args.iterations,
    )
    result = evaluate_playlists(
        data, params=params, seed=args.seed, max_listeners=args.max_listeners
    )
    print(json.dumps(result.to_dict(), sort_keys=True) if args.json else format_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
