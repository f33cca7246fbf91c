"""Where a document's financial statements are: every table, what statement it is, its scale and each
column's period — the operand finder's view of a document (`TableSource`).

`MapTables` reads the statement map stored with the index (corpus/statements.py: each primary statement found
at index time by its caption and confirmed by its rows, with its periods and unit line, rows across page
breaks), then every other table of the text. `TextTables` reads tables from the text alone (corpus/tables.py):
a table's statement from the caption above it ("Consolidated Balance Sheets", read with letters only, so a
PDF's "Balance Shee t" still counts) and from its rows (a table with "Total assets" is a balance sheet; one with
"Net cash provided by operating activities" a cash-flow statement); its scale from the unit line over it
("(Dollars in millions, except per share amount)"); each column's period from its label (year, months
covered, an "as of" date).
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock
from typing import Callable, Protocol, Sequence

from app.answer.compute.concepts import BALANCE, CASHFLOW, EQUITY, INCOME, label_rank, squash
from app.answer.compute.figures import scale_of
from corpus.tables import CELL_SEP, Part, Table, table_at

__all__ = ["Column", "MapTables", "SheetTable", "TableSource", "TextTables", "read_tables"]

COMPREHENSIVE = "comprehensive income statement"
_CAPTIONS = (
    (CASHFLOW, re.compile(r"statements?of(?:consolidated)?cashflows?|cashflowstatements?")),
    (BALANCE, re.compile(r"balancesheets?|statements?of(?:consolidated)?financialposition|statements?of"
                         r"(?:financial)?condition")),
    (EQUITY, re.compile(r"statements?of(?:changesin)?(?:share|stock)(?:holders|owners)?(?:equity|deficit)"
                        r"|statements?of(?:changesin)?equity")),
    (INCOME, re.compile(r"statements?of(?:consolidated)?(?:operations|income|earnings)|incomestatements?"
                        r"|statements?ofprofitorloss")),
    (COMPREHENSIVE, re.compile(r"statements?ofcomprehensive(?:income|loss|earnings)")),
)
_CAPTION_LINES = 8
_CAPTION_CHARS = 600
_CAPTION_LINE_CHARS = 120
# a note's title or a row that mentions a statement ("Amounts recognized in the Consolidated Balance Sheet")
_NOT_CAPTION = re.compile(r"^\s*note\b|supplement|information|\b(?:in|on|to) the\b|recogni[sz]ed|notes to", re.I)
_SCALE_CHARS = 1500
_NOT_PERIOD = re.compile(r"change|%|\bvs\.?\b|versus|variance|increase|decrease|percent|favorable", re.I)
_MONTHS = re.compile(r"\b(three|six|nine|twelve|3|6|9|12)[- ]months?|\b(13|26|39|52|53)[- ]weeks?|\bquarter|\byears?\b"
                     r"|\bfiscal\b", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_FY2 = re.compile(r"\bFY\s?'?(\d\d)\b", re.I)
_PER_SHARE = re.compile(r"per (?:common |ordinary )?share|per unit|\beps\b", re.I)
_KINDS = {"income": INCOME, "balance": BALANCE, "cash_flow": CASHFLOW, "equity": EQUITY,
          "comprehensive_income": COMPREHENSIVE, "segment": "segment table"}
_MONTHS_OF = {"FY": 12, "Q": 3, "H": 6, "9M": 9, "asof": None}
_SCALE_WORDS = {1_000: "thousands", 1_000_000: "millions", 1_000_000_000: "billions"}


@dataclass(frozen=True)
class Column:
    """One value column: its label, the fiscal year it reports (None when it names none or several), and the
    months it covers (12 for a year, 3 for a quarter; None when it does not say: an "as of" date or a bare year)."""

    index: int
    label: str
    year: int | None
    months: int | None


@dataclass(frozen=True)
class SheetTable:
    """A table of one document with what the operand finder needs to know about it."""

    doc_id: str
    table: Table
    kind: str | None
    """BALANCE, INCOME, CASHFLOW, EQUITY, COMPREHENSIVE or None (a note or MD&A table)."""
    captioned: bool
    """The statement's caption stands over it (a primary statement, not an MD&A summary of it)."""
    scale: str | None
    columns: tuple[Column, ...]
    order: int
    primary: bool = False
    """The statement map's best table of its kind in the document (the consolidated statement itself)."""
    per_share_unscaled: bool = False
    """The unit line says "except per share": per-share rows carry no scale."""
    text: str = field(default="", repr=False, compare=False)
    """The document's canonical text (the table's spans index it)."""

    def row_scale(self, label: str) -> str | None:
        """The scale of one row: "units" for a per-share row under "except per share amounts"."""
        if self.per_share_unscaled and _PER_SHARE.search(label):
            return "units"
        return self.scale


class TableSource(Protocol):
    """The tables of a document, statements first found (what an index-time statement map provides)."""

    def tables(self, doc_id: str) -> Sequence[SheetTable]: ...


def _period(j: int, label: str) -> Column:
    if _NOT_PERIOD.search(label):
        return Column(j, label, None, None)
    years = {int(y) for y in _YEAR.findall(label)} | {2000 + int(y) for y in _FY2.findall(label)}
    year = years.pop() if len(years) == 1 else None
    m = _MONTHS.search(label)
    months = None
    if m:
        word = (m.group(1) or m.group(2) or "").lower()
        months = {"three": 3, "3": 3, "six": 6, "6": 6, "nine": 9, "9": 9, "twelve": 12, "12": 12, "13": 3,
                  "26": 6, "39": 9, "52": 12, "53": 12}.get(word, 3 if "quarter" in m.group(0).lower() else 12)
    return Column(j, label, year, months)


def _caption(text: str, start: int, first_row: int) -> str | None:
    """The statement named in the few lines above a table or in its header lines (letters only), or None."""
    lo = max(0, start - _CAPTION_CHARS)
    lines = text[lo:start].split("\n")[-_CAPTION_LINES:] + text[start:first_row].split("\n")
    # a caption is a short line of its own; prose that mentions "the Consolidated Balance Sheet" is no caption
    above = squash(" ".join(ln for ln in lines if CELL_SEP not in ln and len(ln.strip()) <= _CAPTION_LINE_CHARS
                            and not ln.rstrip().endswith(".") and not _NOT_CAPTION.search(ln)))
    found: list[tuple[int, str]] = []
    for kind, rx in _CAPTIONS:
        for m in rx.finditer(above):
            found.append((m.start(), kind))
    if not found:
        return None
    kinds = {k for _, k in found}
    if INCOME in kinds and COMPREHENSIVE in kinds:
        # "Statements of Operations and Comprehensive Income" is the income statement; a comprehensive-income
        # caption alone is not
        return INCOME if any(k == INCOME for _, k in found) else COMPREHENSIVE
    return max(found)[1]  # the caption nearest the table


def _row_kind(table: Table) -> str | None:
    """The statement a table's rows make: cash flows by their activity totals, a balance sheet by its totals,
    an income statement by two of its lines."""
    labels = [r.label.text for r in table.rows if r.label is not None]

    def has(name: str) -> bool:
        return any(label_rank(name, lab) is not None for lab in labels)

    if has("cfo") or (has("cfi") and has("cff")):
        return CASHFLOW
    if has("total_assets") or has("total_current_liabilities") or has("total_current_assets") or has(
            "total_liabilities"):
        return BALANCE
    if sum(has(n) for n in ("revenue", "cogs", "operating_income", "pretax_income", "net_income", "income_tax")) >= 2:
        return INCOME
    return None


_HEADER_CELL = re.compile(r"\(?(?:FY\s?)?(?:19|20)\d\d\)?\*?|[A-Za-z][A-Za-z.,' ]*(?:\d{1,2},?\s*)?(?:(?:19|20)\d\d)?|")


def _header_like(line: str) -> bool:
    """A line whose value cells are only years, dates or words: a header row, not a row of figures."""
    cells = [c.strip() for c in line.split(CELL_SEP)][1:]
    return bool(cells) and all(_HEADER_CELL.fullmatch(c) for c in cells)


_LONE_YEAR = re.compile(r"\s*(?:FY\s?|Fiscal\s+)?((?:19|20)\d\d)\s*", re.I)
_YEARS_ABOVE_LINES = 14


def _years_above(text: str, table: Table) -> Table:
    """A table whose value columns have no labels, under years set one per line above it ("December 31," /
    "2018" / "2017" / "ASSETS"): each column gets its year line (a verbatim span), when there are exactly as many
    distinct years as columns. Otherwise the table as it is."""
    n = len(table.columns)
    if n == 0 or any(table.columns[j] for j in range(n)):
        return table
    years: list[Part] = []
    pos = table.start
    for _ in range(_YEARS_ABOVE_LINES):
        if pos <= 0:
            break
        a = text.rfind("\n", 0, pos - 1) + 1
        line = text[a:pos - 1]
        pos = a
        if CELL_SEP in line or len(line.strip()) > _CAPTION_LINE_CHARS:
            break
        m = _LONE_YEAR.fullmatch(line)
        if m:
            years.insert(0, Part(a + m.start(1), a + m.end(1), m.group(1)))
    if len(years) != n or len({y.text for y in years}) != n:
        return table
    return Table(years[0].start, table.end, table.header, tuple((y,) for y in years), table.rows)


def read_tables(doc_id: str, text: str) -> list[SheetTable]:
    """Every table of a document's text, in order, with its statement kind, scale and column periods."""
    out: list[SheetTable] = []
    pos = 0
    n = len(text)
    while pos < n:
        i = text.find(CELL_SEP, pos)
        if i < 0:
            break
        ls = text.rfind("\n", 0, i) + 1
        le = text.find("\n", i)
        le = n if le < 0 else le
        if _header_like(text[ls:le]):
            pos = le + 1  # a header row: the table is read from its first row
            continue
        table = table_at(text, ls)
        if table is None or not table.columns or table.end < ls:
            pos = le + 1
            continue
        table = _years_above(text, table)
        first_row = table.rows[0].start if table.rows else ls
        cap = _caption(text, table.start, first_row)
        rows = _row_kind(table)
        kind = rows or cap
        if cap == COMPREHENSIVE and rows == INCOME:
            kind = COMPREHENSIVE  # "net income" and "total comprehensive income" rows: not the income statement
        scale = None
        for h in table.header:
            scale = scale or scale_of(h.text)
        if scale is None:  # the unit line above the table, the nearest first
            above = text[max(0, table.start - _SCALE_CHARS):table.start].split("\n")
            scale = next((s for s in map(scale_of, reversed(above)) if s), None)
        cols = tuple(_period(j, table.column_label(j)) for j in range(len(table.columns)))
        out.append(SheetTable(doc_id, table, kind, cap is not None and (rows is None or cap == kind), scale, cols,
                              len(out), text=text))
        pos = max(table.end, le) + 1
    return out


class _PerDocument(ABC):
    """A TableSource that reads each document once: `_read(doc_id)` memoised in an LRU of the last `size`
    documents (safe across the answering threads)."""

    def __init__(self, size: int) -> None:
        self._cache: OrderedDict[str, list[SheetTable]] = OrderedDict()
        self._size = size
        self._lock = Lock()

    @abstractmethod
    def _read(self, doc_id: str) -> list[SheetTable]:
        """The document's statement tables, read from where the subclass keeps them."""

    def tables(self, doc_id: str) -> Sequence[SheetTable]:
        """The document's tables (empty when it has none or is not stored)."""
        with self._lock:
            if doc_id in self._cache:
                self._cache.move_to_end(doc_id)
                return self._cache[doc_id]
        got = self._read(doc_id)
        with self._lock:
            self._cache[doc_id] = got
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return got


class TextTables(_PerDocument):
    """A TableSource over stored documents' texts (`read_tables`)."""

    def __init__(self, doc_text: Callable[[str], str | None], size: int = 16) -> None:
        super().__init__(size)
        self._text = doc_text

    def _read(self, doc_id: str) -> list[SheetTable]:
        return read_tables(doc_id, self._text(doc_id) or "")


class MapTables(_PerDocument):
    """A TableSource over an index: its stored statement map first (`index.statements(doc_id)`), then the
    document's other tables read from its text."""

    def __init__(self, index, size: int = 16) -> None:
        super().__init__(size)
        self._index = index
        self._text = TextTables(index.document_text, size)

    def _read(self, doc_id: str) -> list[SheetTable]:
        statements = self._index.statements(doc_id) if hasattr(self._index, "statements") else []
        out: list[SheetTable] = []
        text = self._index.document_text(doc_id) or ""
        for st in statements:
            table = _years_above(text, st.table)
            if table is not st.table:  # years one per line above it: read here, the map left the columns blank
                out.append(SheetTable(doc_id, table, _KINDS.get(st.kind, st.kind), True, _SCALE_WORDS.get(st.scale),
                                      tuple(_period(j, table.column_label(j)) for j in range(len(table.columns))),
                                      len(out), st.primary, False, text))
                continue
            # a period the map could not read ("August 29,2021") is read from the column label here
            cols = tuple(Column(j, st.table.column_label(j), p.year, _MONTHS_OF.get(p.kind)) if p and p.year else
                         _period(j, st.table.column_label(j)) for j, p in enumerate(st.periods))
            if len(cols) != len(st.table.columns):
                continue
            out.append(SheetTable(doc_id, st.table, _KINDS.get(st.kind, st.kind), True,
                                  _SCALE_WORDS.get(st.scale), cols, len(out), st.primary,
                                  bool(st.unit is not None and re.search(r"except", st.unit.text, re.I)), text))
        spans = [(st.start, st.end) for st in statements]
        for t in self._text.tables(doc_id):  # the notes', MD&A's and any statement the map did not find
            if not any(a <= t.table.start <= b or a <= t.table.end <= b for a, b in spans):
                out.append(SheetTable(t.doc_id, t.table, t.kind, t.captioned and not statements, t.scale, t.columns,
                                      len(out), text=t.text))
        return out
