"""FAISS vector store: exact search for small corpora, IVF-SQ8 with exact re-scoring for large ones.

Index type rule (also in README):
- fewer than EXACT_LIMIT (50,000) vectors: IndexFlatIP — exact, ~2 ms per query at 10k on one core;
- EXACT_LIMIT or more: IndexIVFScalarQuantizer (8-bit scalar quantised vectors, 384 B each) with
  nlist = 4·√n (clamped to 256..16,384) and nprobe = NPROBE, trained on a sample; the top
  RESCORE_FACTOR·k candidates are re-scored exactly against the float vectors memory-mapped from
  disk, so ranking quality matches exact search while RAM holds only the 8-bit codes.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

EXACT_LIMIT = 50_000
NPROBE = 24
RESCORE_FACTOR = 8
_FILE = "faiss.index"


def _faiss():  # imported lazily: keeps `groundqa cite` and friends fast to start
    import faiss

    # One OpenMP thread: on 2 cores single queries are up to 10x slower with the default pool.
    faiss.omp_set_num_threads(1)
    return faiss


def nlist_for(n: int) -> int:
    """Number of IVF cells for n vectors (the rule in the module docstring)."""
    return int(min(16_384, max(256, round(4 * math.sqrt(n)))))


class FaissStore:
    """A FAISS index over passage vectors; ids are row numbers into the float vector matrix."""

    def __init__(self, index: object, vectors: np.ndarray) -> None:
        self._index = index
        self._vectors = vectors
        self.dim = int(vectors.shape[1]) if vectors.ndim == 2 else 0
        self.exact = not hasattr(index, "nprobe")

    @classmethod
    def build(cls, vectors: np.ndarray, exact_limit: int = EXACT_LIMIT, seed: int = 0) -> "FaissStore":
        """Build the index type the rule picks for len(vectors)."""
        faiss = _faiss()
        n, dim = vectors.shape
        if n < exact_limit:
            index = faiss.IndexFlatIP(dim)
            if n:
                index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            return cls(index, vectors)
        nlist = nlist_for(n)
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(n, size=min(n, max(50 * nlist, 100_000)), replace=False))
        faiss.omp_set_num_threads(2)  # training and adding are batch work: use both cores
        index.train(np.ascontiguousarray(vectors[sample], dtype=np.float32))
        for lo in range(0, n, 65_536):
            index.add(np.ascontiguousarray(vectors[lo:lo + 65_536], dtype=np.float32))
        faiss.omp_set_num_threads(1)
        index.nprobe = NPROBE
        return cls(index, vectors)

    @classmethod
    def load(cls, directory: Path, vectors: np.ndarray) -> "FaissStore":
        """Read the index written by `save` (memory-mapped where FAISS allows)."""
        faiss = _faiss()
        index = faiss.read_index(str(directory / _FILE))
        if hasattr(index, "nprobe"):
            index.nprobe = NPROBE
        return cls(index, vectors)

    def save(self, directory: Path) -> None:
        """Write faiss.index into `directory`."""
        _faiss().write_index(self._index, str(directory / _FILE))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def describe(self) -> str:
        """Index type and parameters."""
        if self.exact:
            return f"IndexFlatIP(n={len(self)})"
        return f"IVF{self._index.nlist},SQ8(n={len(self)}, nprobe={self._index.nprobe}, rescore x{RESCORE_FACTOR})"

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k inner products; approximate candidates are re-scored exactly from the float vectors."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if len(self) == 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        k = min(k, len(self))
        if self.exact:
            return self._index.search(q, k)
        _, cand = self._index.search(q, min(len(self), k * RESCORE_FACTOR))
        scores = np.full((len(q), k), -np.inf, np.float32)
        ids = np.full((len(q), k), -1, np.int64)
        for i, row in enumerate(cand):
            row = row[row >= 0]
            exact = np.asarray(self._vectors[np.sort(row)], dtype=np.float32) @ q[i]
            order = np.argsort(-exact)[:k]
            ids[i, : len(order)] = np.sort(row)[order]
            scores[i, : len(order)] = exact[order]
        return scores, ids
