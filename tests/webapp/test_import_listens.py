"""webapp.listening.importers and `manage.py import_listens`: every format, idempotence, errors."""

import io
import json
import threading
import zipfile
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, connections

from webapp.catalog.models import Track
from webapp.catalog.services import TrackRef, tracks_resolve
from webapp.listening import listen_files, services
from webapp.listening.importers import ImportDamaged, ImportFormatError, listens_import
from webapp.listening.models import Listen, ListenSource
from webapp.listening.services import listener_create

pytestmark = pytest.mark.django_db
T0 = 1_700_000_000
MBID = "8f3471b5-7e6a-48da-86a9-c1c07a0f47ae"


def lb_listen(i: int, **extra) -> dict:
    info = {"duration_ms": 200_000 + i, "submission_client": "test"}
    return {
        "listened_at": T0 + 300 * i,
        "inserted_at": T0 + 300 * i + 2,
        "track_metadata": {
            "artist_name": f"Artist {i % 3}",
            "track_name": f"Song {i % 5}",
            "release_name": "Album",
            "additional_info": info,
            "mbid_mapping": None,
            **extra,
        },
    }


def run(path, user="alice", fmt="auto") -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_listens", str(path), user=user, create=True, format=fmt, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def stored(user="alice") -> list[tuple[int, str, str]]:
    rows = Listen.objects.filter(user__username=user).values_list(
        "listened_at", "track__artist__name", "track__title", "source"
    )
    return sorted(
        (int(at.timestamp()), artist, title, source) for at, artist, title, source in rows
    )


def test_imports_a_listenbrainz_json_array(tmp_path):
    path = tmp_path / "listens.json"
    path.write_text(json.dumps([lb_listen(i) for i in range(12)], indent=2))
    out, _ = run(path)
    rows = stored()
    assert len(rows) == 12 and rows[0] == (T0, "Artist 0", "Song 0", ListenSource.IMPORT)
    assert "read 12 listens: stored 12 new, skipped 0 as duplicates, 0 bad rows" in out
    assert Track.objects.count() == 12  # (i % 3, i % 5) differ for all i < 15


def test_json_array_is_streamed_across_small_buffers(tmp_path, monkeypatch):
    monkeypatch.setattr(listen_files, "_BLOCK", 64)  # every element straddles a buffer boundary
    path = tmp_path / "listens.json"
    path.write_text(json.dumps([lb_listen(i) for i in range(40)], indent=1))
    report = listens_import(user_id=listener_create(username="alice").pk, path=path)
    assert (report.read, report.stored, report.bad) == (40, 40, 0)


def test_imports_listenbrainz_jsonl(tmp_path):
    path = tmp_path / "listens.jsonl"
    path.write_text("\n".join(json.dumps(lb_listen(i)) for i in range(7)) + "\n\n")
    out, _ = run(path)
    assert len(stored()) == 7 and "stored 7 new" in out


def test_imports_a_listenbrainz_export_zip_reading_only_its_listens_files(tmp_path):
    path = tmp_path / "listenbrainz_alice_1700000000.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("user.json", json.dumps({"user_id": 1, "username": "alice"}))
        archive.writestr("feedback.jsonl", json.dumps({"recording_mbid": MBID, "score": 1}))
        archive.writestr(
            "listens/2023/11.jsonl", "\n".join(json.dumps(lb_listen(i)) for i in [0, 1])
        )
        archive.writestr("listens/2023/12.jsonl", "\n".join(json.dumps(lb_listen(i)) for i in [2]))
    out, _ = run(path)
    assert [row[0] for row in stored()] == [T0, T0 + 300, T0 + 600]
    assert "0 bad rows" in out


def test_imports_a_lastfm_csv_without_header(tmp_path):
    path = tmp_path / "alice.csv"
    path.write_text(
        "Radiohead,OK Computer,Airbag,31 Jan 2021 12:34\n"
        '"Crosby, Stills & Nash",CSN,Helplessly Hoping,01 Feb 2021 08:05\n'
    )
    out, _ = run(path)
    assert stored() == [
        (1612096440, "Radiohead", "Airbag", "import"),
        (1612166700, "Crosby, Stills & Nash", "Helplessly Hoping", "import"),
    ]
    assert Track.objects.get(title="Airbag").release_name == "OK Computer"


def test_imports_a_lastfm_csv_with_header_unix_times_and_mbids(tmp_path):
    path = tmp_path / "scrobbles.csv"
    path.write_text(
        "uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n"
        f'{T0},"14 Nov 2023, 22:13",Björk,,Post,,Hyperballad,{MBID}\n'
        f"{T0 + 400},14 Nov 2023 22:20,Björk,,Post,,Army of Me,\n"
    )
    run(path)
    assert [row[:3] for row in stored()] == [
        (T0, "Björk", "Hyperballad"),
        (T0 + 400, "Björk", "Army of Me"),
    ]
    assert str(Track.objects.get(title="Hyperballad").recording_mbid) == MBID


def test_reimporting_the_same_file_stores_nothing_new(tmp_path):
    path = tmp_path / "listens.jsonl"
    path.write_text("\n".join(json.dumps(lb_listen(i)) for i in range(9)))
    run(path)
    before = (Listen.objects.count(), Track.objects.count(), stored())
    out, _ = run(path)
    assert (Listen.objects.count(), Track.objects.count(), stored()) == before
    assert "read 9 listens: stored 0 new, skipped 9 as duplicates" in out


def test_bad_rows_are_counted_and_reported_with_line_numbers(tmp_path):
    path = tmp_path / "listens.jsonl"
    lines = [
        json.dumps(lb_listen(0)),
        "{not json",
        json.dumps({"listened_at": T0, "track_metadata": {"artist_name": "A"}}),
        json.dumps(lb_listen(1) | {"listened_at": "yesterday"}),
        json.dumps(lb_listen(2)),
    ]
    path.write_text("\n".join(lines))
    out, err = run(path)
    assert len(stored()) == 2
    assert "3 bad rows" in out
    assert "listens.jsonl line 2: invalid JSON" in err
    assert "line 3: missing artist_name or track_name" in err
    assert "line 4: missing or invalid listened_at" in err


def test_bad_csv_rows_are_skipped_and_the_rest_imported(tmp_path):
    path = tmp_path / "alice.csv"
    path.write_text("A,B,C,31 Jan 2021 12:34\nA,B,C,someday\nonly,three,cols\n,B,C,1612096440\n")
    out, err = run(path)
    assert len(stored()) == 1 and "3 bad rows" in out
    assert "alice.csv line 2: unreadable date 'someday'" in err


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"hello world\nthis is not an export\n"],
    ids=["binary", "plain-text"],
)
def test_an_unsupported_file_is_a_command_error_and_creates_no_listener(tmp_path, content):
    path = tmp_path / "mystery.dat"
    path.write_bytes(content)
    with pytest.raises(CommandError) as raised:
        run(path)
    assert "\n" not in str(raised.value) and "mystery.dat" in str(raised.value)
    assert not get_user_model().objects.filter(username="alice").exists()


def test_forcing_listenbrainz_format_on_a_csv_is_refused(tmp_path):
    path = tmp_path / "alice.csv"
    path.write_text("A,B,C,31 Jan 2021 12:34\n")
    with pytest.raises(CommandError, match="not ListenBrainz JSON"):
        run(path, fmt="listenbrainz")
    run(path, fmt="lastfm-csv")
    assert len(stored()) == 1


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.json")


def test_listens_matched_by_recording_mbid_share_one_track(tmp_path):
    info = {"recording_mbid": MBID}
    a = lb_listen(0) | {
        "track_metadata": {"artist_name": "X", "track_name": "Y", "additional_info": info}
    }
    b = lb_listen(1) | {
        "track_metadata": {
            "artist_name": "X feat. Z",
            "track_name": "Y (live)",
            "additional_info": info,
        }
    }
    path = tmp_path / "listens.jsonl"
    path.write_text(json.dumps(a) + "\n" + json.dumps(b))
    run(path)
    assert Track.objects.count() == 1 and Listen.objects.count() == 2


@pytest.mark.parametrize("indent", [None, 2], ids=["one-line", "pretty-printed"])
def test_submit_listens_payloads_are_accepted(tmp_path, indent):
    path = tmp_path / "payload.json"
    body = {"listen_type": "import", "payload": [lb_listen(i) for i in range(3)]}
    path.write_text(json.dumps(body, indent=indent))
    run(path)
    assert len(stored()) == 3


def test_json_without_any_listen_is_a_command_error(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"theme": "dark"}))
    with pytest.raises(CommandError, match="no listens found, only 1 bad rows"):
        run(path)


def test_chunks_are_stored_as_they_fill(tmp_path):
    path = tmp_path / "listens.jsonl"
    path.write_text("\n".join(json.dumps(lb_listen(i)) for i in range(23)))
    seen = []
    report = listens_import(
        user_id=listener_create(username="alice").pk,
        path=path,
        chunk_size=5,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert report.stored == 23 and len(seen) == 5
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)


def test_open_listens_rejects_an_unknown_format_name(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[]")
    with pytest.raises(ImportFormatError, match="unknown format"):
        listen_files.open_listens(path, "spotify")


@pytest.mark.parametrize("listened_at", ["NaN", "Infinity", "-Infinity", "1e400", '"\\u00b2"'])
def test_a_listened_at_that_is_no_finite_number_is_a_bad_row(tmp_path, listened_at):
    bad = json.dumps(lb_listen(1)).replace(str(T0 + 300), listened_at, 1)
    assert f'"listened_at": {listened_at}' in bad
    path = tmp_path / "listens.jsonl"
    path.write_text("\n".join([json.dumps(lb_listen(0)), bad, json.dumps(lb_listen(2))]))

    out, err = run(path)

    assert [row[0] for row in stored()] == [T0, T0 + 600]
    assert "read 2 listens: stored 2 new, skipped 0 as duplicates, 1 bad rows" in out
    assert "listens.jsonl line 2: missing or invalid listened_at" in err


def test_a_non_finite_listened_at_in_a_json_array_is_a_bad_row(tmp_path):
    path = tmp_path / "listens.json"
    listens = [lb_listen(0), lb_listen(1) | {"listened_at": float("nan")}, lb_listen(2)]
    path.write_text(json.dumps(listens, indent=1))

    report = listens_import(user_id=listener_create(username="alice").pk, path=path)

    assert (report.read, report.stored, report.bad) == (2, 2, 1)
    assert report.bad_examples[0].endswith("missing or invalid listened_at")


@pytest.mark.parametrize("when", ["²", "1700000000²", "³¹ Jan 2021 12:34", "9" * 5000])
def test_a_csv_date_of_digits_int_cannot_read_is_a_bad_row(tmp_path, when):
    path = tmp_path / "alice.csv"
    path.write_text(f"A,B,C,31 Jan 2021 12:34\nA,B,D,{when}\nA,B,E,{T0}\n")

    out, err = run(path)

    assert [row[:3] for row in stored()] == [(1612096440, "A", "C"), (T0, "A", "E")]
    assert "stored 2 new, skipped 0 as duplicates, 1 bad rows" in out
    assert f"alice.csv line 2: unreadable date {when!r}" in err


def test_a_csv_with_a_header_and_a_superscript_unix_time_is_a_bad_row(tmp_path):
    path = tmp_path / "scrobbles.csv"
    path.write_text(f"uts,artist,album,track\n{T0},A,B,C\n{T0}²,A,B,D\n")

    report = listens_import(user_id=listener_create(username="alice").pk, path=path)

    assert (report.read, report.stored, report.bad) == (1, 1, 1)
    assert report.bad_examples == [f"scrobbles.csv line 3: unreadable date '{T0}²'"]


@pytest.mark.parametrize("field", ["artist_name", "track_name", "release_name"])
def test_a_nul_character_in_listenbrainz_metadata_is_a_bad_row(tmp_path, field):
    listens = [lb_listen(i) for i in range(3)]
    listens[1]["track_metadata"][field] = "Vanta\u0000black"
    path = tmp_path / "listens.jsonl"
    path.write_text("\n".join(json.dumps(listen) for listen in listens))
    assert "\\u0000" in path.read_text()

    out, err = run(path)

    assert [row[0] for row in stored()] == [T0, T0 + 600]
    assert "read 2 listens: stored 2 new, skipped 0 as duplicates, 1 bad rows" in out
    assert "listens.jsonl line 2: text contains a NUL (U+0000) or a lone surrogate" in err
    assert Track.objects.count() == 2


def test_a_lone_surrogate_in_listenbrainz_metadata_is_a_bad_row(tmp_path):
    listens = [lb_listen(i) for i in range(3)]
    listens[1]["track_metadata"]["artist_name"] = "Dool\ud800"
    path = tmp_path / "listens.jsonl"
    path.write_text("\n".join(json.dumps(listen) for listen in listens))

    out, err = run(path)

    assert [row[0] for row in stored()] == [T0, T0 + 600]
    assert "listens.jsonl line 2: text contains a NUL (U+0000) or a lone surrogate" in err


@pytest.mark.parametrize("column", [0, 1, 2], ids=["artist", "album", "track"])
def test_a_nul_character_in_a_csv_is_a_bad_row(tmp_path, monkeypatch, column):
    # A NUL in the first 64 KiB makes the whole file "binary"; here the sniffed head is shorter
    # (the header line) so that the NUL, as in a long export, lies past it and reaches the reader.
    monkeypatch.setattr(listen_files, "_SNIFF", 24)
    bad = ["Radiohead", "OK Computer", "Airbag"]
    bad[column] = bad[column][:3] + "\x00" + bad[column][3:]
    path = tmp_path / "alice.csv"
    path.write_text(
        "artist,album,track,date\n"
        "Radiohead,OK Computer,Lucky,31 Jan 2021 12:30\n"
        f"{','.join(bad)},31 Jan 2021 12:34\n"
        "Radiohead,OK Computer,Let Down,31 Jan 2021 12:40\n"
    )

    out, err = run(path)

    assert [row[2] for row in stored()] == ["Lucky", "Let Down"]
    assert "stored 2 new, skipped 0 as duplicates, 1 bad rows" in out
    assert "alice.csv line 3: text contains a NUL (U+0000) or a lone surrogate" in err


def test_json_nested_too_deeply_is_a_bad_row(tmp_path):
    path = tmp_path / "listens.jsonl"
    path.write_text("\n".join([json.dumps(lb_listen(0)), "[" * 100_000, json.dumps(lb_listen(1))]))

    out, err = run(path)

    assert len(stored()) == 2 and "1 bad rows" in out
    assert "listens.jsonl line 2: JSON nested too deeply" in err


def test_a_json_array_element_nested_too_deeply_is_damage_after_storing_what_came_before(
    tmp_path,
):
    path = tmp_path / "listens.json"
    path.write_text("[" + json.dumps(lb_listen(0)) + ",\n" + "[" * 100_000 + "]" * 100_000 + "]")

    with pytest.raises(ImportDamaged, match="listens.json line 2: JSON nested too deeply") as hit:
        listens_import(user_id=listener_create(username="alice").pk, path=path)

    assert (hit.value.report.read, hit.value.report.stored) == (1, 1)
    assert len(stored()) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "postgresql", reason="COPY counts with its rowcount")
def test_listens_insert_does_not_count_listens_another_connection_stores_meanwhile(monkeypatch):
    alice, bob = listener_create(username="alice"), listener_create(username="bob")
    track_a, track_b = tracks_resolve(
        refs=[TrackRef(artist_name="A", track_name="a"), TrackRef(artist_name="B", track_name="b")]
    )
    services.listens_insert(
        user_ids=[alice.pk], track_ids=[track_a], listened_at_unix=[T0], source="import"
    )
    values_insert = services._listens_values

    def insert_while_another_listener_submits(*args):
        def submit() -> None:
            try:
                Listen.objects.create(
                    user=bob, track_id=track_a, listened_at=datetime.fromtimestamp(T0, UTC)
                )
            finally:
                connections.close_all()

        thread = threading.Thread(target=submit)
        thread.start()
        thread.join()
        return values_insert(*args)

    monkeypatch.setattr(services, "_listens_values", insert_while_another_listener_submits)

    new = services.listens_insert(
        user_ids=[alice.pk] * 3,
        track_ids=[track_a, track_b, track_b],  # the first is stored already, the last repeated
        listened_at_unix=[T0, T0, T0],
        source="import",
    )

    assert new == 1
    assert Listen.objects.filter(user=alice).count() == 2
    assert Listen.objects.filter(user=bob).count() == 1
