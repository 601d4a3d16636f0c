"""Several reads that must agree: one snapshot of the database for all of them.

Under PostgreSQL's default READ COMMITTED every statement sees what was committed when it
started, so two reads can meet a writer in between. `read_snapshot()` runs the block in one
REPEATABLE READ, READ ONLY transaction, where every statement sees the snapshot taken by its
first one. On SQLite it does nothing: this project opens SQLite transactions IMMEDIATE (one
writer at a time), which would make a reader queue behind every writer, so there the block's
statements run on their own, as they did before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def read_snapshot() -> Iterator[None]:
    """Run the block's reads against one snapshot on PostgreSQL (a read-only block).

    Inside a transaction that has already begun the isolation level cannot change, so the
    block joins it and sees what that transaction sees.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
