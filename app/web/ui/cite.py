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
"""Characters of context shown at least on each side of a cited span (a few paragraphs)."""
MORE_PAGES = 1
"""Pages beyond the cited ones that the reader can load on each side (scrolling to an edge, or its button)."""
ID_EXAMPLE = "3f9a1c2b7e41-1204-1388"
# Something typed as an id (one token, three dash-separated parts, digits at the end), not as a quote.
_ID_LIKE = re.compile(r"\[?\w{1,40}-\w*\d\w*-\w*\d\w*\]?")


def citation_panel(api: GroundQA, citation: str | None, pages: tuple[int, int] = (0, 0), more: bool = True) -> str:
    """Panel HTML for a citation id: the whole cited page(s) (and `pages` = (before, after) more pages) with the
    cited span marked, or the error. With `more`, the ends of the context offer the next page on each side
    (up to MORE_PAGES), loaded when the reader scrolls there (client script) or presses it."""
    if not citation:
        return H.empty_panel()
    before, after = (max(0, min(int(n), MORE_PAGES)) for n in pages)
    try:
        res = api.cite(citation, context=PANEL_CONTEXT, pages_around=(before, after))
    except USER_ERRORS as exc:
        return H.error_html(str(exc))
    starts_at, ends_at = res.start - len(res.before), res.end + len(res.after)
    doc_end = _doc_end(api, res)
    first, last = res.pages or (0, 0)
    up = down = None
    if more and before < MORE_PAGES and starts_at > 0:
        up = (f"{res.citation} {before + 1} {after}", f"↑ Show p. {first - before - 1}" if first - before > 1
              else "↑ Show earlier text")
    if more and after < MORE_PAGES and ends_at < doc_end:
        down = (f"{res.citation} {before} {after + 1}", f"↓ Show p. {last + after + 1}" if res.pages
                else "↓ Show later text")
    return H.resolution_html(res, more=(up, down), continues=(starts_at > 0, ends_at < doc_end))


def _doc_end(api: GroundQA, res) -> int:  # noqa: ANN001 - a Resolution
    """Length of the cited document's text; for an archived version (no longer current), past the context's end
    (whether more follows is unknown, so more is offered)."""
    try:
        return len(api.doc_text(res.doc_id))
    except (KeyError, *USER_ERRORS):
        return res.end + len(res.after) + 1


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
        return citation_panel(api, text, more=False)
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
    return head + (citation_panel(api, _snapped_citation(api, matches[0]), more=False) if matches else "")


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
