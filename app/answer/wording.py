"""Words of a claim or a source sentence as the alignment reads them (app/answer/align.py).

A text becomes a list of `Word`s: lower-cased, "n't"/"cannot" read as "not", bracketed reference numbers
dropped, numbers without digit separators and with their sign ("1,800" → "1800"; "-5%" is not "5%"; "twelve"
→ "12"; "20–30" → "20 to 30"), a currency sign read after its amount ("$1.8 billion" → "1.8 billion usd", as
"1.8 billion dollars" reads), lexicon phrases as one word ("per cent" → "percent"), each word keyed by its
lexicon group or stem (app/answer/lexicon.py).

A word is *free* when adding or dropping it changes no claim a sentence makes: articles, forms of "be", "have"
and "do" (tense and emphasis; "not" is a word of its own; a "be" before a participle marks the passive and is
significant: "was acquired" is not "acquired"), relative "that/which/who", "there", discourse markers
("however", "moreover", "also"). Every other word —
quantifiers, modals and hedges, negations, comparatives, prepositions, units and scale words, connectives — is
*significant*: it must be aligned.

A source sentence is also cut into segments, at , ; : ( ) [ ] and spaced dashes, and before "because", "although",
"though", "while", "whereas", "but" (a claim may restate whole segments of a sentence, never part of one).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.answer.lexicon import inflections, join_phrases, key as lexicon_key

FREE = frozenset("a an the is are was were be been being am has have had having do does did that which who whom "
                 "there however moreover furthermore also additionally nevertheless nonetheless meanwhile indeed "
                 "notably in_addition in_fact in_short in_summary in_brief of_course".split())
"""Words a claim may add or drop (see module docstring; a discourse marker relates nothing a claim restates —
"therefore", "thus" and "hence" assert a cause and are significant)."""

CONNECTIVES = frozenset("because although though while whereas but".split())
"""Words that open a segment of their own: the segment after one is a clause the sentence asserts as well."""

PASSIVE = "~passive"
"""The key a form of "be" takes before a participle: a claim must keep the voice of its source."""
_BE = frozenset("is are was were be been being am".split())
PARTICIPLES = frozenset(forms[-1] for forms in inflections()) | frozenset("""bought caught sought brought put set cut
hit let shut spread split read born borne worn torn shown sewn thrown blown hidden ridden eaten beaten forgotten
begun sung rung drunk sunk hung stuck lent bent bound ground wound fed fled bred laid hid overseen undertaken
withdrawn arisen""".split())
"""Irregular past participles ("taken", "sold", "bought", "led")."""
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split()) if w != "_"}  # "one" is a pronoun as often as a number
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70",
                      "eighty": "80", "ninety": "90"})
_ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth"}
_REFS = re.compile(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")
_CURRENCY = r"(?:US\$|\$|€|£)"
_TOKEN = re.compile(
    r"(?P<acronym>\b(?:U\.S\.A\.|U\.S\.|U\.K\.)|\bUSA\b|\bUS\b|\bUK\b)"
    r"|(?P<cur>" + _CURRENCY + r")\s?(?P<amount>\d+(?:[.,]\d+)*)"
    r"|(?P<range>\d+(?:[.,]\d+)*)[–-](?=\d)"
    r"|(?P<num>(?:(?<![\w.,])[-−](?=\d))?\d+(?:[.,]\d+)*)(?P<pct>\s?%)?"
    r"|(?P<word>[A-Za-z]+(?:['’][A-Za-z]+)?)"
    r"|(?P<brk>[,;:()\[\]]|\s[-–—]\s|—)"
    r"|(?P<sym>[%$€£])")
_SCALE = frozenset("thousand million billion trillion mn bn mln bln".split())
_ACRONYMS = {"u.s.a.": "united_states", "u.s.": "united_states", "usa": "united_states", "us": "united_states",
             "u.k.": "united_kingdom", "uk": "united_kingdom"}


@dataclass(frozen=True)
class Word:
    """One word as aligned: `key` is compared ('' for a free word), `text` is shown in reasons."""

    key: str
    text: str
    kind: str = "word"
    """"word", "number" or "break" (a segment boundary: it aligns with nothing)."""


def _number(raw: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", raw.replace("−", "-")).rstrip(".,")


def _raw_words(text: str) -> list[tuple[str, str]]:
    """(kind, lower-cased text) pieces of `text`, numbers normalised, the currency sign after its amount."""
    text = _REFS.sub(" ", text.replace("’", "'").replace("‘", "'"))
    out: list[tuple[str, str]] = []
    pending_currency: str | None = None
    for m in _TOKEN.finditer(text):
        if pending_currency and not (m.group("word") and m.group("word").lower() in _SCALE):
            out.append(("word", pending_currency))
            pending_currency = None
        if m.group("acronym"):
            out.append(("word", _ACRONYMS[m.group("acronym").lower()]))
        elif m.group("cur"):
            out.append(("number", _number(m.group("amount"))))
            pending_currency = m.group("cur").lower()
        elif m.group("range"):
            out += [("number", _number(m.group("range"))), ("word", "to")]
        elif m.group("num"):
            out.append(("number", _number(m.group("num"))))
            if m.group("pct"):
                out.append(("word", "%"))
        elif m.group("word"):
            w = m.group("word").lower()
            if w.endswith("n't"):
                out += [("word", {"won't": "will", "can't": "can", "shan't": "shall"}.get(w, w[:-3])), ("word", "not")]
            elif w == "cannot":
                out += [("word", "can"), ("word", "not")]
            elif w.endswith("'s"):
                out.append(("word", w[:-2]))
            elif w in _NUMBER_WORDS:
                out.append(("number", _NUMBER_WORDS[w]))
            else:
                out.append(("word", _ORDINALS.get(w, w.split("'")[0])))
        elif m.group("brk"):
            out.append(("break", m.group("brk").strip()))
        elif m.group("sym"):
            out.append(("word", m.group("sym")))
    if pending_currency:
        out.append(("word", pending_currency))
    return out


def words(text: str) -> list[Word]:
    """The words of `text` with their alignment keys, segment breaks kept as `kind == "break"` words."""
    return list(_words(text))


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[Word, ...]:
    raw = _raw_words(text)
    out: list[Word] = []
    i = 0
    while i < len(raw):
        # phrases never cross a number or a break: join the run of plain words starting here
        j = i
        while j < len(raw) and raw[j][0] == "word":
            j += 1
        if j == i:
            kind, t = raw[i]
            out.append(Word(t if kind == "number" else "", t, kind))
            i += 1
            continue
        run = [t for _, t in raw[i:j]]
        joined = join_phrases(run)
        for k, (w, a, b) in enumerate(joined):
            text_ = " ".join(run[a:b])
            if w in CONNECTIVES:
                out.append(Word("", "", "break"))
            if w in _BE and _passive(joined[k + 1:k + 3]):
                out.append(Word(PASSIVE, text_))  # "was acquired" is not "acquired": the voice keeps the roles
                continue
            out.append(Word("" if w in FREE else lexicon_key(w), text_))
        i = j
    return tuple(out)


def _passive(after: list[tuple[str, int, int]]) -> bool:
    """Whether the words after a form of "be" make it a passive ("was acquired", "is not used", "been given")."""
    if after and after[0][0] in ("not", "also", "then", "later", "being", "been"):
        after = after[1:]
    if not after:
        return False
    w = after[0][0]
    return (w.endswith("ed") and len(w) > 3) or w in PARTICIPLES


def significant(ws: list[Word]) -> list[Word]:
    """The words alignment must match: not free, not breaks."""
    return [w for w in ws if w.key]


@dataclass(frozen=True)
class Segment:
    """A piece of a source sentence between two breaks (see module docstring)."""

    words: tuple[Word, ...]
    """Its significant words."""
    opener: str
    """The break that opened it: "(" for a parenthesis, "" at the sentence start or after a connective, else the
    punctuation."""
    lead: str
    """Its first word as written, free or not ("the", "who", "because")."""


def segments(text: str) -> list[Segment]:
    """The segments of a source sentence, each with at least one significant word."""
    out: list[Segment] = []
    cur: list[Word] = []
    opener, lead = "", ""
    for w in words(text):
        if w.kind == "break":
            if cur:
                out.append(Segment(tuple(cur), opener, lead))
                cur = []
                opener, lead = w.text, ""
            elif w.text == "(" or not lead:
                opener, lead = w.text, ""
            continue
        lead = lead or w.text
        if w.key:
            cur.append(w)
    if cur:
        out.append(Segment(tuple(cur), opener, lead))
    return out
