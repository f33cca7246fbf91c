"""The vector-store interface. FAISS (index/store/local/faiss.py) is the embedded default; a distributed engine
plugs in by implementing the same four members and registering a loader in `open_vector_store`."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np


class VectorStore(Protocol):
    """Nearest-neighbour search over unit vectors whose ids are passage row ids 0..N-1."""

    dim: int

    def __len__(self) -> int:
        """Number of vectors held."""
        ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product top-k for each query row: (scores, ids), ids -1 where fewer than k exist."""
        ...

    def save(self, directory: Path) -> None:
        """Write the store's files into `directory` (which the caller renames into place atomically)."""
        ...

    def describe(self) -> str:
        """One line naming the index type and its parameters, for the manifest and `groundqa check`."""
        ...


def open_vector_store(directory: Path, backend: str, vectors: np.ndarray) -> VectorStore:
    """Load the vector store of an index generation; `vectors` are the exact float vectors (memory-mapped)."""
    if backend == "faiss":
        from index.store.local.faiss import FaissStore

        return FaissStore.load(directory, vectors)
    raise ValueError(f"unknown vector store backend {backend!r} in manifest — rebuild with `groundqa index --rebuild`")
