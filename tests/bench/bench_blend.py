"""Benchmark: the library part of the weekly build, 100,000 listeners x 50,000 tracks (by hand).

    python tests/bench/bench_blend.py [--listeners 100000 --tracks 50000 --factors 64]
                                      [--chunk 2000 --workers 1 --modes product cf three]

Synthetic factors stand in for trained models (no ALS fit, no database): listener and track
vectors with taste structure, ~35 played tracks per listener, ten tracks per artist, tempo
and key. Each mode runs in its own process, so its peak memory is its own:

  product  the bare matrix product of all listeners x all tracks (float32, in row blocks,
           thrown away), as BLAS does it with every core
  cf       build_playlists with CF alone: blend, rules, order and reasons for every listener
  three    the same with CF and two more synthetic scorers (a 64-d "audio" and a 32-d
           "culture" dot product), all weighted

Listeners go through in chunks of --chunk, as the Celery group hands them to workers;
--workers N runs N such workers side by side (each with one BLAS thread). Prints wall
seconds of the timed part, peak resident memory, CPU seconds of the whole process (setup
included) and the load average (the machine is shared: a loaded machine slows every mode),
and the ratios of wall and CPU seconds to those of the bare product in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from recommender.cf_scorer import CFScorer  # noqa: E402
from recommender.interactions import IdMap  # noqa: E402
from recommender.playlist import Catalog, build_playlists  # noqa: E402
from recommender.scoring import ListenerBatch, Reason  # noqa: E402

PLAYED_PER_LISTENER = 35
TRACKS_PER_ARTIST = 10


class DotScorer:
    """A synthetic served model: listener vector · track vector, "sounds like" a played track.

    Like CFScorer it gathers the candidates' vectors and their sums once per candidate list.
    """

    def __init__(self, kind: str, listener_vectors: np.ndarray, track_vectors: np.ndarray):
        self.kind = kind
        self.listener_vectors = listener_vectors
        self.track_vectors = track_vectors
        self.unit = track_vectors / np.linalg.norm(track_vectors, axis=1, keepdims=True)
        self._cached: tuple | None = None

    def _for(self, track_ids: np.ndarray):
        if self._cached is None or not np.array_equal(self._cached[0], track_ids):
            columns = np.ascontiguousarray(self.track_vectors[track_ids].T)
            wide = columns.astype(np.float64)
            self._cached = (track_ids.copy(), columns, wide.sum(axis=1), wide @ wide.T)
        return self._cached[1:]

    def score(self, listeners: ListenerBatch, track_ids: np.ndarray) -> np.ndarray:
        return self.listener_vectors[listeners.ids] @ self._for(track_ids)[0]

    def moments(self, listeners: ListenerBatch, track_ids: np.ndarray):
        """A dot-product model knows its sums without the matrix, as CFScorer does."""
        _, total, gram = self._for(track_ids)
        vectors = self.listener_vectors[listeners.ids].astype(np.float64)
        count = np.full(len(listeners), float(len(track_ids)))
        return count, vectors @ total, np.einsum("ij,jk,ik->i", vectors, gram, vectors)

    def explain(self, listeners: ListenerBatch, row: int, track_ids: np.ndarray):
        played, _ = listeners.played(row)
        if played.size == 0:
            return [None] * len(track_ids)
        nearest = played[np.argmax(self.unit[track_ids] @ self.unit[played].T, axis=1)]
        return [Reason("sounds like {track}", {"track_ids": [int(t)]}) for t in nearest]


def world(n_listeners: int, n_tracks: int, factors: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    n_genres = 20
    centroids = rng.standard_normal((n_genres, factors)).astype(np.float32)
    genre = rng.integers(0, n_genres, n_tracks)
    tracks = (centroids[genre] + rng.standard_normal((n_tracks, factors))).astype(np.float32)
    taste = rng.integers(0, n_genres, n_listeners)
    listeners = 0.1 * (centroids[taste] + rng.standard_normal((n_listeners, factors)))
    listeners = listeners.astype(np.float32)
    popularity = rng.zipf(1.5, n_tracks).astype(np.float64)
    cols = rng.integers(0, n_tracks, n_listeners * PLAYED_PER_LISTENER)
    rows = np.repeat(np.arange(n_listeners), PLAYED_PER_LISTENER)
    history = sp.csr_matrix(
        (rng.integers(1, 20, rows.size).astype(np.float32), (rows, cols)),
        shape=(n_listeners, n_tracks),
    )
    catalog = Catalog(
        track_ids=np.arange(n_tracks),
        artist_ids=np.arange(n_tracks) // TRACKS_PER_ARTIST,
        popularity=popularity,
        tempo=rng.uniform(70, 170, n_tracks),
        key=rng.integers(0, 12, n_tracks),
        mode=rng.integers(0, 2, n_tracks),
        vectors=tracks,
    )
    return listeners, tracks, history, catalog, rng


def run_product(args) -> dict:
    listeners, tracks, *_ = world(args.listeners, args.tracks, args.factors)
    tracks_t = np.ascontiguousarray(tracks.T)
    out = np.empty((args.chunk, args.tracks), dtype=np.float32)
    start, cpu = time.perf_counter(), time.process_time()
    for lo in range(0, args.listeners, args.chunk):
        block = listeners[lo : lo + args.chunk]
        np.matmul(block, tracks_t, out=out[: len(block)])
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}


def run_build(args, three: bool, share: tuple[int, int] = (0, 1)) -> dict:
    listeners, tracks, history, catalog, rng = world(args.listeners, args.tracks, args.factors)
    items = IdMap(np.arange(args.tracks))
    scorers = [CFScorer(tracks, items, regularization=5.0, alpha=2.0)]
    weights = {"cf": 1.0}  # popularity only backs listeners no model can score
    if three:
        for kind, dims in (("audio", 64), ("culture", 32)):
            track_vectors = rng.standard_normal((args.tracks, dims)).astype(np.float32)
            taste = rng.standard_normal((args.listeners, dims)).astype(np.float32)
            scorers.append(DotScorer(kind, taste, track_vectors))
        weights.update(cf=0.6, audio=0.25, culture=0.15)
    worker, workers = share
    made = 0
    start, cpu = time.perf_counter(), time.process_time()
    for index, lo in enumerate(range(0, args.listeners, args.chunk)):
        if index % workers != worker:
            continue
        ids = np.arange(lo, min(lo + args.chunk, args.listeners))
        batch = ListenerBatch(ids, history[ids], items, listeners[ids])
        result = build_playlists(batch, catalog, scorers, weights)
        made += int((result.track_ids >= 0).sum())
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "picks": made}


def child(args) -> None:
    if args.child == "product":
        result = run_product(args)
    elif args.workers > 1:
        result = run_workers(args)
    else:
        result = run_build(args, three=args.child == "three")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["peak_mib"] = round(usage.ru_maxrss / 1024, 1)
    cpu = usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime
    result["process_cpu_seconds"] = round(cpu, 1)
    result["load_average"] = os.getloadavg()[0]
    print(json.dumps(result))


def run_workers(args) -> dict:
    """N processes, each building every N-th chunk with one BLAS thread (a Celery group)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers, mp_context=get_context("fork")) as pool:
        jobs = [(args, args.child == "three", (w, args.workers)) for w in range(args.workers)]
        parts = list(pool.map(_worker, jobs))
    peak = max(p["peak_mib"] for p in parts)
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": sum(p["cpu_seconds"] for p in parts),
        "picks": sum(p["picks"] for p in parts),
        "worker_peak_mib": peak,
    }


def _worker(job) -> dict:
    from threadpoolctl import threadpool_limits

    args, three, share = job
    with threadpool_limits(1, "blas"):
        result = run_build(args, three, share)
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listeners", type=int, default=100_000)
    parser.add_argument("--tracks", type=int, default=50_000)
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--modes", nargs="+", default=["product", "cf", "three"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    figures = {}
    for mode in args.modes:
        argv = [sys.executable, __file__, *sys.argv[1:], "--child", mode]
        done = subprocess.run(argv, capture_output=True, text=True, check=True, env=os.environ)
        figures[mode] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{mode:8s} {json.dumps(figures[mode])}", flush=True)
    if "product" in figures:
        base = figures["product"]["seconds"]
        base_cpu = figures["product"]["cpu_seconds"]
        for mode in ("cf", "three"):
            if mode in figures:
                seconds, cpu = figures[mode]["seconds"], figures[mode]["cpu_seconds"]
                print(
                    f"{mode}: {seconds:.1f} s wall = {seconds / base:.2f}x the bare product "
                    f"({base:.1f} s); CPU {cpu:.1f} s = {cpu / base_cpu:.2f}x ({base_cpu:.1f} s)"
                )


if __name__ == "__main__":
    main()
