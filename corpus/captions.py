"""Statement captions: whether a line names a financial statement ("Consolidated Statements of Cash Flows").

Shared by corpus/structure.py (a caption is a heading, so rows below it carry the statement's name in their
section path) and corpus/statements.py (a caption starts a statement of the map).

A caption is matched on the line's letters only (lower case, no spaces), so PDF word splits ("Incom e",
"Shee t", "Cash Flow s") do not hide it. A line that only mentions a statement is no caption:
- prose (a long line, or a line ending in a full stop past 90 characters), a contents row ("… | 58");
- the name preceded by a preposition, article or comma ("Amounts recognized in the Consolidated Balance
  Sheet", "see the consolidated statements of income");
- the name followed by a word that makes it a note's subject ("Supplemental Balance Sheet Information",
  "Statement of Operations Data");
- a segment caption ("Business Segment Information", "Net Sales by Segment") that is not in title case
  ("Some seasonality impacts this business segment …").
"""
from __future__ import annotations

import re

__all__ = ["CAPTION_MAX", "caption_kind", "mend"]

CAPTION_MAX = 260
"""A longer line is prose, not a caption."""
NAME_WITHIN = 110
"""A caption's statement name starts within this many characters (after a company name)."""
_CELL_SEP = " | "

# Statement names matched on the letters of a line (lower case, no spaces): "consolidatedstatementofincome".
_KIND_RX: tuple[tuple[str, re.Pattern[str]], ...] = tuple((k, re.compile(p)) for k, p in (
    ("cash_flow", r"statements?of(?:consolidated)?cashflows?|cashflowsstatements?|cashflowstatements?"),
    ("comprehensive_income", r"statements?of(?:consolidated)?comprehensive(?:income|loss|earnings)"),
    ("income", r"statements?of(?:consolidated)?(?:income|operations|earnings|(?:net)?loss)|incomestatements?"
               r"|profitandlossaccount|statements?ofprofitorloss"),
    ("balance", r"balancesheets?|statements?of(?:consolidated)?financial(?:position|condition)"
                r"|statements?ofcondition"),
    ("equity", r"statements?of(?:consolidated)?(?:changesin)?(?:(?:stock|share)(?:holders|owners)|members|partners)?"
               r"(?:equity|deficit|investment)"),
    ("segment", r"segment(?:s|al)?(?:information|results|data|reporting|operatingresults|profit|revenue|sales|"
                r"netsales|financialinformation)|(?:by|reportable|business|operating)segments?"),
))
# A caption never continues with these (the phrase names a note or a line of another table).
_NOT_AFTER = re.compile(r"\s*(?:information|data|details?|items?|impacts?|effects?|locations?|classification|"
                        r"presentation|amounts?|accounts?|captions?|lines?|date|which|that|is|are|was|were)\b", re.I)
# …nor is it preceded by these (prose or a table's row: "Amounts recognized in the Consolidated Balance Sheet").
_NOT_BEFORE = re.compile(r"(?:\b(?:in|on|the|of|to|from|within|per|face|our|its|see|refer|and|this|these)|[,;:])\s*$",
                         re.I)
_WIDEN = re.compile(r"((?:(?:condensed|consolidated|combined|interim|unaudited)\s*){1,3})$", re.I)
_SMALL = frozenset("a an the of and or for to in on at by with from as per".split())


def _letters(s: str) -> tuple[str, list[int]]:
    """The lower-case letters of s and, for each, its index in s."""
    idx = [i for i, ch in enumerate(s) if ch.isalpha()]
    return "".join(s[i].lower() for i in idx), idx


def _title_case(s: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’&-]*", s) if w.lower() not in _SMALL]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.75 * len(words)


def caption_kind(line: str) -> tuple[str, int, int] | None:
    """(kind, start, end) of the statement name a caption line holds (offsets into `line`; the span takes in
    "Consolidated"/"Condensed" before the name), or None when the line is no caption (see the module docstring).
    Kinds: "income", "comprehensive_income", "balance", "cash_flow", "equity", "segment"."""
    s = line.strip()
    if not s or len(s) > CAPTION_MAX or _CELL_SEP in s or (len(s) > 90 and s.endswith(".")):
        return None
    letters, idx = _letters(line)
    for kind, rx in _KIND_RX:
        m = rx.search(letters)
        if not m:
            continue
        a, b = idx[m.start()], idx[m.end() - 1] + 1
        if a > NAME_WITHIN:
            return None
        before, after = line[:a], line[b:]
        w = _WIDEN.search(before)
        if w:
            a -= len(w.group(1))
            before = line[:a]
        if _NOT_BEFORE.search(before):
            return None
        if kind == "segment":
            if len(s) > 100 or not _title_case(s):
                return None
        elif _NOT_AFTER.match(after):
            return None
        return kind, a, b
    return None


def mend(s: str) -> str:
    """A caption's words with PDF word splits mended ("Incom e" → "Income", "Flow s" → "Flows")."""
    return re.sub(r"(?<=[A-Za-z]{2}) (?=[a-z](?:\b|$))", "", " ".join(s.split()))
