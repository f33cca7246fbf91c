"""BM25 lexical index over passages (bm25s, English stop words, Snowball stemming)."""
from __future__ import annotations

import logging
import math
from collections import Counter
from pathlib import Path
from typing import Sequence

import numpy as np

from index.tokens import tokenize

_DIR = "bm25"
# Hyper-parameters chosen on the dev sets (see README, "Retrieval"): BM25+ style lower bound.
K1 = 1.2
B = 0.75
METHOD = "lucene"


class LexicalIndex:
    """BM25 scores for passage row ids 0..N-1."""

    def __init__(self, retriever: object | None, n: int) -> None:
        self._bm25 = retriever
        self._n = n

    @classmethod
    def build(cls, texts: Sequence[str]) -> "LexicalIndex":
        """Index passage texts (row i ↔ texts[i])."""
        import bm25s

        if not texts:
            return cls(None, 0)
        tokens = tokenize(texts)
        bm25 = bm25s.BM25(k1=K1, b=B, method=METHOD)
        bm25.index(tokens, show_progress=False)
        return cls(bm25, len(texts))

    @classmethod
    def load(cls, directory: Path, n: int, name: str = _DIR) -> "LexicalIndex":
        """Read an index saved by `save` (memory-mapped arrays)."""
        import bm25s

        path = directory / name
        if n == 0 or not path.exists():
            return cls(None, 0)
        logging.getLogger("bm25s").setLevel(logging.ERROR)
        return cls(bm25s.BM25.load(str(path), mmap=True, show_progress=False), n)

    def save(self, directory: Path, name: str = _DIR) -> None:
        """Write the index under directory/name."""
        if self._bm25 is not None:
            self._bm25.save(str(directory / name), show_progress=False)

    def __len__(self) -> int:
        return self._n

    def search(self, query: str, k: int, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, row ids) for a query, among the ids `within` when given; empty when no query
        term is in the vocabulary."""
        empty = (np.zeros(0, np.float32), np.zeros(0, np.int64))
        if self._bm25 is None:
            return empty
        vocab = self._bm25.vocab_dict
        q = [t for t in tokenize([query])[0] if t in vocab]
        if not q:
            return empty
        scores = self._bm25.get_scores(q)
        # Rank only the rows that match a term (a million-row argpartition costs ~20 ms).
        if within is not None:
            hit = within[scores[within] > 0]
        else:
            hit = np.flatnonzero(scores > 0)
        if not len(hit):
            return empty
        k = min(k, len(hit))
        sub = scores[hit]
        top = np.argpartition(-sub, k - 1)[:k]
        top = top[np.lexsort((hit[top], -sub[top]))]  # best first, ties by row id
        return sub[top].astype(np.float32), hit[top].astype(np.int64)


def doc_freqs(index: LexicalIndex, tokens: Sequence[str]) -> dict[str, int]:
    """How many passages contain each (already tokenized) term; 0 for unknown terms."""
    bm = index._bm25
    if bm is None:
        return {t: 0 for t in tokens}
    vocab = bm.vocab_dict
    # A term's BM25 score is positive exactly in the passages that contain it.
    return {t: int(np.count_nonzero(bm.get_scores([t]))) if t in vocab else 0 for t in tokens}


def rows_using(index: LexicalIndex, text: str) -> np.ndarray:
    """Row ids whose text holds every (tokenized) term of `text`; empty when a term is unknown."""
    bm = index._bm25
    terms = tokenize([text])[0] if bm is not None else []
    if not terms or any(t not in bm.vocab_dict for t in terms):
        return np.zeros(0, np.int64)
    mask = np.ones(len(index), bool)
    for t in terms:
        mask &= bm.get_scores([t]) > 0
    return np.flatnonzero(mask)


def bm25_score(query: list[str], doc: list[str], df: dict[str, int], n: int, avgdl: float) -> float:
    """BM25 (Lucene variant, K1/B of index/store/lexical.py) of a tokenized text, computed with the same
    float32/float64 steps as bm25s so equal inputs give equal scores and ties break the same way."""
    tf = Counter(doc)
    dl = len(doc)
    total = np.float32(0.0)
    for t in query:  # bm25s sums every query token, repeats included, in query order
        f = tf.get(t, 0)
        d = df.get(t, 0)
        if not f or not d:
            continue
        idf = np.float32(math.log(1 + (n - d + 0.5) / (d + 0.5)))
        denom = K1 * ((1 - B) + B * dl / np.float64(avgdl))
        total = np.float32(total + np.float32(np.float64(idf) * (np.float64(f) / (denom + np.float64(f)))))
    return float(total)
