"""Training reads: listening signals aggregated in SQL and streamed into numpy arrays.

The database does the GROUP BY; rows come back through a cursor in large chunks straight into
typed arrays (no model objects), ready for `recommender.interactions.build_matrix`.
"""

from collections.abc import Iterator

import numpy as np
from django.db import connection

from webapp.listening.models import ArtistVisit, Listen, SavedTrack
from webapp.training.models import ModelKind, ModelVersion

FETCH_CHUNK = 200_000

# One row per (listener, track, signal): the raw event count. Artist-page visits are spread
# evenly over the artist's tracks in SQL, so a visit to a 10-track artist is 0.1 per track.
_SIGNAL_SQL = {
    "play": """
        SELECT user_id, track_id, CAST(COUNT(*) AS DOUBLE PRECISION) FROM listening_listen {where}
        GROUP BY user_id, track_id
    """,
    "save": """
        SELECT user_id, track_id, CAST(1 AS DOUBLE PRECISION) FROM listening_savedtrack {where}
    """,
    "visit": """
        SELECT v.user_id, t.id, CAST(v.n AS DOUBLE PRECISION) / a.n_tracks
        FROM (
            SELECT user_id, artist_id, COUNT(*) AS n FROM listening_artistvisit {where}
            GROUP BY user_id, artist_id
        ) v
        JOIN catalog_track t ON t.artist_id = v.artist_id
        JOIN (
            SELECT artist_id, COUNT(*) AS n_tracks FROM catalog_track
            WHERE artist_id IN (SELECT artist_id FROM listening_artistvisit {where})
            GROUP BY artist_id
        ) a ON a.artist_id = v.artist_id
    """,
    "skip": """
        SELECT user_id, track_id, CAST(COUNT(*) AS DOUBLE PRECISION) FROM listening_skip {where}
        GROUP BY user_id, track_id
    """,
}


# PostgreSQL binary COPY of (bigint, bigint, double precision) rows: a 16-bit field count,
# then a 32-bit length before each big-endian value. numpy reads it without a Python loop.
_COPY_ROW = np.dtype(
    [("fields", ">i2"), ("l1", ">i4"), ("user", ">i8"), ("l2", ">i4"), ("item", ">i8"),
     ("l3", ">i4"), ("count", ">f8")]
)  # fmt: skip
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _copy_arrays(sql: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run `sql` as a binary COPY and parse the rows straight into arrays (PostgreSQL)."""
    typed = f"SELECT CAST(q.u AS BIGINT), CAST(q.i AS BIGINT), q.c FROM ({sql}) AS q(u, i, c)"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({typed}) TO STDOUT (FORMAT BINARY)") as copy:
            data = b"".join(bytes(chunk) for chunk in copy)
    if not data.startswith(_COPY_SIGNATURE):
        raise ValueError("unexpected COPY BINARY header from PostgreSQL")
    extension = int.from_bytes(data[15:19], "big")
    body = len(data) - 19 - extension - 2  # the file trailer is a 16-bit -1
    rows = np.frombuffer(
        data, dtype=_COPY_ROW, offset=19 + extension, count=body // _COPY_ROW.itemsize
    )
    if rows.size and not (rows["fields"] == 3).all():
        raise ValueError("unexpected COPY BINARY row layout from PostgreSQL")
    return (
        rows["user"].astype(np.int64),
        rows["item"].astype(np.int64),
        rows["count"].astype(np.float64),
    )


def _stream_rows(sql: str) -> Iterator[list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(FETCH_CHUNK):
            yield rows


def signal_arrays(
    signal: str, *, user_ids: list[int] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user ids, track ids, event counts) for one signal, optionally for some listeners."""
    # int() makes the interpolated values safe; COPY cannot take bound parameters.
    where = ""
    if user_ids is not None:
        where = f"WHERE user_id IN ({', '.join(str(int(u)) for u in user_ids) or 'NULL'})"
    sql = _SIGNAL_SQL[signal].format(where=where)
    if connection.vendor == "postgresql":
        return _copy_arrays(sql)
    users, items, counts = [], [], []
    for rows in _stream_rows(sql):
        chunk = np.array(rows, dtype=np.float64).reshape(-1, 3)
        users.append(chunk[:, 0].astype(np.int64))
        items.append(chunk[:, 1].astype(np.int64))
        counts.append(chunk[:, 2])
    if not users:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.float64)
    return np.concatenate(users), np.concatenate(items), np.concatenate(counts)


def signals_export(
    *, signals: tuple[str, ...], user_ids: list[int] | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    return {signal: signal_arrays(signal, user_ids=user_ids) for signal in signals}


def model_version_active(*, kind: str = ModelKind.CF) -> ModelVersion | None:
    return ModelVersion.objects.filter(kind=kind, is_active=True).first()


_SIGNAL_TIMES = ((Listen, "inserted_at"), (SavedTrack, "saved_at"), (ArtistVisit, "visited_at"))


def listeners_changed_since(*, since) -> list[int]:
    """Listeners with a listen, save or artist visit recorded after `since`."""
    changed: set[int] = set()
    for model, field in _SIGNAL_TIMES:
        rows = model.objects.filter(**{f"{field}__gt": since}).order_by()
        changed |= set(rows.values_list("user_id", flat=True).distinct())
    return sorted(changed)


def listener_changed_since(*, user_id: int, since) -> bool:
    """Did this listener leave any signal after `since`? (indexed EXISTS queries)"""
    return any(
        model.objects.filter(user_id=user_id, **{f"{field}__gt": since}).exists()
        for model, field in _SIGNAL_TIMES
    )
