"""A question read as a computation: which figure, defined how, for which fiscal years, rounded how.

Reading order (each step generic, none keyed to one question's wording):
1. Definitions the question gives: "NAME is defined as: EXPR", "Define NAME as EXPR", "NAME here is defined as
   EXPR", "where NAME = EXPR" (app/answer/compute/phrases.py reads EXPR).
2. The asked figure, from the question sentence: "N-year average (of) M", "change in M", "M growth (rate)",
   "M as a % of Y", "M % margin", "ratio of M to Y", then a name the question defined, a lexicon entry
   (app/answer/compute/lexicon.py), or a line item (app/answer/compute/concepts.py).
3. Years: "FY2019", "fiscal 2019", "FY19", a range "FY2017 - FY2019" / "from FY2016 to FY2018"; the asked year
   is the latest. A quarter ("Q2 of FY2023") asks for three-month columns.
4. Rounding ("round … to two decimal places"), the unit asked ("in USD billions", "in units of percents") and
   the statements named for the whole figure.
`read_question` returns None for a question that asks for no figure at a fiscal year.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from app.answer.compute.concepts import asked_concept
from decimal import Decimal

from app.answer.compute.expr import Avg, Bin, ComputeError, Item, Node, Num
from app.answer.compute.lexicon import AMOUNT, DAYS, FRACTION, PERCENT, RATIO, asked_metric
from app.answer.compute.phrases import (NUMBER_WORDS, STATEMENTS, PhraseReader, concept_hints, longer, read_definitions,
                                        strip_years, years_in)

__all__ = ["Figure", "Request", "asks_figure", "figure_of", "part_year", "read_question"]

_QUARTER = re.compile(r"\bQ([1-4])\b|\b(first|second|third|fourth) quarter\b", re.I)
_PART_YEAR = ((6, re.compile(r"\bH[12]\b|\b(?:first|second) half\b|\bsix[- ]months?\b|\b26[- ]weeks?\b", re.I)),
              (9, re.compile(r"\bnine[- ]months?\b|\b9M\b|\b39[- ]weeks?\b", re.I)))


def part_year(asked: str, quarter: int | None) -> int | None:
    """The months of the part-year a question asks for (3 for a quarter), None for a fiscal year."""
    if quarter is not None:
        return 3
    return next((m for m, rx in _PART_YEAR if rx.search(asked)), None)
_ROUND = re.compile(r"round(?:ed|ing)?\b[^.?]{0,40}?\bto (?:the nearest )?(\w+) decimal|round(?:ed|ing)?\b[^.?]{0,30}?"
                    r"\b(?:to )?(?:the )?nearest (whole number|integer|dollar|million|billion|thousand)", re.I)
_SCALE = re.compile(r"\b(?:in|answer in|expressed in|of) (?:usd|us\$|\$|dollars)?\s*(thousands|millions|billions)\b"
                    r"|\b(?:usd|us\$|\$)\s*(thousands|millions|billions)\b", re.I)
_PERCENT_ASKED = re.compile(r"\bunits? of percents?|\bin percent(?:age)?s?\b|\(as a %\)|as a percent(?:age)?\b"
                            r"|\bin %|\bpercentage\b", re.I)
_AVG = re.compile(r"\b(\d+|one|two|three|four|five|six)[- ]years?[- ]average\b|\baverage\b", re.I)
_GROWTH = re.compile(r"\bgrowth\b|\bgr[eo]w(?:n|th)?\b|% change|percent(?:age)? change", re.I)
_CAGR = re.compile(r"\bcagr\b|compound(?:ed)? annual growth(?: rate)?", re.I)
_CHANGE = re.compile(r"\bchang(?:e|ed|es)\b|\bdifference\b|\bby how much\b", re.I)
_ARITHMETIC = re.compile(r"\s(?:less|minus|plus|divided by|multiplied by|[-+/×÷*])\s", re.I)
# "Basing your judgment …, what is …": the question starts at its question word
_LEAD = re.compile(r"^.*?,\s*(?=(?:so,?\s+)?(?:what|how much|how many|which|by how much)\b)", re.I)
_FIGURE_ASK = re.compile(r"(?:so,?\s+)?(?:what (?:is|was|were|are)|how much|how many|by how much|calculate|compute"
                         r"|roughly how)\b", re.I)
_REASON = re.compile(r"(?:what|which) (?:drove|caused|explains|are the|were the|type|kind)|why\b|how did\b|how does\b",
                     re.I)
_GENERIC = {"the", "ratio", "amount", "total", "figure", "value", "metric", "s", "of", "a", "an", "company"}


@dataclass(frozen=True)
class Figure:
    """The asked figure: its display name, how it reads, and its formula at one year."""

    display: str
    kind: str
    build: Callable[[int], Node]
    source: str
    """"question" (the question defines it), "lexicon", "template" ("X as a % of Y") or "line item"."""
    definition: str = ""


@dataclass(frozen=True)
class Request:
    """A question read as a computation (see module docstring)."""

    display: str
    kind: str
    node: Node
    """The whole formula with absolute years; Items may still name lexicon entries (app/answer/compute/engine.py
    expands them, with the question's own definitions first)."""
    year: int
    years: tuple[int, ...]
    places: int | None
    scale: str | None
    statements: tuple[str, ...]
    source: str
    reader: PhraseReader
    definition: str = ""
    quarter: int | None = None
    months: int | None = None
    """A part-year the question asks for: 3 (a quarter), 6 (a half year), 9 (nine months); None for a fiscal year."""
    op: str = ""
    """"average", "change", "growth" or "" — what was done across years."""
    claim: str = ""
    """For yes/no and which-of questions (app/answer/compute/compare.py): see `Computation.claim`."""

    @property
    def lookup(self) -> bool:
        """A single line item read off a statement, no arithmetic."""
        return self.source == "line item" and self.op == "" and isinstance(self.node, Item)


def _places(q: str) -> int | None:
    m = _ROUND.search(q)
    if not m:
        return None
    if m.group(1):
        w = m.group(1).lower()
        return NUMBER_WORDS.get(w, int(w) if w.isdigit() else None)
    return 0


def _asked_sentence(q: str) -> str:
    """The sentence that asks (the last one ending in "?", else the first that asks), after any lead-in ending
    in ":"."""
    sentences = re.split(r"(?<=[.?!])\s+(?=[A-Z(\"'])", q)
    asked = [s for s in sentences if s.rstrip().endswith("?")]
    s = asked[-1] if asked else next(
        (s for s in sentences if re.match(r"(?:what|how|which|calculate|compute)\b", s, re.I)), sentences[0])
    if ":" in s:
        s = s.rsplit(":", 1)[1]
    return s.strip()


def asks_figure(asked: str) -> bool:
    """Whether the asking sentence asks for a figure ("What is …", "How much …", "Calculate …") rather than a
    reason, a yes/no or a choice ("What drove …", "Did …", "Which …": app/answer/compute/compare.py)."""
    s = _LEAD.sub("", asked.strip())
    return bool(_FIGURE_ASK.match(s)) and not _REASON.match(s)


def _clean_asked(asked: str) -> str:
    """The asked sentence without its lead-in, question words, the company's possessive, a parenthesised unit or
    the period words around a year."""
    s = re.sub(r"\((?:in|as a|as an?|expressed in)\b[^)]*\)", " ", asked, flags=re.I)
    s = _PERIOD_WORDS.sub("", _LEAD.sub("", s.strip()))
    s = re.sub(r"\s*\b(?:for|in|as of|at|on)?\s*(?:the\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
               r"\s+\d{1,2}\b,?", " ", s, flags=re.I)
    s = re.sub(r"^(?:so,?\s+)?(?:(?:roughly |approximately )?how many times|what|how much|how many|which|by how much"
               r"|calculate|compute)\s+(?:is|was|were|are|has|had|did|does)?\s*(?:the\s+)?", "", s, flags=re.I)
    s = re.sub(r"^(?:[A-Z0-9][\w&.-]*\s+){0,3}?[A-Z0-9][\w&.-]*'s?\s+", "", s)  # "Nike's …", "General Mills's …"
    s = re.sub(r"\b(?:at the end of|at the close of|by the end of|year[- ]end(?:ed)?|end of|as of|close of)\b", " ", s,
               flags=re.I)
    return " ".join(s.split()).strip(" ?")


_PERIOD_WORDS = re.compile(r"\s*\b(?:for|in|during|over|at|as of)?\s*(?:the\s+)?(?:(?:three|six|nine|twelve|\d{1,2}|"
                           r"fifty[- ]two|52|53|13)[- ](?:months?|weeks?)|(?:fiscal\s+)?(?:years?|quarters?|periods?))"
                           r"\s+end(?:ed|ing)\b.*$", re.I)


def _phrase(asked: str) -> str:
    """The figure's words: the cleaned asked sentence without years or a period ("for the twelve months ended
    …"), the company (a trailing "for Company …"), averages, changes and growth words."""
    p = strip_years(_clean_asked(asked))
    # "… for Block (formerly known as Square)"
    p = re.sub(r"\s+(?:for|of|at|by)\s+[A-Z0-9][^()]*\([^)]*\)\s*$", "", p)
    p = re.sub(r"\s+(?:for|of|at|by)\s+[A-Z0-9][\w&.'-]*(?:\s+(?:[A-Z0-9(][\w&.'()-]*|&|and|of))*\s*$", "", p)
    p = re.sub(r"^(?:the\s+)?(?:\d+|one|two|three|four|five|six)[- ]years?[- ]average (?:of )?(?:the )?", "", p,
               flags=re.I)
    p = re.sub(r"^(?:the\s+)?average (?:of )?(?:the )?", "", p, flags=re.I)
    p = re.sub(r"^(?:the\s+)?(?:year[- ]over[- ]year |yoy )?(?:change|growth|difference|cagr) (?:in|of) (?:the )?", "",
               p, flags=re.I)
    # "3 year revenue CAGR"
    p = re.sub(r"^(?:the\s+)?(?:\d+|one|two|three|four|five|six)[- ]years?\s+", "", p, flags=re.I)
    p = re.sub(r"\s+(?:growth(?: rate)?|change|cagr|compound(?:ed)? annual growth(?: rate)?|\(as a %\)|(?:has |have )?"
               r"(?:changed|increased|decreased|grown|grew|grow|declined|risen|rose|fallen|fell))$", "", p, flags=re.I)
    p = re.sub(r"\b(?:total amount|amount|figure|value)\b(?: of)?", " ", p, flags=re.I)
    return " ".join(p.split())


def _covers(name: str, shown: str, phrase: str) -> bool:
    """Whether the asked phrase is the defined name itself (not a figure built on it, like "EBITDA % margin"
    on a defined "EBITDA"): the same words (generic ones aside), its abbreviation, or the same lexicon entry."""
    def words(s: str) -> set[str]:
        return set(re.findall(r"[a-z0-9&%]+", re.sub(r"\([^)]*\)", " ", s.lower()))) - _GENERIC

    abbrev = {a.lower() for a in re.findall(r"\(([A-Za-z&]{2,8})\)", phrase)}
    if words(name) == words(phrase) or name in abbrev or (words(phrase) and words(phrase) <= words(name)):
        return True
    a, b = asked_metric(shown), asked_metric(phrase)
    return a is not None and a == b


def figure_of(reader: PhraseReader, p: str) -> Figure | None:
    """The figure a phrase names (see module docstring, step 2)."""
    if _ARITHMETIC.search(p):  # "unadjusted EBITDA less capex": the asked figure is itself a formula
        return Figure(p[:1].upper() + p[1:], RATIO if re.search(r"/| divided by | over ", p) else AMOUNT,
                      lambda yr: reader.expr(p, yr), "template")
    name = reader.defined_name(p)
    if name is not None and _covers(name, reader.raw[name][0], p):
        shown, expr = reader.raw[name]
        return Figure(shown[:1].upper() + shown[1:], _kind_of(expr, p), lambda y: reader.definition(name, y),
                      "question", f"{shown} = {expr}")
    m = re.match(r"^(?P<x>.+?)\s+(?:as an? (?:%|percent(?:age)?)|%|percent(?:age)?) of (?:total )?(?P<y>.+)$", p, re.I)
    if m:
        x, y = m.group("x"), m.group("y")
        return Figure(f"{x[:1].upper() + x[1:]} as a % of {y}", PERCENT,
                      lambda yr: Bin("/", reader.figure_at(x, yr), reader.figure_at(y, yr)), "template")
    m = re.match(r"^(?:the )?ratio of (?P<x>.+?) to (?P<y>.+)$|^(?P<x2>.+?) to (?P<y2>.+?) ratio$", p, re.I)
    if m and asked_metric(p) is None:
        x, y = m.group("x") or m.group("x2"), m.group("y") or m.group("y2")
        return Figure(f"Ratio of {x} to {y}", RATIO,
                      lambda yr: Bin("/", reader.figure_at(x, yr), reader.figure_at(y, yr)), "template")
    met = asked_metric(p)
    m = re.match(r"^(?P<x>.+?)\s+%\s*margin$", p, re.I)
    if m and met is None:
        x = m.group("x")
        return Figure(f"{x[:1].upper() + x[1:]} % margin", PERCENT,
                      lambda yr: Bin("/", reader.figure_at(x, yr), Item("revenue", yr)), "template")
    c = asked_concept(p)
    if met is not None and (c is None or longer(met.asked, c.asked, p)):
        return Figure(met.display, met.kind, lambda yr: Item(met.name, yr, 0, None, p), "lexicon", met.formula)
    if c is not None:
        return Figure(c.display[:1].upper() + c.display[1:], AMOUNT,
                      lambda yr: Item(c.name, yr, 0, reader.hints.get(c.name), p), "line item")
    return None


def _cagr_years(asked: str) -> int:
    """The years a CAGR spans when the question names one year only ("3 year revenue CAGR")."""
    m = re.search(r"\b(\d+|two|three|four|five|six)[- ]years?\b", asked, re.I)
    if not m:
        return 1
    return int(m.group(1)) if m.group(1).isdigit() else NUMBER_WORDS.get(m.group(1).lower(), 1)


def _lower(s: str) -> str:
    """A display name inside a sentence: "Net profit margin" → "net profit margin", "EBITDA margin" kept."""
    return s[:1].lower() + s[1:] if len(s) > 1 and not s[1].isupper() else s


def _kind_of(expr: str, asked: str) -> str:
    """How a defined figure reads: days when it multiplies by 365, a percentage when asked, a ratio when it
    divides, else an amount."""
    if re.search(r"\b36[05]\b", expr):
        return DAYS
    if re.search(r"%|percent|margin|\brate\b", asked, re.I):
        return PERCENT
    if re.search(r"/|divided by|\bover\b|÷", expr, re.I):
        return RATIO
    return AMOUNT


def read_question(question: str) -> Request | None:
    """The computation a question asks for, or None when it asks for no figure at a fiscal year."""
    q = " ".join(question.replace("’", "'").replace("–", "-").replace("—", "-").replace("−", "-").split())
    defs = read_definitions(q)
    asked = _asked_sentence(q)
    if not asks_figure(asked):
        return None
    for _, expr in defs.values():
        asked = asked.replace(expr, " ")  # a definition's own years are not the asked years
    years = years_in(asked) or years_in(q)
    if not years:
        return None
    qm = _QUARTER.search(asked)
    quarter = None
    if qm:
        quarter = int(qm.group(1)) if qm.group(1) else ["first", "second", "third", "fourth"].index(
            qm.group(2).lower()) + 1
    reader = PhraseReader(defs, concept_hints(q))
    cleaned = _clean_asked(asked)
    try:
        fig = figure_of(reader, _phrase(asked))
        if fig is None or fig.source == "line item":
            # "Roughly how many times has X sold its inventory? Calculate inventory turnover ratio …": an
            # instruction that names a figure says what is asked
            for sent in re.split(r"(?<=[.?!;])\s+", q):
                if re.match(r"(?:calculate|compute|use|using)\b", sent, re.I) and (m := asked_metric(sent)):
                    fig = Figure(m.display, m.kind, lambda yr, m=m: Item(m.name, yr, 0, None, sent), "lexicon",
                                 m.formula)
                    break
        if fig is None:
            return None
        year = max(years)
        ys = tuple(sorted(set(years)))
        op, display, kind = "", fig.display, fig.kind
        avg = _AVG.search(cleaned)
        if _CAGR.search(cleaned) and fig.source != "question":
            a, b = (ys[0], ys[-1]) if len(ys) >= 2 else (year - _cagr_years(cleaned), year)
            # ((end / start) ^ (1 / years)) - 1
            root = Bin("/", Num(Decimal(1)), Num(Decimal(b - a)))
            node = Bin("-", Bin("^", Bin("/", fig.build(b), fig.build(a)), root), Num(Decimal(1)))
            op, display, ys, kind = "cagr", f"{fig.display} CAGR", (a, b), PERCENT
        elif avg and fig.source != "question":
            n = avg.group(1)
            count = int(n) if n and n.isdigit() else NUMBER_WORDS.get((n or "").lower(), 2)
            span = tuple(range(min(ys), max(ys) + 1)) if len(ys) >= 2 else tuple(range(year - count + 1, year + 1))
            node: Node = Avg(tuple(fig.build(y) for y in span))
            op, display, ys = "average", f"{len(span)}-year average {_lower(fig.display)}", span
        elif _GROWTH.search(cleaned) and fig.source != "question":
            a, b = (ys[0], ys[-1]) if len(ys) >= 2 else (year - 1, year)
            node = Bin("/", Bin("-", fig.build(b), fig.build(a)), fig.build(a))
            op, display, ys, kind = "growth", f"{fig.display} growth", (a, b), PERCENT
        elif _CHANGE.search(cleaned) and fig.source != "question" and fig.kind == AMOUNT and _PERCENT_ASKED.search(q):
            # a change in an amount asked "in percents" is its percentage change
            a, b = (ys[0], ys[-1]) if len(ys) >= 2 else (year - 1, year)
            node = Bin("/", Bin("-", fig.build(b), fig.build(a)), fig.build(a))
            op, display, ys, kind = "growth", f"Change in {_lower(fig.display)}", (a, b), PERCENT
        elif _CHANGE.search(cleaned) and fig.source != "question":
            a, b = (ys[0], ys[-1]) if len(ys) >= 2 else (year - 1, year)
            node = Bin("-", fig.build(b), fig.build(a))
            op, display, ys = "change", f"Change in {_lower(fig.display)}", (a, b)
        elif len(ys) > 1:
            return None  # a figure at several years, nothing across them: each year's cell answers it
        else:
            node, ys = fig.build(year), (year,)
    except ComputeError:
        return None
    if kind in (RATIO, FRACTION) and _PERCENT_ASKED.search(q) and op != "change":
        kind = PERCENT
    sm = _SCALE.search(q)
    scale = (sm.group(1) or sm.group(2)).lower() if sm else None
    statements = tuple(dict.fromkeys(k for k, rx in STATEMENTS if rx.search(q)))
    return Request(display=display, kind=kind, node=node, year=year, years=ys, places=_places(q), scale=scale,
                   statements=statements, source=fig.source, reader=reader, definition=fig.definition,
                   quarter=quarter, months=part_year(asked, quarter), op=op)
