"""Citation ids: content-addressed, so they survive re-chunking and rebuilds.

Format: `<doc>-<start>-<end>`, e.g. `3f9a1c2b7e41-1204-1388`, where `<doc>` is the first 12 hex
digits of the SHA-256 of the document's canonical text and `<start>`/`<end>` are character offsets
into that text. The id depends only on the document's text and the cited span — never on a row
number, chunk counter or chunk size — so the same text always gets the same id, and resolving one
needs only the stored document texts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

DOC_PREFIX = 12
MAX_OFFSET = 10**9
_ID = re.compile(r"([0-9a-f]{12})-([0-9]{1,10})-([0-9]{1,10})", re.ASCII)  # [0-9]: \d also takes ٣


class CitationError(ValueError):
    """A citation id that is malformed or points at nothing in the index."""


@dataclass(frozen=True)
class CitationId:
    """A parsed citation id."""

    doc_prefix: str
    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.doc_prefix}-{self.start}-{self.end}"


def make_citation_id(doc_id: str, start: int, end: int) -> str:
    """The citation id of span [start, end) of the document with content hash `doc_id`."""
    return str(CitationId(doc_id[:DOC_PREFIX], start, end))


def parse_citation_id(text: str) -> CitationId:
    """Parse an id strictly; anything else (paths, '..', huge offsets) raises CitationError."""
    s = text.strip().strip("[]")
    m = _ID.fullmatch(s)
    if not m:
        shown = s if len(s) <= 60 else s[:57] + "..."
        raise CitationError(f"{shown!r} is not a citation id — ids look like 3f9a1c2b7e41-1204-1388 "
                            "(12 hex digits, start offset, end offset)")
    start, end = int(m.group(2)), int(m.group(3))
    if start >= end or end > MAX_OFFSET:
        raise CitationError(f"citation id {s!r} has an empty or impossible span {start}-{end} — "
                            "copy the id again from the answer")
    return CitationId(m.group(1), start, end)
