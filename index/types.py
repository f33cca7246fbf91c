"""Typed records of the index layer: a ranked, cited excerpt."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, kw_only=True)
class Span:
    """One span of one document — the unit the citation chain is built on: `text == canonical text[start:end]`.

    `doc` is the document's path as indexed (what users see), `doc_id` its content hash; `pages` the first and
    last page of the span (None for formats without pages). Excerpt, Citation, QuoteMatch and Resolution are
    spans with what their stage adds (a score, a marker number, a match kind, context)."""

    doc: str
    doc_id: str
    title: str
    pages: tuple[int, int] | None
    start: int
    end: int
    text: str
    section: str = ""
    """Heading path the span sits under ("Item 7 › Results of Operations"); '' before any heading."""
    ocr: bool = False
    """True when the text was read from a scanned page by OCR (check it against the page)."""

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict: every field, pages as a list or null, a table row view as its JSON form."""
        d = asdict(self)
        d["pages"] = list(self.pages) if self.pages else None
        if "table" in d:
            table = getattr(self, "table")
            d["table"] = table.to_json() if table is not None else None
        return d


@dataclass(frozen=True, kw_only=True)
class Excerpt(Span):
    """A retrieved span of a document, with its stable citation id and retrieval score."""

    citation: str
    score: float
