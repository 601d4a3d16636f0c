"""A bulk import whose database connection is cut mid-way (issue 8: PostgreSQL restarted).

The server itself ends the import's session between two chunks (pg_terminate_backend, what a
restart does to every session): the import connects again and goes on, storing every listen
once; told not to wait, it stops with one line saying what was stored, every stored chunk
whole, and running it again stores the rest once. PostgreSQL only (the suite's CI database);
tests/bench/fault_pg_restart_import.py restarts a whole cluster of its own under a real
`manage.py import_listens`.
"""

import json

import psycopg
import pytest
from django.db import connection

from webapp.listening.importers import ImportInterrupted, listens_import
from webapp.listening.models import Listen
from webapp.listening.services import listener_create

pytestmark = [
    pytest.mark.django_db(transaction=True),  # chunks really commit, as in production
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="cuts a PostgreSQL session (CI's database)"
    ),
]
CHUNK, CHUNKS = 40, 4
TS = 1_600_000_000


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "listens.jsonl"
    lines = [
        {
            "listened_at": TS + 60 * i,
            "track_metadata": {"artist_name": f"Artist {i % 7}", "track_name": f"Song {i}"},
        }
        for i in range(CHUNK * CHUNKS)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _session_cutter(after_chunks: int):
    """An on_progress callback that has the server end this session after `after_chunks`."""
    done = [0]

    def cut(*_progress) -> None:
        done[0] += 1
        if done[0] != after_chunks:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    return cut


def test_an_import_whose_connection_is_cut_connects_again_and_stores_every_listen_once(export):
    user = listener_create(username="ada")

    report = listens_import(
        user_id=user.pk, path=export, chunk_size=CHUNK, on_progress=_session_cutter(1)
    )

    assert (report.read, report.stored) == (CHUNK * CHUNKS, CHUNK * CHUNKS)
    assert Listen.objects.filter(user=user).count() == CHUNK * CHUNKS


def test_an_import_that_may_not_wait_stops_with_whole_chunks_and_a_rerun_stores_the_rest(
    export,
):
    user = listener_create(username="ada")

    with pytest.raises(ImportInterrupted) as stopped:
        listens_import(
            user_id=user.pk,
            path=export,
            chunk_size=CHUNK,
            on_progress=_session_cutter(2),
            reconnect_seconds=0,
        )
    assert stopped.value.report.stored == 2 * CHUNK
    assert f"Stored {2 * CHUNK} new listens in whole chunks" in str(stopped.value)
    assert "run the same import again" in str(stopped.value)
    assert Listen.objects.filter(user=user).count() == 2 * CHUNK

    again = listens_import(user_id=user.pk, path=export, chunk_size=CHUNK)

    assert (again.stored, again.duplicates) == (CHUNK * (CHUNKS - 2), 2 * CHUNK)
    assert Listen.objects.filter(user=user).count() == CHUNK * CHUNKS
