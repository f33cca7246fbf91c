"""Resolve a citation id back to its exact source text, pages and surrounding context."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from corpus.statements import Statement, find_statements, statement_at, statements_from_json
from corpus.tables import RowView, row_view
from index.store import tables as db
from index.citations import CitationError, make_citation_id, parse_citation_id
from index.types import Span

DEFAULT_CONTEXT = 300


@dataclass(frozen=True, kw_only=True)
class Resolution(Span):
    """A citation id resolved against the stored texts (JSON: `groundqa cite --json`, GET /api/cite/{id}).

    `status` is 'current' (the document is indexed as cited), 'changed' (the document was re-indexed
    with other text since; `relocated` holds the id of the same text in the new version, if found) or
    'removed' (the document is no longer indexed; the archived text is shown).
    """

    citation: str
    before: str
    after: str
    status: str = "current"
    note: str = ""
    relocated: list[str] = field(default_factory=list)
    table: RowView | None = None
    """When the cited span ends in a table row: that row with one label per column (its header)."""
    statement: dict | None = None
    """When the cited span lies in one of the document's financial statements (corpus/statements.py):
    {"kind": "cash_flow", "name": "Consolidated Statements of Cash Flows"}."""


def _snap_left(text: str, i: int) -> int:
    # Start context at a word boundary so it never opens mid-word.
    j = text.rfind(" ", 0, i)
    return i if i == 0 or j < 0 or i - j > 40 else j + 1


def _snap_right(text: str, i: int) -> int:
    j = text.find(" ", i)
    return i if i >= len(text) or j < 0 or j - i > 40 else j


class _Tables:
    """A bare SQLite connection seen as the two lookups resolving needs (callers that pass `con`)."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con

    def find_document_by_prefix(self, prefix: str) -> db.StoredDoc | None:
        return db.find_document_by_prefix(self._con, prefix)

    def get_document(self, doc_id: str) -> db.StoredDoc | None:
        return db.get_document(self._con, doc_id)

    def statements(self, doc_id: str) -> list[Statement]:
        stored = db.get_document(self._con, doc_id)
        return statements_from_json(db.get_statements(self._con, doc_id), stored.doc.text,
                                    stored.doc.page_starts) if stored else []


def resolve_citation(index, citation: str, context: int = DEFAULT_CONTEXT) -> Resolution:
    """Resolve `citation` (see index.citations for the format); raises CitationError with the fix.

    `index` is an index view (LoadedIndex, MilvusIndex) or a SQLite connection to a passage table.
    """
    con = _Tables(index) if isinstance(index, sqlite3.Connection) else index
    cid = parse_citation_id(citation)
    stored = con.find_document_by_prefix(cid.doc_prefix)
    if stored is None:
        raise CitationError(f"citation {cid} names a document that is not in this index — check --index, "
                            "or re-index the documents the answer came from")
    doc = stored.doc
    if cid.end > len(doc.text):
        raise CitationError(f"citation {cid} points past the end of {doc.path} ({len(doc.text)} characters) — "
                            "the id is damaged; copy it again from the answer")
    context = max(0, min(int(context), 5000))
    text = doc.text[cid.start:cid.end]
    b0 = _snap_left(doc.text, max(0, cid.start - context))
    a1 = _snap_right(doc.text, min(len(doc.text), cid.end + context))
    status, note, relocated = "current", "", []
    if stored.superseded_at:
        successor = con.get_document(stored.successor) if stored.successor else None
        if successor is None:
            status = "removed"
            note = f"{doc.path} was removed from the index on {stored.superseded_at}; showing the archived text"
        else:
            status = "changed"
            relocated = _relocate(successor.doc.text, text, successor.doc.doc_id)
            where = f"found again at {relocated[0]}" if relocated else "not found in the new version"
            note = f"{doc.path} changed on {stored.superseded_at}; the cited text was {where}"
    return Resolution(citation=str(cid), doc=doc.path, doc_id=doc.doc_id, title=doc.title,
                      statement=_statement_of(con, stored, cid.start),
                      pages=doc.page_range(cid.start, cid.end), start=cid.start, end=cid.end, text=text,
                      before=doc.text[b0:cid.start], after=doc.text[cid.end:a1], status=status, note=note,
                      relocated=relocated, table=row_view(doc.text, cid.end) if " | " in text else None)


def _statement_of(index, stored: db.StoredDoc, offset: int) -> dict | None:
    """The statement of the map holding `offset` as {"kind", "name"} (a current document's map as its index
    stores it; an archived version's found from its text)."""
    doc = stored.doc
    if stored.superseded_at:
        maps = find_statements(doc.text, doc.page_starts)
    else:
        maps = index.statements(doc.doc_id)
    st = statement_at(maps, offset)
    return {"kind": st.kind, "name": st.name} if st else None


def _relocate(new_text: str, cited: str, new_doc_id: str) -> list[str]:
    """Ids of the cited text in a newer version of the document: exact, else tolerant matching."""
    out = []
    i = new_text.find(cited)
    while i >= 0 and len(out) < 5:
        out.append(make_citation_id(new_doc_id, i, i + len(cited)))
        i = new_text.find(cited, i + 1)
    if out:
        return out
    from index.quote import find_in_text

    return [make_citation_id(new_doc_id, m.start, m.end) for m in find_in_text(cited, new_text)[:1]]


__all__ = ["CitationError", "Resolution", "resolve_citation", "DEFAULT_CONTEXT"]
