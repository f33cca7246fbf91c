"""PDF page text in reading order from positioned words (pdf_chars): lines read column by column, tables
as ` | ` rows, prose lines reflowed into paragraphs, headings (larger or bold type) on lines of their own,
running headers/footers and page numbers left out.

Columns are found from the words' x extents (a gutter no line crosses, with prose on both sides); cells
from gaps between words wider than a font size; paragraphs from vertical gaps wider than the page's usual
line spacing. The text rules (what a table row is, when a line runs on) work on each line's text.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from corpus.loaders.pdf_chars import Line, Word

__all__ = ["cells_of", "furniture_keys", "is_table_row", "layout_page"]

_CELL_GAP = 1.6  # in character widths
HEADING_MAX_CHARS = 100  # a longer line in heading type is a bold paragraph, read as prose

_GAP = re.compile(r" {3,}")
_SPACES = re.compile(r" {2,}")
# A cell that holds a figure: 5,363 / (1,577) / $1.40 / 10.2% / (2.5)% / — / n/m
_NUMBER = re.compile(r"[$€£]?\s*\(?\s*[-–—]?\s*[$€£]?\s*\d[\d,.]*\s*\)?\s*%?\)?\s*[%x]?|[-–—]{1,3}|n/?[am]", re.I)
_CURRENCY = frozenset({"$", "€", "£", "$(", "("})
_PAGE_NUMBER = re.compile(r"(?:page\s+)?[-–—]?\s*(?:\d{1,4}|[ivxlc]{1,7}|[A-Z]-\d{1,3})\s*[-–—]?"
                          r"(?:\s+of\s+\d{1,4})?", re.I)
_BULLET = re.compile(r"(?:[•●▪◦■□➢►*·–-]\s|\(?[a-z0-9]{1,3}[.)]\s)")
_HYPHEN_END = re.compile(r"[^\W\d_]-$")
_SENTENCE_END = re.compile(r"[.!?:;][\"')\]”’]*$")
_EDGE_LINES = 3  # header/footer candidates: this many non-blank lines at the top and the bottom of a page


def cells_of(line: str) -> list[str]:
    """Cells of a layout line: runs of 3+ spaces separate them; a lone currency sign joins its figure."""
    out: list[str] = []
    for c in _GAP.split(line.strip()):
        c = _SPACES.sub(" ", c.strip())
        if not c:
            continue
        if out and out[-1] in _CURRENCY:
            out[-1] = out[-1] + c
        else:
            out.append(c)
    return out


def _is_number(cell: str) -> bool:
    return _NUMBER.fullmatch(cell) is not None


def is_table_row(cells: Sequence[str]) -> bool:
    """A row: a label (or none) and at least one figure, figures being most of the other cells."""
    if len(cells) < 2:
        return False
    rest = cells[1:]
    numeric = sum(_is_number(c) for c in rest)
    return numeric >= 1 and numeric * 2 >= len(rest)


_EDGE_NUMBER = re.compile(r"^[\divxlc]+\b|\b[\divxlc]+$|\b(?:page|p\.)\s*\d+(?:\s+of\s+\d+)?", re.I)


def _edge_key(line: str) -> str:
    """A header/footer line compared across pages: a page number at either end, and spacing, do not count."""
    s = " ".join(line.split())
    if len(s) > 100:
        return ""  # a running header is short; a long line is body text
    return _EDGE_NUMBER.sub("#", s).lower()


def _edges(lines: Sequence[Line]) -> list[int]:
    idx = list(range(len(lines)))
    return sorted(set(idx[:_EDGE_LINES] + idx[-_EDGE_LINES:]))


def furniture_keys(pages: Sequence[Sequence[Line]]) -> set[str]:
    """Edge lines that repeat (digits aside) on at least half of the pages with text: running headers/footers."""
    with_text = [p for p in pages if p]
    if len(with_text) < 4:
        return set()
    counts: Counter[str] = Counter()
    for p in with_text:
        counts.update({_edge_key(p[i].text) for i in _edges(p)})
    return {k for k, n in counts.items() if k and n >= max(3, len(with_text) // 2) and any(c.isalnum() for c in k)}


def _drop_furniture(lines: list[Line], keys: set[str]) -> list[Line]:
    drop = {i for i in _edges(lines)
            if _edge_key(lines[i].text) in keys or _PAGE_NUMBER.fullmatch(lines[i].text.strip()) is not None}
    if len(drop) == len(lines):
        return lines  # a page made only of repeated lines is content (a form, a one-line slide), not furniture
    return [ln for i, ln in enumerate(lines) if i not in drop]


def _wordy(s: str) -> bool:
    letters = sum(ch.isalpha() for ch in s)
    return letters >= 0.6 * len(s.replace(" ", ""))


def _gutter(lines: Sequence[Line]) -> float | None:
    """x of the gap between two text columns, or None for a one-column page (tables are not columns):
    the widest band in the middle of the text that (almost) no word crosses, with prose on both sides."""
    if len(lines) < 8:
        return None
    left = min(ln.words[0].x0 for ln in lines)
    right = max(ln.words[-1].x1 for ln in lines)
    span = right - left
    if span <= 0:
        return None
    lo, hi = int(left + 0.3 * span), int(left + 0.7 * span)
    # Words crossing each point (1 pt steps): +1 where a word starts, -1 after it ends, summed along x.
    diff = [0] * (hi - lo + 2)
    for ln in lines:
        for w in ln.words:
            a, b = max(int(w.x0) - 1, lo), min(int(w.x1) + 2, hi + 1)
            if a < b:
                diff[a - lo] += 1
                diff[b - lo] -= 1
    allowed = max(1, int(0.05 * len(lines)))
    best: tuple[int, int] | None = None  # (length, start) of the widest clear run
    run_start, crossing = None, 0
    for i in range(hi - lo + 1):
        crossing += diff[i]
        if crossing <= allowed:
            run_start = i if run_start is None else run_start
            if best is None or i - run_start + 1 > best[0]:
                best = (i - run_start + 1, run_start)
        else:
            run_start = None
    if best is None or best[0] < 4:
        return None
    x = lo + best[1] + best[0] / 2
    both_sides = [0, 0]
    for ln in lines:
        parts = (" ".join(w.text for w in ln.words if w.x1 <= x), " ".join(w.text for w in ln.words if w.x0 >= x))
        for k, part in enumerate(parts):
            if len(part) >= 15 and _wordy(part):
                both_sides[k] += 1
    need = max(4, 0.25 * len(lines))
    return x if min(both_sides) >= need else None


def _columns(lines: list[Line]) -> list[list[Line]]:
    """The page's lines in reading order, as runs that are read in one go: where a gutter runs down the page,
    a run of lines split by it is read left column first, then the right; lines across it stay in place."""
    x = _gutter(lines)
    if x is None:
        return [lines]
    runs: list[list[Line]] = []
    full: list[Line] = []
    left_run: list[Line] = []
    right_run: list[Line] = []
    for ln in lines:
        if any(w.x0 < x < w.x1 for w in ln.words):
            runs.extend(r for r in (left_run, right_run) if r)
            left_run, right_run = [], []
            full.append(ln)
            continue
        if full:
            runs.append(full)
            full = []
        lw = [w for w in ln.words if w.x1 <= x]
        rw = [w for w in ln.words if w.x0 >= x]
        if lw:
            left_run.append(Line(lw))
        if rw:
            right_run.append(Line(rw))
    runs.extend(r for r in (full, left_run, right_run) if r)
    return runs


def _body_size(lines: Sequence[Line]) -> float:
    """The most common font size on the page, counted in characters (body text, not headings or notes)."""
    counts: Counter[float] = Counter()
    for ln in lines:
        for w in ln.words:
            counts[round(w.size, 1)] += len(w.text)
    return counts.most_common(1)[0][0] if counts else 10.0


def _char_width(ln: Line) -> float:
    """A typical character's width on the line (median over its words), the unit gaps are measured in."""
    widths = sorted((w.x1 - w.x0) / len(w.text) for w in ln.words if len(w.text) >= 2 and w.x1 > w.x0)
    return widths[len(widths) // 2] if widths else ln.size * 0.5


def _line_text(ln: Line) -> str:
    """A line's text: words a space apart, three spaces where the gap is a cell gap (wider than ~2 characters;
    a justified line's widest space is about one)."""
    gap = _CELL_GAP * _char_width(ln)
    words = ln.words
    # Gaps before each word; a lone currency sign belongs to the figure after it, so where either of its
    # gaps is a cell gap, it starts a cell and cells_of joins it to its figure.
    wide = [i > 0 and words[i].x0 - words[i - 1].x1 > gap for i in range(len(words))]
    for i, w in enumerate(words[:-1]):
        if w.text in _CURRENCY and (wide[i] or wide[i + 1]):
            wide[i] = i > 0
            wide[i + 1] = True
    parts: list[str] = []
    for i, w in enumerate(words):
        if i:
            parts.append("   " if wide[i] else " ")
        parts.append(w.text)
    return "".join(parts)


def _styled(ln: Line, text: str, body: float, body_bold: bool) -> bool:
    """Set in larger or bolder type than the body: a heading, kept on its own line."""
    if len(text) > HEADING_MAX_CHARS or is_table_row(cells_of(text)):
        return False
    return ln.size >= 1.15 * body or (ln.bold and not body_bold)


def _text_lines(run: Sequence[Line], body: float, body_bold: bool) -> list[str]:
    """A run of lines as text lines, a blank line where the vertical gap is wider than the usual line spacing
    or the type changes between heading and body."""
    gaps = sorted(a.y - b.y for a, b in zip(run, run[1:]) if 0.8 * body <= a.y - b.y <= 2.5 * body)
    leading = gaps[len(gaps) // 2] if gaps else 1.2 * body
    left = min((ln.words[0].x0 for ln in run), default=0.0)
    cw = body * 0.5  # a body character's width, for indentation
    out: list[str] = []
    prev: Line | None = None
    prev_styled = False
    for ln in run:
        text = _line_text(ln)
        styled = _styled(ln, text, body, body_bold)
        if prev is not None and (prev.y - ln.y > 1.3 * max(leading, 0.9 * ln.size) or styled != prev_styled):
            out.append("")
        out.append(" " * max(0, round((ln.words[0].x0 - left) / cw)) + text)
        prev, prev_styled = ln, styled
    return out


def layout_page(lines: list[Line], furniture: set[str]) -> str:
    """Canonical text of one page from its lines (before normalisation)."""
    lines = _drop_furniture(lines, furniture)
    body = _body_size(lines)
    chars = [(len(w.text), w.bold) for ln in lines for w in ln.words if abs(w.size - body) < 0.5]
    body_bold = sum(n for n, b in chars if b) * 2 > sum(n for n, _ in chars)
    parts: list[str] = []
    for run in _columns(lines):
        parts.extend(_reflow(b) for b in _blocks(_text_lines(run, body, body_bold)))
    return "\n\n".join(parts)
def _blocks(lines: Sequence[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for ln in lines:
        if ln.strip():
            out[-1].append(ln)
        elif out[-1]:
            out.append([])
    return [b for b in out if b]


def _reflow(block: Sequence[str]) -> str:
    """One block of lines: table rows one per line; prose lines that reach the right margin run on."""
    # The block's own right margin: footnotes in small print and tables have other widths than the body.
    right = max((len(ln) for ln in block if not is_table_row(cells_of(ln))), default=0)
    out: list[str] = []
    joinable = False  # whether the previous output line is prose that ran to the right margin
    for ln in block:
        cells = cells_of(ln)
        if is_table_row(cells):
            out.append(" | ".join(cells))
            joinable = False
            continue
        s = _SPACES.sub(" ", ln.strip())
        # A long line that stops mid-sentence before a lowercase word is hard-wrapped, whatever its width.
        wraps = bool(out) and len(out[-1]) >= 40 and s[:1].islower() and not _SENTENCE_END.search(out[-1]) \
            and " | " not in out[-1]
        if (joinable or wraps) and out and not _BULLET.match(s):
            prev = out[-1]
            if _HYPHEN_END.search(prev) and s[:1].islower():
                out[-1] = prev[:-1] + s  # a word hyphenated across the line break
            else:
                out[-1] = prev + " " + s
        else:
            out.append(s)
        # A line that stops well short of the margin ends its paragraph (or is a heading).
        joinable = len(ln) >= 0.75 * right
    return "\n".join(out)
