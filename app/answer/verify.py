"""`verify(answer)`: the in-code proof that an answer only quotes its sources."""
from __future__ import annotations

import re
from typing import Callable

from app.types import Answer, Citation, Segment, render
from index.citations import make_citation_id

MARKER = re.compile(r"\[(\d+)\]")
ABSTAIN_TEXT = "The documents do not answer this question."


class VerificationError(AssertionError):
    """An answer that is not fully grounded in its citations."""


def segments(answer_text: str) -> list[tuple[str, int | None]]:
    """Split a plain answer text at its [n] markers (for answers that carry no explicit segments)."""
    out: list[tuple[str, int | None]] = []
    pos = 0
    for m in MARKER.finditer(answer_text):
        out.append((answer_text[pos:m.start()], int(m.group(1))))
        pos = m.end()
    out.append((answer_text[pos:], None))
    return out


def verify(answer: Answer, doc_text: Callable[[str], str]) -> None:
    """Raise VerificationError unless every character outside markers is verbatim cited text.

    Checks: the answer text is exactly its segments, each followed by its marker [n]; each segment
    is non-empty and a substring of citation n's text; every citation is used; each citation's text
    equals its document's canonical text[start:end] and its id is the content-addressed id of that
    span; abstentions cite nothing.
    """
    if answer.abstained:
        if answer.citations or answer.segments:
            raise VerificationError("an abstention must not cite sources")
        return
    if not answer.citations or not answer.segments:
        raise VerificationError("an answer without citations")
    check_citations(answer, doc_text)
    if answer.answer != render(answer.segments):
        raise VerificationError("the answer text is not exactly its cited segments and markers")
    used = set()
    for seg in answer.segments:
        n = seg.citation
        if not 1 <= n <= len(answer.citations):
            raise VerificationError(f"marker [{n}] names no citation")
        if not seg.text.strip():
            raise VerificationError(f"marker [{n}] follows no text")
        if seg.parts:
            _check_parts(seg, answer.citations[n - 1], doc_text)
        elif seg.text not in answer.citations[n - 1].text:
            raise VerificationError(f"text before [{n}] is not inside its cited span: {seg.text[:60]!r}")
        used.add(n)
    if used != set(range(1, len(answer.citations) + 1)):
        raise VerificationError("every citation must be used by a marker")


def _check_parts(seg: Segment, c: Citation, doc_text: Callable[[str], str]) -> None:
    """A table-cell segment: each part (row label, column label pieces, cell) is a span inside the citation,
    and the segment's text is exactly those spans put together by `cell_text`."""
    from app.answer.cells import cell_text

    text = doc_text(c.doc_id)
    for a, b in seg.parts:
        if not (c.start <= a < b <= c.end):
            raise VerificationError(f"a part of the text before [{seg.citation}] lies outside its cited span")
    if seg.text != cell_text([text[a:b] for a, b in seg.parts]):
        raise VerificationError(f"the table answer before [{seg.citation}] is not its cited row, column and cell")


def check_citations(answer: Answer, doc_text: Callable[[str], str]) -> None:
    """Raise VerificationError unless citations run 1..n and each is its document's text[start:end] under
    the content-addressed id of that span (shared by the extractive and the LLM answer checks)."""
    for i, c in enumerate(answer.citations, start=1):
        if c.number != i:
            raise VerificationError(f"citation numbers must run 1..n, got {c.number} at {i}")
        text = doc_text(c.doc_id)
        if text[c.start:c.end] != c.text:
            raise VerificationError(f"citation [{i}] text differs from {c.doc}[{c.start}:{c.end}]")
        if c.citation != make_citation_id(c.doc_id, c.start, c.end):
            raise VerificationError(f"citation [{i}] id {c.citation} does not match its span")
