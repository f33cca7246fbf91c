"""Periods of a statement's columns: "Three Months Ended June 30, 2023" → Period("Q", 2023, None, "2023-06-30").

A column label (corpus/tables.py) names its period in the words filings use — "Years ended December 31" over
"2018", "13 Weeks Ended January 28, 2023", "Six Months Ended", "Q2", "Fiscal 2023", "At December 31, 2022" —
and often leaves part of it to the caption above the table; `parse_period` reads both.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Period", "parse_period"]

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_DATE = re.compile(r"(?P<m>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s*(?P<d>\d{1,2})\b,?"
                   r"(?:\s*(?P<y>(?:19|20)\d\d))?", re.I)
_NUMERIC_DATE = re.compile(r"\b(?P<m>1[0-2]|0?[1-9])/(?P<d>3[01]|[12]\d|0?[1-9])/(?P<y>(?:19|20)\d\d)\b")
# A year: not inside a figure ("1,2019" is no thousands group — four digits — so "August 29,2021" holds 2021).
_YEAR = re.compile(r"(?:(?<=\d,)|(?<![\d,.$]))(?:FY\s?'?)?((?:19|20)\d\d)(?![\d,.%])|\bFY\s?'?(\d\d)\b", re.I)
_KIND_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # a retailer's or bottler's quarter runs 12 to 17 weeks (PepsiCo: 12, 12, 12 and 16 or 17)
    ("Q", re.compile(r"three[- ]months?|thirteen[- ]weeks?|\b1[2-7][- ]weeks?|quarters? ended|\bQ[1-4]\b|"
                     r"(?:first|second|third|fourth) quarter|\bquarter\b", re.I)),
    ("H", re.compile(r"six[- ]months?|twenty[- ]six[- ]weeks?|\b2[4-8][- ]weeks?|\bH[12]\b|half[- ]year", re.I)),
    ("9M", re.compile(r"nine[- ]months?|thirty[- ]nine[- ]weeks?|\b3[6-9][- ]weeks?|\b40[- ]weeks?|\b9M\b", re.I)),
    ("FY", re.compile(r"twelve[- ]months?|years? ended|fiscal (?:year|\d{4})|\bFY|fifty[- ](?:two|three)[- ]weeks?"
                      r"|\b5[23][- ]weeks?|\byear\b|annual", re.I)),
    ("asof", re.compile(r"\bas of\b|\bat\b|balance", re.I)),
)
_QUARTER_N = re.compile(r"\bQ([1-4])\b|\b(first|second|third|fourth) quarter", re.I)
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}


@dataclass(frozen=True)
class Period:
    """What one value column covers. `kind`: "FY" (a fiscal or calendar year, 52/53 weeks, twelve months), "Q"
    (three months / 13 weeks), "H" (six months), "9M" (nine months), "asof" (a balance at a date).
    `year`: the year printed (a fiscal year ended January 2017 is 2017); `quarter`: 1-4 only when the label
    prints it; `end_date`: ISO date when month and day are printed (None otherwise)."""

    kind: str
    year: int | None
    quarter: int | None = None
    end_date: str | None = None

    def __str__(self) -> str:
        y = self.year if self.year is not None else "?"
        if self.kind == "asof":
            return f"as of {self.end_date or y}"
        if self.kind == "Q":
            return f"Q{self.quarter} {y}" if self.quarter else f"three months to {self.end_date or y}"
        if self.kind == "FY":
            return f"FY{y}"
        return f"{self.kind} to {self.end_date or y}"

    def to_json(self) -> dict[str, Any]:
        """{"kind", "year", "quarter", "end_date"}."""
        return {"kind": self.kind, "year": self.year, "quarter": self.quarter, "end_date": self.end_date}


def parse_period(label: str, context: str = "", balance: bool = False, date: str = "") -> Period | None:
    """A column label ("Three Months Ended June 30, 2023", "2018", "December 31, 2022") as a Period, reading
    `context` (the caption and lines above the table: "Years ended December 31") for what the label leaves out;
    `balance`: a label with a date or year and no period words is a balance "as of" it (else it is the fiscal
    year ended then). `date`: the column's own date where the caption lists one per column ("At January 1,
    2023 and January 2, 2022" over "2022 | 2021": fiscal 2022 ended January 1, 2023). None when the label
    holds no year."""
    ys = [int(m.group(1)) if m.group(1) else 2000 + int(m.group(2)) for m in _YEAR.finditer(label)]
    if not ys:
        return None
    year = ys[-1]
    kind = next((k for k, rx in _KIND_WORDS if rx.search(label)), None)
    if kind is None:  # the caption says what the label leaves out; a flow statement covers a year by default
        kind = "asof" if balance else next((k for k, rx in _KIND_WORDS if k != "asof" and rx.search(context)), "FY")
    end_date = None
    numeric = _NUMERIC_DATE.search(label)
    if numeric and int(numeric.group("y")) == year:
        end_date = f"{year:04d}-{int(numeric.group('m')):02d}-{int(numeric.group('d')):02d}"
    own = _DATE.search(date) if date else None
    if own and own.group("y") and end_date is None:
        end_date = _iso(int(own.group("y")), own)
    # the label's own date, else the caption's: one printed without a year ("Years ended December 31"), or the
    # only dated one when it has this year (several dated ones belong to their columns, `date`)
    dated = [m for m in _DATE.finditer(context) if m.group("y")]
    found = _DATE.search(label) or next((m for m in _DATE.finditer(context) if not m.group("y")), None) or \
        (dated[0] if len(dated) == 1 and int(dated[0].group("y")) == year else None)
    if found and end_date is None:  # a date printed with its year keeps it ("January 1, 2023" over "2022")
        end_date = _iso(int(found.group("y")) if found.group("y") else year, found)
    qm = _QUARTER_N.search(label)
    quarter = (int(qm.group(1)) if qm.group(1) else _ORDINAL[qm.group(2).lower()]) if qm and kind == "Q" else None
    return Period(kind, year, quarter, end_date)


def _iso(year: int, m: re.Match[str]) -> str:
    return f"{year:04d}-{_MONTHS[m.group('m')[:3].lower()]:02d}-{int(m.group('d')):02d}"
