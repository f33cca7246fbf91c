"""Plain text files."""
from __future__ import annotations

from pathlib import Path

from corpus.loaders.decode import decode_text
from corpus.loaders.titles import title_from_lines
from corpus.loaders.types import Loaded
from corpus.normalize import normalize_text

__all__ = ["load_txt"]


def load_txt(raw: bytes, path: Path, shown: str) -> Loaded:
    """Plain text: decode and normalise; title from the first short line."""
    text = normalize_text(decode_text(raw, shown))
    return text, title_from_lines(text), ()
