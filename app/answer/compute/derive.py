"""Whether a number a model states follows from the table cells it cites — the computation engine's answer to
the LLM support check (app/answer/support.py), which otherwise removes any sentence whose number is not in
its evidence.

`derivation(number, cited, doc_text, question)` reads every table row inside the cited spans (corpus/tables.py:
row label, column label, cell), then looks for the number among, in order:
1. the question's own computation (app/answer/compute/question.py) with operands taken from the cited tables
   only — "FY2019 fixed asset turnover" derived from the cited revenue and PP&E rows;
2. each cell, in its unit line's scale or converted to the scale the number names ("8.7 billion" from
   "8,738" in millions);
3. each pair of cells that an analyst compares: two periods of one row (the change and the percentage change,
   later period against earlier), or two rows of one column (ratio, difference, sum); at most `MAX_CELLS`
   cells.
A candidate matches when it rounds, half-up, to the number at the number's own decimal places (a percentage
also as a fraction ×100). It returns the derivation (its expression and operands) or None; `derivable` is the
yes/no the support check calls.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Callable, Sequence

from app.answer.compute.engine import compute
from app.answer.compute.figures import SCALES, clean_label, operand_value, quantize
from app.answer.compute.operands import placed
from app.answer.compute.question import read_question
from app.answer.compute.sheets import SheetTable, read_tables
from corpus.tables import CELL_SEP

__all__ = ["Derivation", "MAX_CELLS", "derivable", "derivation"]

MAX_CELLS = 60
"""Most cells read from the cited spans for the pairwise search."""
_CLAIM = re.compile(r"^\s*\(?-?\$?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*\)?\s*(?P<pct>%|percent)?"
                    r"\s*(?P<scale>thousand|million|billion|bn|mm|m\b)?", re.I)
_SCALE_WORD = {"thousand": "thousands", "million": "millions", "m": "millions", "mm": "millions",
               "billion": "billions", "bn": "billions"}


@dataclass(frozen=True)
class Derivation:
    """How a stated number follows from cited cells: an expression over the cells' texts and its value."""

    expression: str
    operands: tuple[str, ...]
    """Each operand as "row label, column label: cell"."""
    value: Decimal


@dataclass(frozen=True)
class _Cell:
    label: str
    column: str
    text: str
    value: Decimal
    scale: str | None
    row: int
    """Start of its row (cells of one row share it)."""
    col: tuple[int, int]
    """(table start, column index): cells of one column share it."""
    year: int | None

    def base(self) -> Decimal:
        return self.value * SCALES.get(self.scale or "", Decimal(1))

    def __str__(self) -> str:
        return f"{self.label}, {self.column}: {self.text}"


class _Cited:
    """The cited spans' tables as a TableSource: only tables that overlap a cited span."""

    def __init__(self, tables: dict[str, list[SheetTable]]) -> None:
        self._t = tables

    def tables(self, doc_id: str) -> Sequence[SheetTable]:
        return self._t.get(doc_id, [])


def _claim(number: str) -> tuple[Decimal, int, bool, str | None] | None:
    m = _CLAIM.match(number or "")
    if not m:
        return None
    digits = m.group("num").replace(",", "")
    try:
        v = Decimal(digits)
    except InvalidOperation:
        return None
    places = len(digits.split(".")[1]) if "." in digits else 0
    scale = _SCALE_WORD.get((m.group("scale") or "").lower())
    return v, places, bool(m.group("pct")), scale


def _matches(candidate: Decimal, value: Decimal, places: int) -> bool:
    return quantize(abs(candidate), places) == value


def _cited_tables(cited: Sequence[object], doc_text: Callable[[str], str]) -> dict[str, list[SheetTable]]:
    out: dict[str, list[SheetTable]] = {}
    for c in cited:
        doc_id, start, end = str(getattr(c, "doc_id")), int(getattr(c, "start")), int(getattr(c, "end"))
        text = doc_text(doc_id) or ""
        if CELL_SEP not in text[start:end]:
            continue
        for t in read_tables(doc_id, text):
            if t.table.start < end and start < t.table.end + 1 and t not in out.get(doc_id, []):
                out.setdefault(doc_id, []).append(t)
    return out


def _cells(tables: dict[str, list[SheetTable]], cited: Sequence[object]) -> list[_Cell]:
    spans = [(str(getattr(c, "doc_id")), int(getattr(c, "start")), int(getattr(c, "end"))) for c in cited]
    out: list[_Cell] = []
    for doc_id, ts in tables.items():
        for t in ts:
            for row in t.table.rows:
                row = placed(row, len(t.columns), t.text)
                if row.label is None or len(row.cells) != len(t.columns):
                    continue
                if not any(d == doc_id and a <= row.start and row.end <= b + 1 for d, a, b in spans):
                    continue  # only rows inside what the sentence cites
                for j, cell in enumerate(row.cells):
                    v = operand_value(cell.text, magnitude=False)
                    if v is not None and "%" not in cell.text:
                        out.append(_Cell(clean_label(row.label.text), t.columns[j].label, cell.text, v,
                                         t.row_scale(row.label.text), row.start, (t.table.start, j), t.columns[j].year))
    return out[:MAX_CELLS]


def derivation(number: str, cited: Sequence[object], doc_text: Callable[[str], str], question: str = ""
               ) -> Derivation | None:
    """How `number` (as stated: "24.26", "8.7 billion", "20.0%") follows from the table cells of the `cited`
    spans (objects with doc_id, start, end), or None (see module docstring)."""
    claim = _claim(number)
    if claim is None:
        return None
    value, places, pct, scale = claim
    tables = _cited_tables(cited, doc_text)
    if not tables:
        return None
    req = read_question(question) if question else None
    if req is not None:
        res = compute(req, list(tables), _Cited(tables))
        if res.ok and res.exact is not None and _matches(res.exact, value, places):
            ops = tuple(f"{clean_label(f.label.text)}, {f.sheet.table.column_label(f.column)}: {f.cell.text}"
                        for f in res.found.values())
            from app.answer.compute.engine import expression

            return Derivation(expression(res), ops, res.exact)
    cells = _cells(tables, cited)
    for c in cells:  # one cell, in its scale or the one the number names
        shown = c.value if scale is None or scale == c.scale else c.base() / SCALES[scale]
        if not pct and _matches(shown, value, places):
            return Derivation("x1", (str(c),), shown)
    for a, b in itertools.permutations(cells, 2):
        same_row = a.row == b.row and a.year is not None and b.year is not None and a.year > b.year
        same_col = a.col == b.col and a.row != b.row
        if not (same_row or same_col):
            continue
        cands: list[tuple[str, Decimal]] = []
        unit = SCALES[scale] if scale else SCALES.get(a.scale or "", Decimal(1))
        ratio = a.base() / b.base() if b.value else None
        if same_row:  # a change over time: later less earlier, and as a share of the earlier
            if ratio is not None:
                cands.append(("(x1 - x2) / x2", (ratio - 1) * 100 if pct else ratio - 1))
            if not pct:
                cands.append(("x1 - x2", (a.base() - b.base()) / unit))
        else:  # two lines of one period
            if ratio is not None:
                cands.append(("x1 / x2", ratio * 100 if pct else ratio))
            if not pct:
                cands += [("x1 - x2", (a.base() - b.base()) / unit), ("x1 + x2", (a.base() + b.base()) / unit)]
        for expr, cand in cands:
            if _matches(cand, value, places):
                return Derivation(expr, (str(a), str(b)), cand)
    return None


def derivable(number: str, cited: Sequence[object], doc_text: Callable[[str], str], question: str = "") -> bool:
    """Whether the engine derives `number` from the cited cells (the hook for the LLM support check)."""
    return derivation(number, cited, doc_text, question) is not None


