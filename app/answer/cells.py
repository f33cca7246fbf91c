"""Table-cell answers: "What was X in FY2023?" answered from the cell whose row label and column label match.

The answer reads "Adjusted EBITDA, Twelve Months Ended December 31, 2023: 2,018" — row label, column label
and cell, each a verbatim span of the document (corpus/tables.py rebuilds the column labels from the table's
header lines). Its citation covers the table's header down to the row, so every part lies inside the cited
text and `app.answer.verify` checks each part like any quote.

Matching rules (measured on financebench-dev, see README "Tables answer as tables"):
- the row label's words must be the question's words or the statement names of a line item the question
  uses (index/synonyms.py) — at least `LABEL_COVER` of them — and share a word or a synonym entry with it;
- a question that names a year keeps the columns with that year; "quarter"/"three months"/Q1–Q4 prefer
  three-month columns, "six months"/H1/H2 six-month ones, a fiscal year the columns that are not part-year;
  a question without a year takes the table's latest year;
- a row whose number of cells differs from the header's columns is not read (its cells cannot be placed).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from corpus.tables import Part, Row, Table, table_at
from index.query import analyse
from index.tokens import tokenize
from index.synonyms import expansions
from index.types import Excerpt

__all__ = ["CellAnswer", "LABEL_COVER", "cell_text", "find_cell"]

LABEL_COVER = 0.75
"""Share of a row label's words that the question (or its line-item synonyms) must hold."""
_GENERIC = set(tokenize(["amount total value figure year end fiscal fy company reported report what much many "
                         "annual number period as of the for in at level balance"])[0])
_FY = re.compile(r"\b(?:FY\s?|fiscal (?:year )?)((?:19|20)?\d\d)\b|\b((?:19|20)\d\d)\b", re.I)
_QUARTER = re.compile(r"\bQ[1-4]\b|quarter|three[- ]months?", re.I)
_HALF = re.compile(r"\bH[12]\b|six[- ]months?|half", re.I)
_NINE = re.compile(r"nine[- ]months?|\b9M\b", re.I)


@dataclass(frozen=True)
class CellAnswer:
    """A matched cell: its excerpt, table, row and column, and how well the row label matched."""

    excerpt: Excerpt
    table: Table
    row: Row
    column: int
    score: float
    more: tuple[int, ...] = ()
    """Further columns read from the same row: a question naming two periods ("between FY2021 and FY2022")
    gets a cell for each, latest first."""

    @property
    def columns(self) -> tuple[int, ...]:
        """Every column read, the best-matching first."""
        return (self.column, *self.more)

    def parts_of(self, j: int) -> tuple[Part, ...]:
        """Row label, column j's label pieces, then its cell: the verbatim spans one answer segment is made of."""
        assert self.row.label is not None
        return (self.row.label, *self.table.columns[j], self.row.cells[j])

    @property
    def parts(self) -> tuple[Part, ...]:
        """The parts of the best-matching column's cell."""
        return self.parts_of(self.column)

    @property
    def span(self) -> tuple[int, int]:
        """The cited span: from the start of the first header line over the columns read (or of the row) to the
        end of the row."""
        first = min(p.start for j in self.columns for p in self.parts_of(j))
        return next((h.start for h in self.table.header if h.start <= first <= h.end), first), self.row.end


def cell_text(parts: Sequence[str]) -> str:
    """The answer sentence of a cell: "ROW, COLUMN PIECES: CELL" (parts = row label, column pieces…, cell)."""
    label, *column, cell = [" ".join(p.split()) for p in parts]
    return f"{label}, {' '.join(column)}: {cell}" if column else f"{label}: {cell}"


def _years(question: str) -> set[str]:
    out = set()
    for m in _FY.finditer(question):
        y = m.group(1) or m.group(2)
        out.add(y if len(y) == 4 else "20" + y)
    return out


def _column_score(label: str, years: set[str], question: str) -> float | None:
    """How well a column label fits the question's period (None: it does not)."""
    col_years = set(re.findall(r"(?:19|20)\d\d", label))
    if years and not (years & col_years):
        return None
    score = 1.0
    low = label.lower()
    months = re.search(r"(three|six|nine|twelve|3|6|9|12)[- ]months?", low)
    if _QUARTER.search(question):
        score += 1.0 if months and months.group(1) in ("three", "3") or "quarter" in low else 0.0
    elif _HALF.search(question):
        score += 1.0 if months and months.group(1) in ("six", "6") else 0.0
    elif _NINE.search(question):
        score += 1.0 if months and months.group(1) in ("nine", "9") else 0.0
    elif months and months.group(1) not in ("twelve", "12"):
        score -= 0.5  # a fiscal-year question prefers the full-year column
    if not years and col_years:
        score += int(max(col_years)) / 10_000  # no year asked: the latest
    return score


def _row_score(label: Part, q_terms: set[str], syn_terms: list[set[str]]) -> float:
    """Share of the label's words the question holds (directly or through one synonym entry), or 0."""
    words = [t for t in tokenize([label.text])[0] if not t.isdigit()]
    if not words:
        return 0.0
    direct = {t for t in words if t in q_terms and t not in _GENERIC}
    best = 0.0
    for extra in [set()] + syn_terms:
        have = q_terms | extra
        cover = sum(t in have for t in words) / len(words)
        shared = bool(direct) or bool(extra and sum(t in extra for t in words) >= max(2, len(words) // 2))
        if shared and cover >= LABEL_COVER:
            # more of the label matched directly, and longer labels matched, rank first
            best = max(best, cover + 0.1 * len(direct) + (0.05 if not extra else 0.0))
    return best


def _more_years(table: Table, years: set[str], question: str, chosen: int) -> tuple[int, ...]:
    """For a question naming several years, the best column of each other year (latest year first)."""
    out: list[int] = []
    label = table.column_label(chosen)
    for y in sorted(years, reverse=True):
        if y in label:
            continue
        cols = [(s, j) for j in range(len(table.columns))
                if j != chosen and (s := _column_score(table.column_label(j), {y}, question)) is not None]
        if cols:
            out.append(max(cols, key=lambda c: (c[0], -c[1]))[1])
    return tuple(dict.fromkeys(out))


def find_cell(question: str, excerpts: Sequence[Excerpt], doc_text: Callable[[str], str | None],
              passages: int = 5) -> CellAnswer | None:
    """The best-matching cell among the table rows of the top `passages` excerpts, or None."""
    q = analyse(question).text
    q_terms = {t for t in tokenize([q])[0] if not t.isdigit()} - _GENERIC
    syn_terms = [set(tokenize([w])[0]) for w in expansions(q)]
    years = _years(q)
    best: CellAnswer | None = None
    texts: dict[str, str] = {}
    for rank, ex in enumerate(excerpts[:passages], start=1):
        if " | " not in ex.text:
            continue
        if ex.doc_id not in texts:  # several excerpts of one filing: read its text once
            texts[ex.doc_id] = doc_text(ex.doc_id) or ""
        text = texts[ex.doc_id]
        if not text:
            continue
        pos = 0
        for line in ex.text.split("\n"):
            off = ex.start + pos
            pos += len(line) + 1
            if " | " not in line:
                continue
            table = table_at(text, off)
            if table is None or not table.columns:
                continue
            row = table.row_at(off)
            if row is None or row.label is None or len(row.cells) != len(table.columns):
                continue
            rs = _row_score(row.label, q_terms, syn_terms)
            if rs <= 0:
                continue
            cols = [(s, j) for j in range(len(table.columns))
                    if (s := _column_score(table.column_label(j), years, q)) is not None and table.columns[j]]
            if not cols:
                continue
            cs, j = max(cols, key=lambda c: (c[0], -c[1]))
            score = rs + 0.2 * cs - 0.02 * rank
            if best is None or score > best.score:
                best = CellAnswer(ex, table, row, j, score, _more_years(table, years, q, j))
    return best
