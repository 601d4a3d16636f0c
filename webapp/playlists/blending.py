"""Blend weights fitted on the product's own listening, before the week's models retrain.

Validation: the plays that arrived after the serving versions were trained. For a sample of
listeners with such plays, the tracks they first played since then are the positives (held
out of their history), and every serving model, popularity included, is scored on them as it
was trained: CF with the listener's trained vector, not one re-solved from the held-out plays.
`recommender.blend_weights.fit_weights` fits one weight per model (logistic regression on the
blend's own z-scores); the weights are stored on BlendSettings, where curators can override them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from django.utils import timezone

from recommender.blend_weights import fit_weights
from recommender.popularity_scorer import PopularityScorer
from webapp.listening.selectors import listeners_had, plays_first_last
from webapp.playlists.models import BlendSettings
from webapp.playlists.selectors import listener_batch
from webapp.playlists.services import Serving, serving_now
from webapp.training.models import ModelVersion

#: Listeners sampled for the fit, and the fewest held-out plays worth fitting on.
FIT_LISTENERS = 3000
MIN_POSITIVES = 50


def blend_fit(*, serving: Serving | None = None, seed: int = 0) -> dict:
    """Fit and store the blend's weights; returns what was done (or why not)."""
    serving = serving or serving_now()
    if not serving.versions:
        return {"status": "skipped", "reason": "no model serves yet"}
    trained_at = min(
        ModelVersion.objects.filter(pk__in=serving.versions.values()).values_list(
            "started_at", flat=True
        )
    )
    users, tracks, _, first, _ = plays_first_last()
    new = first >= int(trained_at.timestamp())
    candidates = np.unique(users[new])
    if candidates.size == 0:
        return {"status": "skipped", "reason": f"no plays since the models trained ({trained_at})"}
    rng = np.random.default_rng(seed)
    chosen = np.sort(
        rng.choice(candidates, size=min(FIT_LISTENERS, candidates.size), replace=False)
    )
    batch = listener_batch(user_ids=chosen.tolist(), catalog=serving.catalog, cf=serving.cf)
    held_out = _held_out(batch, users[new], tracks[new])
    if held_out.nnz < MIN_POSITIVES:
        return {"status": "skipped", "reason": f"{held_out.nnz} new plays: too few to fit on"}
    history = sp.csr_matrix(batch.history - batch.history.multiply(held_out.astype(bool)))
    history.eliminate_zeros()
    vectors = serving.cf.user_vectors(batch.ids, solved=False) if serving.cf is not None else None
    listeners = type(batch)(batch.ids, history, batch.history_items, vectors)
    scorers = [
        *serving.scorers,
        PopularityScorer(serving.catalog.track_ids, serving.catalog.popularity),
    ]
    exclude = _had(batch, held_out)
    fit = fit_weights(
        listeners, serving.catalog.track_ids, scorers, held_out, exclude=exclude, seed=seed
    )
    settings, _ = BlendSettings.objects.get_or_create(pk=1)
    settings.fitted_weights = fit.weights
    settings.fit_metrics = {
        "auc": fit.auc,
        "positives": fit.positives,
        "negatives": fit.negatives,
        "listeners": int(chosen.size),
        "since": trained_at.isoformat(),
    }
    settings.fitted_at = timezone.now()
    settings.save()
    return {"status": "fitted", "weights": fit.weights, "auc": fit.auc}


def _held_out(batch, users: np.ndarray, tracks: np.ndarray) -> sp.csr_matrix:
    rows = np.searchsorted(batch.ids, users)
    inside = (rows < batch.ids.size) & (batch.ids[np.minimum(rows, batch.ids.size - 1)] == users)
    cols = batch.history_items.index_of(tracks)
    keep = inside & (cols >= 0)
    held = sp.csr_matrix(
        (np.ones(int(keep.sum()), np.float32), (rows[keep], cols[keep])),
        shape=batch.history.shape,
    )
    held.sum_duplicates()
    held.data[:] = 1.0
    return held


def _had(batch, held_out: sp.csr_matrix) -> sp.csr_matrix:
    """What each listener had before the held-out plays: never a candidate."""
    users, tracks = listeners_had(user_ids=batch.ids.tolist())
    had = _held_out(batch, users, tracks)
    had = sp.csr_matrix(had - had.multiply(held_out.astype(bool)))
    had.eliminate_zeros()
    return had
