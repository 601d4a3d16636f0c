"""Audio: decode, analysis, mel-spectrograms, the CNN and embeddings; `synth` makes test clips.

Paths and arrays in, arrays and plain dataclasses out. Submodules import their heavy
dependencies (librosa, torch, soundfile) themselves, so importing this package is cheap.

librosa JIT-compiles parts of itself with numba. Compiled code is cached on disk so that each
new worker process loads it instead of compiling again (seconds per process): under
$NUMBA_CACHE_DIR when set, else ~/.cache/discover-weekly/numba (or under $XDG_CACHE_HOME).
numba reads the variable when it is first imported, so it is set here, before any submodule
imports librosa.
"""

from __future__ import annotations

import os
from pathlib import Path


def _numba_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "discover-weekly" / "numba")


os.environ.setdefault("NUMBA_CACHE_DIR", _numba_cache_dir())
