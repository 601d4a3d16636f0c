"""The contract every Scorer keeps (CF, culture, audio, popularity): one mixin, many models.

Subclass `ScorerContract` in a test module and give it a `case` fixture that returns a
`ScorerCase`; pytest then runs every check below on that scorer, the way implicit's test mixin
runs one contract on every model:

    @pytest.fixture(scope="module")
    def culture_case():
        return ScorerCase(scorer=..., listeners=..., track_ids=..., unknown_track_id=...)

    class TestCultureScorerContract(ScorerContract):
        @pytest.fixture
        def case(self, culture_case):
            return culture_case
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

from recommender.blend import listener_rows
from recommender.scoring import BatchExplainer, ListenerBatch, Reason, ScoreMoments, Scorer

KINDS = {"cf", "culture", "audio", "popularity"}
PLACEHOLDERS = {"artist", "track"}


@dataclass
class ScorerCase:
    """A scorer and inputs it can score: at least two listeners, one of them with picks it can
    explain (`explained_row`), and candidate ids. The optional fields switch on the checks for
    ids the model cannot know."""

    scorer: Scorer
    listeners: ListenerBatch
    track_ids: np.ndarray
    explained_row: int = 0
    unknown_track_id: int | None = None  # a candidate id the model has no data for
    unknown_listener_row: int | None = None  # a row the model cannot score at all


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class ScorerContract:
    """Shapes, NaN handling, determinism, batch invariance and explain lengths."""

    def test_it_is_a_scorer_of_a_known_kind(self, case):
        assert isinstance(case.scorer, Scorer)
        assert case.scorer.kind in KINDS

    def test_scores_are_float32_one_row_per_listener_and_one_column_per_track(self, case):
        scores = case.scorer.score(case.listeners, case.track_ids)
        assert scores.dtype == np.float32
        assert scores.shape == (len(case.listeners), len(case.track_ids))

    def test_scores_are_finite_or_nan_never_infinite(self, case):
        scores = case.scorer.score(case.listeners, case.track_ids)
        assert not np.isinf(scores).any()
        assert np.isfinite(scores).any(), "a scorer that scores nothing tests nothing"

    def test_scoring_twice_gives_the_same_matrix(self, case):
        first = case.scorer.score(case.listeners, case.track_ids)
        second = case.scorer.score(case.listeners, case.track_ids)
        np.testing.assert_array_equal(first, second)

    def test_a_listener_scores_the_same_alone_as_in_a_batch(self, case):
        everyone = case.scorer.score(case.listeners, case.track_ids)
        for row in range(len(case.listeners)):
            alone = case.scorer.score(listener_rows(case.listeners, [row]), case.track_ids)
            np.testing.assert_allclose(alone[0], everyone[row], rtol=1e-5, atol=1e-6)

    def test_a_track_scores_the_same_in_any_candidate_order(self, case):
        order = np.random.default_rng(0).permutation(len(case.track_ids))
        straight = case.scorer.score(case.listeners, case.track_ids)
        shuffled = case.scorer.score(case.listeners, np.asarray(case.track_ids)[order])
        np.testing.assert_allclose(shuffled, straight[:, order], rtol=1e-5, atol=1e-6)

    def test_no_candidates_gives_an_empty_matrix_and_no_reasons(self, case):
        none = np.zeros(0, dtype=np.int64)
        assert case.scorer.score(case.listeners, none).shape == (len(case.listeners), 0)
        assert case.scorer.explain(case.listeners, case.explained_row, none) == []

    def test_an_unknown_track_scores_nan_and_gets_no_reason(self, case):
        if case.unknown_track_id is None:
            return
        ids = np.array([case.unknown_track_id], dtype=np.int64)
        assert np.isnan(case.scorer.score(case.listeners, ids)).all()
        assert case.scorer.explain(case.listeners, case.explained_row, ids) == [None]

    def test_a_listener_the_model_cannot_score_gets_a_nan_row(self, case):
        if case.unknown_listener_row is None:
            return
        scores = case.scorer.score(case.listeners, case.track_ids)
        assert np.isnan(scores[case.unknown_listener_row]).all()

    def test_explain_gives_one_reason_or_none_per_track(self, case):
        reasons = case.scorer.explain(case.listeners, case.explained_row, case.track_ids)
        assert len(reasons) == len(case.track_ids)
        assert all(r is None or isinstance(r, Reason) for r in reasons)
        assert any(r is not None for r in reasons), "the explained row must get a reason"

    def test_reasons_are_short_text_with_known_placeholders_and_their_evidence(self, case):
        reasons = case.scorer.explain(case.listeners, case.explained_row, case.track_ids)
        for reason in filter(None, reasons):
            assert isinstance(reason.text, str) and 0 < len(reason.text) <= 120
            assert isinstance(reason.evidence, dict)
            names = placeholders(reason.text)
            assert names <= PLACEHOLDERS
            if names:
                ids = reason.evidence.get("track_ids") or reason.evidence.get("artist_ids")
                assert ids, f"{reason.text!r} needs ids in its evidence to be filled in"
                assert all(isinstance(i, int) for i in ids)

    def test_explaining_twice_gives_the_same_reasons(self, case):
        first = case.scorer.explain(case.listeners, case.explained_row, case.track_ids)
        second = case.scorer.explain(case.listeners, case.explained_row, case.track_ids)
        assert first == second

    def test_batch_reasons_equal_one_listener_at_a_time(self, case):
        if not isinstance(case.scorer, BatchExplainer):
            return
        rows = np.arange(len(case.listeners))
        ids = np.tile(np.asarray(case.track_ids, dtype=np.int64), (rows.size, 1))
        ids[:, -1] = -1  # padding gets no reason
        batched = case.scorer.explain_batch(case.listeners, rows, ids)
        for row in rows:
            alone = case.scorer.explain(case.listeners, int(row), ids[row, :-1])
            assert batched[row] == [*alone, None]

    def test_moments_equal_the_count_sum_and_squares_of_the_scores(self, case):
        if not isinstance(case.scorer, ScoreMoments):
            return
        scores = case.scorer.score(case.listeners, case.track_ids).astype(np.float64)
        count, total, squares = case.scorer.moments(case.listeners, case.track_ids)
        known = np.isfinite(scores)
        np.testing.assert_array_equal(count, known.sum(axis=1))
        np.testing.assert_allclose(total, np.where(known, scores, 0).sum(axis=1), atol=1e-4)
        np.testing.assert_allclose(
            squares, np.where(known, scores**2, 0).sum(axis=1), rtol=1e-4, atol=1e-4
        )
