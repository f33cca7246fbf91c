"""Tables read back from canonical text: the block around a row, its header lines, one label per column.

Every loader writes a table as one line per row with cells separated by " | " (PDF layout columns, HTML
`<tr>`, DOCX tables), header line(s) first; a PDF often sets its period header as plain text above the
rows ("Three Months Ended Six Months Ended June 30, June 30," over "2023 | 2022 | 2023 | 2022"). This
module rebuilds, from that text alone, what a reader sees: the table's header lines and, for each value
column, the pieces of header text that stand over it ("Six Months Ended" + "June 30," + "2023"). Every piece
is a `Part` — a verbatim span of the document — so an answer built from a row label, a column label and a
cell can be checked character for character like any quote.

The rule for spreading a header line over the n value columns: a line with n cells gives one to each column;
with n + 1 cells the first labels the row labels ("(Millions)") and is dropped; with g cells where g divides
n, each covers n / g neighbouring columns ("Three Months Ended | Six Months Ended" over four years); a plain
text line is cut into its period phrases, dates and years, each kind read as its own header line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CELL_SEP", "Part", "Row", "RowView", "Table", "is_header_row", "row_of", "row_view", "table_at"]

CELL_SEP = " | "
_MAX_SCAN_LINES = 120  # how far up a statement may run from a row to its header (a cash-flow statement: ~60)
_PROSE_CHARS = 160  # a longer line without cells is prose: the table ended there
_YEAR = r"(?:19|20)\d\d"
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
          r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_PERIOD = re.compile(r"(?:(?:Three|Six|Nine|Twelve|Fifty[- ]two|Fifty[- ]three|\d{1,2}|13|52|53)[- ](?:Months?|Weeks?)"
                     r"|(?:Fiscal )?(?:Years?|Quarters?|Periods?)|Fiscal)\s*Ended|As of|Fiscal\s+" + _YEAR
                     + r"|Q[1-4](?:\s+" + _YEAR + r")?|(?:First|Second|Third|Fourth) Quarter|[HQ][1-4]|FY\s?" + _YEAR
                     + r"|(?:Three|Six|Nine|Twelve) Months|Full Year|Year[- ]to[- ]Date|YTD", re.I)
# A year with the unit its column is counted in: "2022 tonnes", "2023 $m", "2021 (restated)".
_YEAR_UNIT = re.compile(r"\(?(?:FY\s?)?" + _YEAR + r"\)?\s+(?!and\b|to\b|vs\b|versus\b|compared\b|from\b|of\b|in\b)"
                        r"(?:[a-z$€£%][\w$€£%./]{0,14}|\([^)]{1,20}\))")
_DATE = re.compile(_MONTH + r"\s*\d{1,2},?(?:\s*" + _YEAR + r")?")
_YEARS = re.compile(r"(?<![\d,.$])(?:FY\s?)?" + _YEAR + r"(?![\d,.%])")
# A header cell: a year, a period, a date, a unit in brackets, a change column — no figures of its own.
_HEADER_CELL = re.compile(
    r"\s*(?:\(?(?:FY\s?)?" + _YEAR + r"\)?|" + _DATE.pattern + r"|" + _PERIOD.pattern + r"(?:\s+" + _DATE.pattern
    + r")?|\((?:in )?(?:millions|thousands|billions|dollars)[^)]*\)|\$?\s*in (?:millions|thousands|billions).*"
    + r"|%? ?change|% of [a-z ]+|percent(?:age)? change|(?:increase|decrease|change)(?: \(decrease\))?"
    + r"|[A-Z][A-Za-z&.' ]{0,40}|\$|%|[-—–]|" + _YEAR_UNIT.pattern + r")\s*", re.I)
_FIGURE = re.compile(r"[-—–]|\(?\$?\s*\(?[\d,.]+\)?\s*%?\)?|n/?m|nm|\*+", re.I)


@dataclass(frozen=True)
class Part:
    """A verbatim span of the document: `text == canonical[start:end]`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Row:
    """A table row: its line's span, its label (None when the row has none) and its value cells in order."""

    start: int
    end: int
    label: Part | None
    cells: tuple[Part, ...]


@dataclass(frozen=True)
class Table:
    """A table as a reader sees it: header lines, one label (list of header parts) per value column, rows."""

    start: int
    """Start of the first header line (or of the first row when the table has no header)."""
    end: int
    header: tuple[Part, ...]
    """The header lines, top to bottom, each a whole line."""
    columns: tuple[tuple[Part, ...], ...]
    """Per value column, the header pieces over it, top to bottom."""
    rows: tuple[Row, ...]

    def column_label(self, j: int) -> str:
        """Column j's label, its pieces joined by spaces ("Six Months Ended June 30, 2023")."""
        return " ".join(p.text.strip() for p in self.columns[j]) if 0 <= j < len(self.columns) else ""

    def row_at(self, offset: int) -> Row | None:
        """The row whose line holds `offset`."""
        return next((r for r in self.rows if r.start <= offset < r.end + 1), None)


def _lines(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """(start, end) of each line of text[lo:hi] (end excludes the newline)."""
    out = []
    pos = lo
    while pos <= hi:
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        out.append((pos, end))
        if nl < 0:
            break
        pos = nl + 1
    return out


_MD_RULE = re.compile(r"\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*")


def _cells(text: str, start: int, end: int) -> list[Part]:
    """The " | "-separated cells of a line, each stripped, as parts. A Markdown pipe row ("| a | b |") loses
    its outer pipes; a Markdown rule line ("|---|:---:|") has no cells."""
    out: list[Part] = []
    line = text[start:end]
    if _MD_RULE.fullmatch(line):
        return out
    lead = len(line) - len(line.lstrip())
    if line.strip().startswith("|") and line.rstrip().endswith("|") and len(line.strip()) > 1:
        start += lead + 1
        end = start + len(line.strip()) - 2
        line = text[start:end]
    pos = start
    for piece in line.split(CELL_SEP):
        a = pos + (len(piece) - len(piece.lstrip()))
        b = pos + len(piece.rstrip())
        if b > a:
            out.append(Part(a, b, text[a:b]))
        pos += len(piece) + len(CELL_SEP)
    return out


def _is_figure(s: str) -> bool:
    return _FIGURE.fullmatch(s.strip()) is not None


def _is_header_cell(s: str) -> bool:
    s = s.strip()
    return bool(s) and _HEADER_CELL.fullmatch(s) is not None and not re.fullmatch(r"\(?\$?[\d,.]{4,}\)?", s.replace(
        " ", "")) or bool(_YEARS.fullmatch(s))


def row_of(text: str, start: int, end: int) -> Row | None:
    """The line text[start:end] as a row (label and value cells), None when it has fewer than two cells."""
    cells = _cells(text, start, end)
    if len(cells) < 2:
        return None
    first = cells[0].text
    if any(ch.isalpha() for ch in first) and not _is_figure(first) and not _YEAR_UNIT.fullmatch(first):
        return Row(start, end, cells[0], tuple(cells[1:]))
    return Row(start, end, None, tuple(cells))


def is_header_row(row: Row) -> bool:
    """Whether a row is a header row: years, periods, dates or column names, no figures of its own."""
    cells = ([row.label] if row.label else []) + list(row.cells)
    values = row.cells
    return (all(_is_header_cell(c.text) for c in values) and any(_YEARS.search(c.text) or _DATE.search(c.text)
            or _PERIOD.search(c.text) for c in cells) and not any(re.search(r"\d,\d{3}", c.text) for c in values))


def _prose(line: str) -> bool:
    s = line.strip()
    return len(s) > _PROSE_CHARS or (len(s) > 60 and s.endswith(".") and CELL_SEP not in s)


def _text_groups(text: str, start: int, end: int) -> list[list[Part]]:
    """A plain header line cut into its period phrases, dates and years: one list per kind, in order."""
    line = text[start:end]
    taken: list[tuple[int, int, str]] = []
    for kind, rx in (("period", _PERIOD), ("date", _DATE), ("year", _YEARS)):
        for m in rx.finditer(line):
            a, b = m.start(), m.end()
            if any(a < y and x < b for x, y, _ in taken):
                continue
            # a date keeps the comma that follows it ("June 30," over "2023")
            if kind == "date" and b < len(line) and line[b] == ",":
                b += 1
            taken.append((a, b, kind))
    groups: dict[str, list[Part]] = {}
    for a, b, kind in sorted(taken):
        groups.setdefault(kind, []).append(Part(start + a, start + b, text[start + a:start + b]))
    units = list(_YEAR_UNIT.finditer(line))
    if len(units) >= 2 and len({m.group(0).split()[-1].lower() for m in units}) == 1:
        # "2022 tonnes 2021 tonnes": each year keeps the unit its column is counted in
        groups["year"] = [Part(start + m.start(), start + m.end(), m.group(0)) for m in units]
    return [groups[k] for k in ("period", "date", "year") if k in groups]


def _caption_columns(text: str, top: int, n: int) -> tuple[tuple[int, int], list[list[Part]]] | None:
    """Column labels for a table printed without a header, from the caption line above it when that line
    names exactly n years ("… for the years ended June 30, 2023 and 2022"): (the caption line, per column its
    period phrase, date and year). None when no such line is right above the table."""
    pos = top
    for _ in range(3):
        if pos <= 0:
            return None
        a = text.rfind("\n", 0, pos - 1) + 1
        b = pos - 1
        pos = a
        line = text[a:b]
        if not line.strip():
            continue
        if CELL_SEP in line:
            return None
        years = [m for m in _YEARS.finditer(line)]
        if len(years) != n or len({m.group(0) for m in years}) != n:
            continue
        period = _PERIOD.search(line)
        if period is None and n < 2:
            return None
        shared = []
        if period is not None and period.start() < years[0].start():
            shared.append(Part(a + period.start(), a + period.end(), period.group(0)))
        date = _DATE.search(line, period.end() if period else 0)
        if date is not None and date.start() < years[0].start():
            e = min(date.end(), years[0].start())  # "June 30, 2023 and 2022": the date without the first year
            while e > date.start() and line[e - 1] == " ":
                e -= 1
            shared.append(Part(a + date.start(), a + e, line[date.start():e]))
        return (a, b), [shared + [Part(a + y.start(), a + y.end(), y.group(0))] for y in years]
    return None


def _same(a: str, b: str) -> bool:
    """Whether two header pieces say the same, or one is the start of the other ("December 31" / "December 31,")."""
    x, y = re.sub(r"\W+", " ", a).strip().lower(), re.sub(r"\W+", " ", b).strip().lower()
    return x == y or x.startswith(y) or y.startswith(x)


def _spread(pieces: list[Part], n: int, row_has_label_cell: bool) -> list[Part | None] | None:
    """Header pieces spread over n columns by the module's rule; None when they do not fit."""
    if len(pieces) == n + 1 and row_has_label_cell:
        pieces = pieces[1:]
    if len(pieces) == n:
        return list(pieces)
    if pieces and n % len(pieces) == 0:
        w = n // len(pieces)
        return [pieces[j // w] for j in range(n)]
    return None


def table_at(text: str, offset: int) -> Table | None:
    """The table whose row holds `offset` in `text` (a canonical document text), or None when that line is
    not a table row. Reads up to the table's header and down to its last row."""
    if not 0 <= offset <= len(text):
        return None
    ls = text.rfind("\n", 0, offset) + 1
    le = text.find("\n", offset)
    le = len(text) if le < 0 else le
    if CELL_SEP not in text[ls:le]:
        return None
    # Up: rows, row groups and blank lines belong to the table; prose or a header ends it.
    lines_up: list[tuple[int, int]] = []
    pos = ls
    header_rows: list[Row] = []
    above: list[tuple[int, int]] = []  # plain lines right above the first header row
    for _ in range(_MAX_SCAN_LINES):
        if pos == 0:
            break
        a = text.rfind("\n", 0, pos - 1) + 1
        b = pos - 1
        line = text[a:b]
        pos = a
        if _prose(line):
            break
        if CELL_SEP in line:
            row = row_of(text, a, b)
            if row and is_header_row(row) and not above:
                header_rows.insert(0, row)
                continue
            if header_rows or above:
                break  # a row above the header belongs to another table
            lines_up.insert(0, (a, b))
            continue
        if not line.strip():
            continue
        groups = _text_groups(text, a, b)
        if header_rows or above:
            # plain header lines over the header: "Three Months Ended Six Months Ended June 30, June 30,"
            if groups:
                above.insert(0, (a, b))
                if len(above) < 2:
                    continue
            break
        if any(len(g) > 1 for g in groups):
            above.insert(0, (a, b))  # a header in plain text: "February 2, 2019   February 3, 2018 Assets"
            continue
        lines_up.insert(0, (a, b))  # a row group or a caption
    top = min([r.start for r in header_rows] + [a for a, _ in above] + [ls])
    # Down: to the last row before prose.
    end = le
    for a, b in _lines(text, le + 1, min(len(text), le + 20_000))[:_MAX_SCAN_LINES]:
        line = text[a:b]
        if _prose(line):
            break
        if CELL_SEP in line:
            row = row_of(text, a, b)
            if row and is_header_row(row):
                break  # the next table's header
            end = b
        elif any(len(g) > 1 for g in _text_groups(text, a, b)):
            break
    rows: list[Row] = []
    for a, b in _lines(text, top, end):
        if CELL_SEP in text[a:b] and not any(h.start == a for h in header_rows):
            row = row_of(text, a, b)
            if row:
                rows.append(row)
    # The number of value columns: the commonest among labelled rows up to a few past the asked one.
    counts: dict[int, int] = {}
    for r in rows:
        if r.label is not None and r.start <= le + 2_000:
            counts[len(r.cells)] = counts.get(len(r.cells), 0) + 1
    n = max(counts, key=lambda k: (counts[k], k)) if counts else 0
    columns: list[list[Part]] = [[] for _ in range(n)]
    header_lines = sorted([(a, b) for a, b in above] + [(h.start, h.end) for h in header_rows])
    for a, b in header_lines:
        if CELL_SEP in text[a:b]:
            groups = [_cells(text, a, b)]
        else:
            groups = _text_groups(text, a, b)
        for pieces in groups:
            spread = _spread(pieces, n, CELL_SEP in text[a:b])
            if spread is None and len(pieces) == 1:
                spread = [pieces[0]] * n
            for j, p in enumerate(spread or []):
                # a header repeated on two lines ("December 31" over "December 31, 2018") is said once
                if p is not None and not any(_same(p.text, q.text) for q in columns[j]):
                    columns[j].append(p)
    if n and not any(columns):
        # no header at all: the caption may name the periods ("… for the years ended June 30, 2023 and 2022")
        found = _caption_columns(text, min([a for a, _ in lines_up] + [top]), n)
        if found is not None:
            header_lines, columns, top = [found[0]], found[1], found[0][0]
    return Table(start=top, end=end, header=tuple(Part(a, b, text[a:b]) for a, b in header_lines),
                 columns=tuple(tuple(sorted(c, key=lambda p: p.start)) for c in columns), rows=tuple(rows))


@dataclass(frozen=True)
class RowView:
    """A cited table row as a reader sees it: one label per column, then the row's label and cells.

    `column` is the column an answer read (None when the whole row is cited)."""

    columns: tuple[str, ...]
    label: str
    cells: tuple[str, ...]
    column: int | None = None
    note: str = ""
    """Why the cells stand without column labels ('' when every cell has its label): a row with more or
    fewer cells than the header has columns, or a table whose header could not be read."""

    def to_json(self) -> dict[str, object]:
        """JSON form: {"headers": [...], "label": ..., "cells": [...], "column": j | null} and "note" when set."""
        out: dict[str, object] = {"headers": list(self.columns), "label": self.label, "cells": list(self.cells),
                                  "column": self.column}
        if self.note:
            out["note"] = self.note
        return out

    def to_text(self) -> str:
        """Aligned plain text: the header labels over the row, for terminals."""
        head = [""] + list(self.columns)
        row = [self.label] + list(self.cells)
        width = [max(len(" ".join(a.split())), len(" ".join(b.split()))) for a, b in zip(head, row)]

        def fmt(xs: list[str]) -> str:
            return "  ".join(" ".join(x.split()).rjust(w) if i else " ".join(x.split()).ljust(w)
                             for i, (x, w) in enumerate(zip(xs, width))).rstrip()

        return fmt(head) + "\n" + fmt(row) + (f"\n({self.note})" if self.note else "")


def row_view(text: str, end: int, column: int | None = None) -> RowView | None:
    """The table row that ends a cited span [.., end) with its column labels, or None when the span's last
    line is not a table row. A row whose cells cannot be placed under the header (more or fewer cells than
    columns) or a table whose header could not be read gets no labels and a `note` saying so — never a guess."""
    if end <= 0:
        return None
    table = table_at(text, end - 1)
    if table is None:
        return None
    row = table.row_at(end - 1)
    if row is None:
        return None
    label = " ".join(row.label.text.split()) if row.label else ""
    cells = tuple(c.text for c in row.cells)
    labels = tuple(table.column_label(j) for j in range(len(table.columns)))
    if len(row.cells) != len(labels):
        return RowView((), label, cells, None, f"{len(cells)} cells under {len(labels)} column labels: which "
                       "figure belongs to which column cannot be told from the text")
    if not any(labels):
        return RowView((), label, cells, column, "the table's column header could not be read")
    return RowView(columns=labels, label=label, cells=cells, column=column)
