"""Command line: python -m recommender.evaluate PATH [--json] [--seed N] [--k K ...] [--no-search].

An interactions file or the Last.fm 2K folder in; a table (or one JSON object) of ALS vs
popularity vs random metrics on a per-user holdout out, with the ALS params chosen.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from recommender.cf import CFParams
from recommender.evaluate.datasets import load_user_item_counts
from recommender.evaluate.harness import DEFAULT_KS, Comparison, compare
from recommender.interactions import build_matrix

METRICS = ("precision", "recall", "map", "ndcg", "coverage", "novelty")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m recommender.evaluate", description=__doc__)
    parser.add_argument("path", help="Last.fm 2K folder or a 'user item count' file")
    parser.add_argument("--json", action="store_true", help="print one JSON object of metrics")
    parser.add_argument("--seed", type=int, default=0, help="split and model seed (default 0)")
    parser.add_argument("--k", type=int, nargs="+", default=list(DEFAULT_KS), help="cut-offs")
    parser.add_argument("--no-search", action="store_true", help="skip the ALS grid search")
    parser.add_argument("--iterations", type=int, default=CFParams.iterations)
    parser.add_argument("--verbose", action="store_true", help="log each grid point to stderr")
    return parser.parse_args(argv)


def format_table(result: Comparison, ks: list[int]) -> str:
    columns = [f"{m}@{k}" for k in sorted(set(ks)) for m in METRICS]
    width = max(len(c) for c in columns) + 1
    lines = ["model".ljust(11) + "".join(c.rjust(width) for c in columns)]
    for name, values in result.models.items():
        cells = "".join(f"{values[c]:.4f}".rjust(width) for c in columns)
        lines.append(name.ljust(11) + cells)
    users = int(next(iter(result.models.values()))["users"])
    params = ", ".join(f"{k}={v}" for k, v in asdict(result.params).items())
    lines += ["", f"test users: {users}", f"als params: {params}"]
    lines.append(f"time: {result.seconds:.1f}s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        users, items, counts = load_user_item_counts(args.path)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    interactions = build_matrix(users, items, counts, alpha=CFParams.alpha)
    log = (lambda line: print(line, file=sys.stderr)) if args.verbose else None
    result = compare(
        interactions.counts,
        seed=args.seed,
        ks=args.k,
        search=not args.no_search,
        params=CFParams(iterations=args.iterations),
        log=log,
    )
    if args.json:
        print(json.dumps(result.models, sort_keys=True))
    else:
        print(format_table(result, args.k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
