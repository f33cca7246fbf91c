"""Document structure read from canonical text: headings, section paths, and lines that are never answers
(headings, table-of-contents lines, table header rows, cover-page fragments).

Works on the canonical text of every format: loaders put a heading on a line of its own (Markdown `#`,
HTML h1-h6, DOCX heading styles, PDF short lines), so one reader serves them all.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

__all__ = ["Heading", "SECTION_SEP", "headings", "is_fragment", "is_heading_line", "row_context", "section_at",
           "Sections"]

SECTION_SEP = " › "
HEADING_MAX_CHARS = 100

_MD = re.compile(r"(#{1,6})\s+(.+?)\s*#*")
_PART = re.compile(r"PART\s+[IVX]+\b.*", re.I)
_ITEM = re.compile(r"ITEM\s+\d{1,2}[A-C]?\b\.?.*", re.I)
_NUMBERED = re.compile(r"(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+[A-Z].*")
_SENTENCE_END = re.compile(r"[.!?;,:][\"')\]”’]*$|\[\d+\]$")
# A table-of-contents line: a title, then dot leaders or a cell, then a page number.
_TOC = re.compile(r"(?:.*?[A-Za-z].*?(?:\.{3,}|…+)|(?:item|part|note)\b.*[A-Za-z].*\s)\s*(?:page\s+)?\d{1,3}\s*$", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’&-]*")
_SMALL_WORDS = frozenset("a an the of and or for to in on at by with from as vs per its our".split())
_YEARISH = re.compile(r"\(?(?:19|20)\d\d\)?|[A-Z][a-z]{2,8}\.? \d{1,2},? (?:19|20)\d\d|Q[1-4]|FY\s?\d{2,4}")
_FIGURE = re.compile(r"\d")
_DATE = re.compile(r"\W*(?:\d{1,2}\s+[A-Za-z]+\.?,?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2},?\s+\d{4})\W*")


@dataclass(frozen=True)
class Heading:
    """A heading line: its span in the text, its level (0 = part, 1 = item/chapter, deeper = more) and text."""

    start: int
    end: int
    level: int
    text: str


def _title_case(line: str) -> bool:
    words = _WORD.findall(line)
    if not words:
        return False
    big = [w for w in words if w.lower() not in _SMALL_WORDS]
    return bool(big) and sum(w[0].isupper() for w in big) >= 0.8 * len(big)


def is_heading_line(line: str) -> int | None:
    """Level of `line` if it reads as a heading, else None (the line is stripped, without its newline)."""
    line = line.strip()
    if not line or len(line) > HEADING_MAX_CHARS or " | " in line:
        return None
    m = _MD.fullmatch(line)
    if m:
        return len(m.group(1))
    if _PART.fullmatch(line) and len(line) < 60:
        return 0
    if _ITEM.fullmatch(line) and not _SENTENCE_END.search(line.rstrip(".")):
        return 1
    if not line[0].isupper() and not line[0].isdigit():
        return None
    if _SENTENCE_END.search(line) or sum(ch.isalpha() for ch in line) < 3 or _DATE.fullmatch(line):
        return None
    n = _NUMBERED.fullmatch(line)
    if n:
        return 2 + n.group(1).count(".")
    if line.isupper():
        return 3
    if _title_case(line):
        return 4  # below an all-capitals heading: filings write "CONSOLIDATED BALANCE SHEETS" over "Assets"
    return None


def _caption(line: str) -> bool:
    """A short line right above a table that names it ("Consolidated Statement of Cash Flows Years ended
    December 31"): starts with a capital, no sentence ending, not a table row itself."""
    line = line.strip()
    return (0 < len(line) <= HEADING_MAX_CHARS and line[0].isupper() and " | " not in line
            and not _SENTENCE_END.search(line) and sum(ch.isalpha() for ch in line) >= 3)


def _lines(text: str) -> list[tuple[int, str]]:
    """(start offset, line) of every non-blank line."""
    out: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, line))
        pos += len(line) + 1
    return out


CAPTION_LEVEL = 4
"""Level of a table's caption (the line above its first row)."""
ROW_GROUP_LEVEL = 5
"""Level of a label line between two rows of a table ("Cash Flows from Investing Activities"): a
sub-section of the table, so the caption stays in the path."""


def headings(text: str) -> list[Heading]:
    """Heading lines of a canonical text, in order; a heading stands alone on its line.

    Around tables (rows `cell | cell`): the line above a table's first row is its caption, and a
    heading-like line between two rows is a row group under that caption."""
    out: list[Heading] = []
    lines = _lines(text)
    for i, (pos, line) in enumerate(lines):
        if len(line) > HEADING_MAX_CHARS + 10:
            continue
        prev_row = i > 0 and " | " in lines[i - 1][1]
        next_row = i + 1 < len(lines) and " | " in lines[i + 1][1]
        level = is_heading_line(line)
        if level is None and next_row and not prev_row and _caption(line):
            level = CAPTION_LEVEL
        if level is None or _TOC.fullmatch(line.strip()):
            continue
        if prev_row and next_row and level >= 3:
            level = ROW_GROUP_LEVEL
        s = pos + len(line) - len(line.lstrip())
        e = pos + len(line.rstrip())
        clean = _MD.fullmatch(line.strip())
        out.append(Heading(s, e, level, clean.group(2) if clean else text[s:e]))
    return out


class Sections:
    """Section paths of a text: `at(offset)` is the path of headings in force at that offset."""

    def __init__(self, text: str) -> None:
        self._starts: list[int] = []
        self._paths: list[str] = []
        stack: list[Heading] = []
        for h in headings(text):
            while stack and stack[-1].level >= h.level:
                stack.pop()
            stack.append(h)
            self._starts.append(h.start)
            self._paths.append(SECTION_SEP.join(_short(x.text) for x in stack[-3:]))

    def at(self, offset: int) -> str:
        """Section path in force at `offset` ('' before the first heading)."""
        i = bisect.bisect_right(self._starts, offset) - 1
        return self._paths[i] if i >= 0 else ""

    def of_span(self, start: int, end: int) -> str:
        """Section of a passage: the path at its start, or at its first heading when it opens with one."""
        i = bisect.bisect_left(self._starts, start)
        if i < len(self._starts) and self._starts[i] < min(end, start + 200):
            return self._paths[i]
        return self.at(start)


def section_at(text: str, offset: int) -> str:
    """Section path at one offset of a text (builds the heading list; use Sections for many offsets)."""
    return Sections(text).at(offset)


def _short(heading: str) -> str:
    """A heading as shown in a path: 'Item 7.' style headings keep only their number when long."""
    h = " ".join(heading.split())
    return h if len(h) <= 60 else h[:57].rstrip() + "…"


def is_fragment(sentence: str, title: str = "") -> bool:
    """True for a line that is never an answer: a heading, the title, a table-of-contents line,
    a table header row, or a short cover-page fragment without a sentence's punctuation."""
    s = " ".join(sentence.split())
    if not s:
        return True
    if title and s == " ".join(title.split()) and not s.endswith((".", "!", "?")):
        return True  # a first line that ends like a sentence is a sentence (one-line documents)
    if " | " in s:
        cells = [c.strip() for c in s.split(" | ")]
        label = cells[0]
        # A header row (years, periods, column names) or a contents row ("ITEM 7 | MD&A | 25").
        if all(_YEARISH.fullmatch(c) or not _FIGURE.search(c) for c in cells):
            return True
        if _ITEM.match(label) or _PART.match(label):
            return True
        return not any(ch.isalpha() for ch in s)
    if _TOC.fullmatch(s) and len(s) < 140:
        return True
    if is_heading_line(s) is not None and not _SENTENCE_END.search(s):
        return True
    words = s.split()
    # Cover-page pieces: a few words with no sentence punctuation ("(NASDAQ: ULTA)", "Fiscal 2023 Outlook").
    return len(words) < 6 and not s.endswith((".", "!", "?"))


def row_context(sections: Sections, start: int, text: str) -> str:
    """What a table row is about, for its embedding and sentence BM25: the last two elements of the
    section path at the row (its table's caption and row group). '' for a line that is not a row.

    A row alone ("Inventories | 5,409 | 5,209") does not say which statement it belongs to."""
    if " | " not in text:
        return ""
    return SECTION_SEP.join(sections.at(start).split(SECTION_SEP)[-2:])
