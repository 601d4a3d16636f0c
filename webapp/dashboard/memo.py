"""Per-process memory of what a model version determines: computed once, shared read-only.

Keys name the versions a value came from, so a new version simply misses and the old entries
age out (the memory holds at most MAX_ENTRIES values; past that it starts afresh). Two threads
may compute the same missing value at once; both get an equal result and one is kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
MAX_ENTRIES = 32
_lock = threading.Lock()
_values: dict[Hashable, object] = {}


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """The value stored under `key`, computing and storing it first if missing."""
    with _lock:
        if key in _values:
            return _values[key]  # type: ignore[return-value]
    value = compute()
    with _lock:
        if len(_values) >= MAX_ENTRIES:
            _values.clear()
        _values.setdefault(key, value)
        return _values[key]  # type: ignore[return-value]


def forget_all() -> None:
    """Drop everything (tests, which reuse version ids across databases)."""
    with _lock:
        _values.clear()
