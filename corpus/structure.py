"""Document structure read from canonical text: headings, section paths, and lines that are never answers
(headings, table-of-contents lines, table header rows, cover-page fragments).

Works on the canonical text of every format: loaders put a heading on a line of its own (Markdown `#`,
HTML h1-h6, DOCX heading styles, PDF short lines), so one reader serves them all.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from corpus.captions import caption_kind, mend

__all__ = ["Heading", "SECTION_SEP", "headings", "is_fragment", "is_heading_line", "row_context", "section_at",
           "Sections"]

SECTION_SEP = " › "
HEADING_MAX_CHARS = 100

_MD = re.compile(r"(#{1,6})\s+(.+?)\s*#*")
_PART = re.compile(r"PART\s+[IVX]+\b.*", re.I)
_ITEM = re.compile(r"ITEM\s+\d{1,2}[A-C]?\b\.?.*", re.I)
# "NOTE 7. Supplemental Balance Sheet Information", "Note 3 — Acquisitions", "Notes to Consolidated Financial
# Statements": a note closes the statement before it (a statement caption is level 3).
_NOTE = re.compile(r"(?:NOTE\s+\d{1,2}[A-Z]?\b\.?:?\s*[-–—]?\s*\S.*|NOTES?\s+TO\s+(?:THE\s+)?(?:CONDENSED\s+)?"
                   r"(?:CONSOLIDATED\s+)?(?:FINANCIAL\s+STATEMENTS|(?:CONSOLIDATED\s+)?FINANCIAL).*)", re.I)
_NUMBERED = re.compile(r"(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+[A-Z].*")
_SENTENCE_END = re.compile(r"[.!?;,:][\"')\]”’]*$|\[\d+\]$")
# A table-of-contents line: a title, then dot leaders or a cell, then a page number.
_TOC = re.compile(r"(?:.*?[A-Za-z].*?(?:\.{3,}|…+)|(?:item|part|note)\b.*[A-Za-z].*\s)\s*(?:page\s+)?\d{1,3}\s*$", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’&-]*")
_SMALL_WORDS = frozenset("a an the of and or for to in on at by with from as vs per its our".split())
_YEARISH = re.compile(r"\(?(?:19|20)\d\d\)?|[A-Z][a-z]{2,8}\.? \d{1,2},? (?:19|20)\d\d|Q[1-4]|FY\s?\d{2,4}")
_FIGURE = re.compile(r"\d")
_DATE = re.compile(r"\W*(?:\d{1,2}\s+[A-Za-z]+\.?,?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2},?\s+\d{4})\W*")
# The words of a table's column header: periods, dates, units, change columns ("13 Weeks Ended 52 Weeks Ended
# January 28,", "Q1 Q2 SIX MONTHS Q3", "Years Ended December 31", "(In millions) 2023 2022 % Change").
_HEADER_WORDS = frozenset("""jan january feb february mar march apr april may jun june jul july aug august sep sept
september oct october nov november dec december week weeks month months ended ending end year years fiscal fy
quarter quarters q h ytd three six nine twelve thirteen fifty two fiftytwo fiftythree twenty thirty half full first
second third fourth period periods as of at and the for to total change changes percent pct unaudited audited
restated reported actual in millions thousands billions except per share data amounts dollars usd vs versus
increase decrease favorable unfavorable""".split())
_YEARS = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_SPLIT_MONTH = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*…?$", re.I)


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


def is_column_header(line: str) -> bool:
    """Whether a line is a table's column header set as plain text (periods, dates, years, units, "% change")
    rather than words of its own: such a line is never a heading, so never part of a section path."""
    words = re.findall(r"[A-Za-z]+", line)
    if not words:
        return bool(re.search(r"\d", line))
    own = [w for w in words if w.lower() not in _HEADER_WORDS and not _SPLIT_MONTH.fullmatch(w)]
    if not own:
        return bool(re.search(r"\d", line)) or len(words) >= 2
    # two or more periods with one word beside them: "At December 31, 2019 At December 31, 2018 Assets"
    return len(own) == 1 and len(_YEARS.findall(line)) >= 2


def is_heading_line(line: str) -> int | None:
    """Level of `line` if it reads as a heading, else None (the line is stripped, without its newline).
    A statement caption is a level-3 heading however it is set; a column header is never one."""
    line = line.strip()
    if not line or " | " in line or is_column_header(line):
        return None
    if caption_kind(line) is not None and not _TOC.fullmatch(line):
        return STATEMENT_LEVEL
    if len(line) > HEADING_MAX_CHARS:
        return None
    m = _MD.fullmatch(line)
    if m:
        return len(m.group(1))
    if _PART.fullmatch(line) and len(line) < 60:
        return 0
    if _ITEM.fullmatch(line) and not _SENTENCE_END.search(line.rstrip(".")):
        return 1
    if _NOTE.fullmatch(line) and len(line) < 90 and not _SENTENCE_END.search(line):
        return 2
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
            and not _SENTENCE_END.search(line) and sum(ch.isalpha() for ch in line) >= 3
            and not is_column_header(line))


def _lines(text: str) -> list[tuple[int, str]]:
    """(start offset, line) of every non-blank line."""
    out: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, line))
        pos += len(line) + 1
    return out


STATEMENT_LEVEL = 3
"""Level of a financial statement's caption: as an all-capitals heading, so one statement's caption closes the
previous statement's section (rows of the cash-flow statement never carry the equity statement's name)."""
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
        if len(line) > HEADING_MAX_CHARS + 10 and caption_kind(line) is None:
            continue
        prev_row = i > 0 and " | " in lines[i - 1][1]
        next_row = i + 1 < len(lines) and " | " in lines[i + 1][1]
        level = is_heading_line(line)
        if level is None and next_row and not prev_row and _caption(line):
            level = CAPTION_LEVEL
        if level is None or _TOC.fullmatch(line.strip()):
            continue
        cap = caption_kind(line) if level == STATEMENT_LEVEL else None
        if prev_row and next_row and level >= 3 and (cap is None or re.search(r"continued|cont'?d", line, re.I)):
            level = ROW_GROUP_LEVEL
            cap = None
        s = pos + len(line) - len(line.lstrip())
        e = pos + len(line.rstrip())
        clean = _MD.fullmatch(line.strip())
        # a caption's heading text is its statement's name ("Consolidated Statement of Income"), without the
        # company name and period phrase around it on the same line
        name = mend(line[cap[1]:cap[2]]) if cap else (clean.group(2) if clean else text[s:e])
        out.append(Heading(s, e, level, name))
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
