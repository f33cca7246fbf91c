"""Standard definitions of analysts' figures, used when the question does not define its own.

Each entry names a figure, the words a question uses for it, how it reads (a ratio, a percentage, days, an
amount, or a fraction shown with its percentage) and its formula over line items (app/answer/compute/
concepts.py) and other entries. A formula is written in a small language: a name is a line item or an entry at
the asked period, `name[-1]` the year before, `avg(a, b)` a mean, numbers and + - * / as usual; an entry with
alternatives ("gross_profit / revenue | (revenue - cogs) / revenue") uses the first whose line items are all
found. These are the textbook definitions (averages of opening and closing balances for turnover, days and
returns); a question that defines a figure ("… is defined as: …") overrides its entry. Every entry has a test in
tests/test_compute_lexicon.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from app.answer.compute.concepts import concept, longest_named
from app.answer.compute.expr import ComputeError, Item, Node, parse

__all__ = ["METRICS", "Metric", "asked_metric", "formula", "metric", "parse_formula"]

RATIO, PERCENT, DAYS, AMOUNT, FRACTION = "ratio", "percent", "days", "amount", "fraction"


@dataclass(frozen=True)
class Metric:
    """One standard figure (see module docstring)."""

    name: str
    display: str
    asked: str
    kind: str
    formula: str


METRICS: tuple[Metric, ...] = (
    Metric("ccc", "Cash conversion cycle", r"cash conversion cycle|\bccc\b", DAYS, "dio + dso - dpo"),
    Metric("dso", "Days sales outstanding", r"days (?:of )?sales outstanding|\bdso\b|days receivables?", DAYS,
           "365 * avg(receivables, receivables[-1]) / revenue"),
    Metric("dio", "Days inventory outstanding",
           r"days (?:of |in )?inventory(?: outstanding| on hand)?|\bdio\b|days sales (?:of|in) inventory|\bdsi\b", DAYS,
           "365 * avg(inventory, inventory[-1]) / cogs"),
    Metric("dpo", "Days payable outstanding", r"days (?:of )?payables? outstanding|\bdpo\b", DAYS,
           "365 * avg(payables, payables[-1]) / cogs"),
    Metric("fixed_asset_turnover", "Fixed asset turnover",
           r"fixed[- ]assets? turnover|pp&e turnover|ppe turnover", RATIO, "revenue / avg(ppe_net, ppe_net[-1])"),
    Metric("inventory_turnover", "Inventory turnover", r"inventory turnover", RATIO,
           "cogs / avg(inventory, inventory[-1])"),
    Metric("receivables_turnover", "Receivables turnover", r"receivables? turnover", RATIO,
           "revenue / avg(receivables, receivables[-1])"),
    Metric("asset_turnover", "Asset turnover", r"(?:total )?assets? turnover", RATIO,
           "revenue / avg(total_assets, total_assets[-1])"),
    Metric("operating_cash_flow_ratio", "Operating cash flow ratio", r"operating cash flow ratio", RATIO,
           "cfo / total_current_liabilities"),
    Metric("quick_ratio", "Quick ratio", r"quick ratio|acid[- ]test(?: ratio)?", RATIO,
           "(cash + short_term_investments + receivables) / total_current_liabilities"
           " | (cash + receivables) / total_current_liabilities"),
    Metric("current_ratio", "Current ratio", r"current ratio|working capital ratio", RATIO,
           "total_current_assets / total_current_liabilities"),
    Metric("working_capital", "Working capital", r"(?:net )?working capital(?! ratio)", AMOUNT,
           "total_current_assets - total_current_liabilities"),
    Metric("roa", "Return on assets", r"return on (?:average )?(?:total )?assets|\broa\b", PERCENT,
           "net_income / avg(total_assets, total_assets[-1])"),
    Metric("roe", "Return on equity",
           r"return on (?:average )?(?:(?:share|stock)holders'? )?equity|\broe\b", PERCENT,
           "net_income / avg(equity, equity[-1])"),
    Metric("ebitda_margin", "EBITDA margin", r"(?:unadjusted )?ebitda (?:% )?margin", PERCENT, "ebitda / revenue"),
    Metric("ebitda", "EBITDA", r"(?:unadjusted )?\bebitda\b", AMOUNT, "operating_income + da"),
    Metric("gross_margin", "Gross margin", r"gross (?:profit )?(?:% )?margin", PERCENT,
           "gross_profit / revenue | (revenue - cogs) / revenue"),
    Metric("operating_margin", "Operating margin",
           r"(?:unadjusted )?operating (?:income |profit )?(?:% )?margin|\bebit (?:% )?margin", PERCENT,
           "operating_income / revenue"),
    Metric("net_margin", "Net profit margin", r"net (?:profit |income |earnings )?(?:% )?margin|\bprofit margin",
           PERCENT, "net_income / revenue"),
    Metric("fcf", "Free cash flow", r"free cash flows?|\bfcf\b", AMOUNT, "cfo - capex"),
    Metric("payout_ratio", "Dividend payout ratio", r"(?:dividend )?payout ratio", FRACTION,
           "dividends_paid / net_income"),
    Metric("retention_ratio", "Retention ratio", r"retention ratio|plowback ratio", FRACTION,
           "1 - dividends_paid / net_income"),
    Metric("capex_to_revenue", "Capital expenditure as a % of revenue",
           r"capex (?:to|over) revenue|capital intensity", PERCENT, "capex / revenue"),
    Metric("effective_tax_rate", "Effective tax rate", r"effective (?:income )?tax rate", PERCENT,
           "income_tax / pretax_income"),
    Metric("interest_coverage", "Interest coverage ratio",
           r"interest coverage(?: ratio)?|times interest earned", RATIO, "operating_income / interest_expense"),
    Metric("total_debt", "Total debt", r"total debt|\bdebt\b(?! (?:to|ratio|securities|issuance))", AMOUNT,
           "long_term_debt + short_term_debt"),
    Metric("debt_to_equity", "Debt to equity", r"debt[- ]to[- ]equity(?: ratio)?", RATIO,
           "long_term_debt / equity"),
)
"""Longer, more specific names first: "EBITDA margin" is tried before "EBITDA"."""

_BY_NAME = {m.name: m for m in METRICS}
_ASKED = tuple((m, re.compile(r"\b(?:" + m.asked + r")", re.I)) for m in METRICS)


def metric(name: str) -> Metric | None:
    """The entry of that name, or None."""
    return _BY_NAME.get(name)


def asked_metric(words: str) -> Metric | None:
    """The entry the question's words name (the longest match; earlier entries on a tie), or None."""
    return longest_named(_ASKED, words)


def parse_formula(text: str) -> Node:
    """A lexicon formula as a tree: names become Items (an entry's name stays an Item with that name, expanded
    by the engine), `name[-1]` an Item one year back."""
    def leaf(name: str, back: int) -> Node:
        if concept(name) is None and metric(name) is None:
            raise ComputeError(f"the lexicon names no line item or figure {name!r}")
        return Item(name, offset=back)

    return parse(text, leaf)


def formula(name: str) -> list[Node]:
    """The alternatives of an entry's formula as trees (nested entries still Items; see `expand`)."""
    m = _BY_NAME[name]
    return [parse_formula(alt) for alt in m.formula.split("|")]
