"""Word-by-word alignment of a claim with its evidence, for the LLM sentence check (app/answer/support.py).

A bag of words cannot see a swap inside a sentence that uses both sides of an opposite pair ("higher chemokine
production and lower risk" → "…and higher risk": the evidence still holds a "higher"), nor a negation dropped
from a sentence that holds another one ("was not 20% … without any interventions" → "was 20% … without …").
Aligning the claim's words with the evidence's (stems, longest common blocks first) puts each claim word against
the evidence words at the same place: where a short stretch held between matched content words differs, the two
stretches must agree in polarity and must not use opposite sides of a direction axis (app/answer/opposites.py).
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from app.answer.opposites import opposite_of

NEGATIONS = frozenset({"not", "no", "never", "none", "nor", "neither", "cannot", "without", "n't", "nobody",
                       "nothing"})
"""Negation cue words; any word ending in "n't" and "fail(ed) to" count too."""
MAX_SWAP = 4
"""A replaced stretch is read as a swap when neither side is longer than this many words (a paraphrase that
rewrites more is left to the bag-of-words checks)."""
MAX_GAP = 3
"""A stretch only one side has ("not", "did not", "failed to") is read when it is at most this many words: a
longer one is a clause the claim left out, which may hold its own negation."""

_FUNCTION = frozenset("""a an the and or but if then so of in on at to for from by with as into about than is are was
were be been being am do does did has have had can could would should may might will shall must it its this that
these those there which who whom whose what when where why how he she they them their his her we us our you your
i me my""".split())
_FAILED_TO = re.compile(r"\bfail(?:s|ed|ing)?\s+to\b")
_WORDS = re.compile(r"\w+(?:'\w+)?")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+(?:'[a-z]+)?")
_REFS = re.compile(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")  # bracketed reference numbers ("[29, 30]")


def _norm(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").lower()


def negations(text: str) -> int:
    """How many negation cues the text holds ("Norðmaðr" is one word, not "nor" + …)."""
    low = _norm(text)
    words = _WORDS.findall(low)
    return sum(w in NEGATIONS or w.endswith("n't") for w in words) + len(_FAILED_TO.findall(low))


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(words, their stems) of a text, reference numbers dropped."""
    words = tuple(_TOKEN.findall(_norm(_REFS.sub(" ", text))))
    return words, tuple(_stemmer().stemWords(list(words)))


def aligned_conflict(claim: str, evidence: str) -> str:
    """Why the claim says the opposite of the evidence at some aligned place; '' when it nowhere does.

    Only stretches that differ between the two are read, so a negation or direction word the claim shares with
    the evidence at the same place never counts, wherever else the other side of its pair occurs.
    """
    cw, cs = _tokens(claim)
    ew, es = _tokens(evidence)
    if not cw or not ew:
        return ""
    ops = SequenceMatcher(None, cs, es, autojunk=False).get_opcodes()
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal" or not (_anchor(cw, ops, k - 1) and _anchor(cw, ops, k + 1)):
            continue  # a stretch not held between matched content words is a reordering, not a swap
        mine, theirs = " ".join(cw[i1:i2]), " ".join(ew[j1:j2])
        limit = MAX_SWAP if tag == "replace" else MAX_GAP
        if max(i2 - i1, j2 - j1) > limit:
            continue
        n_mine, n_theirs = negations(mine) > 0, negations(theirs) > 0
        if n_mine and not n_theirs:
            return f"the sentence negates what the cited text says ({mine!r} where it says {theirs or 'nothing'!r})"
        if n_theirs and not n_mine:
            return f"the cited text says the opposite (it says {theirs!r} where the sentence says {mine or 'nothing'!r})"
        if tag == "replace":
            opp = opposite_of(mine, theirs)
            if opp:
                return f"the sentence says {opp[0]!r} where the cited text says {opp[1]!r}"
    return ""


def _anchor(words: tuple[str, ...], ops: list[tuple[str, int, int, int, int]], k: int) -> bool:
    """Whether ops[k] is a matched stretch holding a content word (a lone "is" or "the" anchors nothing)."""
    if not 0 <= k < len(ops) or ops[k][0] != "equal":
        return False
    return any(w not in _FUNCTION for w in words[ops[k][1]:ops[k][2]])
