"""Cite tab: paste a citation id or a quote and see the passage in context (same panel as Chat)."""
from __future__ import annotations

import html
import re

import gradio as gr

from app.web import html as H
from app.api import GroundQA
from app.errors import USER_ERRORS
from index.citations import CitationError, make_citation_id, parse_citation_id

PANEL_CONTEXT = 800
"""Characters of context shown on each side of a cited span (a few paragraphs)."""
ID_EXAMPLE = "3f9a1c2b7e41-1204-1388"
# Something typed as an id (one token, three dash-separated parts, digits at the end), not as a quote.
_ID_LIKE = re.compile(r"\[?\w{1,40}-\w*\d\w*-\w*\d\w*\]?")


def citation_panel(api: GroundQA, citation: str | None) -> str:
    """Panel HTML for a citation id: the passage in context with the cited span marked, or the error."""
    if not citation:
        return H.empty_panel()
    try:
        return H.resolution_html(api.cite(citation, context=PANEL_CONTEXT), PANEL_CONTEXT)
    except USER_ERRORS as exc:
        return H.error_html(str(exc))


def looks_like_id(text: str) -> bool:
    """Whether `text` was meant as a citation id (so a parse failure is reported, not searched as a quote)."""
    return _ID_LIKE.fullmatch(text.strip()) is not None


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened so that it neither starts nor ends inside a word of `text`."""
    while 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return start, end


def _snapped_citation(api: GroundQA, match) -> str:
    """The citation of a fuzzy match's span widened to whole words (an exact match is kept as found)."""
    if match.exact:
        return match.citation
    try:
        text = api.doc_text(match.doc_id)
    except KeyError:
        return match.citation
    start, end = snap_to_words(text, match.start, match.end)
    return make_citation_id(match.doc_id, start, end)


def lookup(api: GroundQA, text: str) -> str:
    """Panel HTML for an id (resolved) or a quote (its locations, the best one in context)."""
    text = (text or "").strip()
    if not text:
        return H.error_html(f"paste a citation id (e.g. {ID_EXAMPLE}) or a quote from a document")
    try:
        parse_citation_id(text)
        return citation_panel(api, text)
    except CitationError:
        if looks_like_id(text):
            return H.error_html(f"{text[:60]!r} is not a valid citation id — ids look like {ID_EXAMPLE} "
                                "(12 hex digits of the document, then the start and end character offsets)")
    try:
        matches = api.quote(text)
    except USER_ERRORS as exc:
        return H.error_html(str(exc))
    head = H.quote_matches_html(text, matches)
    if getattr(matches, "note", ""):  # the approximate search was skipped or cut short: say so
        head += f'<div class="gq-note gq-quote-note">{html.escape(matches.note)}</div>'
    return head + (citation_panel(api, _snapped_citation(api, matches[0])) if matches else "")


def build_cite_tab(api: GroundQA) -> None:
    """Render the Cite tab."""
    gr.Markdown("Paste a **citation id** from an answer, or a **quote**, to see exactly where it is. "
                "Press Enter to look it up.")
    with gr.Row(equal_height=True):
        box = gr.Textbox(show_label=False, placeholder=f"{ID_EXAMPLE}  or  a sentence from a document",
                         lines=1, max_lines=6, scale=5, elem_id="gq-cite-input", container=False)
        go = gr.Button("Look up", variant="primary", scale=1, min_width=90, elem_id="gq-cite-go")
    panel = gr.HTML(H.empty_panel("The passage will appear here."), elem_id="gq-cite-panel", js_on_load=None)
    gr.on([go.click, box.submit], lambda t: lookup(api, t), box, panel, api_name="cite_panel",
          api_visibility="undocumented", show_progress="minimal")
