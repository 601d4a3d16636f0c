"""Evaluate the analyser and the audio embedding on labelled real clips.

    python -m recommender.audio.evaluate DIR [--model CNN_DIR] [--json]

DIR holds `labels.csv` (columns `file`, `genre`, `tempo_bpm_full_clip`; e.g. the GTZAN
excerpts in ../shared/data/audio). Prints tempo Acc1 (within 4 % of the label) and Acc2 (also
at x2, x3, 1/2, 1/3 of it) for this analyser and for librosa's default beat tracker on the
same decoded clips in the same run, and the leave-one-out 1-nearest-neighbour genre accuracy
of the CNN's audio embedding (cosine), next to plain log-mel statistics and chance. Without
--model a CNN is first trained on the synthetic demo world (a sanity check: it never heard
real music).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

from recommender.audio.analysis import analyze_signal
from recommender.audio.baseline import summary_features
from recommender.audio.cnn import AudioModel
from recommender.audio.decode import load_audio

TOLERANCE = 0.04
OCTAVE_FACTORS = (1.0, 2.0, 3.0, 1 / 2, 1 / 3)


def tempo_accuracy(estimates: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(Acc1, Acc2): the share within TOLERANCE of the label; Acc2 also counts the label
    times 2, 3, 1/2 or 1/3 (Gouyon et al. 2006, as MIREX reports tempo)."""
    estimates, labels = np.asarray(estimates, float), np.asarray(labels, float)
    close = [np.abs(estimates - f * labels) <= TOLERANCE * f * labels for f in OCTAVE_FACTORS]
    return float(close[0].mean()), float(np.any(close, axis=0).mean())


def nearest_neighbour_accuracy(vectors: np.ndarray, labels: list[str]) -> float:
    """Leave-one-out 1-NN accuracy under cosine similarity."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    labels_arr = np.asarray(labels)
    return float((labels_arr[np.argmax(sims, axis=1)] == labels_arr).mean())


def labelled_clips(directory: str | Path) -> list[dict]:
    with (Path(directory) / "labels.csv").open(encoding="utf-8") as fh:
        return [row for row in csv.DictReader(fh) if row.get("tempo_bpm_full_clip")]


def tempo_estimates(directory: str | Path, rows: list[dict]) -> dict:
    """Per clip: the label, this analyser's tempo, librosa's default tempo, and the log-mel.
    Both estimators see the same decoded samples."""
    import librosa

    out: dict[str, list] = {"label": [], "ours": [], "librosa": [], "mel": []}
    for row in rows:
        decoded = load_audio(Path(directory) / row["file"])
        analysis, mel = analyze_signal(decoded)
        tempo, _ = librosa.beat.beat_track(y=decoded.samples, sr=decoded.sample_rate)
        out["label"].append(float(row["tempo_bpm_full_clip"]))
        out["ours"].append(analysis.tempo)
        out["librosa"].append(float(np.atleast_1d(tempo)[0]))
        out["mel"].append(mel)
    return out


def evaluate(directory: str | Path, model: AudioModel) -> dict:
    rows = labelled_clips(directory)
    found = tempo_estimates(directory, rows)
    genres = [row["genre"] for row in rows]
    _, embeddings = model.predict(found["mel"])
    features = np.stack([summary_features(m) for m in found["mel"]])
    features = (features - features.mean(axis=0)) / (features.std(axis=0) + 1e-9)
    accuracy = {
        name: dict(zip(("acc1", "acc2"), tempo_accuracy(found[key], found["label"]), strict=True))
        for name, key in (("this analyser", "ours"), ("librosa default", "librosa"))
    }
    return {
        "clips": len(rows),
        "tempo": accuracy,
        "genre_1nn": {
            "cnn embedding": nearest_neighbour_accuracy(embeddings, genres),
            "log-mel mean/std": nearest_neighbour_accuracy(features, genres),
            "chance": 1 / len(set(genres)),
        },
        "per_clip": [
            {"file": r["file"], "label": t, "ours": round(o, 2), "librosa": round(d, 2)}
            for r, t, o, d in zip(
                rows, found["label"], found["ours"], found["librosa"], strict=True
            )
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m recommender.audio.evaluate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", metavar="DIR")
    parser.add_argument("--model", help="a saved CNN folder (AudioModel.save)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.model:
        model = AudioModel.load(args.model)
    else:
        from recommender.audio.demo import train_demo_model

        print("training a CNN on the synthetic demo world first...", file=sys.stderr)
        model = train_demo_model()
    result = evaluate(args.directory, model)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['clips']} labelled clips in {args.directory}")
    print("\n| tempo | Acc1 (4 %) | Acc2 (x2, x3, /2, /3) |\n|---|---|---|")
    for name, acc in result["tempo"].items():
        print(f"| {name} | {acc['acc1']:.3f} | {acc['acc2']:.3f} |")
    print("\n| genre, leave-one-out 1-NN | accuracy |\n|---|---|")
    for name, value in result["genre_1nn"].items():
        print(f"| {name} | {value:.3f} |")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
