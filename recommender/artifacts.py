"""Writing model artifacts so that a reader never sees half a file.

A path and what to write in; the file appears whole at `path` (a temporary file in the same
folder, renamed over it), or not at all when writing fails. Every model's `save` uses it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np


def write_atomic(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Call `write(file)` on a temporary file beside `path`, then rename it to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def savez_atomic(path: str | os.PathLike, **arrays: np.ndarray) -> Path:
    """`np.savez` (uncompressed: zlib cost 6 s on a 3.4M-pair CF model) written atomically."""
    return write_atomic(path, lambda fh: np.savez(fh, **arrays))
