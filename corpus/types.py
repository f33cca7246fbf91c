"""Typed records of the corpus layer: a loaded document and the passages cut from it."""
from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from pathlib import Path


def content_hash(text: str) -> str:
    """Return the document id: the first 16 hex digits of the SHA-256 of its canonical text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks: the file hash an index stores and the web upload compares."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class Document:
    """One source document with its canonical text.

    `page_starts[i]` is the character offset in `text` where page i+1 begins; it is empty for
    formats without pages. `doc_id` is derived from `text`, so it changes exactly when the text does.
    """

    path: str
    title: str
    text: str
    page_starts: tuple[int, ...] = ()
    file_hash: str = ""
    doc_id: str = field(default="")
    ocr_pages: tuple[int, ...] = ()
    """1-based numbers of pages whose text was read by OCR (scanned pages); empty when none were."""

    def __post_init__(self) -> None:
        if not self.doc_id:
            object.__setattr__(self, "doc_id", content_hash(self.text))

    def page_of(self, offset: int) -> int | None:
        """Page number (1-based) holding character `offset`, or None for unpaged documents."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def page_range(self, start: int, end: int) -> tuple[int, int] | None:
        """First and last page touched by the span [start, end), or None for unpaged documents."""
        if not self.page_starts:
            return None
        return (self.page_of(start) or 1, self.page_of(max(start, end - 1)) or 1)


@dataclass(frozen=True)
class Passage:
    """A contiguous span of a document's canonical text: `text == doc.text[start:end]`."""

    doc_id: str
    start: int
    end: int
    text: str
    pages: tuple[int, int] | None = None
    section: str = ""
    """Heading path of the passage's start ("Item 7 › Results of Operations"); '' before any heading."""


def format_pages(pages: tuple[int, int] | None) -> str:
    """Human form of a page range: '' (unpaged), 'p. 3' or 'pp. 3–4'."""
    if pages is None:
        return ""
    a, b = pages
    return f"p. {a}" if a == b else f"pp. {a}–{b}"
