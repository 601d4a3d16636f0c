"""sql_arrays: the bulk read behind every model export, on both backends.

On PostgreSQL it reads a binary COPY off libpq itself, so these tests check what psycopg's
own `Copy` would otherwise guarantee: every row across buffer boundaries, server errors
raised as the usual database errors with the connection still usable, the caller's
transaction honoured, and a read interrupted half-way leaving no broken connection behind.
"""

import selectors

import numpy as np
import pytest
from django.db import DataError, ProgrammingError, connection, transaction

from webapp import dbarrays
from webapp.catalog.models import Artist
from webapp.dbarrays import sql_arrays

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY reader is PostgreSQL's"
)


def _series(n: int) -> str:
    """SQL for rows (i, i / 2) for i in 1..n on either backend."""
    if connection.vendor == "postgresql":
        return f"SELECT x, x * CAST(0.5 AS DOUBLE PRECISION) FROM generate_series(1, {n}) x"
    return (
        f"WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {n}) "
        "SELECT x, x * 0.5 FROM s"
    )


@pytest.mark.django_db
def test_every_row_comes_back_in_order_with_its_types():
    n = 250_000  # many libpq buffers: rows split across reads must not be lost or torn
    ids, halves = sql_arrays(_series(n), ("i8", "f8"))
    assert ids.dtype == np.int64 and halves.dtype == np.float64
    np.testing.assert_array_equal(ids, np.arange(1, n + 1))
    np.testing.assert_array_equal(halves, np.arange(1, n + 1) * 0.5)


@pytest.mark.django_db
def test_an_empty_result_is_empty_arrays():
    ids, values = sql_arrays("SELECT id, id FROM catalog_artist WHERE id < 0", ("i8", "f8"))
    assert ids.size == 0 and values.size == 0
    assert ids.dtype == np.int64 and values.dtype == np.float64


@pytest.mark.django_db
def test_a_null_value_is_a_clear_error():
    Artist.objects.create(name="Nobody", name_normalized="nobody")
    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads NULL as NaN through the cursor")
    with pytest.raises(ValueError, match="NULL"):
        sql_arrays("SELECT id, NULL FROM catalog_artist", ("i8", "f8"))


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_server_error_mid_stream_raises_and_the_connection_stays_usable():
    failing = "SELECT x, 1 / (x - 200000) FROM generate_series(1, 300000) x"
    with pytest.raises(DataError, match="division by zero"):
        sql_arrays(failing, ("i8", "i8"))
    with pytest.raises(ProgrammingError, match="syntax"):
        sql_arrays("SELEC nothing", ("i8",))
    ids, _ = sql_arrays(_series(10), ("i8", "f8"))
    assert ids.tolist() == list(range(1, 11))
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_copy_runs_in_the_callers_transaction():
    with transaction.atomic():
        # The COPY is the first statement of the block: it must open the transaction itself.
        (xid,), _ = sql_arrays("SELECT txid_current(), 0", ("i8", "i8"))
        artist = Artist.objects.create(name="Uncommitted", name_normalized="uncommitted")
        seen, _ = sql_arrays("SELECT id, 0 FROM catalog_artist", ("i8", "i8"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT txid_current()")
            assert cursor.fetchone()[0] == xid
        assert artist.pk in seen.tolist()
        transaction.set_rollback(True)
    assert not Artist.objects.filter(pk=artist.pk).exists()


class _InterruptedSelector(selectors.DefaultSelector):
    """Raises KeyboardInterrupt at the fifth wait for data, as Ctrl-C would mid-read."""

    waits = 0

    def select(self, timeout=None):
        type(self).waits += 1
        if type(self).waits == 5:
            raise KeyboardInterrupt
        return super().select(timeout)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_interrupted_read_closes_the_connection_and_the_next_query_reconnects(monkeypatch):
    monkeypatch.setattr(dbarrays.selectors, "DefaultSelector", _InterruptedSelector)
    with pytest.raises(KeyboardInterrupt):
        sql_arrays(_series(500_000), ("i8", "f8"))
    assert connection.connection is None  # closed, not left half-way through a COPY
    monkeypatch.undo()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    ids, _ = sql_arrays(_series(1000), ("i8", "f8"))
    assert ids.size == 1000


@postgres_only
@pytest.mark.django_db
def test_nulls_that_happen_to_fill_whole_records_are_refused_too():
    # 19 rows each 8 bytes short (one NULL) span exactly four 38-byte records.
    sql = "SELECT x, NULL, x FROM generate_series(1, 19) x"
    with pytest.raises(ValueError, match="NULL|layout"):
        sql_arrays(sql, ("i8", "i8", "i8"))


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_copy_with_another_statement_after_it_is_refused():
    with pytest.raises(ProgrammingError, match="other statements"):
        dbarrays._copy_out("COPY (SELECT 1) TO STDOUT; SELECT 2")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 3")
        assert cursor.fetchone() == (3,)
