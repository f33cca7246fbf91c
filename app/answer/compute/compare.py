"""Yes/no and which-of questions on figures, answered from the compared cells.

- Direction: "Did Pfizer grow its PPNE between FY20 and FY21?", "Did X's net earnings as a percent of sales
  increase in Q2 of FY2023 compared to Q2 of FY2022?" → the change of the figure between the two periods; the
  answer's Yes/No is the change's sign against the direction asked ("grow", "increase", "improve" → up;
  "decline", "decrease", "fall" → down).
- Sign: "Does Corning have positive working capital based on FY2022 data?" → the figure; Yes/No by its sign.
- Which of: "Which of operating, investing and financing activities brought in the most cash in FY2018?" →
  each named figure at the year; the largest ("most", "highest", "largest") or smallest ("least", "lowest").
  "Which of X's segments had the highest net income?" → the figure in each segment (app/answer/compute/segments.py).
- Based on: "Does X have a healthy liquidity profile based on its quick ratio for FY2022?" → the figure the
  judgement rests on, computed and cited (no verdict: the judgement is the reader's).
The figure is read like any asked figure (app/answer/compute/question.py), so a lexicon entry, a template
("X as a % of Y") or a line item all work; `read_comparison` returns None for any other question.
"""
from __future__ import annotations

import re

from app.answer.compute.expr import Bin, ComputeError, Item, Node, Pick
from app.answer.compute.lexicon import AMOUNT, FRACTION, PERCENT, RATIO
from app.answer.compute.phrases import STATEMENTS, PhraseReader, concept_hints, read_definitions, strip_years, years_in
from app.answer.compute.question import Request, figure_of, part_year

__all__ = ["read_comparison"]

_AUX = r"(?:did|does|do|has|have|had|is|was|were|are)"
_UP = r"grow|grew|grown|increas(?:e|ed|es)|rais(?:e|ed)|ris(?:e|en)|rose|improv(?:e|ed)|expand(?:ed)?|go up|went up"
_DOWN = (r"declin(?:e|ed)|decreas(?:e|ed|es)|f(?:a|e)ll|fallen|drop(?:ped)?|shr(?:i|a|u)nk|reduc(?:e|ed)|go down"
         r"|went down")
_DIRECTION = re.compile(rf"^{_AUX}\s+(?P<before>.*?)\s*\b(?P<verb>{_UP}|{_DOWN})\b\s*(?P<after>.*)$", re.I)
_SIGN = re.compile(rf"^{_AUX}\s+(?P<who>.*?)\b(?:have|has|had|report|reported|show|post)?\s*(?:an?\s+)?"
                   r"(?P<sign>positive|negative)\s+(?P<what>.+)$", re.I)
_WHICH = re.compile(r"^which (?:one )?of\s+(?P<list>.+?)\s+(?P<verb>had|has|have|brought|generated|provided|was|were|is"
                    r"|did|used|produced|contributed|earned|made|reported)\b(?P<rest>.*)$", re.I)
# "Among operations, investing, and financing activities, which brought in the most cash flow …?"
_AMONG = re.compile(r"^among\s+(?P<list>.+?),\s*which(?: one)?\s+(?P<verb>had|has|have|brought|generated|provided|was"
                    r"|were|is|did|used|produced|contributed|earned|made|reported)\b(?P<rest>.*)$", re.I)
# "Does X have a healthy liquidity profile based on its quick ratio for FY2022?": the figure the judgement rests on
_BASED_ON = re.compile(r"\bbased on (?:its|their|the|[A-Z][\w&.' ]*?'s?) (?P<m>[A-Za-z][\w &%'-]*?)"
                       r"(?= for\b| in\b| as of\b| of FY| of fiscal|\?|$)", re.I)
# "Which of X's business segments had the highest net income?"
_SEGMENTS = re.compile(r"^which (?:of )?(?:(?:the )?[\w&.' -]+?'s? )?(?:(?:business|operating|reportable|"
                       r"geographic(?:al)?)\s+)?(?:segments?|divisions?|regions?|businesses|geographies|lines? of "
                       r"business)\b(?P<rest>.*)$", re.I)
_MOST = re.compile(r"\b(most|highest|largest|biggest|greatest|more|higher|larger)\b", re.I)
_LEAST = re.compile(r"\b(least|lowest|smallest|fewest|less|lower|smaller)\b", re.I)
_TAIL = re.compile(r"\s*\b(?:between|from|in|during|for|over|compared (?:to|with)|vs\.?|versus|based on|as of|on "
                   r"(?:the )?(?:balance sheet|income statement|cash flow statement)|year[- ]over[- ]year|yoy|period"
                   r"|data)\b.*$", re.I)


def _subject(before: str, after: str) -> str:
    """The figure's words: after the verb when only the company stands before it ("Did Pfizer grow its PPNE
    …"), else before it without the company's possessive ("Did JnJ's net earnings … increase …")."""
    b = before.strip()
    if not b or re.fullmatch(r"(?:[A-Z0-9][\w&.'-]*\s*)+(?:\([^)]*\))?", b):
        words = re.sub(r"^(?:its|their|the|his|her|our)\s+", "", after.strip(), flags=re.I)
    else:
        words = re.sub(r"^(?:the\s+)?(?:[A-Z0-9][\w&.-]*\s+){0,3}?[A-Z0-9][\w&.-]*'s?\s+", "", b)
    words = strip_years(words)
    return _TAIL.sub("", words).strip(" ?,.")


def _request(q: str, reader: PhraseReader, words: str, node_of, display: str, kind: str, years: tuple[int, ...],
             claim: str, op: str, quarter: int | None) -> Request | None:
    try:
        node: Node = node_of()
    except ComputeError:
        return None
    statements = tuple(dict.fromkeys(k for k, rx in STATEMENTS if rx.search(q)))
    return Request(display=display, kind=kind, node=node, year=max(years), years=years, places=None, scale=None,
                   statements=statements, source="comparison", reader=reader, definition=words, quarter=quarter,
                   months=part_year(q, quarter),
                   op=op, claim=claim)


def read_comparison(question: str) -> Request | None:
    """The comparison a yes/no or which-of question asks for (see module docstring), or None."""
    q = " ".join(question.replace("’", "'").split())
    asked = re.split(r"(?<=[?])\s+", q)[0].strip()
    years = tuple(sorted(set(years_in(asked))))
    if not years:
        return None
    reader = PhraseReader(read_definitions(q), concept_hints(q))
    qm = re.search(r"\bQ([1-4])\b", asked)
    quarter = int(qm.group(1)) if qm else None
    m = _SEGMENTS.match(re.sub(r"^(?:in|for|during|as of)\s+[^,]*,\s*", "", asked, flags=re.I))
    if m:
        return _segments(q, reader, m.group("rest"), years[-1], quarter)
    m = _WHICH.match(asked) or _AMONG.match(asked)
    if m:
        return _which(q, reader, m, years[-1], quarter)
    m = _SIGN.match(asked)
    if m:
        words = _TAIL.sub("", strip_years(m.group("what"))).strip(" ?,.")
        fig = figure_of(reader, words)
        if fig is None:
            return None
        claim = m.group("sign").lower()
        return _request(q, reader, words, lambda: fig.build(years[-1]), fig.display, fig.kind, (years[-1],), claim,
                        "", quarter)
    m = _BASED_ON.search(asked)
    if m and re.match(rf"^{_AUX}\b", asked, re.I):
        fig = figure_of(reader, m.group("m"))
        if fig is not None and fig.source in ("lexicon", "template"):
            return _request(q, reader, m.group("m"), lambda: fig.build(years[-1]), fig.display, fig.kind,
                            (years[-1],), "", "", quarter)
    m = _DIRECTION.match(asked)
    if m and len(years) >= 2:
        words = _subject(m.group("before"), m.group("after"))
        fig = figure_of(reader, words) if words else None
        if fig is None:
            return None
        claim = "increase" if re.fullmatch(_UP, m.group("verb"), re.I) else "decrease"
        a, b = years[0], years[-1]
        return _request(q, reader, words, lambda: Bin("-", fig.build(b), fig.build(a)),
                        f"Change in {fig.display[:1].lower() + fig.display[1:]}", fig.kind, (a, b), claim, "change",
                        quarter)
    return None


def _which(q: str, reader: PhraseReader, m: re.Match[str], year: int, quarter: int | None) -> Request | None:
    rest = m.group("rest")
    fn = "min" if _LEAST.search(rest) and not _MOST.search(rest) else "max"
    if re.search(r"\b(?:used|spent|paid out)\b", m.group("verb") + rest, re.I) and fn == "max":
        fn = "min"  # the most cash used is the most negative figure
    names = [n.strip() for n in re.split(r",\s*(?:and|or)?\s*|\s+(?:and|or)\s+", strip_years(m.group("list"))) if
             n.strip()]
    if len(names) < 2 or any(len(n.split()) > 8 for n in names):
        return None
    # "operating, investing and financing activities": the last item's trailing words belong to each
    tail = names[-1].split()[1:]
    names = [n if len(n.split()) > 1 or not tail else f"{n} {' '.join(tail)}" for n in names]
    items: list[Node] = []
    for n in names:
        fig = figure_of(reader, n)
        if fig is None or fig.kind not in (AMOUNT, RATIO, PERCENT, FRACTION):
            return None
        items.append(fig.build(year))
    if not all(isinstance(i, Item) for i in items) and len({type(i) for i in items}) > 1:
        return None
    # "brought in the most cash" → "Most cash"
    what = _TAIL.sub("", re.sub(r"^.*?\b(?:most|least|highest|lowest|largest|smallest)\b\s*", "", rest.strip(" ?")))
    display = f"{'Most' if fn == 'max' else 'Least'} {what.strip() or 'of these'}"
    return _request(q, reader, m.group("list"), lambda: Pick(fn, tuple(items)), display, AMOUNT, (year,), fn, "",
                    quarter)


def _segments(q: str, reader: PhraseReader, rest: str, year: int, quarter: int | None) -> Request | None:
    """"… had the highest net income": the figure after the superlative, compared across segments."""
    m = re.search(r"\b(?P<sup>most|highest|largest|biggest|greatest|least|lowest|smallest)\b\s+(?P<fig>.+)$",
                  rest.strip(" ?"), re.I)
    if not m:
        return None
    words = _TAIL.sub("", strip_years(m.group("fig"))).strip(" ?,.")
    fig = figure_of(reader, words) if words else None
    if fig is None or fig.source != "line item":
        return None
    fn = "min" if m.group("sup").lower() in ("least", "lowest", "smallest") else "max"
    sup = "Highest" if fn == "max" else "Lowest"
    return _request(q, reader, words, lambda: fig.build(year), f"{sup} {words} by segment", AMOUNT, (year,), fn,
                    "segment", quarter)
