"""Cut a document into overlapping passages of whole sentences, each an exact span of its text."""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields
from typing import Any

from corpus.sentences import sentence_spans
from corpus.structure import Sections
from corpus.types import Document, Passage

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# A passage already this full (share of max_chars) ends at a paragraph break rather than crossing it.
_PARAGRAPH_FILL = 0.4
# A tiny last piece may stretch the previous passage up to this multiple of max_chars.
_MERGE_SLACK = 1.25


@dataclass(frozen=True)
class ChunkParams:
    """How documents are cut into passages; stored with an index so it can be rebuilt identically."""

    max_chars: int = 900
    """Target upper bound on passage length in characters (only tail merging may exceed it, by ≤25%)."""
    overlap_sentences: int = 1
    """Sentences repeated from the end of one passage at the start of the next (none across paragraphs)."""
    min_chars: int = 80
    """Passages shorter than this are merged into the previous passage when that stays within slack."""

    def __post_init__(self) -> None:
        if self.max_chars < 1:
            raise ValueError(f"max_chars must be at least 1, got {self.max_chars}")
        if self.overlap_sentences < 0:
            raise ValueError(f"overlap_sentences must be 0 or more, got {self.overlap_sentences}")
        if self.min_chars < 0:
            raise ValueError(f"min_chars must be 0 or more, got {self.min_chars}")

    def to_json(self) -> str:
        """Serialise to a JSON object string (stable key order)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, data: str | dict[str, Any]) -> ChunkParams:
        """Rebuild from `to_json()` output (or its parsed dict); unknown keys are an error."""
        obj = json.loads(data) if isinstance(data, str) else dict(data)
        known = {f.name for f in fields(cls)}
        unknown = set(obj) - known
        if unknown:
            raise ValueError(f"unknown ChunkParams fields: {', '.join(sorted(unknown))}")
        return cls(**{k: int(v) for k, v in obj.items()})


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split an over-long span at whitespace into pieces of at most max_chars (hard cut if none)."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        limit = start + max_chars
        # The piece may end right before the whitespace at `limit`, hence limit + 1.
        cut = max(text.rfind(" ", start + 1, limit + 1), text.rfind("\n", start + 1, limit + 1))
        if cut <= start:
            cut = limit  # no whitespace at all (a URL, a base64 blob): cut mid-token
            next_start = cut
        else:
            next_start = cut
            while cut > start and text[cut - 1].isspace():
                cut -= 1
            while next_start < end and text[next_start].isspace():
                next_start += 1
        pieces.append((start, cut))
        start = next_start
    if start < end:
        pieces.append((start, end))
    return pieces


def _units(doc: Document, max_chars: int) -> list[tuple[int, int, bool]]:
    """Sentence-sized units (start, end, paragraph break before it), none longer than max_chars."""
    text = doc.text
    # Loaders separate PDF pages with a blank line; that is layout, not a paragraph end, and
    # sentences routinely run on across it.
    page_starts = frozenset(doc.page_starts)
    units: list[tuple[int, int, bool]] = []
    prev_end = 0
    for s, e in sentence_spans(text):
        para = (
            bool(units)
            and s not in page_starts
            and _PARAGRAPH_BREAK.search(text, prev_end, s) is not None
        )
        for i, (ps, pe) in enumerate(_split_long(text, s, e, max_chars)):
            units.append((ps, pe, para and i == 0))
        prev_end = e
    return units


def _pack(units: list[tuple[int, int, bool]], params: ChunkParams) -> list[tuple[int, int]]:
    """Greedy packing of units into (start, end) spans with sentence overlap."""
    max_chars = params.max_chars
    spans: list[tuple[int, int]] = []
    current: list[int] = []  # indexes into units
    for i, (s, e, para_before) in enumerate(units):
        if not current:
            current = [i]
            continue
        first_start = units[current[0]][0]
        filled = units[current[-1]][1] - first_start
        if para_before and filled >= _PARAGRAPH_FILL * max_chars:
            spans.append((first_start, units[current[-1]][1]))
            # No overlap here: repeating the last sentence would drag the passage across the break.
            current = [i]
        elif e - first_start > max_chars:
            spans.append((first_start, units[current[-1]][1]))
            keep = current[-params.overlap_sentences :] if params.overlap_sentences else []
            # Overlap is dropped sentence by sentence until the new unit fits after it.
            while keep and e - units[keep[0]][0] > max_chars:
                keep = keep[1:]
            # Never let a passage begin inside the previous paragraph's overlap after a break.
            if para_before:
                keep = []
            current = keep + [i]
        else:
            current.append(i)
    if current:
        spans.append((units[current[0]][0], units[current[-1]][1]))
    return spans


def _merge_small(spans: list[tuple[int, int]], params: ChunkParams) -> list[tuple[int, int]]:
    """Fold passages shorter than min_chars into the one before when it stays within the slack."""
    limit = _MERGE_SLACK * params.max_chars
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and e - s < params.min_chars and e - merged[-1][0] <= limit:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def chunk_document(doc: Document, params: ChunkParams = ChunkParams()) -> list[Passage]:
    """Passages of whole sentences (≤ max_chars, paragraph-aware, overlapping) covering `doc.text`."""
    text = doc.text
    spans = _merge_small(_pack(_units(doc, params.max_chars), params), params)
    sections = Sections(text)
    return [
        Passage(doc_id=doc.doc_id, start=s, end=e, text=text[s:e], pages=doc.page_range(s, e),
                section=sections.of_span(s, e))
        for s, e in spans
    ]
