"""HTML rendering for the browser app: every piece of user and document text goes through `esc` once.

Documents may contain `<script>`, `<img onerror=…>`, Markdown or `$$…$$` math; all of it must show as
literal text. `esc` turns the HTML-significant characters and the Markdown/LaTeX-significant punctuation
into character references in one pass, so the same string is inert both in raw HTML (gr.HTML) and in
a Markdown renderer (gr.Chatbot), and the browser still displays the original characters exactly once.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from app.web.assets import CSS
from corpus.types import format_pages

__all__ = ["CSS", "esc", "answer_message", "resolution_html", "source_cards", "error_html", "empty_panel"]

_HTML_CHARS = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_MD_CHARS = "\\`*_{}[]()#+-!|~.:=$^%@"
_TABLE = {ord(c): f"&#{ord(c)};" for c in _MD_CHARS} | {ord(k): v for k, v in _HTML_CHARS.items()}
_MARKER = re.compile(r"&#91;(\d{1,3})&#93;")
PREVIEW_CHARS = 160
"""Characters of cited text in a marker's hover preview."""
CARD_WORDS = 14
"""Words of cited text on a source card."""
LINE_WORDS = 40
"""Words of a card's best line (the line that best matches the question) shown, highlighted, on the card."""


def esc(text: object) -> str:
    """Text as inert HTML that displays verbatim: one pass, each character escaped at most once."""
    return str(text).translate(_TABLE)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _pages(pages: Sequence[int] | None) -> str:
    return format_pages(tuple(pages)) if pages else ""  # type: ignore[arg-type]


def _section(item: Any) -> str:
    """The passage's section path ("Part I › Costs") when the index records one, else ''."""
    sec = _get(item, "section")
    if not sec:
        return ""
    return " › ".join(str(s) for s in sec) if isinstance(sec, (list, tuple)) else str(sec)


def _flat(text: str) -> str:
    return " ".join(str(text).split())


def _first_words(text: str, n: int = CARD_WORDS) -> str:
    words = _flat(text).split(" ")
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def where(item: Any) -> str:
    """Escaped 'Title (path, pages) · section' line for a citation, excerpt, resolution or quote match."""
    bits = [esc(_get(item, "doc"))]
    pages = _pages(_get(item, "pages"))
    if pages:
        bits.append(esc(pages))
    if _opt(item, "ocr"):
        bits.append("OCR")
    sec = _section(item)
    sec_html = f' <span class="gq-section">{esc(sec)}</span>' if sec else ""
    return (f'<span class="gq-title">{esc(_get(item, "title"))}</span> '
            f'<span class="gq-meta">({", ".join(bits)})</span>{sec_html}')


def _opt(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def marker_html(n: int, citation: str, text: str) -> str:
    """An inline [n] marker: a button that opens the citation, with a hover preview of the cited text."""
    prev = _flat(text)
    prev = prev if len(prev) <= PREVIEW_CHARS else prev[: PREVIEW_CHARS - 1] + "…"
    # Gradio's chat sanitizer keeps `value` and `title` on a button (not data-* attributes): the client script
    # reads the id from `value` and turns `title` into the styled preview.
    return (f'<button type="button" class="gq-marker" value="{esc(citation)}" title="{esc(prev)}">'
            f'[{int(n)}]</button>')


def card_title_html(title: str) -> str:
    """A card's document title in full, never cut: "Company — Form 10-K, fiscal year ended …" as the company
    on one line and the form and period on the next (CSS wraps each between words)."""
    company, sep, rest = str(title).partition(" — ")
    if not sep or not company.strip() or not rest.strip():
        return f'<span class="gq-card-doc">{esc(title)}</span>'
    return (f'<span class="gq-card-doc"><span class="gq-card-co">{esc(company)}</span> '
            f'<span class="gq-card-form">{esc(rest)}</span></span>')


def best_line(item: Any) -> str:
    """A card's line that best matches the question ('' for an item without one): a Card's `line`, or the
    `best_line` of its JSON form."""
    if isinstance(item, Mapping):
        return str((item.get("best_line") or {}).get("text") or "")
    return str(getattr(item, "line", "") or "")


def card_html(item: Any, number: int | None = None) -> str:
    """A source card: number, document (title in full), page and section, then the line of the passage that best matches the
    question, highlighted (a citation or an item without one: the first words of its text)."""
    where_bits = [b for b in (_pages(_get(item, "pages")), _section(item)) if b]
    n = f'<span class="gq-card-n">{int(number)}</span>' if number is not None else ""
    title = _get(item, "title") or _get(item, "doc")
    line = best_line(item)
    text = (f'<mark class="gq-best">{esc(_first_words(line, LINE_WORDS))}</mark>' if line
            else esc(_first_words(_get(item, "text"))))
    return (f'<button type="button" class="gq-card" value="{esc(_get(item, "citation"))}" '
            f'title="{esc(_get(item, "doc"))}">'
            f'<span class="gq-card-top">{n}{card_title_html(title)}</span>'
            f'<span class="gq-card-where">{esc(" · ".join(where_bits) or _get(item, "doc"))}</span>'
            f'<span class="gq-card-text">{text}</span></button>')


def source_cards(items: Sequence[Any], numbered: bool = True) -> str:
    """Cards for an answer's citations (numbered) or an abstention's closest excerpts."""
    cards = "".join(card_html(c, _get(c, "number") if numbered else None) for c in items)
    return f'<div class="gq-cards">{cards}</div>' if cards else ""


def answer_body(text: str) -> str:
    """Escaped answer text with its inline [n] markers styled (no citation ids known: not clickable)."""
    return _MARKER.sub(r'<span class="gq-marker">[\1]</span>', esc(_flat(text)))


def computation_html(ans: Any) -> str:
    """A computed answer: its formula text with clickable markers after each operand and the result in
    <strong class="gq-short">, then one line saying where the formula came from."""
    comp = _get(ans, "computation")
    text = _get(ans, "answer")
    cites = {int(_get(c, "number")): c for c in (_get(ans, "citations") or [])}
    cut = text.rfind(" = ")  # the result follows the last " = "
    head, result = (text[:cut + 3], text[cut + 3:]) if cut >= 0 and not _get(comp, "chosen") else (text, "")

    def marked(part: str) -> str:
        out, pos = [], 0
        for m in re.finditer(r"\[(\d+)\]", part):
            n = int(m.group(1))
            c = cites.get(n)
            out.append(esc(part[pos:m.start()]) + (marker_html(n, _get(c, "citation"), _get(c, "text"))
                                                    if c is not None else esc(m.group(0))))
            pos = m.end()
        return "".join(out) + esc(part[pos:])

    body = marked(head) + (f'<strong class="gq-short">{esc(result)}</strong>' if result else "")
    how = _get(comp, "definition") or ""
    return body + f'<div class="gq-meta">Computed from the cited cells · {esc(how)}</div>'


def answer_segments_html(ans: Any) -> str:
    """Escaped answer built from its explicit segments (a document's own "[1]" is never styled as a
    marker), with clickable markers and the short answer of a fact question in <strong class="gq-short">."""
    if _opt(ans, "computation"):
        return computation_html(ans)
    segs = _get(ans, "segments") or []
    if not segs:
        return answer_body(_get(ans, "answer"))
    cites = {int(_get(c, "number")): c for c in (_get(ans, "citations") or [])}
    shorts = [tuple(x) for x in (_get(ans, "short_answers") or [])]
    out, pos = [], 0
    for seg in segs:
        text, n = _get(seg, "text"), int(_get(seg, "citation"))
        marks = sorted((a - pos, b - pos) for a, b in shorts if pos <= a < b <= pos + len(text))
        parts, last = [], 0
        for a, b in marks:
            parts.append(esc(text[last:a]) + f'<strong class="gq-short">{esc(text[a:b])}</strong>')
            last = b
        parts.append(esc(text[last:]))
        c = cites.get(n)
        mark = marker_html(n, _get(c, "citation"), _get(c, "text")) if c is not None else \
            f'<span class="gq-marker">[{n}]</span>'
        out.append(" ".join("".join(parts).split()) + " " + mark)
        pos += len(f"{text} [{n}]") + 1
    return " ".join(out)


def table_html(view: Any) -> str:
    """A cited table row under its header: one label per column, the row highlighted and, when an answer
    read one cell, that cell marked (`view` is a RowView or its JSON form)."""
    if not view:
        return ""
    headers = list(_get(view, "headers", None) or _get(view, "columns", None) or [])
    cells = list(_get(view, "cells") or [])
    col = _get(view, "column")
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    hit = ' class="gq-cell-hit"'
    row = "".join(f'<td{hit if j == col else ""}>{esc(c)}</td>' for j, c in enumerate(cells))
    note = _opt(view, "note")  # cells that cannot be placed under the header say so (corpus/tables.py)
    return (f'<div class="gq-table-wrap"><table class="gq-table"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody><tr class="gq-row-cited"><th scope="row">{esc(_get(view, "label"))}</th>{row}</tr></tbody>'
            f'</table>' + (f'<div class="gq-note">{esc(note)}</div>' if note else "") + '</div>')


def pending_message() -> str:
    """The answer bubble while the answer is being found: a typing indicator."""
    return ('<div class="gq-pending" aria-live="polite" aria-label="finding the answer">'
            '<span class="gq-typing"><span></span><span></span><span></span></span></div>')


def writing_message(model: str, seconds: float) -> str:
    """The answer bubble while an LLM writes: "Writing with MODEL… 12 s" (elapsed, updated by the chat)."""
    return (f'<div class="gq-pending gq-writing" aria-live="polite"><span class="gq-typing"><span></span><span>'
            f'</span><span></span></span> Writing with {esc(model)}… {int(seconds)} s</div>')


UNVERIFIED_TEXT = "The model's answer could not be verified against your documents."


def removed_html(ans: Any) -> str:
    """An LLM answer's removed sentences, behind a "show removed" toggle, each with the reason (as text,
    never as supported text); '' when none was removed."""
    removed = list(_get(ans, "unsupported") or [])
    if not removed:
        return ""
    n = len(removed)
    items = "".join(f'<li><span class="gq-removed-text">{esc(_get(u, "text"))}</span> '
                    f'<span class="gq-removed-why">— {esc(_get(u, "reason"))}</span></li>' for u in removed)
    return (f'<div class="gq-removed-note">{n} sentence{"s" if n != 1 else ""} of the model\'s answer '
            f'{"were" if n != 1 else "was"} removed: the cited text does not support '
            f'{"them" if n != 1 else "it"}.</div>'
            f'<details class="gq-removed"><summary>show removed</summary><ul>{items}</ul></details>')


def llm_answer_message(ans: Any, unverified: bool) -> str:
    """Chat message HTML for an answer from the LLM path: when every sentence was removed (`unverified`), the
    "could not be verified" line, then the extractive answer or the closest excerpts; the removed sentences
    behind their toggle either way."""
    head = f'<div class="gq-unverified">{esc(UNVERIFIED_TEXT)}</div>' if unverified else ""
    return head + answer_message(ans) + removed_html(ans)


def abstain_html(ans: Any) -> str:
    """An abstention: one message, then the closest excerpts as cards that open in the panel."""
    conf = float(_get(ans, "confidence"))
    related = list(_get(ans, "related") or [])
    rel = ""
    if related:
        rel = ('<div class="gq-related gq-sources-head">Closest excerpts — not an answer; open one to judge '
               f'for yourself:</div>{source_cards(related, numbered=False)}')
    if _get(ans, "outcome") == "evidence" and related:
        # Related passages but no sentence verified to state the answer: the passages are the body.
        return (f'<div class="gq-evidence"><div class="gq-evidence-title">{esc(_get(ans, "answer"))}</div>'
                f'{source_cards(related, numbered=False)}'
                f'<div class="gq-meta">Not an answer: read the passages (confidence {conf:.2f}).</div></div>')
    return (f'<div class="gq-abstain"><div class="gq-abstain-title">{esc(_get(ans, "answer"))}</div>'
            f'<div class="gq-meta">Abstained (confidence {conf:.2f}).</div>{rel}</div>')


def answer_message(ans: Any, partial: str | None = None) -> str:
    """Chat message HTML for an Answer (or its streamed prefix `partial`, sources omitted)."""
    if _get(ans, "abstained"):
        return abstain_html(ans)
    if partial is not None:
        return f'<div class="gq-answer">{answer_body(partial)}</div>'
    cites = _get(ans, "citations") or []
    conf = float(_get(ans, "confidence"))
    tables = "".join(table_html(_get(c, "table")) for c in cites)
    related = list(_get(ans, "related") or [])
    # After the sources, the top passages the answer does not cite: the one holding the answer is in view
    # even when the answer quotes another.
    more = (f'<div class="gq-related"><div class="gq-sources-head">Also relevant — passages the answer does '
            f'not cite:</div>{source_cards(related, numbered=False)}</div>') if related else ""
    return (f'<div class="gq-answer">{answer_segments_html(ans)}</div>{tables}'
            f'<div class="gq-sources"><div class="gq-sources-head">Sources · confidence {conf:.2f}</div>'
            f'{source_cards(cites)}</div>{more}')


def error_html(message: str) -> str:
    """A one-line user error, escaped."""
    return f'<div class="gq-error">{esc(message)}</div>'


def empty_panel(message: str = "Click a [n] marker or a source card to see the passage in context.") -> str:
    """The panel's placeholder."""
    return f'<div class="gq-panel gq-empty">{esc(message)}</div>'


def copy_button(citation: str) -> str:
    """A button that copies a citation id to the clipboard."""
    return (f'<button type="button" class="gq-copy" value="{esc(citation)}" '
            f'title="copy the citation id">Copy id</button>')


def more_button(value: str, label: str, side: str) -> str:
    """A button at one end of a panel's context that loads more text on that `side` ("before"/"after"); the
    client script sends its value (citation id and pages around) when pressed or scrolled to."""
    return (f'<button type="button" class="gq-more gq-more-{esc(side)}" value="{esc(value)}">'
            f'{esc(label)}</button>')


def resolution_html(res: Any, context: int | None = None,
                    more: tuple[tuple[str, str] | None, tuple[str, str] | None] = (None, None),
                    continues: tuple[bool, bool] | None = None) -> str:
    """Panel HTML for a resolved citation: where it is, then its context with the cited span marked.

    `context` is what was asked of `cite`; a shorter `after` means the document ends there (no "…").
    `more` holds (value, label) of the buttons that load the text before / after the context (None: nothing
    more to load); `continues` says whether text goes on before / after it (instead of guessing from `context`).
    """
    status = str(_get(res, "status"))
    start, end = int(_get(res, "start")), int(_get(res, "end"))
    note = _get(res, "note")
    relocated = list(_get(res, "relocated") or [])
    cid = _get(res, "citation")
    parts = [f'<div class="gq-panel gq-status-{esc(status)}" data-citation="{esc(cid)}">',
             f'<div class="gq-head">{where(res)}<br><span class="gq-meta">characters {start}–{end} · '
             f'<span class="gq-id">{esc(cid)}</span></span>{copy_button(cid)}</div>']
    statement = _opt(res, "statement")  # the financial statement the span lies in (corpus/statements.py)
    if statement:
        parts.append(f'<div class="gq-statement">{esc(_get(statement, "name"))}</div>')
    if note:
        parts.append(f'<div class="gq-note">{esc(note)}</div>')
    if relocated:
        parts.append('<div class="gq-note">now at: ' + ", ".join(f'<span class="gq-id">{esc(r)}</span>'
                                                             for r in relocated) + "</div>")
    table = _get(res, "table")
    if table:  # the cited row under its header, the header kept in view while the table scrolls
        parts.append(table_html(table))
    before, after = _get(res, "before"), _get(res, "after")
    if continues is None:
        continues = (start - len(before) > 0, context is None or len(after) >= context)
    lead = "…" if continues[0] else ""
    tail = "…" if continues[1] else ""
    up = more_button(*more[0], "before") if more[0] else ""
    down = more_button(*more[1], "after") if more[1] else ""
    parts.append(f'<div class="gq-context">{up}{lead}{esc(before)}<mark class="gq-cited">{esc(_get(res, "text"))}'
                 f'</mark>{esc(after)}{tail}{down}</div></div>')
    return "".join(parts)


def abstain_panel(ans: Any) -> str:
    """Panel placeholder after an abstention (the message itself is shown once, in the chat)."""
    n = len(_get(ans, "related") or [])
    return empty_panel("No answer found. Open one of the closest excerpts to see it in context." if n
                       else "No answer found, and no related excerpt.")


def quote_matches_html(quote: str, matches: Sequence[Any]) -> str:
    """Panel header listing where a quote was found (or that it was not)."""
    if not matches:
        return (f'<div class="gq-panel gq-abstain"><div class="gq-abstain-title">Not found</div>'
                f'<div>The quote does not occur in the indexed documents: {esc(quote[:200])}</div></div>')
    items = "".join(
        f'<li><span class="gq-id">{esc(_get(m, "citation"))}</span> {where(m)} — '
        f'{"exact" if _get(m, "exact") else "similarity " + format(float(_get(m, "score")), ".2f")}</li>'
        for m in matches)
    return f'<div class="gq-panel gq-matches">Found {len(matches)} location(s):<ul>{items}</ul></div>'
