"""A task through a real Celery worker and Redis: CF retrain on data the test committed.

Runs only when CELERY_BROKER_URL points at a broker (CI sets it); the worker is a subprocess
connected to the same test database, so this proves the deployed path end to end.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.webapp.cf_world import make_world
from webapp.training.models import ModelVersion, RunStatus
from webapp.training.tasks import retrain_cf

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (Redis)"
    ),
]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DW_MODEL_DIR": str(tmp_path / "worker-models"),
        "CF_FACTORS": "8",
        "CF_ITERATIONS": "5",
    }
    queue = f"test-{os.getpid()}-{time.time_ns()}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "webapp",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield queue, proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_for(result, proc, timeout: float = 120):
    """The task's result, failing at once (with the worker's output) if the worker died."""
    deadline = time.monotonic() + timeout
    while not result.ready():
        if proc.poll() is not None:
            output = proc.stdout.read().decode(errors="replace")[-3000:]
            pytest.fail(f"the Celery worker exited with {proc.returncode}:\n{output}")
        if time.monotonic() > deadline:
            pytest.fail(f"no result from the worker in {timeout} s")
        time.sleep(0.2)
    return result.get(timeout=5)


def test_retrain_runs_on_a_real_worker_through_redis_and_activates_a_version(worker):
    queue, proc = worker
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    make_world(n_users_per_group=6, n_tracks_per_group=10)
    result = retrain_cf.apply_async(queue=queue)
    outcome = wait_for(result, proc)
    assert result.status == "SUCCESS"
    version = ModelVersion.objects.get(pk=outcome["version_id"])
    assert version.status == RunStatus.SUCCEEDED and version.is_active
    assert version.task_id == result.id
    assert Path(version.artifact_path).is_file()
