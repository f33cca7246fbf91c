"""Financial-statement synonyms: the names analysts use for a line item, and the names statements print.

A question says "capital expenditure" where the cash-flow statement prints "Purchases of property, plant and
equipment"; "revenue" where the income statement prints "Net sales". Each entry maps a pattern of the
question to the words its statements use; `expansions` adds those words to the lexical (BM25) query only,
so the question's own words still lead and the dense query is untouched. Data only; tested entry by entry in
tests/test_query.py.
"""
from __future__ import annotations

import re

__all__ = ["STATEMENT_ITEMS", "STATEMENT_NAMES", "SYNONYMS", "expansions", "named_statements", "statements_of_items"]

SYNONYMS: tuple[tuple[str, str], ...] = (
    (r"cap(?:ital )?ex(?:penditures?)?\b|capital expenditures?|capital spending",
     "purchases of property, plant and equipment; additions to property and equipment; capital expenditures"),
    (r"pp&e|\bppne\b|\bppe\b|fixed assets?|property,? plant,? and equipment",
     "property, plant and equipment, net"),
    (r"\brevenues?\b|\btop line\b|\bsales\b", "net sales; total revenues; net revenues; revenue"),
    (r"\bd&a\b|depreciation (?:and|&) amortization", "depreciation and amortization"),
    (r"\beps\b|earnings per share", "earnings per share; diluted; basic"),
    (r"net income|net earnings|net profit|bottom line", "net income; net earnings attributable"),
    (r"operating income|operating profit|income from operations|\bebit\b|operating margin",
     "operating income; income from operations; operating profit"),
    (r"\bcogs\b|cost of goods sold|cost of sales|cost of revenues?|gross margin|gross profit",
     "cost of sales; cost of revenue; cost of products sold; gross profit"),
    (r"\bsg&a\b|selling,? general", "selling, general and administrative expenses"),
    (r"operating cash flow|cash flows? from operati|cash from operations|\bcfo\b|cash generated",
     "net cash provided by operating activities"),
    (r"free cash flow|\bfcf\b", "net cash provided by operating activities; purchases of property, plant and equipment"),
    (r"working capital|current ratio|quick ratio|liquidity",
     "total current assets; total current liabilities; cash and cash equivalents; receivables"),
    (r"inventory turnover|inventor(?:y|ies)", "inventories; cost of sales"),
    (r"effective tax rate|tax rate", "effective tax rate; provision for income taxes; income before income taxes"),
    (r"\bdebt\b|borrowings|leverage", "long-term debt; short-term borrowings; current portion of long-term debt; "
                                      "notes payable"),
    (r"dividends?", "dividends declared per share; cash dividends paid"),
    (r"\bebitda\b", "operating income; depreciation and amortization; adjusted EBITDA"),
    (r"total assets|asset turnover|return on assets|\broa\b|capital.intensive", "total assets"),
    (r"total liabilit|largest liabilit", "total liabilities"),
    (r"share ?holders'? equity|stockholders'? equity|book value", "total shareholders' equity; total equity"),
    (r"buy ?backs?|repurchases?", "repurchases of common stock; treasury stock"),
    (r"restructuring", "restructuring reserve; restructuring charges; employee costs"),
    (r"segments?", "segment; reportable segments; operating segments"),
    (r"organic(?:ally)?", "organic sales growth; organic local-currency sales"),
    (r"headcount|employees", "employees; full-time"),
)
"""(question pattern, words the statements use), matched case-insensitively."""

_COMPILED = tuple((re.compile(p, re.I), words) for p, words in SYNONYMS)


def expansions(question: str) -> list[str]:
    """The statement words for every synonym pattern the question matches (each once, in table order)."""
    return [words for rx, words in _COMPILED if rx.search(question)]


STATEMENT_NAMES: tuple[tuple[str, str], ...] = (
    (r"cash ?flows? statements?|statements? of (?:consolidated )?cash ?flows?", "cash_flow"),
    (r"balance sheets?|statements? of (?:consolidated )?financial (?:position|condition)", "balance"),
    (r"income statements?|statements? of (?:consolidated )?(?:income|operations|earnings)|\bp ?& ?l\b"
     r"|profit and loss", "income"),
    (r"statements? of (?:changes in )?(?:stock|share)holders'? equity|equity statement", "equity"),
)
"""(question pattern, statement kind of corpus/statements.py): a statement the question names."""

STATEMENT_ITEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"cap(?:ital )?ex(?:penditures?)?\b|capital expenditures?|purchases? of (?:property|pp&e)|free cash flow|\bfcf\b"
     r"|operating cash flow|cash (?:flows? )?(?:from|provided by|generated)|(?:operating|investing|financing) "
     r"activities|dividends paid|buy ?backs?", ("cash_flow",)),
    (r"total assets|total liabilit|current assets|current liabilit|working capital|current ratio|quick ratio"
     r"|inventor(?:y|ies)\b|pp&e|\bppne\b|property,? plant|fixed assets?|receivables?\b|payables?\b"
     r"|(?:share|stock)holders'? equity|book value|largest liabilit|debt on (?:the )?balance", ("balance",)),
    (r"\brevenues?\b|net sales|\bsales\b|net (?:income|earnings|profit)|(?:gross|operating|net|profit|ebitda) "
     r"margin|gross profit|operating (?:income|profit)|\bebit(?:da)?\b|earnings per share|\beps\b|cost of "
     r"(?:goods|sales|revenues?)|\bcogs\b|sg&a|interest expense", ("income",)),
    (r"(?:fixed )?asset turnover|return on (?:assets|equity)|\brO[AE]\b|inventory turnover|days (?:sales|inventory|"
     r"payables?)|\bd[sip]o\b|cash conversion cycle|capital.intensive", ("income", "balance")),
)
"""(question pattern, statement kinds whose line items it uses): where an analyst reads the figure."""

_NAMES = tuple((re.compile(p, re.I), k) for p, k in STATEMENT_NAMES)
_ITEMS = tuple((re.compile(p, re.I), k) for p, k in STATEMENT_ITEMS)


def named_statements(question: str) -> tuple[str, ...]:
    """The statement kinds a question names ("… shown in the cash flow statement"), in table order."""
    return tuple(k for rx, k in _NAMES if rx.search(question))


def statements_of_items(question: str) -> tuple[str, ...]:
    """The statement kinds holding the line items a question uses (capex → cash flow; margin → income)."""
    out: list[str] = []
    for rx, kinds in _ITEMS:
        if rx.search(question):
            out += [k for k in kinds if k not in out]
    return tuple(out)
