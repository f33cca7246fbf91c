"""FAISS vector store: exact search for small corpora; compressed IVF with exact re-scoring for large ones.

Index type rule (also in README), n = number of unit vectors (≈ 4 per passage):
- n < EXACT_LIMIT (50,000): IndexFlatIP — exact; ~2 ms per query at 10k on one core;
- EXACT_LIMIT ≤ n < PQ_LIMIT (1,000,000): IndexIVFScalarQuantizer, 8-bit codes (dim bytes per vector,
  384 B for MiniLM: ≤ 384 MB);
- n ≥ PQ_LIMIT: IndexIVFPQ with dim/8 sub-quantisers of 8 bits (48 B per vector for MiniLM: 4.2M
  vectors of a 1M-passage corpus take ~220 MB with their ids), so a loaded million-passage index keeps
  ~185 MB of private memory (pages of the memory-mapped index files come on top: bench/RESULTS.md).
Both IVF types use nlist = √n cells (clamped to 256..4,096), k-means trained on a sample of at most
TRAIN_PER_CELL·nlist vectors (so a 4M-vector build trains in about a minute on 2 cores), and probe
NPROBE (64) cells: measured on real-text embeddings, 32 cells missed the true neighbours of ~5% of
queries at 100k passages (recall@10 0.94), 64 cells reach 0.98 for ~1.5 ms more. The top
max(RESCORE_FACTOR·k, MIN_CANDIDATES) candidates (SQ8: max(2k, 256); PQ:
max(4k, 1024) — near-duplicate passages make PQ's coarse ranking ambiguous) are re-scored exactly
against the float vectors on disk, read with pread (so they are not mapped into the process and do
not count as its resident memory), and ranked by that exact score — results match exact search
whenever the true neighbours are among the candidates (recall@10 in bench/RESULTS.md).
IVF lists are memory-mapped on load (IO_FLAG_MMAP), so only the probed lists become resident.
"""
from __future__ import annotations

import math
import os
import threading
from pathlib import Path

import numpy as np

EXACT_LIMIT = 50_000
PQ_LIMIT = 1_000_000
NPROBE = 64
RESCORE_FACTOR = {"sq8": 2, "pq": 4}  # candidates per result re-scored exactly (PQ codes are coarser)
MIN_CANDIDATES = {"sq8": 256, "pq": 1024}
TRAIN_PER_CELL = 40
_FILE = "faiss.index"


def _faiss():  # imported lazily: keeps `groundqa cite` and friends fast to start
    import faiss

    # One OpenMP thread: on 2 cores single queries are up to 10x slower with the default pool.
    faiss.omp_set_num_threads(1)
    return faiss


def nlist_for(n: int) -> int:
    """Number of IVF cells for n vectors (the rule in the module docstring)."""
    return int(min(4_096, max(256, round(math.sqrt(n)))))


def kind_for(n: int, exact_limit: int = EXACT_LIMIT, pq_limit: int = PQ_LIMIT) -> str:
    """'flat', 'sq8' or 'pq': the index type the rule picks for n vectors."""
    if n < exact_limit:
        return "flat"
    return "sq8" if n < pq_limit else "pq"


def pq_subquantizers(dim: int) -> int:
    """Sub-quantisers for IVF-PQ: dim/8 (8 dimensions, one byte each), a divisor of dim."""
    m = max(1, dim // 8)
    while dim % m:
        m -= 1
    return m


class _RowReader:
    """Reads float rows of a memory-mapped matrix with pread, so the pages never count as the process's RSS."""

    def __init__(self, vectors: np.ndarray) -> None:
        self._vectors = vectors
        self._fd: int | None = None
        self._lock = threading.Lock()
        filename = getattr(vectors, "filename", None)
        self._path = filename if isinstance(vectors, np.memmap) and filename else None
        self._offset = int(getattr(vectors, "offset", 0) or 0)
        self._row = int(vectors.shape[1]) * 4 if vectors.ndim == 2 else 0

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Float32 rows for sorted unique ids."""
        if self._path is None or self._vectors.dtype != np.float32:
            return np.asarray(self._vectors[ids], dtype=np.float32)
        if self._fd is None:
            with self._lock:
                if self._fd is None:
                    self._fd = os.open(self._path, os.O_RDONLY)
        fd, size, base = self._fd, self._row, self._offset
        buf = b"".join(os.pread(fd, size, base + int(i) * size) for i in ids)
        return np.frombuffer(buf, dtype=np.float32).reshape(len(ids), -1)

    def __del__(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass


class FaissStore:
    """A FAISS index over unit vectors; ids are row numbers into the float vector matrix."""

    def __init__(self, index: object, vectors: np.ndarray) -> None:
        self._index = index
        self._vectors = vectors
        self._reader = _RowReader(vectors)
        self.dim = int(vectors.shape[1]) if vectors.ndim == 2 else 0
        self.exact = not hasattr(index, "nprobe")
        self.kind = "flat" if self.exact else ("pq" if hasattr(index, "pq") else "sq8")

    @classmethod
    def build(cls, vectors: np.ndarray, exact_limit: int = EXACT_LIMIT, seed: int = 0,
              pq_limit: int = PQ_LIMIT) -> "FaissStore":
        """Build the index type the rule picks for len(vectors)."""
        faiss = _faiss()
        n, dim = vectors.shape
        kind = kind_for(n, exact_limit, pq_limit)
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
            for lo in range(0, n, 65_536):
                index.add(np.ascontiguousarray(vectors[lo:lo + 65_536], dtype=np.float32))
            return cls(index, vectors)
        nlist = nlist_for(n)
        quantizer = faiss.IndexFlatIP(dim)
        if kind == "sq8":
            index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                                  faiss.METRIC_INNER_PRODUCT)
        else:
            index = faiss.IndexIVFPQ(quantizer, dim, nlist, pq_subquantizers(dim), 8, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = seed
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(n, size=min(n, TRAIN_PER_CELL * nlist), replace=False))
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # training and adding are batch work: use all cores
        try:
            index.train(np.ascontiguousarray(vectors[sample], dtype=np.float32))
            for lo in range(0, n, 65_536):
                index.add(np.ascontiguousarray(vectors[lo:lo + 65_536], dtype=np.float32))
        finally:
            faiss.omp_set_num_threads(1)
        index.nprobe = min(NPROBE, nlist)
        return cls(index, vectors)

    @classmethod
    def load(cls, directory: Path, vectors: np.ndarray) -> "FaissStore":
        """Read the index written by `save`; IVF lists are memory-mapped (only probed lists load)."""
        faiss = _faiss()
        path = str(directory / _FILE)
        try:
            index = faiss.read_index(path, faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        except RuntimeError:  # index types that cannot be mapped are read whole
            index = faiss.read_index(path)
        if hasattr(index, "nprobe"):
            index.nprobe = min(NPROBE, index.nlist)
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
        codes = f"PQ{self._index.pq.M}x{self._index.pq.nbits}" if self.kind == "pq" else "SQ8"
        return (f"IVF{self._index.nlist},{codes}(n={len(self)}, nprobe={self._index.nprobe}, "
                f"rescore max({RESCORE_FACTOR[self.kind]}k,{MIN_CANDIDATES[self.kind]}))")

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k inner products; approximate candidates are re-scored exactly from the float vectors."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if len(self) == 0 or k <= 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        k = min(k, len(self))
        if self.exact:
            return self._index.search(q, k)
        _, cand = self._index.search(q, min(len(self), max(k * RESCORE_FACTOR[self.kind], MIN_CANDIDATES[self.kind])))
        scores = np.full((len(q), k), -np.inf, np.float32)
        ids = np.full((len(q), k), -1, np.int64)
        for i, row in enumerate(cand):
            row = np.unique(row[row >= 0])
            if not len(row):
                continue
            exact = self._reader.rows(row) @ q[i]
            order = np.argsort(-exact, kind="stable")[:k]
            ids[i, : len(order)] = row[order]
            scores[i, : len(order)] = exact[order]
        return scores, ids
