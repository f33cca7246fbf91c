"""Document metadata questions ("Who wrote the report?", "When was it published?", "What is its title?")
answered from the document's front matter: the first lines of its canonical text, where a report names
its title, authors and date. The answer is the verbatim line, cited like any other (app.answer.verify
checks it), so nothing is claimed that the document does not say.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from app.answer.qtypes import BYLINE_ZONE, is_byline
from app.settings import Settings
from app.types import Answer, Citation, Segment, render
from index.citations import make_citation_id
from index.retriever import Retriever

FRONT_CHARS = BYLINE_ZONE
"""Front matter is looked for in the first characters of a document."""

_DOC = (r"(?:the |this |that )?(?:report|document|paper|article|study|brief|memo|book|publication|analysis|text)"
        r"(?: (?:on|about|of|titled|called) [^?]{1,100})?")
_KINDS: dict[str, re.Pattern[str]] = {
    "author": re.compile(
        rf"^(?:who (?:wrote|authored|prepared|published) {_DOC}|who (?:is|are|was|were) the authors?(?: of {_DOC})?"
        rf"|(?:what|which) (?:is|are) the (?:names? of the )?authors?(?: of {_DOC})?|who is {_DOC} by"
        rf"|(?:by whom|by who) was {_DOC} written|(?:name|list) the authors?(?: of {_DOC})?)\s*\??$", re.I),
    "date": re.compile(
        rf"^(?:when was {_DOC} (?:published|written|released|issued|dated|put out)"
        rf"|(?:what|which) (?:is|was) the (?:publication |release )?date of {_DOC}"
        rf"|(?:what|which) (?:date|year|month) was {_DOC} (?:published|written|released|issued)"
        rf"|when is {_DOC} dated|how (?:old|recent) is {_DOC})\s*\??$", re.I),
    "title": re.compile(rf"^(?:what is the (?:full )?title of {_DOC}|what is {_DOC} called|what is {_DOC} titled)\s*\??$",
                        re.I),
}
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE_LINE = re.compile(rf"(?:(?:Published|Dated|Date|Updated|Released)[:\s]+)?(?:\d{{1,2}} {_MONTH},? \d{{4}}"
                        rf"|{_MONTH} \d{{1,2}},? \d{{4}}|{_MONTH},? \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\.?", re.I)


def metadata_kind(question: str) -> str | None:
    """'author', 'date' or 'title' when the question asks for the document's own metadata, else None."""
    q = " ".join(question.split())
    return next((k for k, pat in _KINDS.items() if pat.match(q)), None)


@dataclass(frozen=True)
class FrontLine:
    """A line of front matter: what it holds and where it is in the document."""

    kind: str
    start: int
    end: int


def front_lines(text: str, title: str = "") -> list[FrontLine]:
    """The title, byline and date lines among the first FRONT_CHARS characters of a document."""
    out: list[FrontLine] = []
    pos = 0
    for raw in text[:FRONT_CHARS].split("\n"):
        start, pos = pos, pos + len(raw) + 1
        line = raw.strip()
        if start + len(raw) >= FRONT_CHARS and len(text) > FRONT_CHARS:
            break  # a line cut off at the zone's end is not a whole line
        if not line:
            continue
        a = start + len(raw) - len(raw.lstrip())
        b = a + len(line)
        if title and line == title.strip() and not any(f.kind == "title" for f in out):
            out.append(FrontLine("title", a, b))
        elif _DATE_LINE.fullmatch(line):
            out.append(FrontLine("date", a, b))
        elif is_byline(line, a) and line != title.strip():
            out.append(FrontLine("author", a, b))
    return out


def frontmatter_answer(question: str, retriever: Retriever, settings: Settings) -> Answer | None:
    """A cited answer to a metadata question from the front matter of the document it is about, or None.

    The document is the only one indexed, or the one whose passages rank first for the question.
    """
    kind = metadata_kind(question)
    if kind is None:
        return None
    con = retriever.index
    docs = con.list_documents()
    if not docs:
        return None
    if len(docs) == 1:
        doc_id = docs[0].doc_id
    else:
        hits = retriever.search(question, settings.retrieval)
        if not hits:
            return None
        doc_id = hits[0].doc_id
    stored = con.get_document(doc_id)
    if stored is None:
        return None
    doc = stored.doc
    line = next((f for f in front_lines(doc.text, doc.title) if f.kind == kind), None)
    if line is None:
        return None
    text = doc.text[line.start:line.end]
    cite = Citation(number=1, citation=make_citation_id(doc.doc_id, line.start, line.end), doc=doc.path,
                    doc_id=doc.doc_id, title=doc.title, pages=doc.page_range(line.start, line.end), start=line.start,
                    end=line.end, text=text)
    segs = [Segment(text, 1)]
    # The confidence is the correctness model's (app/answer/correctness.py), set when the answer is chosen.
    return Answer(question=question, answer=render(segs), abstained=False, confidence=0.0,
                  citations=[cite], segments=segs, short_answers=[(0, len(text))],
                  timings_ms={"frontmatter": 0.0})
