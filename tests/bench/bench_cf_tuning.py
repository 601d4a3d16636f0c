"""Benchmark: the CF search on long-tailed, heavy-handed listening (run by hand, no database).

    python tests/bench/bench_cf_tuning.py [--light 10000 --tracks 20000 --artists 4000
                                           --heavy 30 --broad-plays 400000]

Builds a synthetic world of light listeners, `--heavy` listeners with ~15,000 plays each and
one listener with 400,000 plays across 3,000 artists, and the same world without the heavy
ones. For each it prints: seconds for `tune_cf` (temporal validation split, default grid),
the number of points fit and seconds per point, the chosen params, and NDCG@10 on the
temporal test split for light listeners (<= 40 plays) and for everyone: ALS with the
default params, ALS with the tuned params, and popularity.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

LIGHT_PLAYS = 40


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--light", type=int, default=10_000)
    parser.add_argument("--tracks", type=int, default=20_000)
    parser.add_argument("--artists", type=int, default=4_000)
    parser.add_argument("--heavy", type=int, default=30)
    parser.add_argument("--broad-plays", type=int, default=400_000)
    parser.add_argument("--max-seconds", type=float, default=None)
    return parser.parse_args()


def run(label: str, signals, *, max_seconds: float | None) -> None:
    import numpy as np

    from recommender.cf import CFParams
    from recommender.evaluate.harness import compare_split
    from recommender.evaluate.splits import make_split
    from recommender.evaluate.tuning import tune_cf
    from tests.recommender.evaluate.worlds import play_totals

    totals = play_totals(signals)
    print(
        f"== {label}: {totals.size:,} listeners, {len(signals.plays):,} (listener, track) rows,"
        f" {totals.sum():,.0f} plays; top listeners {np.sort(totals)[-3:].astype(int).tolist()}"
    )
    split, train = make_split(signals, "temporal")
    start = time.perf_counter()
    tuning = tune_cf(train, split="temporal", max_seconds=max_seconds)
    seconds = time.perf_counter() - start
    fits = len(tuning.table)
    per_fit = sum(row["seconds"] for row in tuning.table) / max(fits, 1)
    print(
        f"tune_cf: {seconds:.1f} s, {fits} points, {per_fit:.1f} s per point "
        f"(complete={tuning.complete}); validation: {tuning.validation_users} listeners, "
        f"popularity {tuning.popularity:.4f}, best ALS {tuning.best_score:.4f}"
    )
    print(f"chosen: {tuning.params}")
    light = np.flatnonzero(totals <= LIGHT_PLAYS)
    for name, rows in (("light listeners", light), ("everyone", None)):
        default = compare_split(split, CFParams(), ks=(10,), rows=rows)
        tuned = compare_split(split, tuning.params, ks=(10,), rows=rows, models=("als",))
        print(
            f"  {name} ({int(default['als']['users'])} test users): NDCG@10 "
            f"ALS default {default['als']['ndcg@10']:.4f}, ALS tuned {tuned['als']['ndcg@10']:.4f},"
            f" popularity {default['popularity']['ndcg@10']:.4f}"
        )


def main() -> None:
    args = parse_args()
    from tests.recommender.evaluate.worlds import long_tailed_world

    sizes = {"light_listeners": args.light, "tracks": args.tracks, "artists": args.artists}
    start = time.perf_counter()
    heavy, _ = long_tailed_world(**sizes, heavy_listeners=args.heavy, broad_plays=args.broad_plays)
    plain, _ = long_tailed_world(**sizes, heavy_listeners=0, broad_plays=0)
    print(f"worlds generated in {time.perf_counter() - start:.1f} s")
    run("with heavy listeners", heavy, max_seconds=args.max_seconds)
    run("light listeners only", plain, max_seconds=args.max_seconds)


if __name__ == "__main__":
    main()
