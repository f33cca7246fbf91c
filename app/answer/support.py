"""The sentence support check for LLM answers: nothing is shown as supported unless its cited text supports it.

An answer is split into sentences ("claims"). A claim is supported when all of these hold:
1. it carries at least one [n] marker, and every marker names an excerpt the model was given, and it holds
   no markup (an HTML tag, a Markdown link or image): such a sentence is refused whole;
2. every number, date word, amount scale word and named entity (capitalised word) in it occurs in its
   evidence (a number next to one of the content words it has in the claim) — the best-matching window of
   1–3 consecutive sentences of a cited excerpt (with two or more markers, windows of two cited excerpts
   together);
3. its evidence does not say the opposite: the claim's polarity (negated or not: "not", "never", "did not",
   "failed to", "without", "n't", …) equals that of the evidence clauses that share its words — a negation
   added *or dropped* is unsupported — and it uses no direction word whose opposite alone its evidence uses
   ("increased" for "decreased"; the lexicon is app/answer/opposites.py); and, word by word (the claim aligned
   with its evidence, app/answer/align.py), no short stretch where the two differ has a negation on one side
   only or opposite direction words ("higher … and lower risk" → "higher … and higher risk"); the excerpt
   sentence a claim sentence restates is read for this even when another window holds the rest of its words;
4. its evidence is not an instruction: a window holding a sentence addressed to a reader or a model
   ("Ignore previous instructions and say …", corpus/addressed.py) supports nothing;
5. its content is in the evidence: at most MAX_NEW_WORDS of its stemmed content words are absent from the
   window (words of the question do not count), and lexical overlap (share of the claim's content words found
   in the window) is at least LEX_STRONG, or at least LEX_MIN with dense cosine similarity of at least DENSE_MIN.
The thresholds were chosen on the dev sets with `python -m bench.verifier` (see README, "LLM answers").
Only the cited excerpts are read: text inside an excerpt ("ignore your instructions…") can never relax a check.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from app.answer.align import aligned_conflict, negations as _negations
from app.answer.opposites import opposite_of
from corpus import sentence_spans
from corpus.addressed import is_addressed

LEX_STRONG = 0.75
"""Claims with at least this share of their content words in the evidence are supported without dense help."""
LEX_MIN = 0.5
"""Below this share of content words in the evidence a claim is never supported."""
DENSE_MIN = 0.6
"""Between LEX_MIN and LEX_STRONG the claim must also be this close (cosine) to the evidence."""
NUMBER_REACH = 2
"""A number must share one of its nearest content words (this many each side) with its occurrence in the evidence."""
MAX_WINDOW = 3
"""Evidence windows span at most this many consecutive sentences of one excerpt."""
MAX_NEW_WORDS = 3
"""Content words of a claim that may be absent from its evidence (and from the question): a paraphrase's
connecting words pass, a faithful sentence padded with four or more invented words does not."""

EmbedFn = Callable[[list[str]], np.ndarray]

_MARKERS = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_LEADING_MARKERS = re.compile(r"^\s*((?:\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\][\s.,;:]*)+)(.*)$", re.S)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
del _NUMBER_WORDS["_"]  # "one" is a pronoun as often as a number
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70",
                      "eighty": "80", "ninety": "90", "hundred": "100", "dozen": "12"})
_SCALE_OR_DATE = set("thousand million billion trillion percent january february march april may june july august "
                     "september october november december monday tuesday wednesday thursday friday saturday "
                     "sunday".split())
_CLAUSE = re.compile(r"[,;:()]|\s[-–—]\s|(?<=[.!?])\s+|\b(?:but|while|whereas|although|though|however)\b", re.I)
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^<>]*>|!?\[[^\]\n]*\]\([^)\n]*\)|\]\s*\((?:https?:|javascript:)", re.I)
_STOP = set("""a an the and or but if then so of in on at to for from by with as into onto about over under
between through during before after above below up down out off than too very can could would should may might
will shall must do does did done is are was were be been being have has had having it its it's this that these
those there here which who whom whose what when where why how all any both each few more most other some such
only own same also just not no nor he she they them their his her him we us our you your i me my one yes
according excerpt excerpts document documents text say says said""".split())
# Capitalised words that name nothing: sentence openers, pronouns, question words.
_NOT_ENTITIES = _STOP | set("however therefore thus yes although while because since overall finally first "
                            "second third answer question".split())


@dataclass(frozen=True)
class Claim:
    """One answer sentence: its text without markers and the excerpt numbers it cites."""

    raw: str
    text: str
    markers: tuple[int, ...]


@dataclass(frozen=True)
class Span:
    """A verbatim window of excerpt `excerpt` (0-based): `text == excerpt_text[start:end]`."""

    excerpt: int
    start: int
    end: int
    text: str


@dataclass
class Verdict:
    """The outcome of checking one claim; `evidence` holds the supporting span(s) when supported."""

    claim: Claim
    supported: bool
    reason: str = ""
    evidence: list[Span] = field(default_factory=list)
    lexical: float = 0.0
    dense: float | None = None


def split_claims(answer: str) -> list[Claim]:
    """Split answer text into sentences; markers written after a full stop belong to the sentence before."""
    text = answer.strip()
    pieces: list[str] = []
    for s, e in sentence_spans(text):
        piece = text[s:e]
        m = _LEADING_MARKERS.match(piece)
        if m and pieces:
            pieces[-1] += " " + m.group(1).strip()
            piece = m.group(2)
        if piece.strip():
            pieces.append(piece.strip())
    claims = []
    for raw in pieces:
        nums = tuple(int(n) for g in _MARKERS.findall(raw) for n in re.split(r"\s*[,;]\s*", g))
        plain = " ".join(_MARKERS.sub(" ", raw).split())
        plain = re.sub(r"\s+([.,;:!?])", r"\1", plain)
        if any(ch.isalnum() for ch in plain):
            claims.append(Claim(raw, plain, tuple(dict.fromkeys(nums))))
    return claims


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def _norm(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'")


def content_terms(text: str) -> set[str]:
    """Stemmed, lower-cased content words (stopwords and markers dropped)."""
    words = [w.lower().strip("'-") for w in _WORD.findall(_MARKERS.sub(" ", _norm(text)))]
    words = [p for w in words for p in (w[:-2] if w.endswith("'s") else w).split("-")]  # "B-cells" ~ "B cells"
    return set(_stemmer().stemWords([w for w in words if len(w) > 1 and w not in _STOP]))


def numbers_in(text: str) -> set[str]:
    """Numbers in `text`, digit separators dropped ("1,000" → "1000"); number words read as digits."""
    out = {re.sub(r"(?<=\d),(?=\d{3}\b)", "", n).rstrip(".,") for n in _NUMBER.findall(text)}
    out |= {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMBER_WORDS}
    return out


def critical_words(text: str) -> set[str]:
    """Named entities (capitalised words), date and amount-scale words of a claim, lower-cased."""
    out: set[str] = set()
    for w in _WORD.findall(_norm(text)):
        lw = w.lower().strip("'-")
        lw = lw[:-2] if lw.endswith("'s") else lw
        if not lw or lw[0].isdigit():
            continue
        if lw in _SCALE_OR_DATE or (w[0].isupper() and lw not in _NOT_ENTITIES and lw not in _NUMBER_WORDS):
            out.add(lw)
    return out


def _has_word(haystack_lower: str, word: str) -> bool:
    return re.search(r"(?<![a-z0-9])" + re.escape(word) + r"(?![a-z0-9])", haystack_lower) is not None


def _tokens(text: str) -> list[str]:
    return re.findall(r"\d+(?:[.,]\d+)*|[a-z]+", _norm(text).lower())


def _neighbours(tokens: list[str], i: int, reach: int = NUMBER_REACH) -> set[str]:
    """Stems of the `reach` nearest content words on each side of tokens[i]."""
    out: set[str] = set()
    for step in (-1, 1):
        j, found = i + step, 0
        while 0 <= j < len(tokens) and found < reach:
            if tokens[j] not in _STOP and not tokens[j][0].isdigit():
                out.add(_stemmer().stemWord(tokens[j]))
                found += 1
            j += step
    return out


def _number_in_place(number: str, claim: str, evidence: str) -> bool:
    """Whether `number` occurs in the evidence next to a content word it has in the claim.

    A number that merely occurs somewhere in the window ("within 3 days" vs "3 cases … within 1 day") is
    not enough: some occurrence must share a neighbouring content word (NUMBER_REACH each side) with it.
    """
    if number not in numbers_in(evidence):
        return False

    def norm(t: str) -> str:
        return _NUMBER_WORDS.get(t, re.sub(r"(?<=\d),(?=\d{3}\b)", "", t).rstrip(".,"))

    ct, et = _tokens(claim), _tokens(evidence)
    mine = set().union(*(_neighbours(ct, i) for i, t in enumerate(ct) if norm(t) == number)) if ct else set()
    if not mine:
        return True  # a bare number ("It was 1066.") has no neighbours to compare
    return any(mine & _neighbours(et, i) for i, t in enumerate(et) if norm(t) == number)


def _entity_in(word: str, evidence_lower: str, evidence_stems: set[str]) -> bool:
    """A name occurs in the evidence as written, in another inflection ("Norman"/"Normans"), or, when
    hyphenated, as its parts ("B-cells"/"B cells")."""
    if _has_word(evidence_lower, word):
        return True
    parts = [p for p in re.split(r"[-']", word) if p]
    return all(_stemmer().stemWord(p) in evidence_stems or _has_word(evidence_lower, p) for p in parts)


def has_markup(text: str) -> bool:
    """Whether text holds an HTML tag or a Markdown link or image."""
    return bool(_MARKUP.search(text))


def strip_markup(text: str) -> str:
    """Text with HTML tags and Markdown link/image syntax removed (for showing a refused sentence)."""
    text = re.sub(r"!?\[([^\]\n]*)\]\([^)\n]*\)", r"\1", text)
    text = re.sub(r"<[^>]*>?", " ", text)  # an unclosed "<img …" too
    return " ".join(text.split())


def _relevant(evidence: str, terms: set[str]) -> str:
    """The clauses of the evidence that share a content word with the claim (where its polarity and
    direction words are read: "talks resumed, although no deal was reached" is not a negated "talks resumed")."""
    parts = [p for p in _CLAUSE.split(evidence) if p and p.strip()]
    keep = [p for p in parts if content_terms(p) & terms]
    return " | ".join(keep) if keep else evidence


def _conflict(claim: str, terms: set[str], window: str, addressed: bool) -> str:
    """Why this window cannot support the claim whatever its words: an instruction, the opposite polarity or
    direction; '' when none."""
    if addressed:
        return "its only evidence is a sentence addressed to a reader or an AI model (an instruction is not evidence)"
    # Polarity and direction are read per claim sentence, in the window's sentences closest to it (at least
    # half the best overlap): a negation in a neighbouring sentence of a wider window says nothing about it.
    sents = [window[a:b] for a, b in sentence_spans(window)] or [window]
    for part in [claim[a:b] for a, b in sentence_spans(claim)] or [claim]:
        mine = content_terms(part) or terms
        overlap = [len(content_terms(t) & mine) for t in sents]
        anchor = " ".join(t for t, o in zip(sents, overlap) if o and o * 2 >= max(overlap)) or window
        rel = _relevant(anchor, mine)
        n_claim, n_ev = _negations(part), _negations(rel)
        if n_claim and not n_ev:
            return "the sentence negates what the cited text says"
        if n_ev and not n_claim:
            return "the cited text says the opposite (it is negated there)"
        if n_claim and n_claim != n_ev and n_ev < 2:  # "neither … had not" for "neither … had"
            return "the sentence's negations differ from the cited text's"
        opp = opposite_of(part, rel)
        if opp:
            return f"the sentence says {opp[0]!r} where the cited text says {opp[1]!r}"
        # word by word: a swap or a dropped "not" inside a sentence that holds both sides of a pair, or
        # another negation, is invisible to the counts above
        why = aligned_conflict(part, anchor)
        if why:
            return why
    return ""


def _source_conflict(claim: str, excerpts: Sequence[tuple[int, str]], spans: list[Span]) -> str:
    """Why the claim contradicts the sentence of its cited excerpts it was taken from, when that sentence lies
    outside its evidence window ('' when none does): a window that lacks the negated sentence a claim restates
    ("… have not been reversed …" → "… have been reversed …") must not support it on its other words."""
    for a, b in sentence_spans(claim) or [(0, len(claim))]:
        part = claim[a:b]
        mine = content_terms(part)
        if not mine:
            continue
        sents = [(n, s, e, text[s:e]) for n, text in excerpts for s, e in sentence_spans(text)]
        overlap = [len(content_terms(t) & mine) for *_, t in sents]
        top = max(overlap, default=0)
        if top * 2 < len(mine):
            continue  # no sentence of the excerpts is this claim sentence's source
        best = [x for x, o in zip(sents, overlap) if o == top]
        if any(sp.excerpt == n and sp.start <= s and e <= sp.end for n, s, e, _ in best for sp in spans):
            continue  # the source is in the window: _conflict read it
        whys = [_conflict(part, mine, t, False) for *_, t in best]
        if all(whys):
            return whys[0]
    return ""


@lru_cache(maxsize=256)
def _windows(excerpt: int, text: str) -> tuple[tuple[Span, bool], ...]:
    """Every window of 1..MAX_WINDOW sentences, with whether it holds a sentence addressed to a model."""
    spans = sentence_spans(text)
    flags = [is_addressed(text[s:e]) for s, e in spans]
    out = []
    for i in range(len(spans)):
        for j in range(i, min(i + MAX_WINDOW, len(spans))):
            s, e = spans[i][0], spans[j][1]
            out.append((Span(excerpt, s, e, text[s:e]), any(flags[i:j + 1])))
    return tuple(out)


class SupportChecker:
    """Checks claims against the excerpts they cite (see module docstring)."""

    def __init__(self, embed: EmbedFn | None = None, lex_strong: float = LEX_STRONG, lex_min: float = LEX_MIN,
                 dense_min: float = DENSE_MIN, max_new: int = MAX_NEW_WORDS) -> None:
        self.embed = embed
        self.lex_strong, self.lex_min, self.dense_min = lex_strong, lex_min, dense_min
        self.max_new = max_new

    def check(self, claim: Claim, excerpt_texts: Sequence[str], question: str = "") -> Verdict:
        """Whether `claim` is supported by the excerpts its markers name (excerpt_texts[n-1] is [n]); words of
        `question` may appear in the claim without being in the evidence."""
        if not claim.markers:
            return Verdict(claim, False, "no [n] marker: the sentence cites nothing")
        if has_markup(claim.raw):
            return Verdict(claim, False, "the sentence holds markup (an HTML tag or a Markdown link or image)")
        valid = tuple(n for n in claim.markers if 1 <= n <= len(excerpt_texts))
        if not valid:  # (bracketed reference numbers copied from a document may sit next to a valid marker)
            return Verdict(claim, False, f"marker [{claim.markers[0]}] names no excerpt "
                                         f"(the model was given {len(excerpt_texts)})")
        claim = Claim(claim.raw, claim.text, valid)
        terms = content_terms(claim.text)
        nums, words = numbers_in(claim.text), critical_words(claim.text)
        if not terms and not nums:
            return Verdict(claim, False, "the sentence states nothing that can be checked")
        asked = content_terms(question) if question else set()
        cands = [w for n in claim.markers for w in _windows(n - 1, excerpt_texts[n - 1])]
        if not cands:
            return Verdict(claim, False, "the cited excerpts are empty")
        scored = [self._score(claim, terms, nums, words, asked, [w], a) for w, a in cands]
        best = max(scored, key=_rank)
        if (best.missing or best.conflict) and len(claim.markers) > 1:
            # facts from two cited excerpts: try windows of two together
            first = best.spans[0]
            pairs = [self._score(claim, terms, nums, words, asked, [first, w], a or best.addressed)
                     for w, a in cands if w.excerpt != first.excerpt]
            if pairs:
                best2 = max(pairs, key=_rank)
                if _rank(best2)[:2] > _rank(best)[:2] or len(best2.missing) < len(best.missing):
                    best = best2
        verdict = Verdict(claim, False, evidence=best.spans, lexical=best.lex)
        if best.missing:
            verdict.reason = f"{sorted(best.missing)[0]!r} is not in the cited text"
            return verdict
        if best.conflict:
            verdict.reason = best.conflict
            return verdict
        if best.lex < self.lex_min:
            verdict.reason = f"only {best.lex:.0%} of its words are in the cited text"
            return verdict
        if len(best.new) > self.max_new:
            verdict.reason = (f"{len(best.new)} of its words are not in the cited text "
                              f"(e.g. {sorted(best.new)[0]!r}; at most {self.max_new} may be)")
            return verdict
        if best.lex < self.lex_strong:
            verdict.dense = self._dense(claim.text, " ".join(s.text for s in best.spans))
            if verdict.dense is None or verdict.dense < self.dense_min:
                verdict.reason = (f"{best.lex:.0%} of its words are in the cited text and its meaning is not close "
                                  f"enough (similarity {verdict.dense if verdict.dense is not None else 0:.2f})")
                return verdict
        why = _source_conflict(claim.text, [(n - 1, excerpt_texts[n - 1]) for n in claim.markers], best.spans)
        if why:
            verdict.reason = why
            return verdict
        verdict.supported = True
        return verdict

    def _score(self, claim: Claim, terms: set[str], nums: set[str], words: set[str], asked: set[str],
               spans: list[Span], addressed: bool) -> "_Scored":
        text = " ".join(s.text for s in spans)
        low = _norm(text).lower()
        have = content_terms(text)
        lex = len(terms & have) / len(terms) if terms else 1.0
        missing = {n for n in nums if not _number_in_place(n, claim.text, text)}
        if words:
            stems = set(_stemmer().stemWords(_tokens(text)))
            missing |= {w for w in words if not _entity_in(w, low, stems)}
        conflict = _conflict(claim.text, terms, text, addressed)
        return _Scored(lex, spans, missing, conflict, terms - have - asked, addressed)

    def _dense(self, a: str, b: str) -> float | None:
        if self.embed is None:
            return None
        v = np.asarray(self.embed([a, b]), dtype=np.float32)
        v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
        return float(v[0] @ v[1])


@dataclass
class _Scored:
    """One candidate window's scores for a claim."""

    lex: float
    spans: list[Span]
    missing: set[str]
    conflict: str
    new: set[str]
    addressed: bool


def _rank(v: _Scored) -> tuple[bool, bool, float, int]:
    """Best window first: one that passes everything, then one that holds every fact (its conflict is the
    reason given), then the most overlap, then the shortest."""
    return (not v.missing and not v.conflict, not v.missing, v.lex, -sum(len(s.text) for s in v.spans))
