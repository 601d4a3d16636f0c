"""CF hyper-parameters chosen on the product's own data.

`Signals` in (plays with times, the other signals apart); out a `Tuning`: the `CFParams` that
scored best on a validation split carved from those signals, and a table of every point tried.
The webapp runs it on its whole database (on a schedule, and by `manage.py evaluate --search
--apply`); the harness runs it on the training side of each outer split.

The search is coordinate-wise, not a full grid: starting from `base`, it tries each value of
one parameter with the others held at the best so far, parameter after parameter, for up to
`rounds` rounds or until a round changes nothing. That costs about the sum of the axes'
sizes per round instead of their product, so a finer grid stays affordable on large data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from recommender.cf import CFParams
from recommender.evaluate.harness import compare_split
from recommender.evaluate.signals import Signals, SplitMatrices
from recommender.evaluate.splits import DEFAULT_TEST_FRACTION, make_split

# implicit does not scale regularization by a listener's number of tracks, so its best value
# moves with data size and count scale over orders of magnitude; alpha and eps shape the
# confidence c = 1 + alpha * log(1 + count / eps).
# Axes are searched in this order, the one that matters most first.
DEFAULT_GRID: dict[str, tuple] = {
    "regularization": (0.05, 0.5, 5.0, 20.0, 50.0),
    "factors": (32, 64, 128),
    "alpha": (0.5, 1.0, 2.0, 4.0),
    "eps": (1.0, 10.0),
}
SEARCH_METRIC = "ndcg@10"
SEARCH_ROUNDS = 2
SEARCH_EVAL_USERS = 5000  # validation listeners scored per point (a sample beyond this)
TUNED_FIELDS = ("factors", "regularization", "alpha", "eps")


@dataclass
class Tuning:
    """The search's result: the winning params and the table of every point tried.

    Each table row holds the tuned fields, the metric on the validation split and the seconds
    the point took. `popularity` is the popularity baseline's metric on the same split, so a
    reader can see whether tuning reached past it. `complete` is False when `max_seconds` cut
    the search short (the best point so far is returned).
    """

    params: CFParams
    table: list[dict] = field(default_factory=list)
    split: str = "random"
    metric: str = SEARCH_METRIC
    popularity: float = 0.0
    validation_users: int = 0
    seconds: float = 0.0
    complete: bool = True
    note: str = ""

    @property
    def best_score(self) -> float:
        return max((row[self.metric] for row in self.table), default=0.0)

    def to_dict(self) -> dict:
        return {**asdict(self), "params": asdict(self.params)}


def resolve_split(signals: Signals, split: str) -> str:
    """ "auto" is the temporal split when plays carry times, the random split otherwise."""
    if split == "auto":
        return "temporal" if signals.plays.has_times else "random"
    return split


def tune_cf(
    signals: Signals,
    *,
    base: CFParams | None = None,
    grid: Mapping[str, Iterable] = DEFAULT_GRID,
    split: str = "auto",
    seed: int = 0,
    fraction: float = DEFAULT_TEST_FRACTION,
    metric: str = SEARCH_METRIC,
    rounds: int = SEARCH_ROUNDS,
    eval_users: int = SEARCH_EVAL_USERS,
    max_seconds: float | None = None,
    log: Callable[[str], None] | None = None,
) -> Tuning:
    """Search `grid` around `base` for the best `metric` on a validation split of `signals`.

    `split` is "temporal" (predict the latest discoveries), "random" or "auto". Iterations
    and the seed come from `base`. Without validation plays the search returns `base`.
    """
    start = time.perf_counter()
    base = base or CFParams()
    kind = resolve_split(signals, split)
    try:
        matrices, _ = make_split(signals, kind, fraction=fraction, seed=seed + 1)
    except ValueError as exc:
        return Tuning(base, split=kind, metric=metric, note=f"no validation split ({exc}): kept")
    rows = sample_test_rows(matrices, eval_users, seed)
    k = int(metric.split("@")[1])
    result = Tuning(base, split=kind, metric=metric, validation_users=int(rows.size))
    if rows.size == 0:
        result.note = "no validation plays: kept the given params"
        return result
    popularity = compare_split(matrices, base, ks=(k,), rows=rows, models=("popularity",))
    result.popularity = popularity["popularity"][metric]
    score = _Scorer(matrices, rows, metric, result.table, log)
    best, best_score = base, score(base)
    axes = {name: tuple(values) for name, values in grid.items()}
    for _ in range(max(1, rounds)):
        changed = False
        for name, values in axes.items():
            for value in values:
                if max_seconds is not None and time.perf_counter() - start > max_seconds:
                    result.complete = False
                    break
                candidate = replace(best, **{name: value})
                candidate_score = score(candidate)
                if candidate_score > best_score:
                    best, best_score, changed = candidate, candidate_score, True
        if not changed or not result.complete:
            break
    result.params = best
    result.seconds = time.perf_counter() - start
    return result


class _Scorer:
    """Fits and scores one point on the validation split, once per distinct point."""

    def __init__(self, matrices: SplitMatrices, rows: np.ndarray, metric: str, table, log):
        self.matrices, self.rows, self.metric = matrices, rows, metric
        self.k = int(metric.split("@")[1])
        self.table, self.log = table, log
        self.seen: dict[tuple, float] = {}

    def __call__(self, params: CFParams) -> float:
        key = tuple(getattr(params, name) for name in TUNED_FIELDS)
        if key in self.seen:
            return self.seen[key]
        start = time.perf_counter()
        scores = compare_split(self.matrices, params, ks=(self.k,), rows=self.rows, models=("als",))
        value = scores["als"][self.metric]
        row = dict(zip(TUNED_FIELDS, key, strict=True))
        row.update({self.metric: value, "seconds": round(time.perf_counter() - start, 3)})
        self.table.append(row)
        self.seen[key] = value
        if self.log:
            self.log(f"{dict(zip(TUNED_FIELDS, key, strict=True))} {self.metric}={value:.4f}")
        return value


def sample_test_rows(matrices: SplitMatrices, limit: int, seed: int) -> np.ndarray:
    """Rows of listeners with held-out plays, a seeded sample of `limit` when there are more."""
    rows = np.flatnonzero(np.diff(matrices.test.indptr) > 0)
    if rows.size > limit:
        rows = np.sort(np.random.default_rng(seed).choice(rows, size=limit, replace=False))
    return rows
