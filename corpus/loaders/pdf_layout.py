"""PDF page text in reading order: pypdf's layout lines, read column by column, tables as ` | ` rows,
prose lines reflowed into paragraphs, running headers/footers and page numbers left out.

Measured on financebench-dev filings (3M 2018 10-K, pp. 56-65; PepsiCo Q1 2023 release), 2 shared cores:
pypdf layout mode 0.22 s/page, pdfplumber 0.52 s/page text (+0.7 s/page for its tables, which found
no rows on the ruling-free SEC statements), pypdfium2 0.015 s/page but plain text (no positions kept,
so table cells lose their columns). pypdf's layout mode keeps each table row on one line with the
columns at their x position, which is what rows and columns are rebuilt from here.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from itertools import accumulate

__all__ = ["furniture_keys", "layout_page", "page_lines"]

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
_SOLID = re.compile(r"\S")
_BLANK_RUN = re.compile(r"\s{3,}")


def page_lines(page: object) -> list[str]:
    """A pypdf page's text as layout lines (columns at their x position, blank lines for vertical gaps)."""
    text = page.extract_text(extraction_mode="layout", layout_mode_space_vertically=True)  # type: ignore[attr-defined]
    return [ln.rstrip() for ln in text.replace("\r", "").split("\n")]


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


def _edges(lines: Sequence[str]) -> list[int]:
    idx = [i for i, ln in enumerate(lines) if ln.strip()]
    return sorted(set(idx[:_EDGE_LINES] + idx[-_EDGE_LINES:]))


def furniture_keys(pages: Sequence[Sequence[str]]) -> set[str]:
    """Edge lines that repeat (digits aside) on at least half of the pages with text: running headers/footers."""
    with_text = [p for p in pages if any(ln.strip() for ln in p)]
    if len(with_text) < 4:
        return set()
    counts: Counter[str] = Counter()
    for p in with_text:
        counts.update({_edge_key(p[i]) for i in _edges(p)})
    return {k for k, n in counts.items() if k and n >= max(3, len(with_text) // 2) and any(c.isalnum() for c in k)}


def _drop_furniture(lines: list[str], keys: set[str]) -> list[str]:
    drop = {i for i in _edges(lines)
            if _edge_key(lines[i]) in keys or _PAGE_NUMBER.fullmatch(lines[i].strip()) is not None}
    if len(drop) == sum(1 for ln in lines if ln.strip()):
        return lines  # a page made only of repeated lines is content (a form, a one-line slide), not furniture
    return [("" if i in drop else ln) for i, ln in enumerate(lines)]


class _Split:
    """One layout line, prepared so that cutting it at any column is judged in constant time: where its
    non-blank characters are, and running counts of its letters and of its characters other than " "."""

    def __init__(self, line: str) -> None:
        self.line = line
        self.solid = [m.start() for m in _SOLID.finditer(line)]
        self.letters = list(accumulate(map(str.isalpha, line), initial=0))
        self.unspaced = list(accumulate((ch != " " for ch in line), initial=0))

    def clear(self, x: int) -> bool:
        """Whether line[x - 1:x + 2] is blank (or past the end)."""
        k = bisect_left(self.solid, x - 1)
        return k == len(self.solid) or self.solid[k] > x + 1

    def sides(self, x: int) -> bool:
        """Whether line[:x].strip() and line[x:].strip() are both 15+ characters of mostly letters (_wordy)."""
        k = bisect_left(self.solid, x)
        if k == 0 or k == len(self.solid):
            return False
        first, before, after, last = self.solid[0], self.solid[k - 1], self.solid[k], self.solid[-1]
        return (before - first >= 14 and last - after >= 14
                and self._wordy(first, before + 1) and self._wordy(after, last + 1))

    def _wordy(self, a: int, b: int) -> bool:
        return self.letters[b] - self.letters[a] >= 0.6 * (self.unspaced[b] - self.unspaced[a])


def _gutter(lines: Sequence[str]) -> int | None:
    """Column of the gap between two text columns, or None for a one-column page (tables are not columns).

    A gap is a column blank on 95 % of the lines with 15+ characters of words on both sides on enough of them.
    Linear in the page's text: blank columns are counted from each line's runs of spaces, and only the columns
    blank enough are then tried, each on the lines long enough to reach it (layout lines can be thousands of
    characters wide, mostly spaces; cutting and stripping every line at every column took minutes)."""
    body = [ln for ln in lines if ln.strip()]
    if len(body) < 8:
        return None
    width = max(len(ln) for ln in body)
    lo, hi = int(width * 0.3), int(width * 0.7)
    if lo < 1 or hi <= lo:
        return None
    clear = [0] * (hi - lo + 1)  # differences: how many lines are blank at each column
    for ln in body:
        text = ln.rstrip()
        for m in _BLANK_RUN.finditer(text):  # blank at x when x-1, x and x+1 lie in one run of spaces
            _count(clear, lo, hi, m.start() + 1, m.end() - 2)
        _count(clear, lo, hi, len(text) + 1, hi - 1)  # from the trailing spaces on, or past the end
    splits = sorted((_Split(ln) for ln in body), key=lambda sp: -len(sp.line))
    best: tuple[int, int] | None = None
    blank = 0
    for x in range(lo, hi):
        blank += clear[x - lo]
        if blank < 0.95 * len(body):
            continue
        both = 0
        for sp in splits:
            if len(sp.line) < x + 15:
                break  # shorter lines cannot hold 15 characters right of x (they are sorted longest first)
            if sp.clear(x) and sp.sides(x):
                both += 1
        if both >= max(6, 0.3 * len(body)) and (best is None or both > best[1]):
            best = (x, both)
    return best[0] if best else None


def _count(diff: list[int], lo: int, hi: int, a: int, b: int) -> None:
    """Add 1 to columns a..b (inclusive) of a difference array over columns lo..hi-1."""
    a, b = max(a, lo), min(b, hi - 1)
    if a <= b:
        diff[a - lo] += 1
        diff[b - lo + 1] -= 1


def _columns(lines: list[str]) -> list[list[str]]:
    """The page's columns, left first (one column unless a gutter runs down the page)."""
    x = _gutter(lines)
    if x is None:
        return [lines]
    return [[ln[:x].rstrip() for ln in lines], [ln[x:].rstrip() for ln in lines]]


def _blocks(lines: Sequence[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for ln in lines:
        if ln.strip():
            out[-1].append(ln)
        elif out[-1]:
            out.append([])
    return [b for b in out if b]


def _reflow(block: Sequence[str]) -> str:
    """One block of lines: table rows one per line; prose lines that reach the right margin run on.

    Linear in the block's size (a one-page block of 5 MB once took an hour): a paragraph is kept as pieces
    joined once at the end, and the tests on "the paragraph so far" look only at its last line — what they
    look for (a sentence end, a hyphen after a letter) holds no space and no lowercase start, so it never
    spans the join of two lines."""
    rows = [(ln, cells_of(ln)) for ln in block]
    # The block's own right margin: footnotes in small print and tables have other widths than the body.
    right = max((len(ln) for ln, cells in rows if not is_table_row(cells)), default=0)
    out: list[list[str]] = []  # paragraphs and table rows, each as pieces to concatenate
    last = ""  # the last line added to out[-1]
    size = 0  # characters in out[-1]
    piped = False  # whether out[-1] holds " | " (a table row, or prose quoting one)
    bar_end = False  # whether out[-1] ends with " |" (a " | " may then span the next join)
    joinable = False  # whether out[-1] is prose that ran to the right margin
    for ln, cells in rows:
        if is_table_row(cells):
            last = " | ".join(cells)
            out.append([last])
            size, piped, bar_end, joinable = len(last), True, last.endswith(" |"), False
            continue
        s = _SPACES.sub(" ", ln.strip())
        # A long line that stops mid-sentence before a lowercase word is hard-wrapped, whatever its width.
        wraps = bool(out) and size >= 40 and s[:1].islower() and not _SENTENCE_END.search(last) and not piped
        if (joinable or wraps) and out and not _BULLET.match(s):
            if _HYPHEN_END.search(last) and s[:1].islower():
                out[-1][-1] = last[:-1]  # a word hyphenated across the line break
                out[-1].append(s)
                size += len(s) - 1
                bar_end = s.endswith(" |")
            else:
                piped = piped or bar_end or s.startswith("| ")
                out[-1] += [" ", s]
                size += 1 + len(s)
                bar_end = (" " + s).endswith(" |")
            piped = piped or " | " in s
        else:
            out.append([s])
            size, piped, bar_end = len(s), " | " in s, s.endswith(" |")
        last = s
        # A line that stops well short of the margin ends its paragraph (or is a heading).
        joinable = len(ln) >= 0.75 * right
    return "\n".join("".join(pieces) for pieces in out)


def layout_page(lines: list[str], furniture: set[str]) -> str:
    """Canonical text of one page from its layout lines (before normalisation)."""
    parts: list[str] = []
    for column in _columns(_drop_furniture(lines, furniture)):
        parts.extend(_reflow(b) for b in _blocks(column))
    return "\n\n".join(parts)
