"""What each part of an index reads: the text embedded for a unit, the text passage BM25 indexes, and the
text sentence BM25 indexes. One place, so the embedded folder and the Milvus store index the same text."""
from __future__ import annotations

from corpus.structure import Sections, row_context

__all__ = ["embed_text", "lexical_text", "unit_text"]


def embed_text(title: str, text: str, with_title: bool) -> str:
    """The text the embedder sees for a unit (optionally prefixed by its document title)."""
    return f"{title}\n{text}" if with_title and title and not text.startswith(title) else text


def lexical_text(title: str, text: str, section: str = "") -> str:
    """What passage-level BM25 indexes: the document title, the passage's section path, then the passage
    (title measured: +1.7 points hit@5 on covid-qa-dev, where questions name the paper's subject rather
    than the passage's words; the section path names what a table or paragraph is about)."""
    head = "\n".join(x for x in (title, section) if x)
    return f"{head}\n{text}" if head else text


def unit_text(sections: Sections | None, start: int, text: str) -> str:
    """A unit as embedded and as sentence BM25 reads it: a table row is preceded by what it is about
    (its caption and row group, `row_context`; `sections` None: an index built without row contexts);
    other units are their own text."""
    ctx = row_context(sections, start, text) if sections is not None else ""
    return f"{ctx}\n{text}" if ctx else text
