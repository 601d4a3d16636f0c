"""python -m recommender.evaluate on files, folders and synthetic worlds."""

import json
import os

import pytest

from recommender.evaluate.__main__ import main
from tests.recommender.factories import planted_rows
from tests.shared_data import needs_shared, shared_path

FAST = ["--no-search", "--k", "5", "--iterations", "3"]


def write_plays(path, *, header: bool, times: bool = False):
    users, items, counts = planted_rows()
    lines = ["user\tartist\tplays" + ("\ttime" if times else "")] if header else []
    for n, (u, i, c) in enumerate(zip(users, items, counts, strict=True)):
        time = f"\t{1_700_000_000 + 3600 * n}" if times else ""
        lines.append(f"listener {u}\tartist {i}\t{int(c)}{time}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_command_prints_one_json_object_with_each_splits_models(tmp_path, capsys):
    path = write_plays(tmp_path / "t.tsv", header=True)
    assert main([str(path), "--json", *FAST]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["splits"]) == {"random"}
    models = result["splits"]["random"]["models"]
    assert set(models) == {"als", "popularity", "random"}
    assert {"precision@5", "recall@5", "map@5", "ndcg@5", "coverage@5", "novelty@5"} <= set(
        models["als"]
    )
    assert result["verdict"]["split"] == "random"


def test_command_prints_a_table_with_the_chosen_params(tmp_path, capsys):
    path = write_plays(tmp_path / "t.tsv", header=False)
    assert main([str(path), *FAST]) == 0
    out = capsys.readouterr().out
    assert "== random split" in out and "popularity" in out and "als params: factors=" in out
    header = next(line for line in out.splitlines() if line.startswith("model"))
    assert header.split()[:3] == ["model", "precision@5", "recall@5"]


def test_a_file_with_times_gets_the_temporal_split_next_to_the_random_one(tmp_path, capsys):
    path = write_plays(tmp_path / "t.tsv", header=True, times=True)
    assert main([str(path), "--json", *FAST]) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result["splits"]) == ["temporal", "random"]
    assert result["splits"]["temporal"]["info"]["cutoff"] > 1_700_000_000


def test_a_cut_off_can_be_given_as_an_iso_date(tmp_path, capsys):
    path = write_plays(tmp_path / "t.tsv", header=True, times=True)
    assert main([str(path), "--json", "--cutoff", "2023-11-18", *FAST]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["splits"]["temporal"]["info"]["cutoff"] == 1700265600


def test_a_bad_file_exits_non_zero_with_one_line_naming_the_line(tmp_path, capsys):
    path = tmp_path / "bad.tsv"
    path.write_text("ana\tSigur Rós\t3\nbo\tThe National\tmany\n")
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 2: count 'many'" in err


def test_command_exits_non_zero_with_one_line_for_a_missing_path(tmp_path, capsys):
    assert main([str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.startswith("error: no interactions file")


def test_a_synthetic_world_is_evaluated_on_both_splits(capsys):
    assert main(["--synthetic", "120x600", "--listens", "30", "--json", *FAST]) == 0
    assert list(json.loads(capsys.readouterr().out)["splits"]) == ["temporal", "random"]


@needs_shared("lastfm-2k")
def test_als_beats_popularity_on_lastfm_2k_ndcg_at_10(capsys):
    path = str(shared_path("lastfm-2k"))
    assert main([path, "--json", "--no-search", "--k", "10", "--iterations", "8"]) == 0
    models = json.loads(capsys.readouterr().out)["splits"]["random"]["models"]
    assert models["als"]["ndcg@10"] > 1.5 * models["popularity"]["ndcg@10"]
    assert models["popularity"]["ndcg@10"] > models["random"]["ndcg@10"]


@needs_shared("lastfm-2k")
@pytest.mark.skipif(not os.environ.get("DW_SLOW_TESTS"), reason="slow: set DW_SLOW_TESTS=1")
def test_the_full_lastfm_2k_run_with_the_search_beats_the_default_params(capsys):
    assert main([str(shared_path("lastfm-2k")), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    models = result["splits"]["random"]["models"]
    assert models["als"]["ndcg@10"] > 0.23  # the untuned defaults reach about 0.22
    assert result["verdict"]["decided"] and not result["verdict"]["worse_than_popularity"]


def test_als_params_can_be_given_on_the_command_line(tmp_path, capsys):
    path = write_plays(tmp_path / "t.tsv", header=True)
    argv = [str(path), "--json", "--regularization", "20", "--factors", "8", *FAST]
    assert main(argv) == 0
    params = json.loads(capsys.readouterr().out)["splits"]["random"]["params"]
    assert (params["regularization"], params["factors"], params["iterations"]) == (20.0, 8, 3)
