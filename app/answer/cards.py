"""The passages every reply shows after its citations (cards), each with the line that best matches the question.

An answer shows the top retrieved passages it does not cite; an `evidence` reply shows the top passages as its
body; a `not_found` reply the closest ones. Passages are ordered by `passage_score`: the retrieval rank and how
well the passage's best line matches the question (weights in app/answer/correctness_fit.py, chosen with
`python -m bench.outcomes` on the dev sets). `is_related` says whether any shown passage is related to the
question at all (else the reply is `not_found`).
"""
from __future__ import annotations

from typing import Sequence

from app.answer import correctness_fit as fit
from app.answer.outcome import EVIDENCE_PCOV, EVIDENCE_PDENSE
from app.answer.sentences import Sentence
from app.types import Card
from corpus import sentence_spans
from index.types import Excerpt

CARDS = 3
"""Passages shown as cards with every reply (after an answer's citations; the body of an `evidence` reply)."""


def best_lines(sentences: Sequence[Sentence]) -> dict[tuple[str, int], Sentence]:
    """The best-scored candidate line of each passage, by the passage's (doc_id, start)."""
    out: dict[tuple[str, int], Sentence] = {}
    for s in sentences:  # sorted best first
        out.setdefault((s.excerpt.doc_id, s.excerpt.start), s)
    return out


def passage_score(rank: int, best: Sentence | None) -> float:
    """How high a passage is shown: its retrieval rank and its best line's score (fitted weights)."""
    w = fit.CARD_WEIGHTS
    return w["rank"] / rank + (w["line"] * best.score if best is not None else 0.0)


def _card(ex: Excerpt, best: Sentence | None) -> Card:
    if best is not None:
        a, b = best.start, best.end
    else:  # no candidate line (headings only): the passage's first line
        spans = sentence_spans(ex.text) or [(0, len(ex.text))]
        a, b = ex.start + spans[0][0], ex.start + spans[0][1]
    return Card(doc=ex.doc, doc_id=ex.doc_id, title=ex.title, pages=ex.pages, start=ex.start, end=ex.end,
                text=ex.text, section=ex.section, ocr=ex.ocr, citation=ex.citation, score=ex.score,
                line_start=a, line_end=b)


def order(excerpts: Sequence[Excerpt], sentences: Sequence[Sentence]) -> list[Card]:
    """The excerpts as cards, in the order they are shown (best first; ties keep the retrieval order)."""
    best = best_lines(sentences)
    ranked = sorted(((r, ex, best.get((ex.doc_id, ex.start))) for r, ex in enumerate(excerpts, start=1)),
                    key=lambda t: (-passage_score(t[0], t[2]), t[0]))
    return [_card(ex, line) for _r, ex, line in ranked]


def uncited(cards: Sequence[Card], cited: Sequence[tuple[str, int, int]], n: int = CARDS) -> list[Card]:
    """The first `n` cards whose passage holds none of the cited spans (doc_id, start, end)."""
    out = []
    for c in cards:
        if any(d == c.doc_id and s < c.end and c.start < e for d, s, e in cited):
            continue
        out.append(c)
        if len(out) == n:
            break
    return out


def is_related(cards: Sequence[Card], sentences: Sequence[Sentence], named: set[str], years: set[str]) -> bool:
    """Whether a shown passage is related to the question: it holds enough of the question's weight or its
    best line is close to it (the thresholds of app/answer/outcome.py), or it comes from a document the
    question names and mentions the period the question asks about."""
    by_passage = {(s.excerpt.doc_id, s.excerpt.start): s for s in sentences}
    for c in cards:
        s = by_passage.get((c.doc_id, c.start))
        if s is not None and (s.pcov >= EVIDENCE_PCOV or s.pdense >= EVIDENCE_PDENSE):
            return True
        if c.doc_id in named and (not years or any(y in c.text for y in years)):
            return True
    return False
