"""Line items as analysts name them and as statements print them.

Each concept has: the words a question uses for it (`asked`), the row labels a statement prints for it
(`labels`, matched against the label squashed to lower-case letters so "Property, plant and equipment — net",
"Property, plant & equipment, net" and a PDF's split "Propert y" read alike; earlier patterns rank first), the
statements it lives in (`home`: a balance-sheet item is read from the balance sheet, not from the cash-flow
statement's "changes in" rows), whether it is a stock (a point in time) or a flow (a period), and whether an
analyst means its magnitude (capital expenditure is "1,577", though the cash-flow statement prints "(1,577)").
Data only; tested entry by entry in tests/test_compute_lexicon.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence, TypeVar

__all__ = ["ASKED", "CONCEPTS", "Concept", "asked_concept", "concept", "label_rank", "longest_named", "squash"]

BALANCE, INCOME, CASHFLOW, EQUITY = "balance sheet", "income statement", "cash flow statement", "equity statement"


@dataclass(frozen=True)
class Concept:
    """One line item (see module docstring)."""

    name: str
    display: str
    asked: str
    labels: tuple[str, ...]
    home: tuple[str, ...]
    stock: bool = False
    magnitude: bool = False
    exclude: str = ""
    """A label matching this (squashed) is never this concept ("noncontrolling", "per share")."""


def _c(name: str, display: str, asked: str, labels: tuple[str, ...], home: tuple[str, ...], **kw: object
       ) -> Concept:
    return Concept(name, display, asked, labels, home, **kw)  # type: ignore[arg-type]


CONCEPTS: tuple[Concept, ...] = (
    _c("cogs", "cost of goods sold",
       r"\bcogs\b|cost of (?:goods|products|merchandise) sold|cost of (?:sales|revenues?)|merchandise costs",
       (r"(?:total)?costs?of(?:goods|products|merchandise)?(?:sold|sales|revenues?)(?:excl.*|exclusive.*)?",
        r"merchandisecosts", r"costofsales(?:and|buying|occupancy).*", r"costofgoodssold.*"),
       (INCOME,)),
    _c("gross_profit", "gross profit", r"gross (?:profit|margin)(?! %| as)",
       (r"grossprofit", r"grossmargin"), (INCOME,)),
    _c("operating_income", "operating income",
       r"(?:unadjusted )?(?:operating (?:income|profit|earnings)|income from operations|earnings from operations"
       r"|\bebit\b)",
       (r"(?:total)?operating(?:income|profit|earnings)(?:loss)?", r"(?:income|earnings)(?:loss)?fromoperations",
        r"operatingincomeloss", r"operating(?:income|profit)(?:loss)?.*"), (INCOME,)),
    _c("net_income", "net income",
       r"net (?:income|earnings|profit)(?: attributable to [\w' ]+)?|profit after tax",
       (r"(?:consolidated)?net(?:income|earnings)(?:loss)?attributableto(?!noncontrolling|non).*",
        r"(?:consolidated)?net(?:income|earnings)(?:loss)?",
        r"net(?:income|earnings)(?:loss)?(?:attributable|available)to.*", r"net(?:income|earnings).*"),
       (INCOME, CASHFLOW), exclude=r".*(?:noncontrolling|minority|pershare|percommon|discontinued|comprehensive"
                                  r"|beforeincome|adjust|margin|includingnon|includingnon).*"),
    _c("da", "depreciation and amortization",
       r"\bd&a\b|depreciation(?:, depletion)? (?:and|&) amortization|depreciation",
       (r"depreciation(?:depletion)?andamortization(?:expense)?", r"depreciationamortizationand.*",
        r"depreciation(?:depletion)?andamortization.*", r"depreciation"), (CASHFLOW, INCOME)),
    _c("capex", "capital expenditure",
       r"\bcapex\b|capital expenditures?|capital spending|purchases? of (?:property|pp&e)",
       (r"capitalexpenditures?", r"capitalspending",
        r"(?:purchases?|acquisitions?|additions?|payments?|investments?)(?:of|to|for|in)(?:property|propert|premises"
        r"|fixedassets|plant|capitalassets|land|buildings|equipment).*", r"capitalexpenditures?.*"),
       (CASHFLOW,), magnitude=True, exclude=r".*(?:proceeds|sale|disposal|accrued|unpaid).*"),
    _c("cfo", "cash from operations",
       r"cash (?:flows? )?(?:from|provided by|generated (?:by|from)) operat\w*|operating cash flows?|\bcfo\b"
       r"|cash from operations|operati\w* activities",
       (r"net(?:cash|cashflows?)(?:provided|generated|from|by|used|in|for|\(|\))*operatingactivities.*",
        r"cash(?:provided|generated|flows?)?(?:by|from)operat(?:ions|ingactivities).*",
        r"net(?:cash)?(?:provided|generated)?(?:by|from)operations.*"),
       (CASHFLOW,), exclude=r".*(?:discontinued|continuingoperationsonly).*"),
    _c("cfi", "cash from investing activities", r"investing activities|cash (?:flows? )?from investing",
       (r"net(?:cash|cashflows?)(?:provided|generated|from|by|used|in|for)*investingactivities.*",
        r"cash(?:provided|used|flows?)?(?:by|from|in|for)investingactivities.*"), (CASHFLOW,),
       exclude=r".*discontinued.*"),
    _c("cff", "cash from financing activities", r"financing activities|cash (?:flows? )?from financing",
       (r"net(?:cash|cashflows?)(?:provided|generated|from|by|used|in|for)*financingactivities.*",
        r"cash(?:provided|used|flows?)?(?:by|from|in|for)financingactivities.*"), (CASHFLOW,),
       exclude=r".*discontinued.*"),
    _c("ppe_net", "property, plant and equipment, net",
       r"\bpp&e\b|\bppne\b|\bppe\b|fixed assets|property,? plant,? (?:and|&) equipment|property (?:and|&) equipment",
       (r"(?:total)?propert(?:y|ies)(?:plant)?(?:and)?equipment(?:net|less.*|netof.*)",
        r"net(?:property|propert)(?:plant)?(?:and)?equipment.*", r"propertyandequipmentatcostnet.*",
        r"(?:land)?buildings?(?:and)?(?:machinery)?(?:and)?equipment(?:net|netof.*)",
        r"(?:total)?propert(?:y|ies)(?:plant)?(?:and)?equipment"),
       (BALANCE,), stock=True,
       exclude=r".*(?:gross|accumulated|purchase|addition|sale|proceeds|payments|acquisitions|held|leased).*"),
    _c("total_current_assets", "total current assets", r"(?:total )?current assets",
       (r"totalcurrentassets", r"currentassets(?:total)?"), (BALANCE,), stock=True),
    _c("total_current_liabilities", "total current liabilities", r"(?:total )?current liabilities",
       (r"totalcurrentliabilities", r"currentliabilities(?:total)?"), (BALANCE,), stock=True),
    _c("total_assets", "total assets", r"(?:total )?assets",
       (r"totalassets",), (BALANCE,), stock=True),
    _c("total_liabilities", "total liabilities", r"(?:total )?liabilities",
       (r"totalliabilities",), (BALANCE,), stock=True),
    _c("equity", "total shareholders' equity",
       r"(?:total )?(?:share|stock)holders'? equity|total equity|book value|shareholders' funds",
       (r"total(?:[a-z]+)?(?:share|stock)holders?equity(?:deficit)?", r"totalequity(?:deficit)?",
        r"total(?:share|stock)holders?(?:equity|investment).*", r"(?:share|stock)holders?equity(?:total)?"),
       (BALANCE,), stock=True, exclude=r".*(?:liabilities|noncontrolling|pershare).*"),
    _c("inventory", "inventories", r"inventor(?:y|ies)",
       (r"(?:total)?(?:merchandise)?inventor(?:y|ies)(?:net)?", r"inventor(?:y|ies).*"), (BALANCE,), stock=True,
       exclude=r".*(?:change|increase|decrease|reserve|writedown|lifo).*"),
    _c("receivables", "accounts receivable",
       r"accounts receivables?|trade receivables?|receivables",
       (r"(?:trade)?accountsreceivables?(?:net|trade)?(?:netof.*|less.*)?",
         r"(?:trade)?receivables?(?:net)?(?:netof.*)?",
        r"(?:trade)?accountsreceivable.*", r"receivables.*"),
       (BALANCE,), stock=True, exclude=r".*(?:change|increase|decrease|other|noncurrent|longterm|financing).*"),
    _c("payables", "accounts payable", r"accounts payables?|trade payables?|payables",
       (r"(?:trade)?accountspayable", r"(?:trade)?accountspayable(?:trade)?", r"tradepayables?",
        r"accountspayable(?:and|,).*"),
       (BALANCE,), stock=True, exclude=r".*(?:change|increase|decrease|noncurrent).*"),
    _c("cash", "cash and cash equivalents", r"cash and (?:cash )?equivalents",
       (r"cashandcashequivalents", r"cashandequivalents", r"cashandcashequivalents.*"), (BALANCE,), stock=True,
       exclude=r".*(?:restricted|beginning|endof|increase|decrease|change|effect).*"),
    _c("short_term_investments", "short-term investments", r"short[- ]term investments|marketable securities",
       (r"shortterminvestments", r"marketablesecurities(?:current)?", r"(?:current)?(?:investments|marketable).*"),
       (BALANCE,), stock=True),
    _c("interest_expense", "interest expense", r"interest expense",
       (r"interestexpense(?:net)?", r"interestexpense.*"), (INCOME,), magnitude=True,
       exclude=r".*(?:income(?!net)|paid).*"),
    _c("income_tax", "income tax expense",
       r"income tax (?:expense|provision)|provision for income taxes|tax expense|income taxes",
       (r"(?:provisionfor|benefitfrom|\(benefit\))*(?:income)?tax(?:es)?(?:expense)?(?:benefit)?(?:provision)?",
        r"(?:provisionfor|benefitfrom)?incometax(?:es)?.*", r"incometax(?:es)?(?:expense|provision).*"),
       (INCOME,), magnitude=True, exclude=r".*(?:before|deferred|paid|payable|receivable|net of|netof|rate).*"),
    _c("pretax_income", "income before income taxes",
       r"pre-?tax (?:income|earnings)|(?:income|earnings) before (?:income )?tax(?:es)?",
       (r"(?:income|earnings)(?:loss)?(?:fromcontinuingoperations)?before(?:provisionfor)?(?:income)?tax(?:es)?.*",
        r"pretax(?:income|earnings)(?:loss)?", r"(?:total)?pretax(?:income|earnings)(?:loss)?.*"),
       (INCOME,)),
    _c("dividends_paid", "dividends paid", r"(?:cash )?dividends(?: paid)?",
       (r"(?:cash)?dividends(?:paid|paidtoshareholders|paidoncommonstock|paidtocommonshareholders)?",
        r"(?:paymentsof|paymentof)(?:cash)?dividends.*", r"(?:cash)?dividendspaid.*", r"dividends.*"),
       (CASHFLOW,), magnitude=True, exclude=r".*(?:pershare|declared|noncontrolling|received|payable).*"),
    _c("sga", "selling, general and administrative expense",
       r"\bsg&a\b|selling,? general,? (?:and|&) administrative",
       (r"selling(?:general)?(?:and)?(?:general)?(?:and)?administrative(?:expenses?)?.*",), (INCOME,)),
    _c("rnd", "research and development expense", r"\br&d\b|research and development",
       (r"researchanddevelopment(?:expenses?)?.*", r"researchdevelopmentandrelated.*"), (INCOME,)),
    _c("long_term_debt", "long-term debt", r"long[- ]term debt",
       (r"longtermdebt(?:net)?(?:excludingcurrent.*|lesscurrent.*|noncurrent)?", r"longtermdebt.*"), (BALANCE,),
       stock=True, exclude=r".*(?:current portion|currentportion|due within|proceeds|repayment|issuance).*"),
    _c("short_term_debt", "short-term debt",
       r"short[- ]term (?:debt|borrowings)|current portion of (?:long[- ]term )?debt|notes payable|commercial paper",
       (r"shorttermborrowings?", r"shorttermdebt",
         r"(?:short[a-z]*)?(?:borrowings|debt)andcurrentportionoflongtermdebt",
        r"currentportionoflongtermdebt(?:andfinanceleases?)?", r"currentmaturitiesoflongtermdebt", r"notespayable",
        r"commercialpaper", r"debtmaturingwithinoneyear", r"shortterm(?:borrowings|debt).*",
        r"currentportionoflongterm.*"),
       (BALANCE,), stock=True, exclude=r".*(?:proceeds|repayment|payments|issuance|net(?:increase|decrease)).*"),
    _c("revenue", "revenue", r"(?:total )?(?:net )?(?:revenues?|sales|top line)",
       (r"(?:total)?(?:net)?(?:operating)?revenues?(?:net)?", r"(?:total)?(?:net)?sales(?:net)?",
        r"salestocustomers", r"(?:total)?(?:net)?(?:operating)?revenues?(?:and.*)?", r"totalnetrevenue.*",
        r"revenues?(?:from.*)?"),
       (INCOME,), exclude=r".*(?:cost|deferred|unearned|receivable|pershare|percent).*"),
)
"""Most specific first: "total current assets" is tried before "total assets", "cost of sales" before "sales"."""

_BY_NAME = {c.name: c for c in CONCEPTS}
ASKED = tuple((c, re.compile(r"\b(?:" + c.asked + r")", re.I)) for c in CONCEPTS)
"""Each concept with the compiled pattern of the words a question uses for it."""
_LABELS = {c.name: tuple(re.compile(p) for p in c.labels) for c in CONCEPTS}
_EXCLUDE = {c.name: re.compile(c.exclude) if c.exclude else None for c in CONCEPTS}
_FOOTNOTE = re.compile(r"\((?:\d{1,2}|[a-z]|[ivx]+)\)|\*+")


def concept(name: str) -> Concept | None:
    """The concept of that name, or None."""
    return _BY_NAME.get(name)


def squash(label: str) -> str:
    """A row label as compared: footnote marks dropped, "&" read as "and", lower-case letters only."""
    s = _FOOTNOTE.sub("", label.lower()).replace("&", "and")
    return re.sub(r"[^a-z()]+", "", s).replace("()", "")


def label_rank(name: str, label: str) -> int | None:
    """How well a row label prints concept `name`: 0 for its first label pattern, 1 for the next, …; None when
    it does not print it."""
    s = squash(label)
    plain = s.replace("(", "").replace(")", "")
    ex = _EXCLUDE.get(name)
    if ex is not None and ex.fullmatch(plain):
        return None
    for i, rx in enumerate(_LABELS.get(name, ())):
        if rx.fullmatch(plain) or rx.fullmatch(s):
            return i
    return None


T = TypeVar("T")


def longest_named(patterns: Sequence[tuple[T, re.Pattern[str]]], words: str) -> T | None:
    """The entry whose pattern matches the longest stretch of `words` (the earlier entry on a tie), or None."""
    best: tuple[int, int, T] | None = None
    for i, (entry, rx) in enumerate(patterns):
        for m in rx.finditer(words):
            key = (m.end() - m.start(), -i)
            if best is None or key > best[:2]:
                best = (key[0], key[1], entry)
    return best[2] if best else None


def asked_concept(words: str) -> Concept | None:
    """The concept a question's words name ("FY2019 COGS" → cogs), the longest match winning; None when none."""
    return longest_named(ASKED, words)
