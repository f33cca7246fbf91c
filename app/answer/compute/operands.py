"""The operand finder: the cell that holds a line item for a fiscal year, in the statements of the documents a
question names.

A candidate is a table row whose label prints the item (app/answer/compute/concepts.py; for words no concept
knows, a row label holding the same words) and a column of the asked year. Candidates are ranked by, in order
of weight: the statement the question names for that item, the item's own statement (a balance-sheet item
from the balance sheet), a caption over the table (the consolidated statement rather than an MD&A summary of
it), the full-year column for a flow, the label pattern's rank, and the document's rank among those the
question names. The cited span runs from the table's header line over the column to the end of the row, like a
table-cell answer (app/answer/cells.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from app.answer.compute.concepts import CASHFLOW, INCOME, concept, label_rank, squash
from app.answer.compute.expr import Item
from app.answer.compute.figures import operand_value, parse_figure
from app.answer.compute.sheets import SheetTable, TableSource
from corpus.tables import Part, Row

__all__ = ["Found", "find_operand", "placed", "words_rank"]

_W_ASKED_STATEMENT = 4.0
_W_HOME = 3.0
_W_CAPTION = 2.0
_W_PRIMARY = 1.0
_W_QUESTION_STATEMENT = 1.0
_W_PART_YEAR = 5.0
_W_LABEL = 0.5
_W_DOC = 0.3
_LEADERS = re.compile(r"[.\s…·_]+")
_FOOTNOTE_CELL = re.compile(r"\([a-z]\)|\*+")
_STOP = {"the", "of", "and", "in", "for", "from", "total", "net", "amount", "value", "fy", "year", "end", "s"}


@dataclass(frozen=True)
class Found:
    """A line item's cell: where it is, what it prints and the value it stands for (see `value`)."""

    item: Item
    sheet: SheetTable
    row: Row
    column: int
    printed: Decimal
    score: float

    @property
    def label(self) -> Part:
        """The row label span."""
        assert self.row.label is not None
        return self.row.label

    @property
    def column_parts(self) -> tuple[Part, ...]:
        """The column label's header pieces."""
        return self.sheet.table.columns[self.column]

    @property
    def cell(self) -> Part:
        """The cell span."""
        return self.row.cells[self.column]

    @property
    def magnitude(self) -> bool:
        """Whether the item is read as a magnitude (an outflow printed in parentheses)."""
        c = concept(self.item.name)
        return bool(c and c.magnitude)

    @property
    def value(self) -> Decimal:
        """The value the formula uses, in printed units (figures.operand_value)."""
        v = operand_value(self.cell.text, self.magnitude)
        assert v is not None
        return v

    @property
    def scale(self) -> str | None:
        """The row's scale ("millions"; "units" for a per-share row; None when no unit line says)."""
        return self.sheet.row_scale(self.label.text)

    @property
    def span(self) -> tuple[int, int]:
        """The cited span: from the header line holding the column label (or the row) to the end of the row."""
        table = self.sheet.table
        first = min(p.start for p in (self.label, *self.column_parts, self.cell))
        start = next((h.start for h in table.header if h.start <= first <= h.end), first)
        return start, self.row.end


def placed(row: Row, n: int, text: str) -> Row:
    """A row as its n value columns read it: cells that are only dot leaders or a footnote mark dropped
    ("Property and equipment, net | ...... | 787 | 785", "Net income | 3,100 | 5,645 | (c) | (45)"), and a label the PDF split into cells ("Total | current assets | 5,121.3 |
    4,186.5") joined back into one label span when the extra leading cells hold words, not figures."""
    cells = tuple(c for c in row.cells if not _LEADERS.fullmatch(c.text) and not _FOOTNOTE_CELL.fullmatch(c.text))
    extra = len(cells) - n
    if row.label is not None and extra > 0 and text and all(
            parse_figure(c.text) is None and re.search(r"[A-Za-z]", c.text) for c in cells[:extra]):
        end = cells[extra - 1].end
        return Row(row.start, row.end, Part(row.label.start, end, text[row.label.start:end]), cells[extra:])
    return row if cells == row.cells else Row(row.start, row.end, row.label, cells)


def words_rank(words: str, label: str) -> int | None:
    """For an item no concept knows: 0 when the row label holds the same words as the question (stop words
    aside), 1 when it shares most of them, None otherwise."""
    a = {squash(w) for w in re.findall(r"[A-Za-z&]+", words)} - _STOP - {""}
    b = {squash(w) for w in re.findall(r"[A-Za-z&]+", label)} - _STOP - {""}
    if not a or not b:
        return None
    if a == b:
        return 0
    shared = len(a & b)
    return 1 if shared / max(len(a), len(b)) >= 0.6 else None


def _rank(item: Item, label: str) -> int | None:
    if item.printed:  # the figure as the filing prints it: a row labelled with the question's own words
        return 0 if words_rank(item.words, label) == 0 else None
    if concept(item.name) is not None:
        return label_rank(item.name, label)
    return words_rank(item.words or item.name, label)


def find_operand(item: Item, docs: Sequence[str], source: TableSource, statements: Sequence[str] = (),
                 months: int | None = None) -> Found | None:
    """The best cell for `item` (an absolute year) among the tables of `docs` (best-named first), or None.

    `statements` are those the question names for the whole figure; `item.statement` the one it names for this
    item. `months` asks for a part-year column (3: a quarter, 6, 9) instead of the full year."""
    if item.year is None:
        return None
    c = concept(item.name)
    home = c.home if c else ()
    stock = bool(c and c.stock)
    best: Found | None = None
    for d, doc_id in enumerate(docs):
        for sheet in source.tables(doc_id):
            cols = [col for col in sheet.columns if col.year == item.year]
            if not cols:
                continue
            score0 = -_W_DOC * d
            if item.statement:
                score0 += _W_ASKED_STATEMENT if sheet.kind == item.statement else 0.0
            if sheet.kind in home:
                score0 += _W_HOME - home.index(sheet.kind) * 0.5
            elif home and sheet.kind in (CASHFLOW, INCOME) and not stock:
                score0 += 0.5  # a flow read from another flow statement beats a note
            if sheet.captioned:
                score0 += _W_CAPTION
            if sheet.primary:
                score0 += _W_PRIMARY
            if sheet.kind in statements:
                score0 += _W_QUESTION_STATEMENT
            for row in sheet.table.rows:
                row = placed(row, len(sheet.columns), sheet.text)
                if row.label is None or len(row.cells) != len(sheet.columns):
                    continue  # a row whose cells cannot be placed under the columns is not read
                r = _rank(item, row.label.text)
                if r is None:
                    continue
                for col in cols:
                    cell = row.cells[col.index].text
                    value = parse_figure(cell)
                    if value is None or (item.printed and (item.printed == "%") != ("%" in cell)):
                        continue
                    score = score0 - _W_LABEL * r
                    if months is not None:
                        score += _W_PART_YEAR if col.months == months else -_W_PART_YEAR
                    elif not stock and col.months not in (None, 12):
                        score -= _W_PART_YEAR  # a fiscal-year flow is not read from a quarter's column
                    if best is None or score > best.score:  # ties: the first row, the first column
                        best = Found(item, sheet, row, col.index, value, score)
    return best
