"""Reading real exports: string ids, tabs, headers, times, and errors that name the line."""

import numpy as np
import pytest

from recommender.evaluate.datasets import DatasetError, load_dataset, world_dataset
from recommender.synthetic import generate_world

EXPORT = (
    "listener\tartist\tplays\n"
    "ana maria\tSigur Rós\t12\n"
    "ana maria\tThe National\t3\n"
    "bo\tThe National\t7\n"
)


def write(tmp_path, text, name="plays.tsv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(dataset):
    plays = dataset.signals.plays
    return [
        (dataset.user_names[u], dataset.item_names[i], c)
        for u, i, c in zip(plays.user, plays.item, plays.count, strict=True)
    ]


@pytest.mark.parametrize("header", [True, False])
def test_string_ids_with_spaces_are_read_from_tab_separated_rows(tmp_path, header):
    text = EXPORT if header else EXPORT.split("\n", 1)[1]
    dataset = load_dataset(write(tmp_path, text))
    assert rows(dataset) == [
        ("ana maria", "Sigur Rós", 12.0),
        ("ana maria", "The National", 3.0),
        ("bo", "The National", 7.0),
    ]
    assert not dataset.signals.plays.has_times


def test_integer_ids_are_kept_as_given(tmp_path):
    dataset = load_dataset(write(tmp_path, "7\t52\t3\n9\t1000\t1\n"))
    assert dataset.signals.plays.user.tolist() == [7, 9]
    assert dataset.signals.plays.item.tolist() == [52, 1000]
    assert dataset.user_names is None


def test_a_lastfm_style_folder_with_crlf_lines_is_read(tmp_path):
    (tmp_path / "user_artists.dat").write_bytes(b"userID\tartistID\tweight\r\n2\t51\t13883\r\n")
    plays = load_dataset(tmp_path).signals.plays
    assert (plays.user.tolist(), plays.item.tolist(), plays.count.tolist()) == (
        [2],
        [51],
        [13883.0],
    )


def test_a_file_without_tabs_splits_on_spaces(tmp_path):
    plays = load_dataset(write(tmp_path, "1 10 2\n2 10 1\n")).signals.plays
    assert plays.count.tolist() == [2.0, 1.0]


def test_a_fourth_column_gives_play_times_in_unix_seconds_or_iso_8601(tmp_path):
    text = (
        "user\titem\tcount\ttime\n"
        "a\tx\t1\t1700000000\n"
        "a\ty\t2\t2023-11-14T22:13:20Z\n"
        "b\tx\t1\t2023-11-14 23:13:20+01:00\n"
        "b\ty\t1\t2023-11-15\n"
    )
    plays = load_dataset(write(tmp_path, text)).signals.plays
    assert plays.has_times
    assert plays.first.tolist() == [1700000000, 1700000000, 1700000000, 1700006400]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\tx\t1\nb\ty\n", "line 2: expected 3 fields"),
        ("a\tx\t1\nb\ty\tlots\n", "line 2: count 'lots' is not a number >= 0"),
        ("a\tx\t1\nb\ty\t-4\n", "line 2: count '-4' is not a number >= 0"),
        ("a\tx\t1\t1700000000\nb\ty\t1\n", "line 2: expected 3 fields"),
        ("a\tx\t1\tyesterday\n", "line 1: time 'yesterday' is neither unix seconds nor ISO"),
        ("a\tx\t1\t1700000000000\n", "line 1: time '1700000000000' is too large"),
        ("user\titem\tcount\n", "only a header"),
        ("\n\n", "no rows"),
    ],
)
def test_a_bad_file_is_one_error_naming_the_line_and_the_fault(tmp_path, text, message):
    with pytest.raises(DatasetError, match=message):
        load_dataset(write(tmp_path, text))


def test_blank_lines_do_not_shift_the_line_numbers_in_errors(tmp_path):
    with pytest.raises(DatasetError, match="line 4: count"):
        load_dataset(write(tmp_path, "a\tx\t1\n\n\nb\ty\tnope\n"))


def test_a_synthetic_world_becomes_plays_with_times_and_visits_spread_over_tracks():
    world = generate_world(n_listeners=40, n_tracks=200, mean_listens_per_listener=30, seed=1)
    signals = world_dataset(world).signals
    assert signals.plays.has_times
    assert signals.plays.count.sum() == len(world.plays)
    assert signals.others["visit"][2].sum() == pytest.approx(len(world.visits))
    visited_tracks = signals.others["visit"][1]
    visited_artists = np.unique(world.track_artist[visited_tracks])
    assert set(visited_artists) == set(np.unique(world.visits.item))
    assert len(signals.others["save"][0]) == len(world.saves)
