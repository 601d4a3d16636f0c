"""Several reads that must agree: one snapshot of the database for all of them.

Under PostgreSQL's default READ COMMITTED every statement sees what was committed when it
started, so a page that reads a row and then its children can meet a writer in between (a
weekly rebuild replaces the week's playlist row, and the items of the row just read are gone).
`read_snapshot()` runs the block in one REPEATABLE READ transaction, where every statement
sees the same snapshot. SQLite's transaction already reads one snapshot from its first read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def read_snapshot() -> Iterator[None]:
    """Run the block's reads against one snapshot (a read-only block: it may not write).

    Inside a transaction that has already begun the isolation level cannot change, so the
    block joins it and sees what that transaction sees.
    """
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
