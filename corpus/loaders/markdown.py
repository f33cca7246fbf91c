"""Markdown files, kept as written."""
from __future__ import annotations

import re
from pathlib import Path

from corpus.loaders.decode import decode_text
from corpus.loaders.titles import title_from_lines
from corpus.loaders.types import Loaded
from corpus.normalize import normalize_text

__all__ = ["load_md"]

_MD_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def load_md(raw: bytes, path: Path, shown: str) -> Loaded:
    """Markdown kept as written (it reads fine as text); title from the first `# ` heading."""
    text = normalize_text(decode_text(raw, shown))
    m = _MD_HEADING.search(text)
    return text, (m.group(1).strip() if m else title_from_lines(text)), ()
