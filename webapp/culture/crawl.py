"""Crawl a source now: `scrapy crawl site` as a subprocess, then the rebuild.

A source in; a finished CrawlRun out (its pipeline, in the subprocess, wrote the documents
and statistics to the same database). Twisted's reactor cannot restart inside a long-lived
worker, so every crawl is a fresh process. `crawl_and_rebuild` is what the Celery task, the
admin button and `manage.py crawl` run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from webapp.culture import services
from webapp.culture.models import CrawlRun, CrawlSource
from webapp.culture.rebuild import RebuildError, culture_rebuild
from webapp.culture.selectors import crawl_sources_active
from webapp.training.models import RunStatus

CRAWL_TIMEOUT_S = int(os.environ.get("CULTURE_CRAWL_TIMEOUT", 3 * 3600))
ERROR_TAIL_CHARS = 2000
Progress = Callable[[float, str], None]


def database_url() -> str | None:
    """This process's database as a DATABASE_URL another process can open (None: in-memory)."""
    db = connection.settings_dict
    name = str(db["NAME"])
    if db["ENGINE"].endswith("sqlite3"):
        if name == ":memory:" or "mode=memory" in name:
            return None
        return f"sqlite:///{Path(name).resolve()}"
    user = quote(db.get("USER") or "postgres", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{quote(name, safe='')}"


def subprocess_env() -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "webapp.settings",
        "SCRAPY_SETTINGS_MODULE": "crawler.settings",
        "DW_MODEL_DIR": str(settings.MODEL_DIR),
        "PYTHONPATH": os.pathsep.join([str(settings.BASE_DIR), os.environ.get("PYTHONPATH", "")]),
    }
    url = database_url()
    if url:
        env["DATABASE_URL"] = url
    else:
        env.pop("DATABASE_URL", None)
    return env


def scrapy_command(
    *, source: CrawlSource, run: CrawlRun, overrides: dict | None = None
) -> list[str]:
    argv = [sys.executable, "-m", "scrapy", "crawl", "site"]
    argv += ["-a", "start_urls=" + " ".join(source.start_url_list())]
    argv += ["-a", "allowed_domains=" + " ".join(source.domain_list())]
    argv += ["-a", f"depth={source.depth}", "-a", f"source_id={source.pk}"]
    argv += ["-a", f"run_id={run.pk}"]
    if source.sitemap_url:
        argv += ["-a", f"sitemap={source.sitemap_url}"]
    for name, value in (overrides or {}).items():
        argv += ["-s", f"{name}={value}"]
    return argv


def scrapy_run(argv: list[str], *, env: dict[str, str], timeout: float):
    """Run the crawl process (the seam tests wrap to share an in-memory test database)."""
    if not env.get("DATABASE_URL"):
        raise services.CultureError(
            "The crawl runs in its own process and needs a database it can open too; "
            "an in-memory SQLite database cannot be shared (set DATABASE_URL)."
        )
    return subprocess.run(
        argv,
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def crawl_source(
    *, source: CrawlSource, task_id: str = "", overrides: dict | None = None
) -> CrawlRun:
    """Crawl one source now, in a subprocess; returns its finished run (failed on error)."""
    run = services.crawl_run_start(source=source, task_id=task_id)
    argv = scrapy_command(source=source, run=run, overrides=overrides)
    try:
        result = scrapy_run(argv, env=subprocess_env(), timeout=CRAWL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return services.crawl_run_finish(
            run_id=run.pk,
            stats={},
            error=f"The crawl ran past {CRAWL_TIMEOUT_S} s and was stopped.",
        )
    except services.CultureError as exc:
        services.crawl_run_finish(run_id=run.pk, stats={}, error=str(exc))
        raise
    run.refresh_from_db()
    if result.returncode != 0 or run.status == RunStatus.RUNNING:
        tail = (result.stderr or result.stdout or "")[-ERROR_TAIL_CHARS:]
        run = services.crawl_run_finish(
            run_id=run.pk, stats=run.stats, error=f"scrapy exited {result.returncode}: {tail}"
        )
    return run


def crawl_and_rebuild(
    *,
    source_ids: list[int] | None = None,
    force: bool = False,
    task_id: str = "",
    rebuild: bool = True,
    overrides: dict | None = None,
    progress: Progress | None = None,
) -> dict:
    """Crawl the given (or every active) source, then rebuild the cultural vectors.

    A failed crawl is recorded on its run and the others go on; the rebuild uses whatever is
    stored. Returns {"runs": [...], "version_id", "version_status", "error"}.
    """
    sources = (
        list(CrawlSource.objects.filter(pk__in=source_ids).order_by("pk"))
        if source_ids
        else crawl_sources_active()
    )
    runs = []
    for number, source in enumerate(sources):
        if progress:
            progress(number / (len(sources) + 1), f"Crawling {source.name}")
        runs.append(crawl_source(source=source, task_id=task_id, overrides=overrides))
    summary = {
        "runs": [
            {
                "id": r.pk,
                "status": r.status,
                "stored": r.pages_stored,
                "updated": r.pages_updated,
                "unchanged": r.pages_unchanged,
            }
            for r in runs
        ],
        "version_id": None,
        "version_status": None,
        "error": "",
    }
    if not rebuild:
        return summary
    if progress:
        progress(len(sources) / (len(sources) + 1), "Rebuilding cultural vectors")
    try:
        version = culture_rebuild(force=force, task_id=task_id)
    except RebuildError as exc:
        summary["error"] = str(exc)
        return summary
    CrawlRun.objects.filter(pk__in=[r.pk for r in runs]).update(model_version=version)
    summary.update(version_id=version.pk, version_status=version.status)
    return summary
