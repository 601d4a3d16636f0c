"""A job process killed with SIGKILL (issue 8 fault): the previous version keeps serving, and
the run shows failed once it has been silent for STALE_RUN_AFTER.

SIGKILL gives the process no chance to record anything, so the run row stays "running" with
its last heartbeat; the stale-run sweep (on the admin's Model versions page, and before every
new run) marks it failed. Each job is a real `manage.py` process on a SQLite file of the
test's own, killed mid-way; a probe in the site's own process (killed_job_probe.py) reports
what the site then shows.

Each job has a row in KILLED_JOBS (the command, its set-up, the SQL that says it is under way,
the probe for what must keep serving) and runs where its command exists: the weekly playlist
build's runs once webapp.playlists has `build_weekly`.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(240)
START_SECONDS = 120


@dataclass(frozen=True)
class KilledJob:
    name: str
    command: tuple[str, ...]  # manage.py arguments of the job to kill
    env: dict[str, str]  # what makes it run long enough to be killed mid-way
    under_way_sql: str  # a row once it is well under way
    probe: str  # killed_job_probe function run afterwards
    before: tuple[tuple[str, ...], ...] = ()  # manage.py commands that make the previous version


KILLED_JOBS = [
    KilledJob(
        name="train_cf",
        command=("train_cf", "--force", "-v0"),
        env={"CF_ITERATIONS": "20000"},
        under_way_sql="SELECT 1 FROM training_modelversion"
        " WHERE status = 'running' AND progress_message LIKE 'ALS iteration%'",
        probe="cf",
    ),
    KilledJob(
        name="build_weekly",
        command=("build_weekly", "-v0"),  # the whole week: culture, CF, audio, playlists
        env={"CF_ITERATIONS": "20000"},
        under_way_sql="SELECT 1 FROM playlists_weeklybuild WHERE status = 'running'",
        probe="weekly",
        before=(("build_weekly", "--playlists-only", "-v0"),),
    ),
]


def _jobs(probe_name: str) -> list:
    """The jobs with this probe, each skipped (before its site is built) where its command
    does not exist yet."""
    from django.core.management import get_commands

    return [
        pytest.param(
            job,
            id=job.name,
            marks=pytest.mark.skipif(
                job.command[0] not in get_commands(), reason=f"no manage.py {job.command[0]} here"
            ),
        )
        for job in KILLED_JOBS
        if job.probe == probe_name
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A demo site on its own SQLite file with one CF version trained and active (shared by
    the jobs: each test reads only the runs its own kill left)."""
    tmp_path = tmp_path_factory.mktemp("killed-jobs")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DW_VAR_DIR=str(tmp_path),
        DW_MODEL_DIR=str(tmp_path / "models"),
        DEBUG="0",
        SECRET_KEY="killed-jobs-test-only-" + "x" * 40,
        SECURE_SSL_REDIRECT="0",
    )
    manage(env, "migrate", "-v0")
    manage(env, "seed_demo", "--listeners", "80", "--tracks", "800", "--audio-clips", "0", "-v0")
    manage(env, "train_cf", "-v0")
    return env, tmp_path / "db.sqlite3"


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def kill_when_under_way(env: dict, db: Path, job: KilledJob) -> None:
    process = subprocess.Popen(
        [sys.executable, "manage.py", *job.command],
        cwd=ROOT,
        env={**env, **job.env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + START_SECONDS
    with sqlite3.connect(db) as conn:
        while not conn.execute(job.under_way_sql).fetchone():
            assert process.poll() is None, process.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, f"{job.name} never got under way"
            time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def probe(env: dict, name: str) -> dict:
    out = manage(env, "shell", "-c", f"from tests.webapp.killed_job_probe import {name}; {name}()")
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("job", _jobs("cf"))
def test_a_training_killed_with_sigkill_leaves_the_previous_version_serving_and_shows_failed(
    site, job
):
    env, db = site

    kill_when_under_way(env, db, job)
    seen = probe(env, job.probe)

    (previous,) = [run for run in seen["runs_before_sweep"] if run["is_active"]]
    killed = seen["runs_before_sweep"][-1]
    assert previous["status"] == "succeeded"
    assert (killed["status"], killed["is_active"]) == ("running", False)  # nothing recorded
    swept = seen["runs_after_sweep"][-1]
    assert swept["status"] == "failed" and "no progress" in swept["error"]
    assert seen["admin_status"] == 200  # the curator's Model versions page, which swept
    shown = seen["admin_rows"]
    assert (shown[str(previous["pk"])], shown[str(killed["pk"])]) == ("succeeded", "failed")
    assert seen["serving_version"] == previous["pk"]
    assert seen["similar_tracks"] > 0 and seen["track_page_status"] == 200


@pytest.mark.parametrize("job", _jobs("weekly"))
def test_a_weekly_build_killed_with_sigkill_leaves_every_playlist_whole_and_shows_failed(site, job):
    env, db = site
    for command in job.before:
        manage(env, *command)
    sizes = probe(env, job.probe)["playlist_sizes"]

    kill_when_under_way(env, db, job)
    seen = probe(env, job.probe)

    *_, killed = seen["builds_before_sweep"]
    assert killed["status"] == "running"  # SIGKILL: nothing recorded
    assert seen["builds_after_sweep"][-1]["status"] == "failed"
    assert seen["playlist_sizes"] == sizes  # the previous build's playlists, whole
    assert seen["weekly_page_status"] == 200
