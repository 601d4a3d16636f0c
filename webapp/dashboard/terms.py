"""Each artist's single top term in a culture version, looked up for many artists at once.

A `CultureModel` in; a `TopTerms` lookup out (artist ids -> their strongest term, "" where no
page describes the artist), built with array operations over the model's sparse matrix once
per culture version. The map colours tracks by it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommender.culture.model import CultureModel


@dataclass(frozen=True, eq=False)
class TopTerms:
    artist_ids: np.ndarray  # sorted
    terms: np.ndarray  # (len(artist_ids),) str

    def __call__(self, artist_ids: np.ndarray) -> np.ndarray:
        artist_ids = np.asarray(artist_ids, dtype=np.int64)
        out = np.full(artist_ids.size, "", dtype=object)
        if self.artist_ids.size == 0 or artist_ids.size == 0:
            return out
        at = np.minimum(np.searchsorted(self.artist_ids, artist_ids), self.artist_ids.size - 1)
        found = self.artist_ids[at] == artist_ids
        out[found] = self.terms[at[found]]
        return out


def artist_top_term(model: CultureModel) -> TopTerms:
    """The highest-weighted term of every artist the model describes (ties: lowest column)."""
    matrix = model.artist_terms.tocsr()
    lengths = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    order = np.lexsort((matrix.indices, -matrix.data, rows))
    described = np.flatnonzero(lengths > 0)
    top_cols = matrix.indices[order][matrix.indptr[described]]
    ids = np.asarray(model.artists.ids, dtype=np.int64)[described]
    sorter = np.argsort(ids, kind="stable")
    return TopTerms(ids[sorter], np.asarray(model.vocab, dtype=object)[top_cols][sorter])
