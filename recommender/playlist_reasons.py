"""A reason for every pick: the picks' track ids and per-model contributions in, one `Reason`
(or None) and the model that gave it per pick out.

A pick's reason comes from its strongest contributor; when that model has nothing to say
about it, from the next one with a positive contribution. A model that pulled a pick down
never explains it. Models are asked once per listener for all the picks they explain, or once
per batch when they offer `explain_batch`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recommender.scoring import BatchExplainer, ListenerBatch, Reason, Scorer


def attach_reasons(
    listeners: ListenerBatch,
    scorers: Sequence[Scorer],
    track_ids: np.ndarray,
    contributions: np.ndarray,
) -> tuple[list[list[Reason | None]], list[list[str | None]]]:
    """(reasons, kinds) per listener and slot; slots with track id < 0 get None."""
    n_rows, length = track_ids.shape
    reasons: list[list[Reason | None]] = [[None] * length for _ in range(n_rows)]
    kinds: list[list[str | None]] = [[None] * length for _ in range(n_rows)]
    need = track_ids >= 0
    strongest = np.argsort(-contributions, axis=2, kind="stable")
    for rank in range(len(scorers)):
        model = strongest[:, :, rank]
        strength = np.take_along_axis(contributions, model[:, :, None], axis=2)[:, :, 0]
        for m, scorer in enumerate(scorers):
            ask = need & (model == m) & (strength > 0)
            rows = np.flatnonzero(ask.any(axis=1))
            if rows.size == 0:
                continue
            ids = np.where(ask[rows], track_ids[rows], -1)
            for row, said in zip(
                rows.tolist(), _explain(scorer, listeners, rows, ids), strict=True
            ):
                for slot, reason in enumerate(said):
                    if reason is not None and ask[row, slot]:
                        reasons[row][slot] = reason
                        kinds[row][slot] = scorer.kind
                        need[row, slot] = False
    return reasons, kinds


def _explain(
    scorer: Scorer, listeners: ListenerBatch, rows: np.ndarray, ids: np.ndarray
) -> list[list[Reason | None]]:
    """One list per row of `ids` (padding: -1), aligned with its slots."""
    if isinstance(scorer, BatchExplainer):
        return scorer.explain_batch(listeners, rows, ids)
    out = []
    for row, row_ids in zip(rows.tolist(), ids, strict=True):
        slots = np.flatnonzero(row_ids >= 0)
        said: list[Reason | None] = [None] * row_ids.size
        for slot, reason in zip(slots, scorer.explain(listeners, row, row_ids[slots]), strict=True):
            said[slot] = reason
        out.append(said)
    return out
