"""CF judged and tuned on the product's own listening: the database's signals in, the
library's temporal/random comparison and parameter search out, tunings stored.

`cf_tune` runs on a schedule and from `manage.py evaluate --search --apply`; the applied
tuning's params are what `cf_params_default` hands the next retrain.
"""

from collections.abc import Callable
from dataclasses import asdict, replace

from django.conf import settings

from recommender.cf import CFParams
from recommender.evaluate.product import ProductEvaluation, evaluate_product
from recommender.evaluate.signals import Plays, Signals
from recommender.evaluate.tuning import TUNED_FIELDS, tune_cf
from webapp.listening.selectors import signals_by_kind
from webapp.training.models import CFTuning

#: The scheduled search stops trying new points after this long (the best so far is kept).
TUNING_MAX_SECONDS = 20 * 60


def cf_params_settings() -> CFParams:
    return CFParams(
        factors=settings.CF_FACTORS,
        regularization=settings.CF_REGULARIZATION,
        alpha=settings.CF_ALPHA,
        iterations=settings.CF_ITERATIONS,
    )


def cf_params_default() -> CFParams:
    """The params the next retrain uses: the latest applied tuning's, else the settings'."""
    base = cf_params_settings()
    tuning = CFTuning.objects.filter(applied=True).first()
    if tuning is None:
        return base
    return replace(base, **{k: v for k, v in tuning.params.items() if k in TUNED_FIELDS})


def product_signals() -> Signals:
    """Every listener's plays (with first and last play times) and other signals, apart."""
    (users, items, counts, first, last), others = signals_by_kind()
    return Signals(Plays(users, items, counts, first, last), others)


def cf_evaluate(
    *, params: CFParams | None = None, search: bool = False, seed: int = 0, ks=(10, 30), log=None
) -> ProductEvaluation:
    """ALS vs popularity vs random on the temporal and the random split of the database."""
    return evaluate_product(
        product_signals(),
        params=params or cf_params_default(),
        search=search,
        seed=seed,
        ks=ks,
        max_search_seconds=TUNING_MAX_SECONDS,
        log=log,
    )


def cf_tune(
    *,
    apply: bool = True,
    max_seconds: float | None = TUNING_MAX_SECONDS,
    log: Callable[[str], None] | None = None,
) -> CFTuning:
    """Search CF's params on a validation split of the database and store the result.

    With `apply`, the tuning is applied (the next retrain uses it) unless the search found
    nothing to validate on, in which case the current params stay.
    """
    signals = product_signals()
    result = tune_cf(signals, base=cf_params_default(), max_seconds=max_seconds, log=log)
    found_any = result.validation_users > 0
    tuning = CFTuning.objects.create(
        params={k: v for k, v in asdict(result.params).items() if k in TUNED_FIELDS},
        table=result.table,
        split=result.split,
        metric=result.metric,
        best_score=result.best_score if found_any else None,
        popularity_score=result.popularity if found_any else None,
        validation_users=result.validation_users,
        complete=result.complete,
        note=result.note[:300],
        seconds=round(result.seconds, 2),
        applied=False,
    )
    if apply and found_any:
        CFTuning.objects.exclude(pk=tuning.pk).update(applied=False)
        CFTuning.objects.filter(pk=tuning.pk).update(applied=True)
        tuning.applied = True
    return tuning
