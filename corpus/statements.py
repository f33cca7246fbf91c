"""The statement map of a filing: where its primary financial statements are, with their periods and units.

An analyst answers "What is the FY2019 fixed asset turnover ratio?" by opening the income statement and the
balance sheet. `find_statements(text, page_starts)` finds those tables in a document's canonical text (the text
every loader writes, tables as ` | ` rows, see corpus/tables.py):

- **Captions.** A short line naming a statement ("3M Company and Subsidiaries Consolidated Statement of Incom e
  Years ended December 31", "CONDENSED CONSOLIDATED BALANCE SHEETS (Unaudited)") is matched on its letters only,
  so PDF word splits ("Incom e", "Shee t") do not hide it. A line that only mentions a statement ("Amounts
  recognized in the Consolidated Balance Sheet", "Supplemental Balance Sheet Information", a contents row
  "… | 58") is no caption. The caption must be followed by table rows within `_CAPTION_GAP` lines, no prose
  between.
- **Confirmed by row labels.** Each kind has groups of row-label words ("total assets", "total liabilities",
  "cash and cash equivalents", …); a captioned table must hit `MIN_GROUPS` of its kind's groups, so a note
  table captioned with a statement's name is not taken for the statement.
- **Extent.** From the caption down through rows, row groups, blank lines and a repeated caption or header
  on the next page ("(continued)"), to the first prose line, the next statement's caption or
  "Notes to Consolidated Financial Statements".
- **Periods.** Each value column's label (corpus/tables.py) with the caption's period phrase ("Years ended
  December 31" over "2018 | 2017") is read as a `Period`: kind FY / Q / H / 9M / asof, year, quarter (only
  when printed: "Q2", "second quarter"), end date (ISO, when month and day are printed).
- **Unit.** The unit line or header cell ("(Millions, except per share amounts)", "In thousands", "$ in
  millions") with its scale (1e3, 1e6, 1e9; 1 when none is printed). `Statement.row_scale(label)` is 1 for a
  per-share row when the unit line says "except per share".
- **Primary.** A document may hold several tables of one kind (condensed parent-company statements, a
  segment table per note, a note restating last year's statement); the one with the most confirmed row
  groups, then the latest period, then the first in the document, is `primary`. A statement whose caption
  is repeated over the next page's rows (assets on one page, liabilities on the next) is one statement.

Kinds: "income", "comprehensive_income", "balance", "cash_flow", "equity", "segment" (a table captioned with a
segment name whose rows hold revenue or profit lines). `KIND_NAMES` gives the words a reader uses.

Stored with an index as JSON (`Statement.to_json`; `statement_from_json(d, text)` reads it back and re-reads
the table from the document text), so the map is found once per document, at index time.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from corpus.captions import caption_kind, mend
from corpus.periods import Period, parse_period
from corpus.tables import CELL_SEP, Part, Row, Table, is_header_row, row_of, table_at

__all__ = ["KIND_NAMES", "MIN_GROUPS", "Period", "Statement", "find_statements", "parse_period", "statement_at",
           "statement_from_json", "statement_map", "statements_from_json", "unit_word"]

KIND_NAMES = {"income": "income statement", "comprehensive_income": "statement of comprehensive income",
              "balance": "balance sheet", "cash_flow": "cash flow statement", "equity": "statement of equity",
              "segment": "segment table"}
"""What a reader calls each kind of statement."""
MIN_GROUPS = 2
"""Least row-label groups of its kind a captioned table must hit to count as that statement."""
_CAPTION_GAP = 14  # lines between a caption and its first row (company, period, unit lines; a unit set a word a line)
_SPLIT_CAPTION = 40  # a caption set over several lines: each this short ("CONSOLIDATED BALANCE" / "SHEETS")
_CONTINUED_GAP = 1_500  # characters between a statement and its caption repeated on the next page
_RUN_OUT = 8  # non-row lines in a row that end a statement (a page break's furniture is fewer)

# Row-label groups per kind: a statement's rows hit several.
_GROUPS: dict[str, tuple[str, ...]] = {
    "income": (r"\b(?:net )?(?:sales|revenues?)\b|total revenues", r"cost of (?:sales|revenues?|goods|products)",
               r"operating (?:income|profit|loss)|income from operations", r"net (?:income|earnings|loss)",
               r"per share|per common share", r"income taxes|provision for (?:income )?taxes|tax expense",
               r"gross (?:profit|margin)", r"selling,? general|research and development|interest expense",
               r"before income taxes"),
    "comprehensive_income": (r"other comprehensive", r"comprehensive (?:income|loss)", r"translation adjust",
                             r"net (?:income|earnings|loss)", r"hedg|unrealized"),
    "balance": (r"total assets", r"total liabilities", r"total current assets", r"total current liabilities",
                r"cash and cash equivalents", r"(?:stock|share)holders.? equity|total equity",
                r"retained earnings|accumulated deficit", r"accounts payable", r"inventor", r"goodwill",
                r"property(?:,)? (?:plant )?and equipment"),
    "cash_flow": (r"operating activities", r"investing activities", r"financing activities",
                  r"depreciation", r"(?:purchases?|additions?) (?:of|to) property|capital expenditures",
                  r"(?:beginning|end) of (?:the )?(?:year|period)", r"dividends paid|repurchases?|proceeds from"),
    "equity": (r"balance(?:s)?,? (?:at|as of)|beginning balance|ending balance", r"dividends",
               r"(?:repurchase|treasury|reacquired)", r"net (?:income|earnings|loss)",
               r"other comprehensive|comprehensive income", r"stock.based compensation|share.based"),
    "segment": (r"\b(?:net )?(?:sales|revenues?)\b", r"operating (?:income|profit|loss)|segment (?:profit|income)"
                r"|\bebitda\b|earnings", r"total", r"depreciation|assets|capital expenditures"),
}
_GROUP_RX = {k: tuple(re.compile(p, re.I) for p in ps) for k, ps in _GROUPS.items()}

_UNIT = re.compile(r"\(?[ \t]*(?:(?:U\.?S\.?\s*)?\$|dollars|amounts|euros?|€|£)?\s*(?:in\s+)?(?:(?:U\.?S\.?\s*)?\$\s*)?"
                   r"(?P<w>thousands|millions|billions|000s|000's|mm)\b[^)\n|]{0,60}\)?", re.I)
_SCALE = {"thousands": 1_000, "000s": 1_000, "000's": 1_000, "millions": 1_000_000, "mm": 1_000_000,
          "billions": 1_000_000_000}
_SENTENCE = re.compile(r"[A-Z][^|]*\b\w+\s+\w+\s+\w+\s+\w+\b[^|]*\.")  # five words or more, ending in a full stop
_DATED = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s*\d{1,2},?\s*(?:19|20)\d\d")
_PER_SHARE = re.compile(r"per (?:common |ordinary )?share|per unit|\beps\b", re.I)

@dataclass(frozen=True)
class Statement:
    """One statement table of a document (see the module docstring)."""

    kind: str
    title: Part
    """The statement's name as printed in its caption (a verbatim span; `name` reads it cleanly)."""
    start: int
    """Start of the caption line."""
    end: int
    """End of the statement's last row."""
    pages: tuple[int, int] | None
    unit: Part | None
    """The unit line or header cell ("(Millions, except per share amounts)"), None when none is printed."""
    scale: int
    """What a figure is multiplied by (1_000_000 for "in millions"; 1 when no unit is printed)."""
    table: Table
    """Header and columns as corpus/tables.py reads them at the first row; rows: every row of the statement,
    across page breaks."""
    periods: tuple[Period | None, ...]
    """One per value column of `table` (None for a column that is no period: "% change")."""
    primary: bool = False
    """The best table of its kind in the document."""
    groups: int = 0
    """How many of its kind's row-label groups the rows hit (the confirmation score)."""

    @property
    def name(self) -> str:
        """The caption's statement name with PDF word splits mended ("Consolidated Statement of Income")."""
        return mend(self.title.text)

    def row_scale(self, label: str) -> int:
        """The scale of one row: 1 for a per-share row under "except per share", else `scale`."""
        if self.unit is not None and re.search(r"except", self.unit.text, re.I) and _PER_SHARE.search(label):
            return 1
        return self.scale

    def to_json(self) -> dict[str, Any]:
        """The stored form: spans and periods; rows are read again from the text (`statement_from_json`)."""
        first = next((r.start for r in self.table.rows), self.table.start)
        return {"kind": self.kind, "name": self.name, "title": [self.title.start, self.title.end],
                "start": self.start, "end": self.end, "pages": list(self.pages) if self.pages else None,
                "unit": [self.unit.start, self.unit.end] if self.unit else None, "scale": self.scale,
                "periods": [p.to_json() if p else None for p in self.periods], "primary": self.primary,
                "groups": self.groups, "first_row": first}


def statement_map(text: str, page_starts: tuple[int, ...] | list[int] = ()) -> list[dict[str, Any]]:
    """The stored form of a document's statement map (what an index keeps per document)."""
    return [s.to_json() for s in find_statements(text, page_starts)]


def statements_from_json(stored: list[dict[str, Any]] | None, text: str,
                         page_starts: tuple[int, ...] | list[int] = ()) -> list[Statement]:
    """A stored statement map read back against its document's text; found from the text when none was
    stored (an index built before the map)."""
    if stored is None:
        return find_statements(text, page_starts)
    return [statement_from_json(d, text) for d in stored]


def statement_from_json(d: dict[str, Any], text: str) -> Statement:
    """A stored statement read back against its document's text (the table is re-read from the text)."""
    t0, t1 = d["title"]
    unit = Part(d["unit"][0], d["unit"][1], text[d["unit"][0]:d["unit"][1]]) if d.get("unit") else None
    table = _statement_table(text, int(d["first_row"]), int(d["end"]))
    periods = tuple(Period(p["kind"], p["year"], p.get("quarter"), p.get("end_date")) if p else None
                    for p in d.get("periods", []))
    return Statement(d["kind"], Part(t0, t1, text[t0:t1]), int(d["start"]), int(d["end"]),
                     tuple(d["pages"]) if d.get("pages") else None, unit, int(d.get("scale", 1)), table, periods,
                     bool(d.get("primary")), int(d.get("groups", 0)))


def _row_groups(kind: str, rows: list[Row]) -> int:
    labels = [" ".join(r.label.text.split()) for r in rows if r.label is not None]  # no-break spaces too
    return sum(any(rx.search(lab) for lab in labels) for rx in _GROUP_RX[kind])


def _prose(line: str) -> bool:
    s = line.strip()
    return len(s) > 160 or (len(s) > 60 and s.endswith(".") and CELL_SEP not in s)


def _statement_table(text: str, first_row: int, end: int) -> Table:
    """The statement's table: header and columns read at its first labelled row, rows down to `end`."""
    lo = first_row
    t = table_at(text, first_row)
    rows: list[Row] = []
    pos = lo
    while pos < end:
        nl = text.find("\n", pos)
        nl = len(text) if nl < 0 or nl > end else nl
        if CELL_SEP in text[pos:nl]:
            r = row_of(text, pos, nl)
            if r is not None and not is_header_row(r):
                rows.append(r)
        pos = nl + 1
    if t is None:
        return Table(lo, end, (), (), tuple(rows))
    return Table(t.start, end, t.header, t.columns, tuple(rows))


def _page_range(page_starts: tuple[int, ...] | list[int], a: int, b: int) -> tuple[int, int] | None:
    if not page_starts:
        return None
    p = max(1, bisect.bisect_right(page_starts, a))
    q = max(1, bisect.bisect_right(page_starts, max(a, b - 1)))
    return p, q


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def find_statements(text: str, page_starts: tuple[int, ...] | list[int] = ()) -> list[Statement]:
    """The statement map of one document's canonical text, in text order (see the module docstring)."""
    lines = _lines(text)
    found: list[Statement] = []
    taken_until = -1
    i = 0
    while i < len(lines):
        a, b = lines[i]
        if a < taken_until:
            i += 1
            continue
        hit = _caption(text, lines, i)
        if hit is None:
            i += 1
            continue
        kind, ca, cb, last = hit
        st = _statement_at(text, lines, i, last, kind, Part(a + ca, a + cb, text[a + ca:a + cb]), page_starts)
        if st is None:
            i += 1
            continue
        prev = found[-1] if found else None
        if prev is not None and prev.kind == st.kind and prev.name.lower() == st.name.lower() \
                and st.start - prev.end < _CONTINUED_GAP and _same_columns(prev.table, st.table):
            found[-1] = _joined(prev, st, page_starts)  # the caption repeated over the next page's rows
        else:
            found.append(st)
        taken_until = st.end
        i += 1
    _mark_primary(found)
    return found


def _same_columns(a: Table, b: Table) -> bool:
    """Whether a table under a repeated caption continues another: the same column labels, or none of its own
    (a release's fourth-quarter and twelve-month statements of earnings are two tables)."""
    labels = [" ".join(b.column_label(j).split()) for j in range(len(b.columns))]
    return not any(labels) or labels == [" ".join(a.column_label(j).split()) for j in range(len(a.columns))]


def _joined(first: Statement, more: Statement, page_starts: tuple[int, ...] | list[int]) -> Statement:
    """One statement set over two pages under the same caption (assets on one, liabilities on the next)."""
    rows = first.table.rows + more.table.rows
    t = first.table
    table = Table(t.start, more.end, t.header, t.columns, rows)
    return Statement(first.kind, first.title, first.start, more.end, _page_range(page_starts, first.start, more.end),
                     first.unit or more.unit, first.scale if first.unit else more.scale, table, first.periods, False,
                     _row_groups(first.kind, list(rows)))


def _caption(text: str, lines: list[tuple[int, int]], i: int) -> tuple[str, int, int, int] | None:
    """(kind, start, end, last line) of a caption starting on line i: the line alone, or set over up to three
    short lines ("CONSOLIDATED BALANCE" / "SHEETS"); offsets are into the text from line i's start."""
    a, b = lines[i]
    hit = caption_kind(text[a:b])
    if hit is not None:
        return (*hit, i)
    if not 0 < len(text[a:b].strip()) <= _SPLIT_CAPTION or CELL_SEP in text[a:b]:
        return None
    for j in range(i + 1, min(len(lines), i + 3)):
        line = text[lines[j][0]:lines[j][1]]
        if not line.strip() or len(line) > _SPLIT_CAPTION or CELL_SEP in line:
            return None
        hit = caption_kind(text[a:lines[j][1]].replace("\n", " "))  # same length: offsets hold
        if hit is not None:
            return (*hit, j)
    return None


def _statement_at(text: str, lines: list[tuple[int, int]], i: int, last: int, kind: str, title: Part,
                  page_starts: tuple[int, ...] | list[int]) -> Statement | None:
    cap_start = lines[i][0]
    # the first row within a few lines, no prose between
    first = None
    for j in range(last + 1, min(len(lines), last + 1 + _CAPTION_GAP)):
        a, b = lines[j]
        line = text[a:b]
        if CELL_SEP in line:
            first = j
            break
        if (line.strip().endswith(".") and len(line.strip()) > 60) or len(line) > 400 or \
                (line.strip() and caption_kind(line) is not None):
            return None  # prose (a long header line without a full stop is the table's column header)
    if first is None:
        return None
    # down to the last row: prose, another statement's caption or a run of non-row lines ends it
    last = first
    run = 0
    for j in range(first + 1, len(lines)):
        a, b = lines[j]
        line = text[a:b]
        if CELL_SEP in line:
            last, run = j, 0
            continue
        s = line.strip()
        if not s:
            continue
        if _prose(line) or _SENTENCE.fullmatch(s) or re.match(r"notes to (?:the )?(?:condensed )?(?:consolidated )?"
                                                              r"financial", s, re.I):
            break  # "See accompanying notes to consolidated financial statements." ends a statement
        other = caption_kind(line)
        if other is not None and (other[0] != kind or not re.search(r"continued|cont'?d", s, re.I)):
            break
        run += 1
        if run > _RUN_OUT:
            break
    end = lines[last][1]
    first_labelled = next((lines[j][0] for j in range(first, last + 1) if CELL_SEP in text[lines[j][0]:lines[j][1]]
                           and (r := row_of(text, *lines[j])) is not None and r.label is not None
                           and not is_header_row(r)), None)
    if first_labelled is None:
        return None
    table = _statement_table(text, first_labelled, end)
    groups = _row_groups(kind, list(table.rows))
    if groups < MIN_GROUPS or len([r for r in table.rows if r.label is not None]) < 3:
        return None
    head_lo = min(cap_start, table.start)
    context = text[cap_start:table.start] if table.start > cap_start else text[cap_start:lines[i][1]]
    unit = _unit(text, head_lo, max(table.start, first_labelled), table)
    scale = _SCALE.get(unit_word(unit.text), 1) if unit else 1
    balance = kind == "balance"
    labels = [table.column_label(j) for j in range(len(table.columns))]
    dated = [m.group(0) for m in _DATED.finditer(context)]
    # a caption listing one dated date per column ("At January 1, 2023 and January 2, 2022" over "2022 | 2021")
    own = dated if len(dated) == len(labels) and not any(_DATED.search(x) for x in labels) else [""] * len(labels)
    periods = tuple(parse_period(x, context, balance, d) for x, d in zip(labels, own))
    return Statement(kind, title, cap_start, end, _page_range(page_starts, cap_start, end), unit, scale, table,
                     periods, False, groups)


def unit_word(unit: str) -> str:
    """The scale word of a unit text ("millions"), '' when it has none."""
    m = _UNIT.search(unit)
    return m.group("w").lower() if m else ""


def _unit(text: str, lo: int, hi: int, table: Table) -> Part | None:
    """The unit printed between the caption and the first row, or in a header cell."""
    spans = [(lo, hi)] + [(h.start, h.end) for h in table.header]
    for a, b in spans:
        m = _UNIT.search(text, a, b)
        if m:
            s, e = m.start(), m.end()
            while e > s and text[e - 1] in " |\n":
                e -= 1
            while s < e and text[s].isspace():
                s += 1
            return Part(s, e, text[s:e])
    return None


def _mark_primary(found: list[Statement]) -> None:
    best: dict[str, int] = {}
    for i, st in enumerate(found):
        j = best.get(st.kind)
        if j is None or _rank(st) > _rank(found[j]):
            best[st.kind] = i
    for k, i in best.items():
        st = found[i]
        found[i] = Statement(st.kind, st.title, st.start, st.end, st.pages, st.unit, st.scale, st.table, st.periods,
                             True, st.groups)


def _rank(st: Statement) -> tuple[int, int, int]:
    """Most row groups hit, then the latest period (a note restating last year's statement comes second),
    then the first in the document (the statements precede the notes and schedules that repeat them)."""
    latest = max((p.year or 0 for p in st.periods if p is not None), default=0)
    return st.groups, latest, -st.start


def statement_at(statements: list[Statement], offset: int) -> Statement | None:
    """The statement whose caption-to-last-row span holds `offset`, or None."""
    return next((s for s in statements if s.start <= offset <= s.end), None)
