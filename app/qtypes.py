"""Question types and the short-answer spans that fit them (when → a date, how many → a number…)."""
from __future__ import annotations

import re

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_PATTERNS: dict[str, re.Pattern[str]] = {
    "date": re.compile(rf"\b(?:(?:\d{{1,2}} )?{_MONTH}(?: \d{{1,2}},?)?(?: \d{{4}})?|\d{{1,2}}(?:st|nd|rd|th) centur(?:y|ies)"
                       rf"|(?:1[0-9]|20)\d{{2}}s?|\d{{3,4}}s)\b"),
    "number": re.compile(r"\b(?:(?:up to|about|around|over|more than|nearly|some|approximately) )?"
                         r"\d[\d,.]*(?:\s?(?:%|percent|per cent|million|billion|thousand|hundred))?"
                         r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
                         r"thirty|forty|fifty|hundred|thousand|million|billion|dozens?)\b", re.I),
    "entity": re.compile(r"\b[A-Z][\w’'.-]*(?:(?:\s|-)(?:of |de |the |and |von |van )?[A-Z][\w’'.-]*)*"),
}


def question_type(question: str) -> str | None:
    """'date', 'number', 'entity' (who/where/which-name) or None for open questions."""
    q = question.lower().strip()
    if re.match(r"(?:in |by |since |until )?(?:when|what year|which year|what date|what century|in what year"
                r"|what time|what decade)", q):
        return "date"
    if re.match(r"(?:how (?:many|much|long|old|far|large|big)|what (?:number|percentage|proportion|share|amount)"
                r"|what is the (?:number|percentage|size))", q):
        return "number"
    if re.match(r"(?:who|whom|whose|where|which (?:country|city|leader|person|region|state|king|river)"
                r"|in (?:what|which) (?:country|city|region))", q):
        return "entity"
    return None


def typed_spans(qtype: str | None, sentence: str, question: str) -> list[tuple[int, int]]:
    """Spans in `sentence` that could answer a question of `qtype` (entity spans not already in the question)."""
    if qtype is None:
        return []
    qwords = {w.lower() for w in re.findall(r"\w+", question)}
    out = []
    for m in _PATTERNS[qtype].finditer(sentence):
        text = m.group(0).strip()
        if not text:
            continue
        words = [w.lower() for w in re.findall(r"\w+", text)]
        if qtype == "entity" and (not words or all(w in qwords for w in words) or m.start() == 0 and len(words) == 1):
            continue
        out.append((m.start(), m.start() + len(m.group(0).rstrip())))
    return out
