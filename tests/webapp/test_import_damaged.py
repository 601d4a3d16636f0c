"""Damaged and hostile files end in one clear line and a non-zero exit (issue 8, defect 4),
with bounded memory; an unknown listener is an error unless --create is given (issue 7)."""

import io
import json
import tracemalloc
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from webapp.listening.models import Listen
from webapp.listening.services import listener_create

pytestmark = pytest.mark.django_db
T0 = 1_700_000_000


def lb_listen(i: int) -> dict:
    return {
        "listened_at": T0 + 300 * i,
        "track_metadata": {"artist_name": f"Artist {i % 3}", "track_name": f"Song {i}"},
    }


def jsonl(count: int) -> str:
    return "".join(json.dumps(lb_listen(i)) + "\n" for i in range(count))


def fails(path, user: str = "alice") -> str:
    """The one line import_listens fails with (it must fail)."""
    listener_create(username=user)
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_listens", str(path), user=user, stdout=io.StringIO(), stderr=io.StringIO()
        )
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_a_zip_with_a_bad_checksum_fails_in_one_line_saying_what_was_stored(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("listens/2023/11.jsonl", jsonl(30))
        archive.writestr("listens/2023/12.jsonl", jsonl(30)[::-1].replace("}", "}", 1)[::-1])
    data = bytearray(path.read_bytes())
    second = data.rindex(b"Song 29")  # inside the second member's data
    data[second] ^= 0x01
    path.write_bytes(bytes(data))

    message = fails(path)

    assert "export.zip is damaged" in message and "CRC" in message
    assert "Stored 30 new listens" in message
    assert Listen.objects.count() == 30


def test_an_encrypted_zip_is_refused_before_anything_is_stored(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("listens/2023/11.jsonl", jsonl(5))
    data = bytearray(path.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set "encrypted"
        at = data.index(signature) + flags_at
        data[at] |= 0x01
    path.write_bytes(bytes(data))

    message = fails(path)

    assert "encrypted" in message and "without a password" in message
    assert Listen.objects.count() == 0


def test_a_csv_with_a_200000_character_field_fails_in_one_line(tmp_path):
    path = tmp_path / "scrobbles.csv"
    rows = [f"Artist,Album,Song {i},{T0 + 60 * i}\n" for i in range(10)]
    rows.insert(5, f'Artist,Album,"{"x" * 200_000}",{T0}\n')
    path.write_text("".join(rows))

    message = fails(path)

    assert "scrobbles.csv line 6" in message and "field larger than field limit" in message
    assert "Stored 5 new listens" in message
    assert Listen.objects.count() == 5


def test_a_json_array_cut_off_midway_exits_non_zero(tmp_path):
    path = tmp_path / "listens.json"
    text = json.dumps([lb_listen(i) for i in range(8)], indent=1)
    path.write_text(text[: text.index('"Song 5"') + 4])  # inside the sixth listen

    message = fails(path)

    assert "cut off" in message and "Stored 5 new listens" in message
    assert Listen.objects.count() == 5


def test_a_json_array_that_never_closes_is_cut_off_too(tmp_path):
    path = tmp_path / "listens.json"
    path.write_text("[" + ",\n".join(json.dumps(lb_listen(i)) for i in range(3)) + ",\n")

    assert "never closes" in fails(path)
    assert Listen.objects.count() == 3


def test_a_jsonl_whose_last_line_is_cut_off_exits_non_zero(tmp_path):
    path = tmp_path / "listens.jsonl"
    path.write_text(jsonl(4) + json.dumps(lb_listen(4))[:30])

    assert "line 5 is cut off" in fails(path)
    assert Listen.objects.count() == 4


def test_a_small_zip_holding_one_huge_line_is_read_in_bounded_memory(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("listens/2023/11.jsonl", "w") as member:
            member.write(b'{"listened_at": 1700000000, "track_metadata": {"artist_name": "')
            chunk = b"a" * (1 << 20)
            for _ in range(64):  # a 64 MiB line
                member.write(chunk)
    assert path.stat().st_size < 200_000

    tracemalloc.start()
    try:
        message = fails(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert "longer than 1,048,576 characters" in message
    assert peak < 32 * 1024 * 1024
    assert Listen.objects.count() == 0


def test_an_unknown_listener_is_an_error_unless_create_is_given(tmp_path):
    path = tmp_path / "listens.jsonl"
    path.write_text(jsonl(2))
    out = io.StringIO()

    with pytest.raises(CommandError, match="no listener 'bob'.*--create"):
        call_command("import_listens", str(path), user="bob", stdout=out, stderr=io.StringIO())
    assert not get_user_model().objects.filter(username="bob").exists()

    call_command(
        "import_listens", str(path), user="bob", create=True, stdout=out, stderr=io.StringIO()
    )
    assert Listen.objects.filter(user__username="bob").count() == 2
