"""An embedder that loads its model on first use, so commands that embed nothing never load it."""
from __future__ import annotations

import threading
from typing import Callable, Sequence

import numpy as np

from index.embed import Embedder


class LazyEmbedder:
    """Knows its model's name up front; loads the model the first time `dim` or `encode` is used."""

    def __init__(self, name: str, load: Callable[[], Embedder]) -> None:
        self.name = name
        self._load = load
        self._model: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> Embedder:
        """The real embedder (loading it now if needed)."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
                self.name = self._model.name
            return self._model

    @property
    def dim(self) -> int:  # type: ignore[override]
        """Vector dimension (loads the model)."""
        return self.loaded.dim

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed passages (loads the model)."""
        return self.loaded.encode(texts, batch_size=batch_size)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query (loads the model)."""
        return self.loaded.encode_query(text)


_PACKAGED = {"default", "minilm", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def canonical_model_name(model: str) -> str:
    """The name an embedder for `model` will report (what the manifest records), without loading it."""
    import re

    from index.embed import DEFAULT_MODEL

    m = re.fullmatch(r"fake(?:-(\d+))?", model)
    if m:
        return f"fake-{m.group(1) or 64}"
    return DEFAULT_MODEL if model.lower() in _PACKAGED else model
