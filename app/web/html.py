"""HTML rendering for the browser app: every piece of document text goes through `esc` first.

Documents may contain `<script>`, `<img onerror=…>` or Markdown syntax; all of it must show as
literal text. `esc` HTML-escapes and also turns Markdown-significant punctuation into numeric
character references, so the same string is inert both in raw HTML (gr.HTML) and in a Markdown
renderer (gr.Chatbot) while the browser still displays the original characters.
"""
from __future__ import annotations

import html
import re
from typing import Any, Mapping, Sequence

from corpus.types import format_pages

_MD_CHARS = "\\`*_{}[]()#+-!|~>.:="
_MD_TABLE = {ord(c): f"&#{ord(c)};" for c in _MD_CHARS}
_MARKER = re.compile(r"&#91;(\d{1,3})&#93;")

CSS = """
.gq-panel { font-size: 0.95rem; line-height: 1.5; }
.gq-panel .gq-head { margin-bottom: 0.5rem; }
.gq-panel .gq-meta { color: var(--body-text-color-subdued); font-size: 0.85rem; }
.gq-context { white-space: pre-wrap; border-left: 3px solid var(--color-accent); padding: 0.5rem 0.75rem;
              max-height: 60vh; overflow-y: auto; }
mark.gq-cited { background: #fde68a; color: #111; padding: 0 1px; }
.gq-note { color: #b45309; font-size: 0.85rem; }
.gq-abstain { border: 1px dashed #b45309; background: rgba(251, 191, 36, 0.08); padding: 0.5rem 0.75rem;
              border-radius: 6px; }
.gq-abstain .gq-abstain-title { font-weight: 600; color: #b45309; }
.gq-error { color: #b91c1c; }
.gq-marker { font-size: 0.8em; vertical-align: super; color: var(--color-accent); }
.gq-short { font-weight: 600; background: rgba(255, 213, 79, 0.35); border-radius: 2px; }
.gq-sources { font-size: 0.85rem; margin-top: 0.4rem; }
.gq-sources li, .gq-related li { margin: 0.15rem 0; }
.gq-id { font-family: var(--font-mono); font-size: 0.85em; }
.gq-empty { color: var(--body-text-color-subdued); }
"""
"""Style sheet for the classes below (passed to Gradio's `css`)."""


def esc(text: object) -> str:
    """HTML-escape text (quotes too) and neutralise Markdown punctuation."""
    return html.escape(str(text), quote=True).translate(_MD_TABLE)


def _get(obj: Any, name: str) -> Any:
    return obj[name] if isinstance(obj, Mapping) else getattr(obj, name)


def _pages(pages: Sequence[int] | None) -> str:
    return format_pages(tuple(pages)) if pages else ""  # type: ignore[arg-type]


def where(item: Any) -> str:
    """Escaped 'Title — path, pages' line for a citation, excerpt, resolution or quote match."""
    bits = [esc(_get(item, "doc"))]
    pages = _pages(_get(item, "pages"))
    if pages:
        bits.append(esc(pages))
    # Section path and OCR flag where the item has them (excerpts and citations do; resolutions may not).
    section = _opt(item, "section")
    if section:
        bits.append(esc(section))
    if _opt(item, "ocr"):
        bits.append("OCR")
    return f"<b>{esc(_get(item, 'title'))}</b> <span class=\"gq-meta\">({', '.join(bits)})</span>"


def _opt(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def source_label(item: Any, number: int | None = None) -> str:
    """Plain-text label of a source (for radio buttons; Gradio escapes labels itself)."""
    pages = _pages(_get(item, "pages"))
    head = f"[{number}] " if number is not None else ""
    tail = f", {pages}" if pages else ""
    return f"{head}{_get(item, 'title')}{tail} — {_get(item, 'citation')}"


def answer_body(text: str) -> str:
    """Escaped answer text with its inline [n] markers styled."""
    return _MARKER.sub(r'<span class="gq-marker">[\1]</span>', esc(" ".join(text.split())))


def answer_segments_html(ans: Any) -> str:
    """Escaped answer built from its explicit segments (a document's own "[1]" is never styled as a
    marker), with the short answer of a fact question in <strong class="gq-short">."""
    segs = _get(ans, "segments") or []
    if not segs:
        return answer_body(_get(ans, "answer"))
    shorts = [tuple(x) for x in (_get(ans, "short_answers") or [])]
    out, pos = [], 0
    for seg in segs:
        text, n = _get(seg, "text"), _get(seg, "citation")
        marks = sorted((a - pos, b - pos) for a, b in shorts if pos <= a < b <= pos + len(text))
        html, last = [], 0
        for a, b in marks:
            html.append(esc(text[last:a]) + f'<strong class="gq-short">{esc(text[a:b])}</strong>')
            last = b
        html.append(esc(text[last:]))
        out.append(" ".join("".join(html).split()) + f' <span class="gq-marker">[{int(n)}]</span>')
        pos += len(f"{text} [{n}]") + 1
    return " ".join(out)


def answer_message(ans: Any, partial: str | None = None) -> str:
    """Chat message HTML for an Answer (or its streamed prefix `partial`, sources omitted)."""
    if _get(ans, "abstained"):
        conf = float(_get(ans, "confidence"))
        related = _get(ans, "related")
        items = "".join(f'<li><span class="gq-id">{esc(_get(e, "citation"))}</span> {where(e)}: '
                        f'{esc(" ".join(_get(e, "text").split())[:200])}…</li>' for e in related)
        rel = f'<div class="gq-related">Closest excerpts:<ul>{items}</ul></div>' if items else ""
        return (f'<div class="gq-abstain"><div class="gq-abstain-title">{esc(_get(ans, "answer"))}</div>'
                f'<div class="gq-meta">Abstained (confidence {conf:.2f}).</div>{rel}</div>')
    if partial is not None:
        return f'<div class="gq-answer">{answer_body(partial)}</div>'
    cites = _get(ans, "citations")
    items = "".join(f'<li>[{_get(c, "number")}] {where(c)} <span class="gq-id">{esc(_get(c, "citation"))}</span></li>'
                    for c in cites)
    conf = float(_get(ans, "confidence"))
    return (f'<div class="gq-answer">{answer_segments_html(ans)}</div>'
            f'<div class="gq-sources">Sources (confidence {conf:.2f}):<ul>{items}</ul></div>')


def error_html(message: str) -> str:
    """A one-line user error, escaped."""
    return f'<div class="gq-error">{esc(message)}</div>'


def empty_panel(message: str = "Select a source to see the passage in context.") -> str:
    """The panel's placeholder."""
    return f'<div class="gq-panel gq-empty">{esc(message)}</div>'


def resolution_html(res: Any, context: int | None = None) -> str:
    """Panel HTML for a resolved citation: where it is, then its context with the cited span marked.

    `context` is what was asked of `cite`; a shorter `after` means the document ends there (no "…").
    """
    status = str(_get(res, "status"))
    start, end = int(_get(res, "start")), int(_get(res, "end"))
    note = _get(res, "note")
    relocated = list(_get(res, "relocated") or [])
    parts = [f'<div class="gq-panel gq-status-{esc(status)}" data-citation="{esc(_get(res, "citation"))}">',
             f'<div class="gq-head">{where(res)}<br><span class="gq-meta">characters {start}–{end} · '
             f'<span class="gq-id">{esc(_get(res, "citation"))}</span></span></div>']
    if note:
        parts.append(f'<div class="gq-note">{esc(note)}</div>')
    if relocated:
        parts.append('<div class="gq-note">now at: ' + ", ".join(f'<span class="gq-id">{esc(r)}</span>'
                                                             for r in relocated) + "</div>")
    before, after = _get(res, "before"), _get(res, "after")
    lead = "…" if start - len(before) > 0 else ""
    tail = "…" if context is None or len(after) >= context else ""
    parts.append(f'<div class="gq-context">{lead}{esc(before)}<mark class="gq-cited">{esc(_get(res, "text"))}'
                 f'</mark>{esc(after)}{tail}</div></div>')
    return "".join(parts)


def abstain_panel(ans: Any) -> str:
    """Panel HTML for an abstention: the reason and the related excerpts."""
    return f'<div class="gq-panel">{answer_message(ans)}</div>'


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
