"""Plain text files."""
from __future__ import annotations

from pathlib import Path

from corpus.loaders.decode import decode_text
from corpus.loaders.titles import document_title
from corpus.loaders.types import Loaded
from corpus.normalize import normalize_text

__all__ = ["load_txt"]


def load_txt(raw: bytes, path: Path, shown: str) -> Loaded:
    """Plain text: decode and normalise; title from an SEC cover page or the first short line."""
    text = normalize_text(decode_text(raw, shown))
    return text, document_title(None, text, path), ()
