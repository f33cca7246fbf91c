"""The financial statements a question names, and whether a passage sits under one (its section's headings).

Analysts say where a figure is ("… shown in the balance sheet", "using the cash flow statement"); filings print
each statement under a heading in its own words ("Consolidated Statements of Financial Position", "Statements of
Operations"). The card order (app/answer/cards.py) and the correctness model (app/answer/correctness.py) read
whether a passage or a citation is under the statement the question names.
"""
from __future__ import annotations

import re

_STATEMENTS = {  # a statement → the words of the headings it is printed under, read without spaces (PDF
    # headings arrive broken: "Consolidated Balance Shee t")
    "cash flows": re.compile(r"cashflows?"),
    "balance sheet": re.compile(r"balancesheets?|financialposition|financialcondition"),
    "income": re.compile(r"statements?of(?:consolidated)?(?:comprehensive)?(?:income|operations|earnings)"
                         r"|incomestatements?"),
}


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def named_statements(question: str) -> set[str]:
    """The financial statements a question names ("… shown in the balance sheet" → {"balance sheet"})."""
    q = _squeeze(question)
    return {key for key, pat in _STATEMENTS.items() if pat.search(q)}


def in_statement(section: str, statements: set[str]) -> bool:
    """Whether a passage's section path (its headings) names one of `statements`."""
    flat = _squeeze(section)
    return any(_STATEMENTS[s].search(flat) for s in statements)
