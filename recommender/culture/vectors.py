"""Sparse matrices from per-document analyses, co-mentions, and cosine similarity.

Per-document term counts and (document, entity, weight) triples in; a vocabulary, CSR
matrices (documents x terms, documents x entities), co-mention counts and row-normalized
vectors out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import chain

import numpy as np
import scipy.sparse as sp

from recommender.interactions import IdMap


def doc_term_matrix(
    doc_terms: Sequence[Mapping[str, float]], extra: Iterable[str] = ()
) -> tuple[sp.csr_matrix, list[str]]:
    """Documents x terms counts, and the vocabulary: every term used (plus `extra`), sorted,
    so the same corpus always gives the same columns."""
    column: dict[str, int] = {term: i for i, term in enumerate(dict.fromkeys(extra))}
    keys = chain.from_iterable(counts.keys() for counts in doc_terms)
    cols = np.fromiter((column.setdefault(k, len(column)) for k in keys), dtype=np.int64)
    data = np.fromiter(
        chain.from_iterable(counts.values() for counts in doc_terms),
        dtype=np.float32,
        count=cols.size,
    )
    indptr = np.zeros(len(doc_terms) + 1, dtype=np.int64)
    np.cumsum([len(counts) for counts in doc_terms], out=indptr[1:])
    unsorted = list(column)
    order = sorted(range(len(unsorted)), key=unsorted.__getitem__)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    matrix = sp.csr_matrix(
        (data, rank[cols].astype(np.int32), indptr), shape=(len(doc_terms), len(order))
    )
    matrix.sort_indices()
    return matrix, [unsorted[i] for i in order]


def doc_entity_matrix(
    doc_rows: np.ndarray, entity_ids: np.ndarray, weights: np.ndarray, n_docs: int, ids: IdMap
) -> sp.csr_matrix:
    """Documents x entities mention weights (the largest weight where a pair repeats).

    Entities unknown to `ids` are dropped.
    """
    cols = ids.index_of(np.asarray(entity_ids, dtype=np.int64))
    rows = np.asarray(doc_rows, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float32)
    known = cols >= 0
    rows, cols, weights = rows[known], cols[known], weights[known]
    order = np.lexsort((-weights, cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = np.ones(rows.size, dtype=bool)  # also right for no mentions at all
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return sp.csr_matrix(
        (weights[first], (rows[first], cols[first])), shape=(n_docs, len(ids)), dtype=np.float32
    )


def co_mentions(doc_entity: sp.spmatrix) -> sp.csr_matrix:
    """Entities x entities: how many documents name both (diagonal zero, symmetric)."""
    named = sp.csr_matrix(doc_entity, dtype=np.float32)
    named.data[:] = 1.0
    both = sp.csr_matrix(named.T @ named)
    both.setdiag(0)
    both.eliminate_zeros()
    both.sort_indices()
    return both


def normalize_rows(matrix: sp.spmatrix) -> sp.csr_matrix:
    """Each row divided by its L2 norm (zero rows stay zero)."""
    m = sp.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    out = sp.csr_matrix(sp.diags(scale.astype(np.float32)) @ m, dtype=np.float32)
    out.sort_indices()
    return out


def cosine(a: sp.spmatrix, b: sp.spmatrix) -> np.ndarray:
    """Dense (rows of a) x (rows of b) cosine similarities; 0 where either row is empty."""
    product = normalize_rows(a) @ normalize_rows(b).T
    return np.asarray(product.toarray(), dtype=np.float32)
