"""The paraphrase lexicon of the LLM sentence check: the only word changes a model sentence may make.

A claim is aligned word by word with one source sentence (app/answer/align.py); two words align when their
stems are equal or when this lexicon puts them in one group. Everything else a model rewrites is unprovable and
the sentence is removed. Each group is a closed list of word forms (stemmed when loaded); each phrase is read as
one word before alignment. Every group and phrase is tested on its own (tests/test_lexicon.py), so an entry that
would let a contradiction through is caught there. Words that only look alike are kept apart on purpose:
"percentage points" is not "percent", "soared" is not "rose" (stronger), "nearly" is not "approximately"
(it means "a little less"), a hedge ("may", "suggests") has no synonym among plain verbs.
"""
from __future__ import annotations

from functools import lru_cache

GROUPS: tuple[tuple[str, ...], ...] = (
    # direction of a change (the opposite sides are app/answer/opposites.py's "change" axis)
    ("increase", "increased", "increases", "increasing", "rise", "rises", "rose", "risen", "rising",
     "grow", "grows", "grew", "grown", "growing", "climb", "climbs", "climbed", "climbing"),
    ("decrease", "decreased", "decreases", "decreasing", "fall", "falls", "fell", "fallen", "falling",
     "decline", "declines", "declined", "declining", "drop", "drops", "dropped", "dropping"),
    ("acquire", "acquired", "acquires", "acquiring", "buy", "buys", "bought", "buying", "purchase", "purchased",
     "purchasing"),
    ("acquisition", "acquisitions"),
    ("begin", "begins", "began", "begun", "beginning", "start", "starts", "started", "starting", "commence",
     "commenced", "commences"),
    ("show", "shows", "showed", "shown", "showing", "demonstrate", "demonstrates", "demonstrated", "demonstrating"),
    ("use", "uses", "used", "using", "utilize", "utilizes", "utilized", "utilise", "utilises", "utilised"),
    ("say", "says", "said", "saying"),
    ("approximately", "about", "around", "roughly", "circa", "approx"),
    ("larger", "bigger", "greater"),
    ("large", "big"),
    ("company", "companies", "firm", "firms"),
    ("people", "persons", "individuals"),
    ("doctor", "doctors", "physician", "physicians"),
    ("all", "every"),
    ("only", "solely"),
    ("many", "numerous"),
    ("percent", "%", "pct"),
    ("usd", "$", "us$", "dollar", "dollars"),
    ("eur", "€", "euro", "euros"),
    ("million", "mn", "mln"),
    ("billion", "bn", "bln"),
    ("kilometre", "kilometres", "kilometer", "kilometers", "km"),
    ("kilogram", "kilograms", "kg"),
    ("milligram", "milligrams", "mg"),
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec"),
)
"""Interchangeable word forms; any form of a group aligns with any other."""

IRREGULAR = """be was were been | become became | begin began begun | bring brought | build built | choose chose
chosen | come came | do did done | draw drew drawn | drive drove driven | find found | fight fought | fly flew flown |
get got gotten | give gave given | go goes went gone | hold held | keep kept | know knew known | lead led | leave left |
lose lost | make made | meet met | pay paid | run ran | see saw seen | sell sold | send sent | speak spoke spoken |
spend spent | stand stood | strike struck stricken | swear swore sworn | take took taken | teach taught | tell told |
think thought | win won | write wrote written | grow grew grown | rise rose risen | fall fell fallen | say said"""
"""Irregular verbs: the forms a stemmer cannot join ("won" / "win"), one inflection group per verb (a tense change
is a light paraphrase; the meaning-changing pairs "win"/"lose" stay apart)."""

PHRASES: tuple[tuple[str, str], ...] = (
    ("per cent", "percent"),
    ("in addition to", "besides"),
    ("in addition", "in_addition"),
    ("in fact", "in_fact"), ("in short", "in_short"), ("in summary", "in_summary"), ("in brief", "in_brief"),
    ("of course", "of_course"),
    ("went up|goes up|go up|gone up|going up", "increase"),
    ("went down|goes down|go down|gone down|going down", "decrease"),
    ("due to|owing to|because of|as a result of", "because_of"),
    ("fail to|fails to|failed to|failing to", "not"),
    ("more than|greater than", "more_than"),
    ("less than|fewer than", "less_than"),
    ("the majority of|a majority of|most of", "most"),
    ("united states of america|united states|u s a|u s|usa", "united_states"),
    ("united kingdom|u k", "united_kingdom"),
)
"""(alternatives, the one word they are read as), matched on lower-cased words before stemming."""


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """The Snowball stem of a lower-cased word (numbers and symbols unchanged)."""
    return word if not word[:1].isalpha() else _stemmer().stemWord(word)


def inflections() -> list[tuple[str, ...]]:
    """IRREGULAR as tuples of forms, the base form first."""
    return [tuple(g.split()) for g in IRREGULAR.split("|")]


@lru_cache(maxsize=1)
def _keys() -> tuple[dict[str, str], dict[str, str]]:
    """(word → group, stem → group). A group's forms are found by their stems too ("purchases"); an irregular
    verb's past forms only as written — "founded" stems to "found", which must not read as "find"."""
    words: dict[str, str] = {}
    stems: dict[str, str] = {}
    grouped = {w for g in GROUPS for w in g}
    for group, regular in [*((g, True) for g in GROUPS),
                           *((g, False) for g in inflections() if not set(g) & grouped)]:
        head = "~" + stem(group[0])
        for w in group:
            for table, k in ((words, w), (stems, stem(w) if regular or w == group[0] else None)):
                if k is None:
                    continue
                if table.get(k, head) != head:
                    raise ValueError(f"lexicon: {w!r} is in two groups — keep each form in one group")
                table[k] = head
    return words, stems


def key(word: str) -> str:
    """What alignment compares for a lower-cased word: its group's name, else its stem."""
    words, stems = _keys()
    s = stem(word)
    return words.get(word) or stems.get(s) or s


@lru_cache(maxsize=1)
def _phrases() -> list[tuple[tuple[str, ...], str]]:
    out = [(tuple(alt.split()), word) for alts, word in PHRASES for alt in alts.split("|")]
    return sorted(out, key=lambda p: -len(p[0]))  # longest first


def join_phrases(words: list[str]) -> list[tuple[str, int, int]]:
    """(word, first index, end index) over `words` with each lexicon phrase read as its one word."""
    out, i = [], 0
    phrases = _phrases()
    while i < len(words):
        for alt, word in phrases:
            if tuple(words[i:i + len(alt)]) == alt:
                out.append((word, i, i + len(alt)))
                i += len(alt)
                break
        else:
            out.append((words[i], i, i + 1))
            i += 1
    return out


def same(a: str, b: str) -> bool:
    """Whether two single words align (equal stems or one lexicon group)."""
    return key(a.lower()) == key(b.lower())
