"""Typed records of the index layer: a ranked, cited excerpt."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Excerpt:
    """A retrieved span of a document, with its stable citation id and retrieval score.

    `doc` is the document's path as indexed (what users see), `doc_id` its content hash.
    `text == document canonical text[start:end]` always holds.
    """

    citation: str
    doc: str
    doc_id: str
    title: str
    pages: tuple[int, int] | None
    start: int
    end: int
    text: str
    score: float
    section: str = ""
    """Heading path of the passage ("Item 7 › Results of Operations"); '' before any heading."""
    ocr: bool = False
    """True when the passage's text was read from a scanned page by OCR (check it against the page)."""

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict (pages as a list or null)."""
        d = asdict(self)
        d["pages"] = list(self.pages) if self.pages else None
        return d
