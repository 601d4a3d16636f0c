"""Cold-start evaluation after van den Oord & Dieleman (2013): can audio alone place a track
nobody has played?

    python -m recommender.audio.coldstart LISTENS AUDIO_DIR [--json]

LISTENS is a tab-separated `user track count` file (ids are any strings); AUDIO_DIR holds one
file per track named `<track>.<ext>`. Every listen of a random HIDDEN_FRACTION of the tracks
that have audio is hidden; CF (`recommender.cf.train`) is fit on the rest; the CNN learns the
kept tracks' CF vectors from their audio (those with at least MIN_LISTENS listeners) and
predicts the hidden tracks' vectors. For each hidden track, the AUC says how well u . v-hat
ranks its real listeners above everyone else; the mean over hidden tracks is reported for
the CNN, for a ridge regression on plain audio features (`baseline.py`) and for random
scores. `--json` prints {"cnn": {"auc": ...}, "features": {"auc": ...}, "random": {...}}.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata

from recommender.audio.baseline import LinearMap
from recommender.audio.batch import map_files, mel_of_file
from recommender.audio.cnn import MIN_LISTENS, CNNParams
from recommender.audio.cnn import train as train_cnn
from recommender.audio.decode import DECODABLE
from recommender.cf import CFParams
from recommender.cf import train as train_cf
from recommender.interactions import build_matrix

HIDDEN_FRACTION = 0.2
Progress = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class Listens:
    users: list[str]  # names, index = user number
    tracks: list[str]
    matrix: sp.csr_matrix  # (users, tracks) summed counts


@dataclass
class ColdStartResult:
    auc: dict[str, float]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {name: {"auc": round(value, 4)} for name, value in self.auc.items()}


def read_listens(path: str | os.PathLike) -> Listens:
    """Parse `user<TAB>track<TAB>count` lines (string ids; a header line is skipped)."""
    users: dict[str, int] = {}
    tracks: dict[str, int] = {}
    rows, cols, counts = [], [], []
    with Path(path).open(encoding="utf-8", newline="") as fh:
        for number, line in enumerate(csv.reader(fh, delimiter="\t"), start=1):
            if not line or not "".join(line).strip():
                continue
            if len(line) < 3:
                raise ValueError(f"{path}:{number}: expected 'user<TAB>track<TAB>count'")
            try:
                count = float(line[2])
            except ValueError:
                if number == 1:
                    continue  # a header
                raise ValueError(f"{path}:{number}: count {line[2]!r} is not a number") from None
            rows.append(users.setdefault(line[0], len(users)))
            cols.append(tracks.setdefault(line[1], len(tracks)))
            counts.append(count)
    shape = (len(users), len(tracks))
    matrix = sp.csr_matrix((np.asarray(counts), (rows, cols)), shape=shape, dtype=np.float32)
    matrix.sum_duplicates()
    matrix.data[matrix.data < 0] = 0
    matrix.eliminate_zeros()
    return Listens(list(users), list(tracks), matrix)


def audio_files(directory: str | os.PathLike) -> dict[str, Path]:
    """Track name -> its file: every decodable file in `directory` named `<track>.<ext>`."""
    found: dict[str, Path] = {}
    for path in sorted(Path(directory).iterdir()):
        if path.is_file() and path.suffix.lower().lstrip(".") in DECODABLE:
            if path.stem in found:
                raise ValueError(f"two audio files for track {path.stem!r} in {directory}")
            found[path.stem] = path
    return found


def auc_per_item(scores: np.ndarray, positives: np.ndarray) -> np.ndarray:
    """AUC of each column of `scores` (users x items) at ranking that column's positive users
    (boolean, same shape) above the rest: the Mann-Whitney U over P x N, ties counted half.
    NaN for columns with no positives or no negatives."""
    ranks = rankdata(scores, axis=0)
    n_pos = positives.sum(axis=0)
    n_neg = positives.shape[0] - n_pos
    rank_sum = np.where(positives, ranks, 0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)


def evaluate(
    listens: Listens,
    files: dict[str, Path],
    *,
    seed: int = 0,
    cf_params: CFParams | None = None,
    cnn_params: CNNParams | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ColdStartResult:
    """Hide, fit CF, fit the CNN and the linear baseline, score the hidden tracks."""
    say = progress or (lambda message: None)
    cf_params, cnn_params = cf_params or CFParams(), cnn_params or CNNParams(seed=seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with_audio = np.array([name in files for name in listens.tracks])
    track_rows = np.flatnonzero(with_audio & (listens.matrix.getnnz(axis=0) > 0))
    if track_rows.size < 10:
        raise ValueError(f"only {track_rows.size} tracks have both listens and audio; need 10")
    say(f"decoding {track_rows.size} clips")
    mels, failed = _spectrograms([files[listens.tracks[t]] for t in track_rows], workers)
    track_rows = track_rows[~failed]
    timings["seconds_spectrograms"] = time.perf_counter() - started

    rng = np.random.default_rng(seed)
    hidden = np.zeros(len(listens.tracks), dtype=bool)
    hidden[
        rng.choice(track_rows, size=int(round(HIDDEN_FRACTION * track_rows.size)), replace=False)
    ] = True
    mel_of = dict(zip(track_rows.tolist(), mels, strict=True))

    stage = time.perf_counter()
    say("training CF on the kept tracks' listens")
    model = _fit_cf(listens.matrix, hidden, cf_params)
    timings["seconds_cf"] = time.perf_counter() - stage

    listeners = np.asarray((listens.matrix[:, ~hidden] > 0).sum(axis=0)).ravel()
    kept_counts = np.zeros(len(listens.tracks), dtype=np.int64)
    kept_counts[np.flatnonzero(~hidden)] = listeners
    train_rows = np.array(
        [
            t
            for t in track_rows
            if not hidden[t] and kept_counts[t] >= MIN_LISTENS and t in model.items
        ],
        dtype=np.int64,
    )
    if train_rows.size < 8:
        raise ValueError(f"only {train_rows.size} kept tracks have {MIN_LISTENS}+ listeners")
    targets = model.item_factors[model.items.index_of(train_rows)]
    stage = time.perf_counter()
    say(f"training the CNN on {train_rows.size} tracks")
    cnn = train_cnn(
        [mel_of[t] for t in train_rows],
        targets,
        cnn_params,
        progress=lambda epoch, total, loss: say(f"CNN epoch {epoch}: validation loss {loss:.4f}"),
    )
    timings["seconds_cnn"] = time.perf_counter() - stage
    linear = LinearMap.fit([mel_of[t] for t in train_rows], targets)

    test_rows = np.flatnonzero(hidden)
    test_mels = [mel_of[t] for t in test_rows]
    users = model.users.ids  # user numbers CF knows
    u = model.user_factors
    positives = (listens.matrix[users][:, test_rows] > 0).toarray()
    vhat, _ = cnn.predict(test_mels)
    candidates = {
        "cnn": u @ vhat.T,
        "features": u @ linear.predict(test_mels).T,
        "random": rng.standard_normal(positives.shape),
    }
    auc = {name: float(np.nanmean(auc_per_item(s, positives))) for name, s in candidates.items()}
    timings["seconds_total"] = time.perf_counter() - started
    counts = {
        "users": int(users.size),
        "tracks_with_audio": int(track_rows.size),
        "undecodable": int(failed.sum()),
        "hidden_tracks": int(test_rows.size),
        "cnn_training_tracks": int(train_rows.size),
        "cnn_best_epoch": int(cnn.history["best_epoch"]),
    }
    return ColdStartResult(auc=auc, counts=counts, seconds=timings)


def _spectrograms(paths: list[Path], workers: int | None) -> tuple[list[np.ndarray], np.ndarray]:
    results = list(map_files(mel_of_file, paths, workers=workers))
    failed = np.array([isinstance(r, str) for r in results])
    for path, result in zip(paths, results, strict=True):
        if isinstance(result, str):
            print(f"skipped {path}: {result}", file=sys.stderr)
    return [r for r in results if not isinstance(r, str)], failed


def _fit_cf(matrix: sp.csr_matrix, hidden: np.ndarray, params: CFParams):
    """CF on every listen except those of the hidden tracks (users and tracks keep their
    row/column numbers as ids)."""
    coo = matrix.tocoo()
    keep = ~hidden[coo.col] & (coo.data > 0)
    interactions = build_matrix(
        coo.row[keep], coo.col[keep], coo.data[keep], alpha=params.alpha, eps=params.eps
    )
    return train_cf(interactions, params)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m recommender.audio.coldstart",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("listens", metavar="LISTENS")
    parser.add_argument("audio_dir", metavar="AUDIO_DIR")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--factors", type=int, default=CFParams().factors)
    parser.add_argument("--workers", type=int, default=None, help="decoding processes")
    args = parser.parse_args(argv)
    try:
        listens = read_listens(args.listens)
        files = audio_files(args.audio_dir)
        result = evaluate(
            listens,
            files,
            seed=args.seed,
            cf_params=CFParams(factors=args.factors),
            cnn_params=CNNParams(seed=args.seed),
            workers=args.workers,
            progress=None if args.json else (lambda message: print(message, file=sys.stderr)),
        )
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.as_json()))
        return 0
    print("model      AUC (hidden tracks' listeners ranked above the rest)")
    for name, value in result.auc.items():
        print(f"{name:<10} {value:.4f}")
    print(", ".join(f"{k} {v}" for k, v in result.counts.items()))
    print(", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
