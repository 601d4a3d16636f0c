"""plotly.js for the charts, served as the static file `js/plotly.min.js` from the installed
plotly package: the copy pinned with the Python library that builds the figures, never a CDN.

A staticfiles finder (settings.STATICFILES_FINDERS): `runserver` and the test server find the
file through it and `collectstatic` copies exactly that one file (not the rest of plotly's
package data) into STATIC_ROOT, where the proxy serves it in production.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

#: The static path pages load (`{% static PLOTLY_JS %}`).
PLOTLY_JS = "js/plotly.min.js"
PLOTLY_JS_SOURCE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


class PlotlyJsFinder(BaseFinder):
    """Finds `js/plotly.min.js` in the installed plotly package, and nothing else."""

    def __init__(self, *args, **kwargs) -> None:
        self.storage = FileSystemStorage(location=str(PLOTLY_JS_SOURCE.parent))
        self.storage.prefix = str(Path(PLOTLY_JS).parent)  # collected as js/plotly.min.js

    def check(self, **kwargs) -> list[Error]:
        if PLOTLY_JS_SOURCE.is_file():
            return []
        return [
            Error(
                f"{PLOTLY_JS_SOURCE} is missing: the dashboard charts cannot be drawn.",
                hint="Reinstall the pinned plotly (pip install -r requirements.txt).",
                id="dashboard.E001",
            )
        ]

    def find(self, path: str, find_all: bool = False, **kwargs):
        find_all = find_all or kwargs.get("all", False)  # Django < 6.1 still passes all=
        match = str(PLOTLY_JS_SOURCE) if path == PLOTLY_JS and PLOTLY_JS_SOURCE.is_file() else None
        if find_all:
            return [match] if match else []
        return match

    def list(self, ignore_patterns):
        if PLOTLY_JS_SOURCE.is_file():
            yield PLOTLY_JS_SOURCE.name, self.storage
