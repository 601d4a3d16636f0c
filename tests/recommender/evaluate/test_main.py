import json
from pathlib import Path

import numpy as np
import pytest

from recommender.evaluate.__main__ import main
from recommender.evaluate.datasets import load_user_item_counts
from tests.recommender.factories import planted_rows

# parents[3] is the repo root (this file is tests/recommender/evaluate/); shared/ sits beside it.
LASTFM_2K = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "lastfm-2k"


def write_triples(path, *, header: bool, crlf: bool = False):
    users, items, counts = planted_rows()
    lines = ["user\titem\tcount"] if header else []
    lines += [f"{u}\t{i}\t{int(c)}" for u, i, c in zip(users, items, counts, strict=True)]
    path.write_bytes(("\r\n" if crlf else "\n").join(lines).encode() + b"\n")
    return path


@pytest.mark.parametrize("header", [True, False])
def test_loader_reads_triples_with_or_without_a_header(tmp_path, header):
    users, items, counts = load_user_item_counts(write_triples(tmp_path / "t.tsv", header=header))
    expected = planted_rows()
    np.testing.assert_array_equal(users, expected[0])
    np.testing.assert_array_equal(items, expected[1])
    np.testing.assert_allclose(counts, expected[2])


def test_loader_reads_a_lastfm_style_folder_with_crlf_lines(tmp_path):
    write_triples(tmp_path / "user_artists.dat", header=True, crlf=True)
    users, _, _ = load_user_item_counts(tmp_path)
    assert users.size == 140 and users.dtype == np.int64


def test_command_prints_one_json_object_of_metrics_per_model(tmp_path, capsys):
    path = write_triples(tmp_path / "t.tsv", header=True)
    assert main([str(path), "--json", "--no-search", "--k", "5", "--iterations", "5"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"als", "popularity", "random"}
    assert {"precision@5", "recall@5", "map@5", "ndcg@5", "coverage@5", "novelty@5"} <= set(
        result["als"]
    )


def test_command_prints_a_table_with_the_chosen_params(tmp_path, capsys):
    path = write_triples(tmp_path / "t.tsv", header=False)
    assert main([str(path), "--no-search", "--k", "5", "--iterations", "3"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["model", "precision@5", "recall@5"]
    assert "popularity" in out and "als params: factors=" in out


def test_command_exits_non_zero_with_one_line_for_a_missing_path(tmp_path, capsys):
    assert main([str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.startswith("error: no interactions file")


@pytest.mark.skipif(not LASTFM_2K.is_dir(), reason=f"Last.fm 2K not found at {LASTFM_2K}")
def test_als_beats_popularity_on_lastfm_2k_ndcg_at_10(capsys):
    assert main([str(LASTFM_2K), "--json", "--no-search", "--k", "10", "--iterations", "8"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["als"]["ndcg@10"] > 1.5 * result["popularity"]["ndcg@10"]
    assert result["popularity"]["ndcg@10"] > result["random"]["ndcg@10"]
