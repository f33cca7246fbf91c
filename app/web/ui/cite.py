"""Cite tab: paste a citation id or a quote and see the passage in context (same panel as Chat)."""
from __future__ import annotations

import html

import gradio as gr

from app.web import html as H
from app.api import GroundQA
from app.errors import USER_ERRORS
from index.citations import CitationError, parse_citation_id

PANEL_CONTEXT = 800
"""Characters of context shown on each side of a cited span (a few paragraphs)."""


def citation_panel(api: GroundQA, citation: str | None) -> str:
    """Panel HTML for a citation id: the passage in context with the cited span marked, or the error."""
    if not citation:
        return H.empty_panel()
    try:
        return H.resolution_html(api.cite(citation, context=PANEL_CONTEXT), PANEL_CONTEXT)
    except USER_ERRORS as exc:
        return H.error_html(str(exc))


def lookup(api: GroundQA, text: str) -> str:
    """Panel HTML for an id (resolved) or a quote (its locations, the best one in context)."""
    text = (text or "").strip()
    if not text:
        return H.error_html("paste a citation id (e.g. 3f9a1c2b7e41-1204-1388) or a quote from a document")
    try:
        parse_citation_id(text)
        return citation_panel(api, text)
    except CitationError:
        pass
    try:
        matches = api.quote(text)
    except USER_ERRORS as exc:
        return H.error_html(str(exc))
    head = H.quote_matches_html(text, matches)
    if getattr(matches, "note", ""):  # the approximate search was skipped or cut short: say so
        head += f'<div class="gq-note gq-quote-note">{html.escape(matches.note)}</div>'
    return head + (citation_panel(api, matches[0].citation) if matches else "")


def build_cite_tab(api: GroundQA) -> None:
    """Render the Cite tab."""
    gr.Markdown("Paste a **citation id** from an answer, or a **quote**, to see exactly where it is.")
    with gr.Row():
        box = gr.Textbox(label="Citation id or quote", placeholder="3f9a1c2b7e41-1204-1388  or  a sentence",
                         lines=2, scale=4, elem_id="gq-cite-input")
        go = gr.Button("Look up", variant="primary", scale=1, elem_id="gq-cite-go")
    panel = gr.HTML(H.empty_panel("The passage will appear here."), elem_id="gq-cite-panel")
    gr.on([go.click, box.submit], lambda t: lookup(api, t), box, panel, api_name="cite_panel",
          api_visibility="undocumented")
