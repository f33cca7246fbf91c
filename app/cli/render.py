"""Plain-text renderings of answers, citations and quote matches for the terminal."""
from __future__ import annotations

import textwrap

from app.terminal import escape_controls, escape_lines
from app.types import Answer
from corpus.types import format_pages
from index.quote import QuoteMatch
from index.resolve import Resolution
from index.types import Excerpt


def _where(doc: str, pages: tuple[int, int] | None, section: str = "", ocr: bool = False) -> str:
    # The section path says where in the report the text sits; "OCR" warns that it was read from a scan.
    # Names and headings come from files: their control characters are shown as escapes (app.terminal).
    return escape_controls(", ".join(x for x in (doc, format_pages(pages), section, "OCR" if ocr else "") if x))


LINE_CHARS = 240
"""Characters of a card's best line printed under it."""


def card_lines(e: Excerpt) -> list[str]:
    """One card: its id and where it is, then the line that best matches the question in »«."""
    line = " ".join(getattr(e, "line", "").split()) or " ".join(e.text.split())[:160]
    line = line if len(line) <= LINE_CHARS else line[:LINE_CHARS - 1] + "…"
    return [f"  - {e.citation}  {_where(e.doc, e.pages, e.section, e.ocr)}", f"      »{escape_controls(line)}«"]


def answer_text(ans: Answer) -> str:
    """The answer, then its numbered sources and the passages it does not cite (or, for an abstention, the
    related passages), each card with its best line — what the chat shows, in the same order; every name escaped."""
    out = [escape_lines(textwrap.fill(" ".join(ans.answer.split()), width=100)), ""]
    if ans.abstained:
        label = "no sentence states the answer" if ans.outcome == "evidence" else "abstained"
        head = "Most relevant passages" if ans.outcome == "evidence" else "Closest excerpts"
        out.append(f"({label}; confidence {ans.confidence:.2f}) {head}:")
        for e in ans.related:
            out += card_lines(e)
    else:
        out.append(f"Sources (confidence {ans.confidence:.2f}):")
        for c in ans.citations:
            out.append(f"  [{c.number}] {c.citation}  {_where(c.doc, c.pages, c.section, c.ocr)}, characters {c.start}–{c.end}")
            if c.table:  # the cited row under its column labels, aligned
                out.append(textwrap.indent(escape_lines(c.table.to_text()), "      "))
    if ans.computation is not None:
        out.extend(escape_lines(line) for line in computation_lines(ans))
    if not ans.abstained and ans.related:
        out.append("Also relevant (not cited):")
        for e in ans.related:
            out += card_lines(e)
    if ans.answerer != "extractive":
        out.append(f"Answered by: {escape_controls(ans.answerer)}")
    if ans.unsupported:
        out.append(f"Removed {len(ans.unsupported)} unsupported sentence(s) (see --json 'unsupported').")
    return "\n".join(out)


def computation_lines(ans: Answer) -> list[str]:
    """A computed answer's formula and operands, one line each (or, for `evidence`, what was not found)."""
    comp = ans.computation
    assert comp is not None
    if comp.missing:
        return [f"Not found: {'; '.join(comp.missing)}"]
    rounding = f"rounded to {comp.places} decimal place{'s' if comp.places != 1 else ''}"
    out = [f"Computed: {comp.expression} = {comp.result} {comp.unit}".rstrip() + f" ({rounding}; {comp.definition})"]
    for o in comp.operands:
        note = " read as its magnitude" if o.magnitude else ""
        scale = f", in {o.scale}" if o.scale else ""
        out.append(f"  {o.key}  {o.label}, {o.period}: {o.text} [{o.citation}]{scale}{note}")
    return out


def resolution_text(r: Resolution) -> str:
    """A resolved citation: document, pages, span, and the text with its context (cited part in »«)."""
    head = [f"{r.citation}", f"document: {escape_controls(r.title)} ({escape_controls(r.doc)})"]
    if r.pages:
        head.append(f"pages:    {format_pages(r.pages)}")
    head.append(f"span:     characters {r.start}–{r.end}")
    if r.note:
        head.append(f"note:     {escape_controls(r.note)}")
        for rid in r.relocated:
            head.append(f"now at:   {rid}")
    body = escape_lines(f"…{r.before}»{r.text}«{r.after}…")
    if r.table:
        body = "table row with its header:\n" + textwrap.indent(escape_lines(r.table.to_text()), "  ") + "\n\n" + body
    return "\n".join(head) + "\n\n" + body


def quote_text(quote: str, matches: list[QuoteMatch]) -> str:
    """Where a quote was found, or a clear not-found line."""
    if not matches:
        return "not found: the quote does not occur in the indexed documents (no match above the similarity threshold)"
    lines = []
    for m in matches:
        kind = "exact" if m.exact else f"similarity {m.score:.2f}"
        lines.append(f"{m.citation}  {_where(m.doc, m.pages)}, characters {m.start}–{m.end} ({kind})\n"
                     f"    {escape_controls(' '.join(m.text.split())[:300])}")
    return "\n".join(lines)
