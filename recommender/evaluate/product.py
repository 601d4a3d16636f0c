"""The product's own evaluation: does CF predict next week better than popularity?

`Signals` in: plays as parallel arrays (user, item, count, first and last unix time) and the
other signals apart (saves, visits, skips as (user, item, count)). Out: ALS vs popularity vs
random under the temporal split (train before a cut-off; hits are tracks first played after
it) and the random split, and a `Verdict` the webapp gates activation on.

The verdict compares NDCG@10 (`DECISION_METRIC`) of ALS and popularity on the temporal split
(`DECISION_SPLIT`), or on the random split when plays have no times or the temporal split
has too few listeners to judge. NDCG@10 rewards a new track the listener went on to play
more the higher it sits among the first ten picks, which is what a weekly playlist shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

import scipy.sparse as sp

from recommender.cf import CFParams
from recommender.evaluate.harness import DEFAULT_KS, Comparison, compare_split
from recommender.evaluate.signals import Plays, Signals
from recommender.evaluate.splits import DEFAULT_TEST_FRACTION, SPLIT_KINDS, make_split
from recommender.evaluate.tuning import DEFAULT_GRID, sample_test_rows, tune_cf

DECISION_METRIC = "ndcg@10"
DECISION_SPLIT = "temporal"
MIN_VERDICT_USERS = 10  # fewer test listeners than this cannot tell ALS from popularity


@dataclass
class Verdict:
    """ALS against popularity on one split and metric; `decided` False when too few users."""

    split: str
    metric: str
    als: float
    popularity: float
    users: int
    decided: bool
    worse_than_popularity: bool
    reason: str


@dataclass
class ProductEvaluation:
    """Per split (temporal first when plays have times, then random) and the verdict."""

    splits: dict[str, Comparison]
    verdict: Verdict
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "splits": {name: c.to_dict() for name, c in self.splits.items()},
            "verdict": asdict(self.verdict),
            "seconds": self.seconds,
            "notes": self.notes,
        }


def evaluate_product(
    signals: Signals,
    *,
    params: CFParams | None = None,
    search: bool = False,
    seed: int = 0,
    ks: Sequence[int] = DEFAULT_KS,
    cutoff: int | None = None,
    fraction: float = DEFAULT_TEST_FRACTION,
    grid: Mapping[str, Iterable] = DEFAULT_GRID,
    max_search_seconds: float | None = None,
    kinds: Sequence[str] = SPLIT_KINDS,
    max_test_users: int | None = None,
    log: Callable[[str], None] | None = None,
) -> ProductEvaluation:
    """ALS vs popularity vs random under the temporal and random splits, and the verdict.

    Build `signals` from the database as `Signals(Plays(user, item, count, first, last),
    {"save": (user, item, count), "visit": ..., "skip": ...})`. With `search`, ALS params are
    tuned (`tune_cf`) on a validation split carved from each split's training side, so the
    test plays never choose them. `cutoff` (unix seconds) fixes the temporal cut-off;
    otherwise the latest `fraction` of first plays are tested. `kinds` picks the splits (a
    gate needs only "temporal"); `max_test_users` scores a sample of test listeners on a
    large database. NDCG@10 is always computed, whatever `ks`, for the verdict.
    """
    start = time.perf_counter()
    params = replace(params or CFParams(), random_state=seed)
    ks = sorted({*ks, int(DECISION_METRIC.split("@")[1])})
    notes = []
    if not signals.plays.has_times and "temporal" in kinds:
        notes.append("plays have no times: random split only")
        kinds = ["random"]
    splits: dict[str, Comparison] = {}
    for kind in kinds:
        split_start = time.perf_counter()
        try:
            matrices, train = make_split(
                signals,
                kind,
                cutoff=cutoff if kind == "temporal" else None,
                fraction=fraction,
                seed=seed,
            )
        except ValueError as exc:
            if kind != "temporal" or len(kinds) == 1:
                raise
            notes.append(f"temporal split skipped: {exc}")
            continue
        chosen, trail = params, []
        if search:
            tuning = tune_cf(
                train,
                base=params,
                grid=grid,
                split=kind,
                seed=seed,
                fraction=fraction,
                max_seconds=max_search_seconds,
                log=log,
            )
            chosen, trail = tuning.params, tuning.table
            matrices.info["search_seconds"] = round(tuning.seconds, 3)
            matrices.info["search_complete"] = tuning.complete
        rows = sample_test_rows(matrices, max_test_users, seed) if max_test_users else None
        models = compare_split(matrices, chosen, seed=seed, ks=ks, rows=rows)
        splits[kind] = Comparison(
            models, chosen, trail, time.perf_counter() - split_start, kind, matrices.info
        )
    return ProductEvaluation(splits, verdict(splits), time.perf_counter() - start, notes)


def verdict(
    splits: Mapping[str, Comparison],
    *,
    metric: str = DECISION_METRIC,
    min_users: int = MIN_VERDICT_USERS,
) -> Verdict:
    """ALS vs popularity on `metric`: the temporal split when it has `min_users` test users."""
    order = [DECISION_SPLIT] + [name for name in splits if name != DECISION_SPLIT]
    usable = [name for name in order if name in splits]
    if not usable:
        raise ValueError("no split to judge")
    chosen = next(
        (name for name in usable if splits[name].models["als"]["users"] >= min_users), usable[0]
    )
    models = splits[chosen].models
    als, popularity = models["als"].get(metric, 0.0), models["popularity"].get(metric, 0.0)
    users = int(models["als"]["users"])
    if users < min_users:
        return Verdict(
            chosen, metric, als, popularity, users, False, False,
            f"only {users} test listeners on the {chosen} split (need {min_users}): not judged",
        )  # fmt: skip
    worse = als < popularity
    relation = "below" if worse else "at or above"
    reason = (
        f"ALS {metric} {als:.4f} is {relation} popularity's {popularity:.4f} "
        f"on the {chosen} split ({users} listeners)"
    )
    return Verdict(chosen, metric, als, popularity, users, True, worse, reason)


def compare_counts(
    counts: sp.spmatrix,
    *,
    seed: int = 0,
    ks: Sequence[int] = DEFAULT_KS,
    search: bool = True,
    grid: Mapping[str, Iterable] = DEFAULT_GRID,
    params: CFParams | None = None,
    fraction: float = DEFAULT_TEST_FRACTION,
    log: Callable[[str], None] | None = None,
) -> Comparison:
    """The random split of `evaluate_product` on one users x items counts CSR (all plays)."""
    coo = sp.coo_matrix(counts)
    plays = Plays(coo.row, coo.col, coo.data)
    result = evaluate_product(
        Signals(plays), params=params, search=search, seed=seed, ks=ks, fraction=fraction,
        grid=grid, log=log,
    )  # fmt: skip
    return result.splits["random"]
