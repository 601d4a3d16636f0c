"""The culture evaluation: AUC by hand, pair sampling, the command on a tiny HetRec folder and
(where ../shared/data is present) the AUC aim on Last.fm 2K."""

import json

import numpy as np
import pytest

from recommender.culture.evaluate import (
    AUC_AIM,
    auc,
    main,
    sample_pairs,
    stratified_auc,
    tags_check,
)
from recommender.culture.weights import TermParams
from tests.shared_data import needs_shared, shared_path


def test_auc_matches_a_hand_count_with_ties_counting_half():
    scores = np.array([0.9, 0.5, 0.5, 0.1])
    labels = np.array([True, True, False, False])
    # positive/negative pairs: (0.9 > 0.5) 1, (0.9 > 0.1) 1, (0.5 = 0.5) 0.5, (0.5 > 0.1) 1
    assert auc(scores, labels) == pytest.approx(3.5 / 4)
    assert np.isnan(auc(scores, np.ones(4, bool)))


def test_within_strata_auc_ignores_what_the_strata_explain():
    strata = np.array([0, 0, 0, 0, 1, 1, 1, 1], dtype=float)
    labels = np.array([0, 0, 0, 1, 1, 1, 1, 0], dtype=bool)
    scores = np.array([1, 2, 3, 4, 5, 6, 7, 8], dtype=float)
    # pooled: the strata decide most of it; within each stratum the scores rank by hand
    # stratum 0: the positive (4) beats 3 negatives -> 1; stratum 1: 8 beats 5, 6, 7 -> 0
    assert stratified_auc(scores, labels, strata, bins=2) == pytest.approx(0.5)


def test_sampled_pairs_are_distinct_and_ordered():
    i, j = sample_pairs(50, 300, seed=1)
    assert i.size == 300 and (i < j).all()
    assert np.unique(i * 50 + j).size == 300
    small_i, _ = sample_pairs(4, 300, seed=1)
    assert small_i.size == 6  # every pair when there are fewer than asked


def write_hetrec(folder):
    """Six artists in two scenes; each scene's listeners play and tag only its artists."""
    folder.mkdir()
    (folder / "artists.dat").write_text(
        "id\tname\turl\tpictureURL\n" + "".join(f"{a}\tArtist {a}\tu\tp\n" for a in range(1, 7)),
        encoding="utf-8",
    )
    tags = ["tagID\ttagValue", "1\tthrash metal", "2\tloud", "3\tdream pop", "4\thazy", "5\tfavé"]
    (folder / "tags.dat").write_bytes(("\r\n".join(tags) + "\r\n").encode("latin-1"))
    tagged, played = ["userID\tartistID\ttagID\tday\tmonth\tyear"], ["userID\tartistID\tweight"]
    for user in range(1, 13):
        artists, tags = ((1, 2, 3), (1, 2, 5)) if user <= 6 else ((4, 5, 6), (3, 4, 5))
        for artist in artists:
            played.append(f"{user}\t{artist}\t{10 * user}")
            if (user + artist) % 2:  # not every listener tags every artist
                tagged += [f"{user}\t{artist}\t{t}\t1\t5\t2009" for t in tags]
    (folder / "user_taggedartists.dat").write_text("\r\n".join(tagged) + "\r\n")
    (folder / "user_artists.dat").write_text("\r\n".join(played) + "\r\n")
    return folder


def test_the_command_prints_json_with_culture_popularity_and_random(tmp_path, capsys):
    folder = write_hetrec(tmp_path / "lastfm")
    assert main([str(folder), "--json", "--pairs", "100"]) == 0
    out = json.loads(capsys.readouterr().out)
    check = out["checks"][0]
    assert check["auc_culture"] == pytest.approx(1.0)
    assert set(check) >= {"auc_popularity", "auc_random", "pairs", "artists"}


def test_the_command_says_what_is_missing(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert "no file at" in capsys.readouterr().err


@needs_shared("lastfm-2k")
def test_on_lastfm_2k_tags_cultural_similarity_predicts_co_listening():
    check = tags_check(shared_path("lastfm-2k"), TermParams(), n_pairs=20_000, seed=0)
    assert check.auc_culture >= AUC_AIM
    assert 0.45 < check.auc_random < 0.55
