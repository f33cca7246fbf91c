"""A deterministic hashed bag-of-words embedder for exact, model-free tests."""
from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np

__all__ = ["FakeEmbedder"]

_TOKEN = re.compile(r"\w+")


class FakeEmbedder:
    """Deterministic hashed bag-of-words embedder: exact, fast retrieval tests without a model.

    Each lower-cased token adds ±1 to one of `dim` buckets chosen by its hash, so texts sharing
    words have high cosine similarity and results never depend on a network or on floating noise.
    """

    def __init__(self, dim: int = 64) -> None:
        self.name = f"fake-{dim}"
        self.dim = dim

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for tok in _TOKEN.findall(text.lower()):
            h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        n = float(np.linalg.norm(v))
        if n == 0.0:
            v[0] = 1.0
            return v
        return v / n

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed passages (see class docstring)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vec(t) for t in texts])

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query."""
        return self._vec(text)
