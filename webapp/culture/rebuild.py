"""Rebuild the cultural vectors: stored documents and mentions in, a new `culture` version out.

Reads every document's terms and time, every mention, the catalog's track -> artist map and
the curators' tags (set-based, straight into arrays), runs `recommender.culture.build_model`,
writes the artifact under MODEL_DIR/culture, refreshes the co-mention table and activates the
version with the same rule as CF: only a run that finished cleanly serves; unchanged inputs
record a skipped run and keep the active version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from recommender.culture.model import CultureModel, Mentions, build_model
from recommender.culture.weights import TermParams
from webapp.catalog.models import Track
from webapp.culture.models import CoMention, Document, ManualTag, Mention, TrackMention
from webapp.training.models import ModelKind, ModelVersion, RunStatus
from webapp.training.selectors import model_version_active
from webapp.training.services import TrainingError, VersionRun

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
MIN_TERMS_SHOWN = 5  # the admin counts artists with at least this many terms
CO_MENTION_BATCH = 5000


class RebuildError(Exception):
    """The rebuild failed; the version row records why and the previous version serves."""


def _documents() -> tuple[np.ndarray, list[dict], np.ndarray]:
    """(document ids, term counts, unix time: published date, else when fetched)."""
    rows = Document.objects.order_by("pk").values_list("pk", "terms", "published", "fetched_at")
    ids, terms, times = [], [], []
    for pk, counts, published, fetched in rows.iterator(chunk_size=2000):
        ids.append(pk)
        terms.append(counts or {})
        when = dt.datetime.combine(published, dt.time(), tzinfo=dt.UTC) if published else fetched
        times.append(when.timestamp())
    return np.array(ids, dtype=np.int64), terms, np.array(times, dtype=np.float64)


def _mentions(model, field: str, doc_ids: np.ndarray) -> Mentions:
    rows = model.objects.values_list("document_id", field, "weight")
    data = np.array(list(rows), dtype=np.float64).reshape(-1, 3)
    doc_rows = np.searchsorted(doc_ids, data[:, 0].astype(np.int64))
    return Mentions(doc_rows, data[:, 1].astype(np.int64), data[:, 2].astype(np.float32))


def _fingerprint(parts: list, params: TermParams, day: dt.date) -> str:
    digest = hashlib.sha256(repr((sorted(asdict(params).items()), day.isoformat())).encode())
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(repr(part).encode())
    return digest.hexdigest()


def culture_params_default() -> TermParams:
    return TermParams(**getattr(settings, "CULTURE_TERM_PARAMS", {}))


def culture_rebuild(
    *,
    params: TermParams | None = None,
    force: bool = False,
    task_id: str = "",
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> ModelVersion:
    """Build, save and activate a culture version from every stored document."""
    params = params or culture_params_default()
    now = now or timezone.now()
    try:
        run = VersionRun(
            kind=ModelKind.CULTURE, params=asdict(params), task_id=task_id, progress=progress
        )
    except TrainingError as exc:  # another rebuild is under way: said like any other refusal
        raise RebuildError(str(exc)) from exc
    try:
        return _rebuild(run, params, force, now)
    except BaseException as exc:  # Ctrl-C and SIGTERM too: the row must not stay "running"
        run.fail(exc)
        log.exception("Culture rebuild #%s failed", run.version.pk)
        if isinstance(exc, RebuildError | KeyboardInterrupt | SystemExit):
            raise
        raise RebuildError(
            f"Culture rebuild #{run.version.pk} failed: {run.version.error}"
        ) from exc


def _rebuild(run: VersionRun, params, force, now) -> ModelVersion:
    version = run.version
    run.report(0.0, "Reading documents and mentions")
    doc_ids, doc_terms, doc_time = _documents()
    artist_mentions = _mentions(Mention, "artist_id", doc_ids)
    track_mentions = _mentions(TrackMention, "track_id", doc_ids)
    tracks = np.array(list(Track.objects.values_list("pk", "artist_id")), np.int64).reshape(-1, 2)
    tags = list(ManualTag.objects.order_by("pk").values_list("artist_id", "tag"))
    if not doc_ids.size and not tags:
        raise RebuildError(
            "No documents yet: crawl a source (admin, or `manage.py crawl URL`) or add tags."
        )
    seconds = {"seconds_read": time.monotonic() - run.started}
    version.data_fingerprint = _fingerprint(
        [doc_ids, list(Document.objects.order_by("pk").values_list("content_hash", flat=True))]
        + [artist_mentions.entity, artist_mentions.weight, track_mentions.entity, tracks, tags],
        params,
        now.date(),
    )
    active = model_version_active(kind=ModelKind.CULTURE)
    if not force and active and active.data_fingerprint == version.data_fingerprint:
        message = f"Documents, mentions and tags unchanged since version #{active.pk}."
        return run.finish(status=RunStatus.SKIPPED, message=message)
    run.report(0.3, f"Weighting terms of {doc_ids.size} documents")
    stage = time.monotonic()
    model = build_model(
        doc_terms=doc_terms,
        doc_time=doc_time,
        artist_mentions=artist_mentions,
        track_mentions=track_mentions,
        track_ids=tracks[:, 0],
        track_artist=tracks[:, 1],
        manual_tags=tags,
        now=now.timestamp(),
        params=params,
    )
    seconds["seconds_build"] = time.monotonic() - stage
    run.report(0.8, "Saving artifact and co-mentions")
    stage = time.monotonic()
    version.artifact_path = str(model.save(_artifact_path(version)))
    _co_mentions_replace(model)
    seconds["seconds_save"] = time.monotonic() - stage
    version.data_counts = model.counts
    version.metrics = {**_coverage(model), **{k: round(v, 3) for k, v in seconds.items()}}
    run.finish(status=RunStatus.SUCCEEDED, message="Built")
    return run.activate()


def _coverage(model: CultureModel) -> dict:
    per_artist = np.diff(model.artist_terms.indptr)
    described = per_artist[per_artist > 0]
    return {
        "artists_with_terms": int(described.size),
        f"artists_with_{MIN_TERMS_SHOWN}_terms": int((per_artist >= MIN_TERMS_SHOWN).sum()),
        "mean_terms_per_artist": round(float(described.mean()), 2) if described.size else 0.0,
    }


def _co_mentions_replace(model: CultureModel) -> None:
    """Replace the co-mention table (artist_a < artist_b): COPY on PostgreSQL."""
    both = model.artist_co_mentions.tocoo()
    upper = both.row < both.col
    ids = model.artists.ids
    pairs = zip(
        ids[both.row[upper]].tolist(),
        ids[both.col[upper]].tolist(),
        both.data[upper].astype(np.int64).tolist(),
        strict=True,
    )
    with transaction.atomic():
        CoMention.objects.all().delete()
        if connection.vendor == "postgresql":
            table = CoMention._meta.db_table
            with connection.cursor() as cursor:
                copy_sql = f"COPY {table} (artist_a_id, artist_b_id, documents) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in pairs:
                        copy.write_row(row)
            return
        CoMention.objects.bulk_create(
            (CoMention(artist_a_id=a, artist_b_id=b, documents=n) for a, b, n in pairs),
            batch_size=CO_MENTION_BATCH,
        )


def _artifact_path(version: ModelVersion) -> Path:
    return Path(settings.MODEL_DIR) / "culture" / f"culture-{version.pk:06d}.npz"
