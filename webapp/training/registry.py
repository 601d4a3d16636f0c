"""The serving registry: per process, one immutable snapshot of each model kind's active version.

A kind ("cf", "culture", "audio") registers how to load its artifact and, optionally, how to
apply newer per-listener rows; `snapshot(kind)` answers the active version's snapshot, or None
when no version serves (or its artifact cannot be read). Snapshots are never mutated: a new
version or newer listener vectors give a new snapshot, swapped in whole under the kind's lock,
so a request thread keeps a consistent model for as long as it holds one and no update is lost
between two threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from webapp.training.models import ModelVersion

log = logging.getLogger(__name__)
#: A version whose artifact could not be loaded is tried again after this long: a file on
#: shared storage that was not visible yet, or a moment without memory, is not damage for the
#: life of the process, while a truly damaged file costs one attempt (and one log line) per
#: interval, not one per request.
RETRY_BROKEN_AFTER_S = 60.0


@dataclass(frozen=True, eq=False)
class Snapshot:
    """One served version: its model object (never mutated) and how far rows were applied."""

    kind: str
    version_id: int
    artifact_path: str
    model: Any
    applied_seq: int = 0


Loader = Callable[[str], Any]  # artifact path -> served model object
#: (snapshot, seq to reach) -> the model object with rows in (snapshot.applied_seq, seq] applied
Refresher = Callable[[Snapshot, int], Any]


@dataclass
class _Kind:
    load: Loader
    refresh: Refresher | None
    lock: threading.Lock


class Registry:
    def __init__(self) -> None:
        self._kinds: dict[str, _Kind] = {}
        self._snapshots: dict[str, Snapshot] = {}
        self._broken: dict[tuple[str, int, str], tuple[str, float]] = {}  # -> (error, when)

    def register(self, kind: str, *, load: Loader, refresh: Refresher | None = None) -> None:
        self._kinds[kind] = _Kind(load=load, refresh=refresh, lock=threading.Lock())

    def kinds(self) -> list[str]:
        return list(self._kinds)

    def snapshot(self, kind: str) -> Snapshot | None:
        """The active version of `kind` as this process serves it (one indexed query)."""
        spec = self._kinds.get(kind)
        if spec is None:
            return None
        row = (
            ModelVersion.objects.filter(kind=kind, is_active=True)
            .values_list("pk", "artifact_path", "vector_seq")
            .first()
        )
        if row is None:
            return None
        version_id, path, seq = row
        current = self._snapshots.get(kind)
        if current is not None and self._fresh(current, version_id, path, seq, spec):
            return current
        if self._still_broken((kind, version_id, path)):
            return None
        same_version = current is not None and current.version_id == version_id
        retrying = (kind, version_id, path) in self._broken
        # Another thread is already loading: keep serving what this process had, if that is
        # the same version (only newer vectors are missing), or nothing while one thread tries
        # a failed artifact again, rather than queue behind it.
        if not spec.lock.acquire(blocking=not (same_version or retrying)):
            return current if same_version else None
        try:
            return self._update(kind, spec, version_id, path, seq)
        finally:
            spec.lock.release()

    def _still_broken(self, key: tuple[str, int, str]) -> bool:
        failed = self._broken.get(key)
        return failed is not None and time.monotonic() - failed[1] < RETRY_BROKEN_AFTER_S

    @staticmethod
    def _fresh(current: Snapshot, version_id: int, path: str, seq: int, spec: _Kind) -> bool:
        return (
            current.version_id == version_id
            and current.artifact_path == path
            and (spec.refresh is None or current.applied_seq >= seq)
        )

    def _update(self, kind: str, spec: _Kind, version_id: int, path: str, seq: int):
        current = self._snapshots.get(kind)  # another thread may have swapped it meanwhile
        if current is None or (current.version_id, current.artifact_path) != (version_id, path):
            if self._still_broken((kind, version_id, path)):  # failed while this one waited
                return None
            try:
                model = spec.load(path)
            except Exception as exc:  # a damaged or missing artifact: serve without this kind
                self._broken[(kind, version_id, path)] = (
                    f"{type(exc).__name__}: {exc}",
                    time.monotonic(),
                )
                log.error(
                    "%s version #%s cannot be served from %s (tried again in %.0f s): %s",
                    kind,
                    version_id,
                    path,
                    RETRY_BROKEN_AFTER_S,
                    exc,
                )
                return None
            self._broken.pop((kind, version_id, path), None)
            current = Snapshot(kind=kind, version_id=version_id, artifact_path=path, model=model)
        if spec.refresh is not None and current.applied_seq < seq:
            current = replace(current, model=spec.refresh(current, seq), applied_seq=seq)
        self._snapshots[kind] = current
        return current

    def broken(self) -> dict[tuple[str, int, str], str]:
        """Artifacts this process could not load at its last try: (kind, version id, path) ->
        error."""
        return {key: error for key, (error, _) in self._broken.items()}

    def clear(self) -> None:
        """Forget every snapshot and failure (tests; a deploy that moved MODEL_DIR)."""
        self._snapshots.clear()
        self._broken.clear()


registry = Registry()
