"""Document titles: the first short line of a text, or the file name."""
from __future__ import annotations

import re
from pathlib import Path

__all__ = ["TITLE_MAX_CHARS", "stem_title", "title_from_lines"]

TITLE_MAX_CHARS = 120
"""A candidate title at least this long is not a title."""

_DATE_LINE = re.compile(
    r"\W*(?:\d{1,2}\s+[A-Za-z]+\.?,?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})\W*"
)


def title_from_lines(text: str) -> str | None:
    """First non-empty line if short, skipping bare date lines ("8 May 2025") and letterless lines."""
    # A title sits near the top; don't split a 100 MB text into lines to find it.
    for line in text[:20_000].split("\n"):
        line = line.strip()
        if not line:
            continue
        # Reports often open with a date; it is a poor title, so look at the next line.
        if _DATE_LINE.fullmatch(line) or not any(ch.isalpha() for ch in line):
            continue
        return line if len(line) < TITLE_MAX_CHARS else None
    return None


def stem_title(path: Path) -> str:
    """Fallback title: the file stem with _ and - read as spaces."""
    return " ".join(re.split(r"[_\-\s]+", path.stem)).strip() or path.name
