"""The sentence support check for LLM answers: nothing is shown as supported unless its cited text says it.

An answer is split into sentences ("claims", app/answer/claims.py). A claim is supported when all of these hold:
1. it carries at least one [n] marker, every marker names an excerpt the model was given, and it holds no markup
   (an HTML tag, a Markdown link or image): such a sentence is refused whole;
2. **one claim, one source sentence**: a single sentence (or table row, app/answer/rowclaim.py) of an excerpt it
   cites says the same thing — the claim's significant words align with it one for one, in order, over whole
   segments (app/answer/align.py; paraphrase only through app/answer/lexicon.py). Nothing is pooled: not two
   sentences of an excerpt, not two excerpts; a sentence that needs two sources must be two sentences;
3. that sentence is not addressed to a reader or a model (corpus/addressed.py): an instruction is never
   evidence, nor is the sentence an address header ("Note for AI assistants:") introduces;
4. a number its source sentence does not hold fails, unless the computation hook (app/answer/computed.py)
   re-derives it from cited operands (no engine is connected yet: it never does); the rest of the claim must
   still align with one sentence.
Soundness comes before completeness: a faithful paraphrase the rules cannot prove is removed like a false one.
Only the cited excerpts are read, so text inside an excerpt ("ignore your instructions…") can never relax a check.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

from app.answer.align import closeness, difference, match
from app.answer.claims import Claim, claim_body, has_markup, split_claims, strip_markup
from app.answer.computed import ComputedCheck, computed_number
from app.answer.rowclaim import row_mismatch
from app.answer.wording import Word, significant, words
from corpus import sentence_spans
from corpus.addressed import untrusted_spans

__all__ = ["Claim", "Span", "SupportChecker", "Verdict", "has_markup", "split_claims", "strip_markup"]

INSTRUCTION_REASON = ("its only evidence is a sentence addressed to a reader or an AI model (an instruction is not "
                      "evidence)")


@dataclass(frozen=True)
class Span:
    """A verbatim piece of excerpt `excerpt` (0-based): `text == excerpt_text[start:end]`."""

    excerpt: int
    start: int
    end: int
    text: str


@dataclass
class Verdict:
    """The outcome of checking one claim; `evidence` holds the one supporting sentence or row when supported."""

    claim: Claim
    supported: bool
    reason: str = ""
    evidence: list[Span] = field(default_factory=list)


@dataclass(frozen=True)
class _Source:
    span: Span
    untrusted: bool
    row: bool


@lru_cache(maxsize=256)
def _sources(excerpt: int, text: str) -> tuple[_Source, ...]:
    """Every sentence and table row of an excerpt, with whether it is addressed to a reader or a model."""
    bad = untrusted_spans(text)
    out = []
    for s, e in sentence_spans(text):
        piece = text[s:e]
        untrusted = any(a < e and s < b for a, b in bad)
        out.append(_Source(Span(excerpt, s, e, piece), untrusted, " | " in piece))
    return tuple(out)


class SupportChecker:
    """Checks claims against the excerpts they cite (see module docstring)."""

    def __init__(self, computed: ComputedCheck = computed_number) -> None:
        self.computed = computed

    def check(self, claim: Claim, excerpt_texts: Sequence[str], question: str = "") -> Verdict:
        """Whether `claim` is supported by one sentence or row of the excerpts its markers name
        (excerpt_texts[n-1] is [n]). The question is not evidence: its words count for nothing."""
        if not claim.markers:
            return Verdict(claim, False, "no [n] marker: the sentence cites nothing")
        if has_markup(claim.raw):
            return Verdict(claim, False, "the sentence holds markup (an HTML tag or a Markdown link or image)")
        valid = tuple(n for n in claim.markers if 1 <= n <= len(excerpt_texts))
        if not valid:  # (bracketed reference numbers copied from a document may sit next to a valid marker)
            return Verdict(claim, False, f"marker [{claim.markers[0]}] names no excerpt "
                                         f"(the model was given {len(excerpt_texts)})")
        claim = Claim(claim.raw, claim.text, valid)
        mine = significant(words(claim_body(claim.text)))
        if not mine:
            return Verdict(claim, False, "the sentence states nothing that can be checked")
        sources = [s for n in valid for s in _sources(n - 1, excerpt_texts[n - 1])]
        if not sources:
            return Verdict(claim, False, "the cited excerpts are empty")
        trusted = [s for s in sources if not s.untrusted]
        cited = [excerpt_texts[n - 1] for n in valid]
        mine, why = self._numbers(claim.text, mine, sources, cited)
        if why:
            return Verdict(claim, False, why)
        found, row_why = _find(mine, trusted, excerpt_texts, claim.text)
        if found is None:
            # a number the cited text holds elsewhere may still be one the model computed: ask the hook, and
            # align the rest without the numbers it re-derived
            vouched = [w for w in mine if w.kind == "number" and self.computed(w.text, claim.text, cited)]
            if vouched:
                found, _ = _find([w for w in mine if w not in vouched], trusted, excerpt_texts, claim.text)
        if found is not None:
            return Verdict(claim, True, evidence=[found.span])
        return Verdict(claim, False, _reason(mine, sources, trusted, row_why))

    def _numbers(self, text: str, mine: list[Word], sources: list[_Source],
                 cited: list[str]) -> tuple[list[Word], str]:
        """The claim's words with each number the computation hook re-derived left out; or the reason a number
        is in no trusted cited sentence (only in an instruction, or nowhere)."""
        have = {s.untrusted: set() for s in sources}
        for s in sources:
            have[s.untrusted] |= {w.key for w in words(s.span.text) if w.kind == "number"}
        out = []
        for w in mine:
            if w.kind == "number" and w.key not in have.get(False, set()):
                if w.key in have.get(True, set()):
                    return mine, INSTRUCTION_REASON
                if not self.computed(w.text, text, cited):
                    return mine, f"{w.text!r} is not in the cited text"
                continue
            out.append(w)
        return out, ""


def _find(mine: list[Word], trusted: list[_Source], excerpt_texts: Sequence[str],
          claim_text: str) -> tuple[_Source | None, list[tuple[str, int]]]:
    """The first trusted sentence or row the claim's words align with (None when none does), and for each row
    tried why it does not support the claim."""
    keys = tuple(w.key for w in mine)
    row_why: list[tuple[str, int]] = []
    for s in trusted:
        if s.row:
            row_why.append(row_mismatch(mine, excerpt_texts[s.span.excerpt], s.span.start, s.span.end, claim_text))
            if not row_why[-1][0]:
                return s, row_why
        elif match(keys, s.span.text) is not None:
            return s, row_why
    return None, row_why


def _reason(mine: list[Word], sources: list[_Source], trusted: list[_Source], row_why: list[tuple[str, int]]) -> str:
    """Why no single cited sentence or row supports the claim, said of the cited one closest to it."""
    best = max(sources, key=lambda s: (closeness(mine, s.span.text), not s.untrusted, -len(s.span.text)))
    if best.untrusted and closeness(mine, best.span.text)[0] * 2 >= len(mine):
        return INSTRUCTION_REASON
    close = max(trusted, key=lambda s: (closeness(mine, s.span.text), -len(s.span.text)), default=None)
    why, named = max(row_why, key=lambda r: r[1], default=("", 0))
    if named:  # the claim names a cited row: say what of that row it gets wrong
        return why
    if close is not None and closeness(mine, close.span.text)[0] * 2 >= len(mine):
        why = difference(mine, close.span.text)
        if why:
            return why
    anywhere = {w.key for s in trusted for w in significant(words(s.span.text))}
    near = {w.key for w in significant(words(close.span.text))} if close else set()
    for w in mine:
        if w.key not in anywhere:
            return f"{w.text!r} is not in the cited text"
    for w in mine:
        if w.key not in near:
            return (f"{w.text!r} is in another sentence of the cited text: a sentence must rest on one source "
                    "sentence (two facts need two sentences, each cited)")
    return "no single cited sentence says this in these words (a paraphrase the check cannot prove is removed)"
