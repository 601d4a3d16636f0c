"""Many files at once: analysis or log-mels over a process pool.

Paths in; per path either the result or the `AudioError` message, in input order. Worker
processes start with the forkserver method (safe alongside torch and BLAS threads) and load
librosa's JIT-compiled code from the numba disk cache (see recommender/audio/__init__.py).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from recommender.audio.analysis import Analysis, analyze_file
from recommender.audio.decode import AudioError, load_audio
from recommender.audio.spectral import log_mel

Failure = str  # the AudioError message


def mel_of_file(path: str | os.PathLike) -> np.ndarray | Failure:
    """The log-mel spectrogram of a file, or why it could not be decoded."""
    try:
        decoded = load_audio(path)
    except AudioError as exc:
        return str(exc)
    return log_mel(decoded.samples, decoded.sample_rate)


def analysis_of_file(path: str | os.PathLike) -> tuple[Analysis, np.ndarray] | Failure:
    """(Analysis, log-mel) of a file, or why not. Beyond AudioError, any other exception is
    returned as "unexpected error: ..." too, so one bad file never stops a batch."""
    try:
        return analyze_file(path)
    except AudioError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - reported per file, the batch goes on
        return f"{Path(path).name}: unexpected error while analysing: {exc!r}"


def map_files(
    work: Callable[[Path], object],
    paths: Sequence[str | os.PathLike],
    *,
    workers: int | None = None,
    chunksize: int = 8,
) -> Iterator[object]:
    """`work(path)` for every path, in order, on `workers` processes (default: CPU count;
    1 runs in this process)."""
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(paths) < 2:
        yield from (work(Path(p)) for p in paths)
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(work, [Path(p) for p in paths], chunksize=chunksize)
