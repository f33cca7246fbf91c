"""English arithmetic over line items: the definitions a question gives and the terms they are made of.

"365 * (average accounts payable between FY2019 and FY2020) / (FY2020 COGS + change in inventory between FY2019
and FY2020)" is read as a tree: operators are + - * / and "plus", "minus", "less", "divided by", "times",
"multiplied by", "over"; a term is "average X between A and B" (the mean of X at both years), "change in X
between A and B" (X at B less X at A), "FY2019 X" (X at that year) or X alone (at the asked year); "… from the
cash flow statement" (or in brackets) says which statement to read X from. X is a name the question defines,
a lexicon entry, a line item, or — when none of these knows the words — the words themselves, matched
against row labels.
"""
from __future__ import annotations

import re
from decimal import Decimal

from app.answer.compute.concepts import ASKED as _CONCEPT_PATTERNS, BALANCE, CASHFLOW, EQUITY, INCOME, asked_concept
from app.answer.compute.expr import Avg, Bin, ComputeError, Item, Node, Num, climb
from app.answer.compute.lexicon import asked_metric

__all__ = ["NUMBER_WORDS", "PhraseReader", "STATEMENTS", "concept_hints", "longer", "read_definitions",
           "statement_of", "strip_years", "years_in"]

NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
STATEMENTS = (
    (CASHFLOW, re.compile(r"cash ?flows? statements?|statements? of cash ?flows?", re.I)),
    (BALANCE, re.compile(r"balance sheets?|statements? of financial (?:position|condition)", re.I)),
    (INCOME, re.compile(r"income statements?|statements? of (?:income|operations|earnings)|\bp&l\b|profit and loss",
                        re.I)),
    (EQUITY, re.compile(r"statements? of (?:changes in )?(?:share|stock)holders'? equity|equity statements?", re.I)),
)
_FY = re.compile(r"\b(?:FY\s?'?(\d{2}(?:\d{2})?)|fiscal (?:year )?((?:19|20)\d\d)|((?:19|20)\d\d))\b", re.I)
_DEFINE = re.compile(
    r"\b(?:define|defining)\s+(?P<n1>[^.?;]{2,80}?)\s+as\s*:?\s+(?P<e1>[^?;]+?)(?=\.\s|\.$|\?|;|$)"
    r"|(?P<n2>[A-Za-z][^.?;:]{1,80}?)\s+(?:is|are|here is|here are|should be|can be)\s+(?:defined|calculated|computed)"
    r"\s+as\s*:?\s*(?P<e2>[^?;]+?)(?=\.\s|\.$|\?|;|$)"
    r"|\bwhere\s+(?P<n3>[A-Za-z][^.?;=]{1,60}?)\s*=\s*(?P<e3>[^?;]+?)(?=\.\s|\.$|\?|;|$)"
    r"|(?:^|(?<=[.?;]\s))(?P<n4>[A-Za-z][^.?;:=]{1,60}?)\s*=\s*(?P<e4>[^?;=]+?)(?=\.\s|\.$|\?|;|$)", re.I)
_OPS = re.compile(r"\s*(?P<op>divided by|multiplied by|\btimes\b|\bplus\b|\bminus\b|\bless\b|\bover\b|[-+*/×÷()]"
                  r"|(?<=\s)x(?=\s))\s*", re.I)
_AVERAGE = re.compile(r"^(?:the )?(?:simple )?average (?:of )?(?:the )?(?P<x>.+?)(?: (?:between|from|for|over) "
                      r"(?P<a>.+?) (?:and|to|through|-) (?P<b>.+))?$", re.I)
_CHANGE = re.compile(r"^(?:the )?(?:year[- ]over[- ]year )?(?:change|increase|decrease|difference) in (?:the )?"
                     r"(?P<x>.+?)(?: (?:between|from) (?P<a>.+?) (?:and|to) (?P<b>.+))?$", re.I)
_STATEMENT_WORDS = (r"cash ?flows? statements?|statements? of cash ?flows?|balance sheets?|income statements?"
                    r"|statements? of (?:income|operations|earnings|financial position)|p&l")
_HINT = re.compile(r"\s*\(?\s*(?:as )?(?:from|in|shown in|per|on|reported in|as shown in|according to) (?:the )?"
                   r"(?P<s>" + _STATEMENT_WORDS + r")\s*\)?\s*$", re.I)
_HINT_ANYWHERE = re.compile(r"\(?\s*(?:as shown in|from|in|per|reported in) (?:the )?(?P<s>" + _STATEMENT_WORDS
                            + r")", re.I)


def statement_of(text: str) -> str | None:
    """The statement a phrase names ("the statement of cash flows" → cash flow statement), or None."""
    for kind, rx in STATEMENTS:
        if rx.search(text):
            return kind
    return None


def years_in(text: str) -> list[int]:
    """The fiscal years a text names, in order ("FY2019", "FY19", "fiscal 2019", "2019")."""
    out = []
    for m in _FY.finditer(text):
        y = m.group(1) or m.group(2) or m.group(3)
        out.append(int(y) if len(y) == 4 else 2000 + int(y))
    return out


def strip_years(text: str) -> str:
    """A phrase without its years and the words that tie them in ("from FY2016 to FY2018", "in FY2020")."""
    s = _FY.sub("§", text)
    s = re.sub(r"(?:\b(?:from|between)\s+)?§\s*(?:to|and|through|-)\s*§", " ", s, flags=re.I)
    s = re.sub(r"(?:\b(?:in|for|of|during|from|at|by)\s+)?(?:the\s+)?§", " ", s, flags=re.I)
    return " ".join(s.split()).strip(" ,-")


def longer(a: str, b: str, words: str) -> bool:
    """Whether pattern a matches at least as long a stretch of `words` as pattern b."""
    ma = max((m.end() - m.start() for m in re.finditer(a, words, re.I)), default=0)
    mb = max((m.end() - m.start() for m in re.finditer(b, words, re.I)), default=0)
    return ma >= mb


def read_definitions(q: str) -> dict[str, tuple[str, str]]:
    """Names the question defines (lower-case) → (name as written, expression text)."""
    defs: dict[str, tuple[str, str]] = {}
    for m in _DEFINE.finditer(q):
        name = (m.group("n1") or m.group("n2") or m.group("n3") or m.group("n4") or "").strip(" :,")
        expr = (m.group("e1") or m.group("e2") or m.group("e3") or m.group("e4") or "").strip(" :,")
        name = re.sub(r"^(?:the|a|an)\s+", "", name, flags=re.I)
        if name and expr and re.search(r"[A-Za-z]", expr) and len(name.split()) <= 8:
            defs[name.lower()] = (name, expr)
    return defs


def concept_hints(q: str) -> dict[str, str]:
    """Statements the question names for one line item ("D&A (from cash flow statement)"): the item whose
    words end nearest before the hint."""
    out: dict[str, str] = {}
    for m in _HINT_ANYWHERE.finditer(q):
        s = statement_of(m.group("s"))
        before = q[max(0, m.start() - 60):m.start()]
        best = None
        for c, rx in _CONCEPT_PATTERNS:
            for hit in rx.finditer(before):
                if best is None or hit.end() > best[0] or (hit.end() == best[0] and hit.start() < best[1]):
                    best = (hit.end(), hit.start(), c)
        if s and best and len(before) - best[0] <= 3 and best[2].name not in out:
            out[best[2].name] = s
    return out


def _clean(s: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9&% ]+", " ", s.lower()).split())


class PhraseReader:
    """Reads phrases into formula trees, with the question's definitions in scope."""

    def __init__(self, definitions: dict[str, tuple[str, str]], hints: dict[str, str]) -> None:
        self.raw = definitions
        self.hints = hints
        self._busy: set[str] = set()

    def defined_name(self, phrase: str) -> str | None:
        """The defined name a phrase uses (the longest match, by its words or its abbreviation), or None."""
        p = f" {_clean(phrase)} "
        best: tuple[str, str] | None = None
        for name, (shown, _) in self.raw.items():
            variants = {_clean(name), _clean(re.sub(r"\([^)]*\)", " ", name))}
            variants |= {a.lower() for a in re.findall(r"\(([A-Za-z&]{2,8})\)", shown)}
            for v in variants:
                if v and f" {v} " in p and (best is None or len(v) > len(best[1])):
                    best = (name, v)
        return best[0] if best else None

    def for_metric(self, metric_name: str) -> str | None:
        """The defined name that stands for a lexicon entry ("unadjusted EBITDA" for ebitda), or None."""
        for name, (shown, _) in self.raw.items():
            m = asked_metric(shown)
            if m is not None and m.name == metric_name:
                return name
        return None

    def definition(self, name: str, year: int) -> Node:
        """A defined name's formula at a year."""
        if name in self._busy:
            raise ComputeError(f"the definition of {name!r} refers to itself")
        self._busy.add(name)
        try:
            return self.expr(self.raw[name][1], year)
        finally:
            self._busy.discard(name)

    def expr(self, text: str, year: int) -> Node:
        """An English arithmetic expression at `year` (see module docstring)."""
        # "(from cash flow statement)" is a hint, not a bracket of the arithmetic
        text = re.sub(r"\(([^()]*(?:statement|sheet|p&l)[^()]*)\)", r" \1 ", text, flags=re.I)
        tokens: list[str] = []
        pos = 0
        for m in _OPS.finditer(text):
            op = m.group("op").lower()
            if op == "-" and not (m.group(0)[:1].isspace() or m.start() == 0 or text[m.start() - 1] in "()"):
                continue  # a hyphen inside a word ("short-term")
            tokens.append(text[pos:m.start()])
            tokens.append({"divided by": "/", "over": "/", "÷": "/", "multiplied by": "*", "times": "*", "×": "*",
                           "x": "*", "plus": "+", "minus": "-", "less": "-"}.get(op, op))
            pos = m.end()
        tokens.append(text[pos:])
        tokens = [t.strip() for t in tokens if t.strip()]

        def op_at(i: int) -> str | None:
            return tokens[i] if tokens[i] in ("+", "-", "*", "/") else None

        def atom(i: int) -> tuple[Node, int]:
            if i >= len(tokens):
                raise ComputeError("the formula ends early")
            if tokens[i] == "(":
                node, i = climb(tokens, i + 1, atom, op_at)
                return node, i + 1 if i < len(tokens) and tokens[i] == ")" else i
            if tokens[i] in ("+", "-", "*", "/", ")"):
                raise ComputeError(f"unreadable formula at {tokens[i]!r}")
            return self.term(tokens[i], year), i + 1

        node, i = climb(tokens, 0, atom, op_at)
        if i != len(tokens):
            raise ComputeError(f"unreadable formula near {' '.join(tokens[i:i + 3])!r}")
        return node

    def term(self, phrase: str, year: int) -> Node:
        """One term: a number, an average or change across years, or a figure at a year."""
        phrase = phrase.strip(" ,.")
        if re.fullmatch(r"\d+(?:\.\d+)?", phrase):
            return Num(Decimal(phrase))
        statement = None
        h = _HINT.search(phrase)
        if h:
            statement = statement_of(h.group("s"))
            phrase = phrase[:h.start()].strip()
        m = _AVERAGE.match(phrase)
        if m:
            ys = years_in(" ".join(filter(None, (m.group("a"), m.group("b"))))) or years_in(m.group("x"))
            ys = sorted(set(ys)) or [year - 1, year]
            if len(ys) == 1:
                ys = [ys[0] - 1, ys[0]]
            inner = strip_years(m.group("x"))
            return Avg(tuple(self.figure_at(inner, y, statement) for y in ys))
        m = _CHANGE.match(phrase)
        if m:
            ys = sorted(set(years_in(" ".join(filter(None, (m.group("a"), m.group("b"))))))) or [year - 1, year]
            if len(ys) == 1:
                ys = [ys[0] - 1, ys[0]]
            inner = strip_years(m.group("x"))
            return Bin("-", self.figure_at(inner, ys[-1], statement), self.figure_at(inner, ys[0], statement))
        ys = years_in(phrase)
        return self.figure_at(strip_years(phrase), ys[-1] if ys else year, statement)

    def figure_at(self, words: str, year: int, statement: str | None = None) -> Node:
        """A named figure at a year: a definition of the question, a lexicon entry, or a line item (or, when none
        knows the words, the words themselves)."""
        name = self.defined_name(words)
        if name is not None:
            return self.definition(name, year)
        m = asked_metric(words)
        c = asked_concept(words)
        if m is not None and (c is None or longer(m.asked, c.asked, words)):
            return Item(m.name, year, 0, statement, words)
        if c is not None:
            return Item(c.name, year, 0, statement or self.hints.get(c.name), words)
        if not re.search(r"[A-Za-z]{3}", words):
            raise ComputeError(f"no line item in {words!r}")
        return Item("", year, 0, statement, words)
