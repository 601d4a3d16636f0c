"""A demo world on disk for the cold-start evaluation: a LISTENS file and an AUDIO_DIR.

World sizes and a seed in; `<out>/listens.tsv` (listener, track, play count; tab-separated,
string ids) and `<out>/audio/<track>.ogg` (one synthesized clip per track, reflecting its
genre and latent taste; see `recommender.audio.synth.synthesize_world_track`) out.

    python -m recommender.audio.demo OUT [--listeners 300] [--tracks 3000] [--seed 7]
    python -m recommender.audio.coldstart OUT/listens.tsv OUT/audio
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from recommender.audio.cnn import MIN_LISTENS, AudioModel, CNNParams
from recommender.audio.cnn import train as train_cnn
from recommender.audio.spectral import log_mel
from recommender.audio.synth import (
    DEFAULT_SR,
    WORLD_CLIP_SECONDS,
    synthesize_world_track,
    write_world_track,
)
from recommender.cf import CFParams
from recommender.cf import train as train_cf
from recommender.interactions import build_matrix
from recommender.synthetic import World, generate_world

DEMO_WORLD = {"n_listeners": 300, "n_tracks": 3000, "mean_listens_per_listener": 200, "seed": 7}
_worker_world: World | None = None


def track_name(index: int) -> str:
    return f"track_{index:05d}"


def write_listens(world: World, path: str | os.PathLike) -> Path:
    """Every (listener, track) pair's play count as `listener<TAB>track<TAB>count` lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = world.plays.listener.astype(np.int64) * world.n_tracks + world.plays.item
    pairs, counts = np.unique(keys, return_counts=True)
    with path.open("w", encoding="utf-8") as fh:
        for key, count in zip(pairs.tolist(), counts.tolist(), strict=True):
            listener, track = divmod(key, world.n_tracks)
            fh.write(f"{world.listener_names[listener]}\t{track_name(track)}\t{count}\n")
    return path


def write_audio(
    world_args: dict,
    directory: str | os.PathLike,
    *,
    indices: Sequence[int] | None = None,
    seconds: float = WORLD_CLIP_SECONDS,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Synthesize `indices` (default: every track) of `generate_world(**world_args)` into
    `directory/<track>.ogg`, on `workers` processes. Returns the paths in index order."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if indices is None:
        indices = range(generate_world(**world_args).n_tracks)
    clips = [(int(i), directory / f"{track_name(int(i))}.ogg") for i in indices]
    return write_clips(world_args, clips, seconds=seconds, workers=workers, progress=progress)


def write_clips(
    world_args: dict,
    clips: Sequence[tuple[int, str | os.PathLike]],
    *,
    seconds: float = WORLD_CLIP_SECONDS,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Synthesize track `index` of `generate_world(**world_args)` to each (index, path), as
    OGG, on `workers` processes (each makes the world once). Returns the paths in order."""
    jobs = [(int(index), str(path), seconds) for index, path in clips]
    workers = min(workers or os.cpu_count() or 1, max(len(jobs), 1))
    done = []
    if workers == 1:
        global _worker_world
        _worker_world = generate_world(**world_args)
        results = map(_write_one, jobs)
    else:
        context = multiprocessing.get_context("forkserver")
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(world_args,)
        )
        results = pool.map(_write_one, jobs, chunksize=16)
    try:
        for path in results:
            done.append(Path(path))
            if progress is not None:
                progress(len(done), len(jobs))
    finally:
        if workers != 1:
            pool.shutdown()
    return done


def write_demo_dataset(
    out: str | os.PathLike,
    *,
    world_args: dict | None = None,
    seconds: float = WORLD_CLIP_SECONDS,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Path, Path]:
    """(listens file, audio directory) for a demo world (DEMO_WORLD unless told)."""
    world_args = {**DEMO_WORLD, **(world_args or {})}
    out = Path(out)
    listens = write_listens(generate_world(**world_args), out / "listens.tsv")
    audio = out / "audio"
    write_audio(world_args, audio, seconds=seconds, workers=workers, progress=progress)
    return listens, audio


def world_mels(
    world_args: dict,
    *,
    seconds: float = WORLD_CLIP_SECONDS,
    workers: int | None = None,
) -> list[np.ndarray]:
    """Log-mel spectrograms of every track of `generate_world(**world_args)`, synthesized in
    memory (no files), on `workers` processes."""
    n_tracks = generate_world(**world_args).n_tracks
    jobs = [(i, seconds) for i in range(n_tracks)]
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        _init_worker(world_args)
        return [_mel_one(job) for job in jobs]
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(world_args,)
    ) as pool:
        return list(pool.map(_mel_one, jobs, chunksize=16))


def train_demo_model(
    world_args: dict | None = None,
    *,
    seconds: float = WORLD_CLIP_SECONDS,
    workers: int | None = None,
    params: CNNParams | None = None,
) -> AudioModel:
    """A CNN trained on a demo world's CF vectors (CF fit on all its plays), for evaluations
    that need some trained model; the tracks with at least MIN_LISTENS listeners are used."""
    world_args = {**DEMO_WORLD, **(world_args or {})}
    world = generate_world(**world_args)
    plays = world.plays
    interactions = build_matrix(plays.listener, plays.item, np.ones(len(plays)), alpha=2.0)
    cf = train_cf(interactions, CFParams())
    listeners = interactions.counts.getnnz(axis=0)
    rows = np.flatnonzero(listeners >= MIN_LISTENS)
    mels = world_mels(world_args, seconds=seconds, workers=workers)
    tracks = interactions.items.ids[rows]
    return train_cnn([mels[t] for t in tracks], cf.item_factors[rows], params)


def _mel_one(job: tuple[int, float]) -> np.ndarray:
    index, seconds = job
    samples = synthesize_world_track(_worker_world, index, seconds=seconds)
    return log_mel(samples, DEFAULT_SR)


def _init_worker(world_args: dict) -> None:
    global _worker_world
    _worker_world = generate_world(**world_args)


def _write_one(job: tuple[int, str, float]) -> str:
    index, path, seconds = job
    return str(write_world_track(path, _worker_world, index, seconds=seconds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m recommender.audio.demo", description=__doc__)
    parser.add_argument("out", help="folder to write listens.tsv and audio/ into")
    parser.add_argument("--listeners", type=int, default=DEMO_WORLD["n_listeners"])
    parser.add_argument("--tracks", type=int, default=DEMO_WORLD["n_tracks"])
    parser.add_argument("--listens", type=float, default=DEMO_WORLD["mean_listens_per_listener"])
    parser.add_argument("--seed", type=int, default=DEMO_WORLD["seed"])
    parser.add_argument("--seconds", type=float, default=WORLD_CLIP_SECONDS)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    world_args = {
        "n_listeners": args.listeners,
        "n_tracks": args.tracks,
        "mean_listens_per_listener": args.listens,
        "seed": args.seed,
    }
    listens, audio = write_demo_dataset(
        args.out, world_args=world_args, seconds=args.seconds, workers=args.workers
    )
    seconds = time.perf_counter() - started
    print(f"wrote {listens} and {args.tracks} clips in {audio} ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
