"""Where the real data for tests and benchmarks lives: ../shared/data beside the checkout.

Tests that read it are marked `needs_shared(...)` and skip cleanly where it is absent.
"""

from pathlib import Path

import pytest

# parents[1] is the repo root (this file is tests/shared_data.py); shared/ sits beside it.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    return SHARED_DATA.joinpath(*parts)


def needs_shared(*parts: str) -> pytest.MarkDecorator:
    """Skip unless ../shared/data/<parts> exists."""
    path = shared_path(*parts)
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is not here")
