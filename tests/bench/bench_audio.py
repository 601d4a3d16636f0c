"""Benchmark: audio analysis throughput and CNN training speed (run by hand; no database).

    python tests/bench/bench_audio.py [--clips 300] [--workers 2] [--tracks 3000]

1. Real-time factor: seconds of audio analysed per wall-clock second, where "analysed" is
   the whole per-track job the webapp runs (decode, Echo-Nest features, log-mel spectrogram,
   CNN V-hat + embedding), on `--workers` processes. On synthesized 6 s demo-world clips
   (OGG Vorbis, written beforehand, not timed) and, when ../shared/data/audio is here, on the
   labelled real clips (WAV, 15-20 s). The CNN has the default size; its weights do not
   change its speed, so it is not trained for this part.
2. CNN training seconds per epoch on the demo world (`--tracks` tracks): CF fit on all
   plays, the CNN trained on the tracks with MIN_LISTENS+ listeners, early stopping.
Prints the machine's load average next to each figure: on a shared machine it matters.
"""

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

_model = None


def _init(model_dir: str) -> None:
    global _model
    from recommender.audio.cnn import AudioModel

    _model = AudioModel.load(model_dir)


def _job(path: str) -> float:
    """The webapp's per-track work; returns the seconds of audio analysed."""
    from recommender.audio.analysis import analyze_file

    analysis, mel = analyze_file(path)
    _model.predict([mel])
    return analysis.seconds


def realtime_factor(paths: list[str], model_dir: str, workers: int) -> tuple[float, float, float]:
    """(audio seconds, wall seconds, audio seconds per wall second). Workers are started and
    warmed (imports, numba cache, model load) before the clock starts."""
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init, initargs=(model_dir,)
    ) as pool:
        list(pool.map(_job, paths[:workers]))  # warm every worker
        started = time.perf_counter()
        audio = sum(pool.map(_job, paths, chunksize=4))
        wall = time.perf_counter() - started
    return audio, wall, audio / wall


def untrained_model_dir(directory: Path) -> str:
    import numpy as np

    from recommender.audio.cnn import AudioModel, AudioNet, CNNParams
    from recommender.audio.spectral import N_MELS

    params = CNNParams()
    net = AudioNet(N_MELS, 64, params).eval()
    model = AudioModel(net, params, N_MELS, np.zeros(64, np.float32), np.ones(64, np.float32), {})
    return str(model.save(directory / "cnn"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tracks", type=int, default=3000)
    args = parser.parse_args()
    from recommender.audio.demo import DEMO_WORLD, train_demo_model, write_audio
    from tests.shared_data import shared_path

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model_dir = untrained_model_dir(tmp)
        clips = write_audio(
            DEMO_WORLD, tmp / "clips", indices=range(args.clips), workers=args.workers
        )
        audio, wall, factor = realtime_factor([str(p) for p in clips], model_dir, args.workers)
        print(
            f"demo-world clips: {len(clips)} x 6 s = {audio:.0f} s of audio in {wall:.1f} s on "
            f"{args.workers} processes: {factor:.1f}x real time (load {_load()})"
        )
        real = sorted(str(p) for p in shared_path("audio", "gtzan").glob("*.wav"))
        if real:
            audio, wall, factor = realtime_factor(real, model_dir, args.workers)
            print(
                f"GTZAN clips: {len(real)} clips, {audio:.0f} s of audio in {wall:.1f} s on "
                f"{args.workers} processes: {factor:.1f}x real time (load {_load()})"
            )

    started = time.perf_counter()
    model = train_demo_model({"n_tracks": args.tracks}, workers=args.workers)
    epochs = model.history["epochs"]
    seconds = [e["seconds"] for e in epochs]
    history = model.history
    print(
        f"CNN training on the demo world ({args.tracks} tracks; {history['n_train']} training "
        f"+ {history['n_val']} validation have MIN_LISTENS+ listeners): {len(epochs)} epochs "
        f"(best {history['best_epoch']}), {sum(seconds) / len(seconds):.2f} s per epoch "
        f"(load {_load()}); "
        f"whole run incl. synthesis and CF {time.perf_counter() - started:.0f} s"
    )
    return 0


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
