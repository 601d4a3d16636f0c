"""The project's tables carry no index that another index already serves.

Every index is work for every row written: a listen updates the listen table's indexes and,
through the signal triggers, the signal table's; a weekly build writes millions of playlist
items. Django indexes each foreign key by default, which repeats a named index on the same
column or one whose leading column it is (a unique (user, track) serves lookups by user).
Such foreign keys say `db_index=False`; this test finds any that come back.
"""

import pytest
from django.apps import apps
from django.db import connection

PROJECT_APPS = ("catalog", "listening", "playlists", "culture", "training", "audio")


def _partial_index_names() -> set[str]:
    """Indexes with a condition cover only some rows: they never make another redundant."""
    names = set()
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            for item in [*model._meta.indexes, *model._meta.constraints]:
                if getattr(item, "condition", None) is not None:
                    names.add(item.name)
    return names


def _indexes(table: str) -> dict[str, tuple[tuple[str, ...], bool]]:
    """name -> (columns, unique) of the table's plain column indexes."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {
        name: (tuple(info["columns"]), bool(info["unique"] or info["primary_key"]))
        for name, info in found.items()
        if (info["index"] or info["unique"] or info["primary_key"])
        and info["columns"]
        and None not in info["columns"]  # an expression index
        and not name.endswith("_like")  # PostgreSQL's pattern-ops twin of a text index
    }


def repeated(table: str, indexes: dict[str, tuple[tuple[str, ...], bool]]) -> list[str]:
    """The non-unique indexes whose columns lead another index of the same table."""
    found = []
    for name, (columns, unique) in indexes.items():
        if unique:
            continue  # a unique index is a rule, not only a lookup path
        for other, (other_columns, _) in indexes.items():
            if other != name and other_columns[: len(columns)] == columns:
                found.append(f"{table}.{name} {columns} is served by {other}")
                break
    return found


@pytest.mark.django_db
def test_no_index_repeats_another():
    partial = _partial_index_names()
    found = []
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            table = model._meta.db_table
            indexes = _indexes(table)
            assert indexes, f"{table}: introspection found no index at all"
            found += repeated(table, {n: v for n, v in indexes.items() if n not in partial})
    assert found == []


def test_the_check_finds_repeated_and_leading_indexes():
    indexes = {
        "pkey": (("id",), True),
        "unique_user_track": (("user_id", "track_id"), True),
        "fk_user": (("user_id",), False),  # leads the unique index
        "fk_track": (("track_id",), False),
        "track_again": (("track_id",), False),  # the same columns twice
        "track_time": (("track_id", "at"), False),
    }
    found = repeated("t", indexes)
    assert len(found) == 3
    assert "t.fk_user ('user_id',) is served by unique_user_track" in found
    assert not any(line.startswith("t.track_time") for line in found)
