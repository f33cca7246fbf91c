"""Question types and the short-answer spans that fit them (when → a date, how many → a number…)."""
from __future__ import annotations

import re

from index.query import analyse

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_PATTERNS: dict[str, re.Pattern[str]] = {
    "date": re.compile(rf"\b(?:(?:\d{{1,2}} )?{_MONTH}(?: \d{{1,2}},?)?(?: \d{{4}})?|\d{{1,2}}(?:st|nd|rd|th) centur(?:y|ies)"
                       rf"|(?:1[0-9]|20)\d{{2}}s?|\d{{3,4}}s)\b"),
    # A whole count: its qualifier ("more than"), the figure or number word, its scale and, for a duration, its
    # unit ("more than five years", "380 years", "up to 14,000", "26 million").
    "number": re.compile(r"\b(?:(?:up to|about|around|over|more than|nearly|some|approximately) )?"
                         r"(?:\d[\d,.]*(?:\s?(?:%|percent|per cent|million|billion|thousand|hundred))?"
                         r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
                         r"thirty|forty|fifty|hundred|thousand|million|billion|dozens?)\b)"
                         r"(?:\s(?:years?|months?|weeks?|days?|hours?|minutes?|decades?|centuries)\b)?", re.I),
    "entity": re.compile(r"\b[A-Z][\w’'.-]*(?:(?:\s|-)(?:of |de |the |and |von |van )?[A-Z][\w’'.-]*)*"),
}


def question_type(question: str) -> str | None:
    """'author', 'date', 'number', 'entity' (who/where/which-name) or None for open questions."""
    q = question.lower().strip()
    if re.search(r"\bwho (?:wrote|authored|is the author|are the authors)|\bauthors? of\b|\bwritten by\b", q):
        return "author"
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


_BYLINE = re.compile(r"(?:By |Authors?: ?)?[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+)+(?:(?:,| and|, and) [A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+)+)*")
BYLINE_ZONE = 600
"""Bylines are looked for in the first characters of a document."""


def is_byline(sentence: str, start: int) -> bool:
    """A short line of personal names near the start of a document ("Frank Aum and Ankit Panda")."""
    return start < BYLINE_ZONE and len(sentence) <= 120 and _BYLINE.fullmatch(sentence.strip()) is not None


def typed_spans(qtype: str | None, sentence: str, question: str) -> list[tuple[int, int]]:
    """Spans in `sentence` that could answer a question of `qtype` (entity spans not already in the question)."""
    if qtype is None:
        return []
    if qtype == "author":
        qtype = "entity"
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


_JOINERS = "-–—/&.'’"
_YEAR = re.compile(r"(?:1[0-9]|20)\d{2}s?")
_LOC_LEAD = re.compile(r"(?:\bin|\bat|\bnear|\bfrom|\bto|\binto|\bacross|\bthroughout|\bwithin|\boutside)\s+(?:the\s+)?$",
                       re.I)
_PLACE_TAIL = re.compile(r",\s[A-Z][\w’'.-]+(?:\s[A-Z][\w’'.-]+)*")


def _is_fragment(sentence: str, a: int, b: int) -> bool:
    """Whether sentence[a:b] is part of a longer name or number (the characters around it continue it):
    a letter or digit right next to it, or a joiner (-–/&.') between it and one ("U.S." in "U.S.–North Korea")."""
    before, after = sentence[max(0, a - 2):a], sentence[b:b + 2]
    if before[-1:].isalnum() or after[:1].isalnum():
        return True
    joined_before = len(before) == 2 and before[1] in _JOINERS and before[0].isalnum()
    joined_after = len(after) == 2 and after[0] in _JOINERS and after[1].isalnum()
    return joined_before or joined_after


# Capitalised words that open a sentence or a clause but are no part of a name ("Under the Norman abbot…",
# "Many Normans of Italy…", "A Norman named Oursel…").
_LEAD_WORDS = {"a", "an", "under", "in", "on", "at", "after", "before", "during", "when", "while", "although",
               "because", "since", "for", "from", "with", "by", "of", "to", "many", "some", "most", "several", "few",
               "all", "both", "each", "every", "other", "early", "later", "this", "these", "those", "that", "their",
               "his", "her", "its", "our", "however", "then", "thus", "also", "and", "but", "or", "as", "if", "once",
               "until", "upon", "into", "through", "between", "among", "against", "about", "soon", "not", "only"}
_CALENDAR = re.compile(rf"{_MONTH}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday")
# A people's or place's adjective ("Norman mercenaries", "Byzantine officials", "Western European forces").
_ADJECTIVE = re.compile(r"[A-Z][a-z]+(?:an|ian|ine|ish|ese|ic|ern)|Anglo-[A-Z][a-z]+(?<!s)")
# What a who-question is not answered by: a place or an event ("in Asia Minor", "across the English Channel",
# "after the First Crusade").
_NOT_WHO = re.compile(r"\b(?:Crusade|Wars?|Battle|Conquest|Revolution|Siege|Mountains?|Channel|Sea|River|Ocean|"
                      r"Valley|Islands?|Peninsula|Bay|Strait|Gulf|Lake|Minor|Desert|Coast|Basin)$")
_PLACE_LEAD = re.compile(r"\b(?:in|at|into|across|near|from|throughout|within|outside)\s+(?:the\s+)?"
                         r"(?:(?:far\s+)?(?:north|south|east|west)(?:ern)?\s+|central\s+|upper\s+|lower\s+)?$", re.I)
_TIME_LEAD = re.compile(r"\b(?:after|before|during|since|until)\s+(?:the\s+)?$", re.I)  # not "to": "fealty to King X"
_LIST_GAP = re.compile(r",?\s+(?:and|or)\s+|,\s+")  # "from Denmark, Iceland and Norway": one list of places
_COORDINATED = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)\s+(?:and|or|to)\s+$")  # "10th and " before "11th centuries"
_COMPUTED = re.compile(r"\b(?:chang|differ|increas|decreas|grow|grew|declin|ris|rose|fell|drop)\w*\b.*\bbetween\b"
                       r"|\b(?:ratio|margin|average|rate of change|growth rate|cagr)\b.*\bbetween\b")
_NUMBER_LEAD = re.compile(r"\b(?:Item|Note|Part|Section|Article|page|pages|p\.|pp\.|No\.|number)\s*$", re.I)


def _whole_entity(sentence: str, a: int, b: int, who: bool, place_end: int = -1) -> tuple[int, int] | None:
    """An entity span made whole: opening function words dropped, cut at a sentence end; None when what is left
    is no name — a month, a people's adjective before its noun, or for *who* a place or an event (also the next
    item of a list whose item before, ending at `place_end`, was a place)."""
    cut = re.search(r"(?<=[a-z\])])\.\s+(?=[A-Z])", sentence[a:b])  # "Sweyn Forkbeard. His stay…"
    if cut:
        b = a + cut.start()
    if re.search(r"['’]s$", sentence[a:b]):  # "Richard's fleet": the name, not its possessive
        b -= 2
    dropped = False
    while True:
        m = re.match(r"(\S+)\s+", sentence[a:b])
        if not m or not (m.group(1).lower() in _LEAD_WORDS or dropped and m.group(1).lower() == "the"):
            break
        a, dropped = a + m.end(), True
    text = sentence[a:b]
    words = text.split()
    if not words or _CALENDAR.fullmatch(text) or dropped and len(words) == 1 and text.lower() in _LEAD_WORDS:
        return None
    named = words[1:] if words[0] == "The" and len(words) > 1 else words
    if all(_ADJECTIVE.fullmatch(w) for w in named) and re.match(r"\s+[a-z]", sentence[b:]):
        return None  # "Norman mercenaries", "The Anglo-Norman language": an adjective, not who they were
    if len(words) == 1 and sentence[b:b + 1] == ":":
        return None  # "(Norman: Nourmands; …)": a label, not a name
    if who and (_NOT_WHO.search(text) or _PLACE_LEAD.search(sentence[:a]) or _TIME_LEAD.search(sentence[:a])
                or place_end >= 0 and _LIST_GAP.fullmatch(sentence[place_end:a])):
        return None
    return a, b


def _is_place(sentence: str, a: int, b: int) -> bool:
    """A span read as a place: after a locative preposition, or named as one ("Taurus Mountains")."""
    return bool(_PLACE_LEAD.search(sentence[:a]) or re.search(r"(?:Mountains?|Sea|River|Valley|Islands?|Coast)$",
                                                              sentence[a:b]))


_SCALE_WORDS = {"million", "millions", "billion", "billions", "thousand", "thousands", "percent", "bps", "pts", "usd",
                "eur", "gbp", "mm", "bn", "nm"}
# A question answered yes or no ("Does Corning have positive working capital?"), or by a computation, a comparison
# or a line item's name ("the fixed asset turnover ratio", "how did US sales growth compare", "the largest
# liability"): a cell read on the way to it is no short answer — unless its row is what the words name
# ("Operating margin" for "the operating margin").
_YES_NO = re.compile(r"^(?:is|are|was|were|does|do|did|has|have|had|can|could|will|would|should)\b", re.I)
_COMPUTED_WORDS = re.compile(r"\b(?:ratio|growth|grow|grew|average|chang\w*|increas\w*|decreas\w*|margin|turnover|"
                             r"cagr|compar\w*|differen\w*|largest|smallest|highest|lowest|biggest|percentage|"
                             r"proportion|intensive|intensity|healthy|trend|driv\w*)\b", re.I)


def is_yes_no(question: str) -> bool:
    """Whether the question (without its instructions) asks for yes or no ("Is 3M a capital-intensive business?")."""
    return bool(_YES_NO.match(analyse(question).text))


def fits_cell(question: str, label: str, value: str) -> bool:
    """Whether a table cell read as an answer is the short answer to mark: a figure (not a bare year, no words but
    a scale) for a question that asks for a stated figure — not a who/when/which question, not a yes/no one,
    not one whose answer is computed from figures or names a line item, unless the cell's row is what it names."""
    if question_type(question) not in (None, "number") or _YEAR.fullmatch(value.strip()):
        return False
    words = {w.lower() for w in re.findall(r"[A-Za-z]{2,}", value)}
    if not re.search(r"\d", value) or not words <= _SCALE_WORDS:
        return False
    core = analyse(question).text  # the question without its instructions ("Answer in USD millions.")
    row = label.lower()
    return not _YES_NO.match(core) and all(w.lower() in row for w in _COMPUTED_WORDS.findall(core))


def short_answer_spans(qtype: str | None, sentence: str, question: str) -> list[tuple[int, int]]:
    """The span to mark as the short answer of a fact question: at most one, and none when unsure.

    A span is kept only when it has the question's expected type and stands on its own: not a fragment of a
    longer name ("U.S." in "U.S.–North Korea"), without trailing punctuation, not a year for "how many", a place
    after a preposition for "where" (with its ", Country" tail).
    """
    q = question.lower().strip()
    who = q.startswith(("who", "whom", "whose"))
    found: list[tuple[int, int]] = []
    place_end = -1  # where the last span refused as a place ends (a list of places goes on after it)
    for a, b in typed_spans(qtype, sentence, question):
        while b > a and sentence[b - 1] in ",;:" or (b - a > 1 and sentence[b - 1] == "." and
                                                       not re.search(r"\b[A-Z]\.$", sentence[a:b])):
            b -= 1
        if b <= a or _is_fragment(sentence, a, b):
            continue
        if qtype in ("entity", "author"):
            whole = _whole_entity(sentence, a, b, who, place_end)
            if whole is None:
                place_end = b if _is_place(sentence, a, b) or place_end >= 0 and _LIST_GAP.fullmatch(
                    sentence[place_end:a]) else -1
                continue
            a, b = whole
        if qtype == "date" and (m := _COORDINATED.search(sentence[:a])):
            a = m.start()  # "10th and 11th centuries", not its last half
        text = sentence[a:b]
        if qtype == "number" and _YEAR.fullmatch(text):
            continue  # "2022" is when, not how many
        if qtype == "number" and (re.search(rf"{_MONTH}\s*$", sentence[:a]) or _NUMBER_LEAD.search(sentence[:a])):
            continue  # the day of a date; an item, note or page number
        if qtype == "entity" and q.startswith("where"):
            if not _LOC_LEAD.search(sentence[:a]):
                continue
            tail = _PLACE_TAIL.match(sentence, b)
            if tail and not _is_fragment(sentence, a, tail.end()):
                b = tail.end()
                while sentence[b - 1] in ".,;:" and not re.search(r"\b[A-Z]\.$", sentence[a:b]):
                    b -= 1  # "Calabria, Italy." ends the sentence: the place is "Calabria, Italy"
        found.append((a, b))
    if qtype in ("entity", "author") and q.startswith(("who", "whom", "whose")) and found:
        # A person is named in full ("Russian President Vladimir Putin"), not by a lone word before it.
        return [max(found, key=lambda s: (len(sentence[s[0]:s[1]].split()), -s[0]))]
    if qtype == "number":
        if _COMPUTED.search(q):
            return []  # "how much has the rate changed between 2021 and 2022": a difference no sentence states
        if len(found) > 1:  # several counts: the one that counts what the question asks about, else none
            asked = {w for w in re.findall(r"[a-z]+", q) if len(w) > 2}
            counted = [(a, b) for a, b in found if set(re.findall(r"[a-z]+", sentence[b:b + 24].lower())[:2]) & asked]
            return counted[:1]
    return found[:1]
