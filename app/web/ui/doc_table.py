"""The Documents tab's table: one row per indexed document — path, title, passages, pages, size, when it was
indexed, its id and status — as whole words on a desktop and one card per document on a phone (CSS)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

from app.api import GroundQA
from app.errors import USER_ERRORS
from app.web import html as H

HEADERS = ["Path", "Title", "Passages", "Pages", "Size", "Indexed at", "Id", "Status"]
_NUMERIC = {"Passages", "Pages", "Size"}  # right-aligned, tabular figures
_BREAK_AFTER = re.compile(r"(?<=[/_\-.])(?=.)")  # where a long file name may wrap: after a separator, never mid-word


def human_size(n: int) -> str:
    """A file size as people read it: '812 B', '14 KB', '1.4 MB', '2.1 GB' (decimal units, like file managers)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            v = n / scale
            return f"{v:.1f} {unit}" if v < 10 else f"{v:.0f} {unit}"
    return f"{n} B"


def document_rows(api: GroundQA) -> list[list[Any]]:
    """Rows of the documents table (empty when there is no index), columns HEADERS."""
    try:
        docs = api.documents()
    except USER_ERRORS:
        return []
    return [[d.path, d.title, d.n_passages, d.n_pages or "", human_size(d.size),
             d.indexed_at[:16].replace("T", " "), d.doc_id[:12], file_status(d) + ai_flag(api, d.doc_id)]
            for d in docs]


def _breakable(path: str) -> str:
    """Escaped path whose only line-break opportunities are after / _ - . (a <wbr>), so it never breaks mid-word."""
    return "<wbr>".join(H.esc(part) for part in _BREAK_AFTER.split(path))


def documents_html(api: GroundQA, pending: Sequence[tuple[str, str]] = ()) -> str:
    """The documents as an HTML table (a list of cards on a phone, by CSS: each cell labelled by its column);
    `pending` (path, status) rows are files of an indexing run under way, shown below the indexed ones."""
    rows = document_rows(api) + [[path, "", "", "", "", "", "", status] for path, status in pending]
    if not rows:
        return '<div class="gq-docs-empty gq-empty">No documents indexed yet — add some below.</div>'
    head = "".join(f'<th scope="col" class="{"gq-num" if h in _NUMERIC else ""}">{h}</th>' for h in HEADERS)
    body = []
    for row in rows:
        cells = []
        for h, v in zip(HEADERS, row):
            cls = "gq-num" if h in _NUMERIC else f"gq-doc-{h.split()[0].lower()}"
            text = _breakable(str(v)) if h == "Path" else H.esc(str(v))
            cells.append(f'<td class="{cls}" data-label="{h}">{text}</td>')
        body.append('<tr class="gq-doc-row">' + "".join(cells) + "</tr>")
    return (f'<div class="gq-doc-wrap"><table class="gq-doc-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


AI_FLAG = " · contains text addressed to an AI model"
_AI_FLAGS: dict[str, bool] = {}


def ai_flag(api: GroundQA, doc_id: str) -> str:
    """AI_FLAG when the document holds a sentence addressed to a model (a planted instruction), else ''.
    Cached by content id: a document's text never changes under its id."""
    if doc_id not in _AI_FLAGS:
        from corpus.addressed import first_addressed

        try:
            _AI_FLAGS[doc_id] = first_addressed(api.doc_text(doc_id)) is not None
        except KeyError:
            return ""
    return AI_FLAG if _AI_FLAGS[doc_id] else ""


def file_status(doc: Any) -> str:
    """Per-file status: 'indexed', 'changed on disk — re-index' (its size differs) or 'source file missing'."""
    try:
        size = Path(doc.source).stat().st_size
    except OSError:
        return "source file missing"
    return "indexed" if size == doc.size else "changed on disk — re-index"


def document_choices(api: GroundQA) -> list[tuple[str, str]]:
    """(path, doc id) pairs for the Remove dropdown."""
    try:
        return [(f"{d.path} ({d.doc_id[:12]})", d.doc_id) for d in api.documents()]
    except USER_ERRORS:
        return []
