"""Curators' model version page: one version's record, and its kind's versions over time.

A ModelVersion id in; the version (status, params, metrics, data counts, error) and charts of
every run of the same kind (the newest MAX_VERSIONS): quality (CF: NDCG@10 against the
popularity baseline on the same temporal split; audio: the CNN's validation loss; culture:
terms per artist), training time and the data each run saw.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from webapp.dashboard.charts import models as figures
from webapp.training.models import ModelVersion, RunStatus

MAX_VERSIONS = 100


def model_version_page(*, version_id: int) -> dict:
    version = get_object_or_404(ModelVersion, pk=version_id)
    history = list(
        ModelVersion.objects.filter(kind=version.kind)
        .exclude(status=RunStatus.RUNNING)
        .order_by("-started_at", "-pk")[:MAX_VERSIONS]
    )[::-1]
    charts = figures.version_charts(version.kind, history, current=version.pk)
    return {
        "version": version,
        "history": history[::-1],
        "charts": charts,
        "metrics": sorted(_flat(version.metrics).items()),
        "params": sorted(_flat(version.params).items()),
        "data_counts": sorted(_flat(version.data_counts).items()),
    }


def _flat(values: dict) -> dict[str, object]:
    """Scalar entries, floats to 4 decimals (nested ones are in the admin's JSON)."""
    return {
        str(k): round(v, 4) if isinstance(v, float) else v
        for k, v in (values or {}).items()
        if not isinstance(v, dict | list)
    }
