"""The SQL that keeps the signal tables current: triggers per backend, and the full rebuild.

Raw rows (listens, saves, unsaves, skips, refusals, artist visits) in; `listening_tracksignal` and
`listening_artistsignal` kept equal to their aggregate, in the statement that wrote the raw
rows. PostgreSQL aggregates listens once per statement (a transition table), so a 5,000-row
COPY batch costs one grouped upsert, not 5,000; SQLite has row triggers only. The migration
installs the triggers; `manage.py rebuild_signals` runs `rebuild_sql` under a lock.
"""

from __future__ import annotations

_TS = "listening_tracksignal"
_AS = "listening_artistsignal"
_EMPTY = (
    "play_count = 0 AND saved_at IS NULL AND skip_count = 0 AND refused_at IS NULL"
    " AND unsaved_at IS NULL"
)

# --- PostgreSQL -------------------------------------------------------------------------

_PG_FUNCTIONS = {
    # statement level: one grouped upsert per INSERT (COPY batches, bulk_create, ORM saves)
    "listen_ins": f"""
        INSERT INTO {_TS} (user_id, track_id, play_count, first_played_at, last_played_at,
                           skip_count)
        SELECT user_id, track_id, count(*), min(listened_at), max(listened_at), 0
        FROM new_rows GROUP BY user_id, track_id ORDER BY user_id, track_id
        ON CONFLICT (user_id, track_id) DO UPDATE SET
            play_count = {_TS}.play_count + EXCLUDED.play_count,
            first_played_at = LEAST({_TS}.first_played_at, EXCLUDED.first_played_at),
            last_played_at = GREATEST({_TS}.last_played_at, EXCLUDED.last_played_at);
        RETURN NULL;""",
    "listen_del": f"""
        UPDATE {_TS} s SET play_count = GREATEST(s.play_count - d.n, 0),
            first_played_at = (SELECT min(l.listened_at) FROM listening_listen l
                               WHERE l.user_id = s.user_id AND l.track_id = s.track_id),
            last_played_at = (SELECT max(l.listened_at) FROM listening_listen l
                              WHERE l.user_id = s.user_id AND l.track_id = s.track_id)
        FROM (SELECT user_id, track_id, count(*) AS n FROM old_rows GROUP BY 1, 2) d
        WHERE s.user_id = d.user_id AND s.track_id = d.track_id;
        DELETE FROM {_TS} s USING (SELECT DISTINCT user_id, track_id FROM old_rows) d
        WHERE s.user_id = d.user_id AND s.track_id = d.track_id AND {_EMPTY};
        RETURN NULL;""",
    "save_ins": f"""
        INSERT INTO {_TS} (user_id, track_id, play_count, skip_count, saved_at)
        VALUES (NEW.user_id, NEW.track_id, 0, 0, NEW.saved_at)
        ON CONFLICT (user_id, track_id) DO UPDATE SET saved_at = EXCLUDED.saved_at;
        RETURN NULL;""",
    "save_del": f"""
        UPDATE {_TS} SET saved_at = NULL WHERE user_id = OLD.user_id AND track_id = OLD.track_id;
        DELETE FROM {_TS} WHERE user_id = OLD.user_id AND track_id = OLD.track_id AND {_EMPTY};
        RETURN NULL;""",
    "unsave_ins": f"""
        INSERT INTO {_TS} (user_id, track_id, play_count, skip_count, unsaved_at)
        VALUES (NEW.user_id, NEW.track_id, 0, 0, NEW.unsaved_at)
        ON CONFLICT (user_id, track_id) DO UPDATE SET
            unsaved_at = GREATEST({_TS}.unsaved_at, EXCLUDED.unsaved_at);
        RETURN NULL;""",
    "unsave_del": f"""
        UPDATE {_TS} SET unsaved_at = (SELECT max(u.unsaved_at) FROM listening_trackunsave u
                                       WHERE u.user_id = OLD.user_id AND u.track_id = OLD.track_id)
        WHERE user_id = OLD.user_id AND track_id = OLD.track_id;
        DELETE FROM {_TS} WHERE user_id = OLD.user_id AND track_id = OLD.track_id AND {_EMPTY};
        RETURN NULL;""",
    "skip_ins": f"""
        INSERT INTO {_TS} (user_id, track_id, play_count, skip_count, last_skipped_at)
        VALUES (NEW.user_id, NEW.track_id, 0, 1, NEW.skipped_at)
        ON CONFLICT (user_id, track_id) DO UPDATE SET skip_count = {_TS}.skip_count + 1,
            last_skipped_at = GREATEST({_TS}.last_skipped_at, EXCLUDED.last_skipped_at);
        RETURN NULL;""",
    "skip_del": f"""
        UPDATE {_TS} SET skip_count = GREATEST(skip_count - 1, 0)
        WHERE user_id = OLD.user_id AND track_id = OLD.track_id;
        DELETE FROM {_TS} WHERE user_id = OLD.user_id AND track_id = OLD.track_id AND {_EMPTY};
        RETURN NULL;""",
    "refusal_ins": f"""
        INSERT INTO {_TS} (user_id, track_id, play_count, skip_count, refused_at)
        VALUES (NEW.user_id, NEW.track_id, 0, 0, NEW.refused_at)
        ON CONFLICT (user_id, track_id) DO UPDATE SET refused_at = EXCLUDED.refused_at;
        RETURN NULL;""",
    "refusal_del": f"""
        UPDATE {_TS} SET refused_at = NULL WHERE user_id = OLD.user_id AND track_id = OLD.track_id;
        DELETE FROM {_TS} WHERE user_id = OLD.user_id AND track_id = OLD.track_id AND {_EMPTY};
        RETURN NULL;""",
    "visit_ins": f"""
        INSERT INTO {_AS} (user_id, artist_id, visit_count, first_visited_at, last_visited_at)
        VALUES (NEW.user_id, NEW.artist_id, 1, NEW.visited_at, NEW.visited_at)
        ON CONFLICT (user_id, artist_id) DO UPDATE SET visit_count = {_AS}.visit_count + 1,
            first_visited_at = LEAST({_AS}.first_visited_at, EXCLUDED.first_visited_at),
            last_visited_at = GREATEST({_AS}.last_visited_at, EXCLUDED.last_visited_at);
        RETURN NULL;""",
    "visit_del": f"""
        UPDATE {_AS} SET visit_count = GREATEST(visit_count - 1, 0)
        WHERE user_id = OLD.user_id AND artist_id = OLD.artist_id;
        DELETE FROM {_AS} WHERE user_id = OLD.user_id AND artist_id = OLD.artist_id
            AND visit_count = 0;
        RETURN NULL;""",
}

# (function, table, event, statement-level transition table or None for FOR EACH ROW)
_PG_TRIGGERS = (
    ("listen_ins", "listening_listen", "INSERT", "NEW TABLE AS new_rows"),
    ("listen_del", "listening_listen", "DELETE", "OLD TABLE AS old_rows"),
    ("save_ins", "listening_savedtrack", "INSERT", None),
    ("save_del", "listening_savedtrack", "DELETE", None),
    ("unsave_ins", "listening_trackunsave", "INSERT", None),
    ("unsave_del", "listening_trackunsave", "DELETE", None),
    ("skip_ins", "listening_skip", "INSERT", None),
    ("skip_del", "listening_skip", "DELETE", None),
    ("refusal_ins", "listening_trackrefusal", "INSERT", None),
    ("refusal_del", "listening_trackrefusal", "DELETE", None),
    ("visit_ins", "listening_artistvisit", "INSERT", None),
    ("visit_del", "listening_artistvisit", "DELETE", None),
)


def _pg_install() -> list[str]:
    statements = []
    for name, table, event, transition in _PG_TRIGGERS:
        function = f"dw_signal_{name}"
        statements.append(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {_PG_FUNCTIONS[name]} END $$"
        )
        level = f"REFERENCING {transition} FOR EACH STATEMENT" if transition else "FOR EACH ROW"
        statements.append(f"DROP TRIGGER IF EXISTS {function} ON {table}")
        statements.append(
            f"CREATE TRIGGER {function} AFTER {event} ON {table} {level}"
            f" EXECUTE FUNCTION {function}()"
        )
    return statements


def _pg_remove() -> list[str]:
    statements = []
    for name, table, _, _ in _PG_TRIGGERS:
        statements.append(f"DROP TRIGGER IF EXISTS dw_signal_{name} ON {table}")
        statements.append(f"DROP FUNCTION IF EXISTS dw_signal_{name}()")
    return statements


# --- SQLite (row triggers; datetimes are ISO text, so min/max compare them correctly) ---


def _lo(a: str, b: str) -> str:
    return f"coalesce(min({a}, {b}), {a}, {b})"


def _hi(a: str, b: str) -> str:
    return f"coalesce(max({a}, {b}), {a}, {b})"


_SQLITE_TRIGGERS = {
    "listen_ins": (
        "AFTER INSERT ON listening_listen",
        f"""INSERT INTO {_TS} (user_id, track_id, play_count, first_played_at, last_played_at,
                               skip_count)
            VALUES (NEW.user_id, NEW.track_id, 1, NEW.listened_at, NEW.listened_at, 0)
            ON CONFLICT (user_id, track_id) DO UPDATE SET play_count = play_count + 1,
                first_played_at = {_lo("first_played_at", "excluded.first_played_at")},
                last_played_at = {_hi("last_played_at", "excluded.last_played_at")};""",
    ),
    "listen_del": (
        "AFTER DELETE ON listening_listen",
        f"""UPDATE {_TS} SET play_count = max(play_count - 1, 0),
                first_played_at = (SELECT min(listened_at) FROM listening_listen
                    WHERE user_id = OLD.user_id AND track_id = OLD.track_id),
                last_played_at = (SELECT max(listened_at) FROM listening_listen
                    WHERE user_id = OLD.user_id AND track_id = OLD.track_id)
            WHERE user_id = OLD.user_id AND track_id = OLD.track_id;
            DELETE FROM {_TS} WHERE user_id = OLD.user_id AND track_id = OLD.track_id
                AND {_EMPTY};""",
    ),
    "save_ins": (
        "AFTER INSERT ON listening_savedtrack",
        f"""INSERT INTO {_TS} (user_id, track_id, play_count, skip_count, saved_at)
            VALUES (NEW.user_id, NEW.track_id, 0, 0, NEW.saved_at)
            ON CONFLICT (user_id, track_id) DO UPDATE SET saved_at = excluded.saved_at;""",
    ),
    "save_del": (
        "AFTER DELETE ON listening_savedtrack",
        f"""UPDATE {_TS} SET saved_at = NULL
                WHERE user_id = OLD.user_id AND track_id = OLD.track_id;
            DELETE FROM {_TS} WHERE user_id = OLD.user_id AND track_id = OLD.track_id
                AND {_EMPTY};""",
    ),
    "unsave_ins": (
        "AFTER INSERT ON listening_trackunsave",
        f"""INSERT INTO {_TS} (user_id, track_id, play_count, skip_count, unsaved_at)
            VALUES (NEW.user_id, NEW.track_id, 0, 0, NEW.unsaved_at)
            ON CONFLICT (user_id, track_id) DO UPDATE SET
                unsaved_at = {_hi("unsaved_at", "excluded.unsaved_at")};""",
    ),
    "unsave_del": (
        "AFTER DELETE ON listening_trackunsave",
        f"""UPDATE {_TS} SET unsaved_at = (SELECT max(unsaved_at) FROM listening_trackunsave
                    WHERE user_id = OLD.user_id AND track_id = OLD.track_id)
                WHERE user_id = OLD.user_id AND track_id = OLD.track_id;
            DELETE FROM {_TS} WHERE user_id = OLD.user_id AND track_id = OLD.track_id
                AND {_EMPTY};""",
    ),
    "skip_ins": (
        "AFTER INSERT ON listening_skip",
        f"""INSERT INTO {_TS} (user_id, track_id, play_count, skip_count, last_skipped_at)
            VALUES (NEW.user_id, NEW.track_id, 0, 1, NEW.skipped_at)
            ON CONFLICT (user_id, track_id) DO UPDATE SET skip_count = skip_count + 1,
                last_skipped_at = {_hi("last_skipped_at", "excluded.last_skipped_at")};""",
    ),
    "skip_del": (
        "AFTER DELETE ON listening_skip",
        f"""UPDATE {_TS} SET skip_count = max(skip_count - 1, 0)
                WHERE user_id = OLD.user_id AND track_id = OLD.track_id;
            DELETE FROM {_TS} WHERE user_id = OLD.user_id AND track_id = OLD.track_id
                AND {_EMPTY};""",
    ),
    "refusal_ins": (
        "AFTER INSERT ON listening_trackrefusal",
        f"""INSERT INTO {_TS} (user_id, track_id, play_count, skip_count, refused_at)
            VALUES (NEW.user_id, NEW.track_id, 0, 0, NEW.refused_at)
            ON CONFLICT (user_id, track_id) DO UPDATE SET refused_at = excluded.refused_at;""",
    ),
    "refusal_del": (
        "AFTER DELETE ON listening_trackrefusal",
        f"""UPDATE {_TS} SET refused_at = NULL
                WHERE user_id = OLD.user_id AND track_id = OLD.track_id;
            DELETE FROM {_TS} WHERE user_id = OLD.user_id AND track_id = OLD.track_id
                AND {_EMPTY};""",
    ),
    "visit_ins": (
        "AFTER INSERT ON listening_artistvisit",
        f"""INSERT INTO {_AS} (user_id, artist_id, visit_count, first_visited_at,
                               last_visited_at)
            VALUES (NEW.user_id, NEW.artist_id, 1, NEW.visited_at, NEW.visited_at)
            ON CONFLICT (user_id, artist_id) DO UPDATE SET visit_count = visit_count + 1,
                first_visited_at = {_lo("first_visited_at", "excluded.first_visited_at")},
                last_visited_at = {_hi("last_visited_at", "excluded.last_visited_at")};""",
    ),
    "visit_del": (
        "AFTER DELETE ON listening_artistvisit",
        f"""UPDATE {_AS} SET visit_count = max(visit_count - 1, 0)
                WHERE user_id = OLD.user_id AND artist_id = OLD.artist_id;
            DELETE FROM {_AS} WHERE user_id = OLD.user_id AND artist_id = OLD.artist_id
                AND visit_count = 0;""",
    ),
}


def _sqlite_install() -> list[str]:
    statements = []
    for name, (when, body) in _SQLITE_TRIGGERS.items():
        statements.append(f"DROP TRIGGER IF EXISTS dw_signal_{name}")
        statements.append(f"CREATE TRIGGER dw_signal_{name} {when} BEGIN {body} END")
    return statements


def _sqlite_remove() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS dw_signal_{name}" for name in _SQLITE_TRIGGERS]


def triggers_install(vendor: str, *, unsaves: bool = True) -> list[str]:
    """DDL that creates (or replaces) the signal triggers on this backend. `unsaves=False`:
    the triggers as they were before unsaves (listening 0010), for the migrations before it."""
    statements = _pg_install() if vendor == "postgresql" else _sqlite_install()
    return statements if unsaves else _without_unsaves(statements)


def triggers_remove(vendor: str, *, unsaves: bool = True) -> list[str]:
    statements = _pg_remove() if vendor == "postgresql" else _sqlite_remove()
    return statements if unsaves else _without_unsaves(statements)


def triggers_execute(
    schema_editor, *, install: bool, unsaves: bool = True, sqlite_only: bool = False
) -> None:
    """Install (or remove) the triggers through a migration's schema editor. `sqlite_only`:
    only where SQLite must rebuild a table the triggers name (PostgreSQL alters in place)."""
    vendor = schema_editor.connection.vendor
    if sqlite_only and vendor != "sqlite":
        return
    ddl = triggers_install if install else triggers_remove
    for statement in ddl(vendor, unsaves=unsaves):
        schema_editor.execute(statement, params=None)


def _without_unsaves(statements: list[str]) -> list[str]:
    return [
        statement.replace(" AND unsaved_at IS NULL", "")
        for statement in statements
        if "unsave_" not in statement and "trackunsave" not in statement
    ]


# --- rebuild from the raw rows (portable SQL) ---------------------------------------------


def rebuild_sql(vendor: str, *, unsaves: bool = True) -> tuple[str, ...]:
    """Statements that recompute both signal tables from the raw rows (`unsaves=False`: as
    before listening 0010, for the migration that first filled them)."""
    null = "CAST(NULL AS timestamptz)" if vendor == "postgresql" else "NULL"
    unsaved_rows = (
        f"""UNION ALL
                SELECT user_id, track_id, 0, {null}, {null}, {null}, 0, {null}, {null},
                       max(unsaved_at)
                FROM listening_trackunsave GROUP BY user_id, track_id"""
        if unsaves
        else ""
    )
    return (
        f"DELETE FROM {_TS}",
        f"""INSERT INTO {_TS} (user_id, track_id, play_count, first_played_at, last_played_at,
                              saved_at, skip_count, last_skipped_at, refused_at
                              {", unsaved_at" if unsaves else ""})
            SELECT user_id, track_id, sum(plays), min(first_p), max(last_p), max(saved),
                   sum(skips), max(last_s), max(refused) {", max(unsaved)" if unsaves else ""}
            FROM (
                SELECT user_id, track_id, count(*) AS plays, min(listened_at) AS first_p,
                       max(listened_at) AS last_p, {null} AS saved, 0 AS skips,
                       {null} AS last_s, {null} AS refused, {null} AS unsaved
                FROM listening_listen GROUP BY user_id, track_id
                UNION ALL
                SELECT user_id, track_id, 0, {null}, {null}, saved_at, 0, {null}, {null}, {null}
                FROM listening_savedtrack
                UNION ALL
                SELECT user_id, track_id, 0, {null}, {null}, {null}, count(*), max(skipped_at),
                       {null}, {null}
                FROM listening_skip GROUP BY user_id, track_id
                UNION ALL
                SELECT user_id, track_id, 0, {null}, {null}, {null}, 0, {null}, refused_at,
                       {null}
                FROM listening_trackrefusal
                {unsaved_rows}
            ) AS raw
            GROUP BY user_id, track_id""",
        f"DELETE FROM {_AS}",
        f"""INSERT INTO {_AS} (user_id, artist_id, visit_count, first_visited_at,
                              last_visited_at)
            SELECT user_id, artist_id, count(*), min(visited_at), max(visited_at)
            FROM listening_artistvisit GROUP BY user_id, artist_id""",
    )


#: Writers wait while the tables are rebuilt (PostgreSQL); SQLite's write lock does the same.
REBUILD_LOCK = (
    "LOCK TABLE listening_listen, listening_savedtrack, listening_skip, listening_trackrefusal,"
    f" listening_trackunsave, listening_artistvisit, {_TS}, {_AS} IN SHARE ROW EXCLUSIVE MODE"
)
