"""Command line: python -m recommender.evaluate PATH [options], or --synthetic LxT.

An interactions file (tab-separated `user item count [time]`, ids any strings, header or not)
or the Last.fm 2K folder in; a table per split (temporal when the file has times, and random)
of ALS vs popularity vs random, the ALS params chosen, and the verdict against popularity out
(or one JSON object with --json). A bad file is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime

from recommender.cf import CFParams
from recommender.evaluate.datasets import Dataset, DatasetError, load_dataset, parse_unix_time
from recommender.evaluate.harness import DEFAULT_KS, Comparison
from recommender.evaluate.product import ProductEvaluation, evaluate_product
from recommender.evaluate.splits import DEFAULT_TEST_FRACTION

METRICS = ("precision", "recall", "map", "ndcg", "coverage", "novelty")
EXIT_BAD_INPUT = 2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m recommender.evaluate", description=__doc__)
    parser.add_argument("path", nargs="?", help="Last.fm 2K folder or a 'user item count' file")
    parser.add_argument("--synthetic", metavar="LxT", help="a synthetic world, e.g. 2000x10000")
    parser.add_argument("--listens", type=float, default=100.0, help="synthetic listens/listener")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seed", type=int, default=0, help="split and model seed (default 0)")
    parser.add_argument("--k", type=int, nargs="+", default=list(DEFAULT_KS), help="cut-offs")
    parser.add_argument("--no-search", action="store_true", help="skip the ALS param search")
    parser.add_argument("--max-search-seconds", type=float, help="stop each search after this")
    defaults = CFParams()
    for name in ("factors", "regularization", "alpha", "eps", "iterations"):
        kind = type(getattr(defaults, name))
        help_text = f"ALS {name} (the search starts here; default {getattr(defaults, name)})"
        parser.add_argument(f"--{name}", type=kind, default=getattr(defaults, name), help=help_text)
    parser.add_argument("--cutoff", help="temporal cut-off: unix seconds or ISO 8601")
    parser.add_argument("--fraction", type=float, default=DEFAULT_TEST_FRACTION)
    parser.add_argument("--verbose", action="store_true", help="log each search point to stderr")
    args = parser.parse_args(argv)
    if (args.path is None) == (args.synthetic is None):
        parser.error("give a PATH or --synthetic LISTENERSxTRACKS (not both)")
    return args


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


def describe_split(result: Comparison) -> str:
    info = result.info
    if result.split == "temporal":
        when = datetime.fromtimestamp(info["cutoff"], UTC).strftime("%Y-%m-%d %H:%M UTC")
        how = f"train before {when}; hits: tracks first played after it"
    else:
        how = f"a random {info['fraction']:.0%} of each listener's played tracks held out"
    cold = info.get("cold_test_users", 0)
    tail = f"; {cold} listeners with no history before it left out" if cold else ""
    return f"== {result.split} split: {how}; {info['test_pairs']} test pairs{tail}"


def format_report(dataset: Dataset, result: ProductEvaluation, ks: list[int]) -> str:
    parts = [dataset.describe(), *result.notes]
    for comparison in result.splits.values():
        parts += ["", describe_split(comparison), format_table(comparison, ks)]
    parts += ["", f"verdict: {result.verdict.reason}", f"total time: {result.seconds:.1f}s"]
    return "\n".join(parts)


def load(args: argparse.Namespace) -> Dataset:
    if args.synthetic is None:
        return load_dataset(args.path)
    from recommender.evaluate.datasets import world_dataset
    from recommender.synthetic import generate_world

    try:
        listeners, tracks = (int(x) for x in args.synthetic.lower().split("x"))
    except ValueError:
        raise DatasetError(f"--synthetic wants LISTENERSxTRACKS, got {args.synthetic!r}") from None
    world = generate_world(
        n_listeners=listeners,
        n_tracks=tracks,
        mean_listens_per_listener=args.listens,
        seed=args.seed,
    )
    return world_dataset(world)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    try:
        dataset = load(args)
        cutoff = parse_unix_time(args.cutoff, "--cutoff") if args.cutoff else None
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    load_seconds = time.perf_counter() - start
    log = (lambda line: print(line, file=sys.stderr)) if args.verbose else None
    try:
        result = evaluate_product(
            dataset.signals,
            params=CFParams(
                factors=args.factors,
                regularization=args.regularization,
                alpha=args.alpha,
                eps=args.eps,
                iterations=args.iterations,
            ),
            search=not args.no_search,
            seed=args.seed,
            ks=args.k,
            cutoff=cutoff,
            fraction=args.fraction,
            max_search_seconds=args.max_search_seconds,
            log=log,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps({**result.to_dict(), "load_seconds": load_seconds}))
    else:
        print(format_report(dataset, result, args.k))
        print(f"load time: {load_seconds:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
