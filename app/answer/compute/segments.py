"""Which segment had the highest figure: the cells of one figure across a filing's segments.

Filings lay segment figures out two ways, and both are read:
- segments as columns: a row that prints the figure ("Net income") under columns named for segments, not
  periods ("Consumer & Community Banking | Corporate & Investment Bank | …"), in a table whose header or
  caption names the asked year;
- segments as rows: a table whose caption or header names the figure and "segment" ("Net sales by segment"),
  rows labelled with segment names (no line item's label), and a column for the asked year;
- segments as sections: each segment's own table under its heading in capitals ("CORPORATE & INVESTMENT BANK" /
  "Selected income statement data"), the figure's row and the asked period's column in each; at least three
  headings, none of them a consolidated or notes heading.
Totals, eliminations and reconciling lines are no segment. The set with the most segments wins; each cell is
an operand like any other (app/answer/compute/operands.py), so the answer cites every compared cell.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from app.answer.compute.concepts import CONCEPTS, concept, label_rank, squash
from app.answer.compute.expr import Item
from app.answer.compute.figures import parse_figure
from app.answer.compute.operands import Found, placed, words_rank
from app.answer.compute.sheets import SheetTable, TableSource
from corpus.tables import CELL_SEP, Part, row_of

__all__ = ["find_segments"]

_NOT_SEGMENT = re.compile(r"total|consolidated|eliminat|reconcil|intersegment|inter-segment|adjustment|"
                          r"firmwide|all other|unallocated", re.I)
_CONTEXT_CHARS = 400
_WORD_HEADER = re.compile(r"[^|\d]*(?:\s\|\s[^|\d]+)+")
_YEARISH = re.compile(r"(?:19|20)\d\d|months|weeks|quarter", re.I)
_NOT_SECTION = re.compile(r"CONSOLIDATED|NOTES?\b|ITEM\b|CONTENTS|DISCUSSION|ANALYSIS|FIRMWIDE|SUMMARY|TOTAL|SELECTED"
                          r"|RECONCILIATION|NON-GAAP|SUPPLEMENT")
_HEADING_CHARS = 1200
_HEADING_LINES = 6


def _context(sheet: SheetTable) -> str:
    """The caption lines above a table and its header lines (what names its figure and period); rows of the
    table before it are not its caption."""
    t = sheet.table
    first = t.rows[0].start if t.rows else t.start
    above = sheet.text[max(0, t.start - _CONTEXT_CHARS):t.start].split("\n")
    keep: list[str] = []
    for line in reversed(above):
        if CELL_SEP in line and not _WORD_HEADER.fullmatch(line):
            break
        keep.insert(0, line)
    return "\n".join(keep) + sheet.text[t.start:first]


def _word_labels(sheet: SheetTable) -> SheetTable:
    """A table whose header row holds words ("(in millions) | Widgets | Gadgets | Total"), which the
    period-minded header reader leaves blank, with those cells (verbatim spans) as its column labels; any
    other table as it is."""
    t = sheet.table
    if any(t.columns) or not t.rows or not sheet.text:
        return sheet
    b = max(0, t.rows[0].start - 1)
    a = sheet.text.rfind("\n", 0, b) + 1
    row = row_of(sheet.text, a, b) if CELL_SEP in sheet.text[a:b] else None
    if row is not None and row.label is not None and len(row.cells) == len(t.columns):
        parts = list(row.cells)
    elif row is not None and row.label is not None and len(row.cells) + 1 == len(t.columns):
        parts = [row.label, *row.cells]
    else:
        return sheet
    if not all(re.search(r"[A-Za-z]", p.text) for p in parts):
        return sheet
    table = replace(t, columns=tuple((p,) for p in parts))
    cols = tuple(replace(c, label=p.text) for c, p in zip(sheet.columns, parts))
    return replace(sheet, table=table, columns=cols)


def _matches(item: Item, label: str) -> bool:
    if concept(item.name) is not None:
        return label_rank(item.name, label) is not None
    return words_rank(item.words, label) is not None


def _is_line_item(label: str) -> bool:
    return any(label_rank(c.name, label) is not None for c in CONCEPTS)


def _as_columns(item: Item, sheet: SheetTable) -> list[Found]:
    """Segments as columns: the figure's row under columns named for segments."""
    if str(item.year) not in _context(sheet):
        return []
    sheet = _word_labels(sheet)
    cols = [(c.index, c.label) for c in sheet.columns if c.year is None and re.search(r"[A-Za-z]{3}", c.label)
            and not _NOT_SEGMENT.search(c.label) and not _YEARISH.search(c.label)]
    if len(cols) < 2:
        return []
    for row in sheet.table.rows:
        row = placed(row, len(sheet.columns), sheet.text)
        if row.label is None or len(row.cells) != len(sheet.columns) or not _matches(item, row.label.text):
            continue
        found = [Found(item, sheet, row, j, v, 0.0) for j, _ in cols
                 if (v := parse_figure(row.cells[j].text)) is not None]
        if len(found) >= 2:
            return found
    return []


def _as_rows(item: Item, sheet: SheetTable, months: int | None) -> list[Found]:
    """Segments as rows: a table about the figure and segments, one row per segment, a column of the year."""
    raw = _context(sheet)
    ctx = squash(raw)
    c = concept(item.name)
    named = bool(item.words) and squash(item.words) in ctx or bool(c and re.search(c.asked, raw, re.I))
    if "segment" not in ctx or not named:
        return []
    cols = [col for col in sheet.columns if col.year == item.year and
            (col.months == months if months else col.months in (None, 12))]
    if not cols:
        return []
    j = cols[0].index
    out = []
    for row in sheet.table.rows:
        row = placed(row, len(sheet.columns), sheet.text)
        if row.label is None or len(row.cells) != len(sheet.columns):
            continue
        label = row.label.text
        if _NOT_SEGMENT.search(label) or _is_line_item(label):
            continue
        v = parse_figure(row.cells[j].text)
        if v is not None:
            out.append(Found(item, sheet, row, j, v, 0.0))
    return out if len(out) >= 2 else []


def _heading(sheet: SheetTable) -> str | None:
    """The heading in capitals a few lines above a table ("CORPORATE & INVESTMENT BANK"), or None."""
    lines = sheet.text[max(0, sheet.table.start - _HEADING_CHARS):sheet.table.start].split("\n")
    for line in reversed(lines[-_HEADING_LINES:]):
        s = line.strip()
        if CELL_SEP in s:
            return None  # another table sits between
        if 2 <= len(s.split()) <= 8 and len(s) <= 60 and s.upper() == s and re.search(r"[A-Z]{3}", s):
            return None if _NOT_SECTION.search(s) else s
    return None


def _as_sections(item: Item, sheets: Sequence[SheetTable], months: int | None) -> list[Found]:
    """Segments as sections: the figure in each headed table, one per heading."""
    by_heading: dict[str, Found] = {}
    for sheet in sheets:
        head = _heading(sheet)
        if head is None or head in by_heading:
            continue
        cols = [c for c in sheet.columns if c.year == item.year and (c.months == months if months else
                                                                    c.months in (None, 12))]
        for row in sheet.table.rows:
            row = placed(row, len(sheet.columns), sheet.text)
            if not cols or row.label is None or len(row.cells) != len(sheet.columns) or not _matches(
                    item, row.label.text):
                continue
            v = parse_figure(row.cells[cols[0].index].text)
            if v is not None:
                labelled = replace(sheet, table=replace(sheet.table, columns=tuple(
                    ((Part(*_heading_span(sheet, head)),) + cols_ if j == cols[0].index else cols_)
                    for j, cols_ in enumerate(sheet.table.columns))))
                by_heading[head] = Found(item, labelled, row, cols[0].index, v, 0.0)
                break
    return list(by_heading.values()) if len(by_heading) >= 3 else []


def _heading_span(sheet: SheetTable, head: str) -> tuple[int, int, str]:
    """The heading's span (it names the segment, so it is part of the operand's column label)."""
    a = sheet.text.rfind(head, 0, sheet.table.start)
    return a, a + len(head), head


def find_segments(item: Item, docs: Sequence[str], source: TableSource, months: int | None = None
                  ) -> list[Found]:
    """One cell per segment for `item` at its year (the largest such set in the documents), or []."""
    best: list[Found] = []
    for doc_id in docs:
        sheets = source.tables(doc_id)
        for sheet in sheets:
            for found in (_as_columns(item, sheet), _as_rows(item, sheet, months)):
                if len(found) > len(best):
                    best = found
        found = _as_sections(item, sheets, months)
        if len(found) > len(best):
            best = found
    return best
