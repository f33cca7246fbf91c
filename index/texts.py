"""What each part of an index reads: the text embedded for a unit, the text passage BM25 indexes, and the
text sentence BM25 indexes. One place, so the embedded folder and the Milvus store index the same text.

A table row alone ("Purchases of property, plant and equipment | (1,577) | (1,373)") says neither which
statement it belongs to nor which years its figures are for, so a row is embedded and read by sentence BM25
with its context. What that context holds is versioned (`ROW_CONTEXT`), because an index's vectors were
embedded with one version and are reused only under the same text:
- 0: nothing (the row alone);
- 1: its section path's last two headings — the table's caption and row group;
- 2: also the table's page head — its column header lines ("(Millions) 2018 2017 2016", "Three Months Ended
  June 30, 2023 2022") and the unit line printed above it ("(In thousands, except per share data)").
"""
from __future__ import annotations

import re
from typing import Sequence

from corpus.sentences import sentence_spans
from corpus.structure import Sections, row_context
from corpus.tables import CELL_SEP, is_header_row, row_of, table_at
from corpus.types import Passage

__all__ = ["ROW_CONTEXT", "RowContexts", "embed_text", "lexical_text", "row_contexts", "unit_text", "units_of"]

ROW_CONTEXT = 2
"""The row-context version new indexes are built with (see the module docstring)."""
_HEAD_CHARS = 240  # a page head longer than this is cut (a 12-column header would crowd out the row itself)
_UNIT_LINE = re.compile(r"\(?[^|\n]{0,40}\b(?:in\s+)?(?:thousands|millions|billions)\b[^|\n]{0,60}\)?", re.I)


def embed_text(title: str, text: str, with_title: bool) -> str:
    """The text the embedder sees for a unit (optionally prefixed by its document title)."""
    return f"{title}\n{text}" if with_title and title and not text.startswith(title) else text


def lexical_text(title: str, text: str, section: str = "") -> str:
    """What passage-level BM25 indexes: the document title, the passage's section path, then the passage
    (title measured: +1.7 points hit@5 on covid-qa-dev, where questions name the paper's subject rather
    than the passage's words; the section path names what a table or paragraph is about)."""
    head = "\n".join(x for x in (title, section) if x)
    return f"{head}\n{text}" if head else text


class RowContexts:
    """The context of every table row of one document, for one row-context version (module docstring)."""

    def __init__(self, text: str, version: int) -> None:
        self.text = text
        self.version = version
        self.sections = Sections(text)
        self._head: tuple[int, int, str] | None = None  # (table start, table end, head) of the last table read

    def at(self, start: int, unit: str) -> str:
        """The context a unit starting at `start` is read with ('' for a unit that is no table row)."""
        if CELL_SEP not in unit or self.version <= 0:
            return ""
        ctx = row_context(self.sections, start, unit)
        if self.version >= 2:
            head = self._page_head(start)
            ctx = "\n".join(x for x in (ctx, head) if x)
        return ctx

    def _page_head(self, start: int) -> str:
        """The header lines and unit line of the table holding the row at `start` (read once per table: rows
        come in text order, and every row down to the table's end shares its header)."""
        if self._head is not None and self._head[0] <= start <= self._head[1]:
            return self._head[2]
        line_end = self.text.find("\n", start)
        row = row_of(self.text, start, len(self.text) if line_end < 0 else line_end)
        if row is None or is_header_row(row):
            return ""  # a header row is the head itself
        table = table_at(self.text, start)
        if table is None:
            return ""
        parts = [" ".join(h.text.replace(CELL_SEP, " ").split()) for h in table.header]
        if not any(_UNIT_LINE.search(p) for p in parts):
            unit = _unit_above(self.text, table.header[0].start if table.header else table.start)
            if unit:
                parts.insert(0, unit)
        head = " ".join(p for p in parts if p)[:_HEAD_CHARS]
        self._head = (start, table.end, head)
        return head


def _unit_above(text: str, top: int) -> str:
    """A unit line ("(In millions, except per share data)") among the three lines above a table's top."""
    pos = top
    for _ in range(3):
        if pos <= 0:
            return ""
        a = text.rfind("\n", 0, pos - 1) + 1
        line = text[a:pos - 1].strip()
        pos = a
        if CELL_SEP in line or len(line) > 160:
            return ""
        m = _UNIT_LINE.search(line)
        if m:
            return " ".join(m.group(0).split())
    return ""


def row_contexts(text: str, version: int) -> RowContexts | None:
    """Row contexts of a document for a version (None for version 0: rows are read alone)."""
    return RowContexts(text, version) if version > 0 else None


def unit_text(ctx: RowContexts | Sections | None, start: int, text: str) -> str:
    """A unit as embedded and as sentence BM25 reads it: a table row is preceded by its context (see the
    module docstring; `ctx` None: an index built without row contexts; a bare `Sections`: version 1);
    other units are their own text."""
    if ctx is None:
        return text
    c = ctx.at(start, text) if isinstance(ctx, RowContexts) else row_context(ctx, start, text)
    return f"{c}\n{text}" if c else text


def units_of(passages: Sequence[Passage], first_row: int) -> list[tuple[int, str, int, int, str]]:
    """Sentence units (passage row, doc id, start, end, text) of passages, each document span once.

    Sentences are the units that are embedded: a passage's dense score is its best sentence's,
    and the answerer reads the same vectors to score sentences.
    """
    seen: set[tuple[int, int]] = set()
    out = []
    for row, p in zip(range(first_row, first_row + len(passages)), passages):
        spans = sentence_spans(p.text)
        for a, b in spans:
            span = (p.start + a, p.start + b)
            if span not in seen:
                seen.add(span)
                out.append((row, p.doc_id, span[0], span[1], p.text[a:b]))
        # A passage with no sentence: embed it whole. (Any span of its own lies inside it, so the
        # scan over all seen spans — quadratic on big documents — is only needed when it has none.)
        if not spans and not any(s >= p.start and e <= p.end for s, e in seen):
            seen.add((p.start, p.end))
            out.append((row, p.doc_id, p.start, p.end, p.text))
    return out
