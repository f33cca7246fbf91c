"""The passages every reply shows after its citations (cards), each with the line that best matches the question.

An answer shows the top retrieved passages it does not cite; an `evidence` reply shows the top passages as its
body; a `not_found` reply the closest ones. Passages are ordered by `passage_score`, a weighted sum of named
features (`PASSAGE_FEATURES`): the retrieval rank, the passage's and its best line's match with the question,
whether it sits under the financial statement the question names, and whether a table passage prints the year
the question asks about. The weights (app/answer/correctness_fit.py, `CARD_WEIGHTS`) are the coefficients of a
logistic model of "this passage holds the evidence", fitted by `python -m bench.outcomes --fit` on the dev sets.
`is_related` says whether any shown passage is related to the question at all (else the reply is `not_found`).
"""
from __future__ import annotations

from typing import Callable, Sequence

from app.answer import correctness_fit as fit
from app.answer.cells import CellAnswer, find_cell
from app.answer.outcome import EVIDENCE_PCOV, EVIDENCE_PDENSE
from app.answer.sentences import Sentence
from app.answer.statements import in_statement, named_statements
from app.types import Card
from corpus import sentence_spans
from index.types import Excerpt

CARDS = 3
"""Passages shown as cards after an answer's citations, and with a `not_found` reply (the closest ones)."""
EVIDENCE_CARDS = 5
"""Passages an `evidence` reply shows as its body. Measured on financebench-dev (`python -m bench.outcomes --fit`,
"Card order"): the evidence page is among the first 3 cards for 0.40 of the questions, among the first 5 for
0.53; the passages are the reply, so five are shown."""


def best_lines(sentences: Sequence[Sentence]) -> dict[tuple[str, int], Sentence]:
    """The best-scored candidate line of each passage, by the passage's (doc_id, start)."""
    out: dict[tuple[str, int], Sentence] = {}
    for s in sentences:  # sorted best first
        out.setdefault((s.excerpt.doc_id, s.excerpt.start), s)
    return out


PASSAGE_FEATURES = ("rank", "line", "pcov", "pdense", "statement", "year_table", "row")
"""What the card order reads about a passage (see the module docstring)."""
def passage_features(rank: int, ex: Excerpt, best: Sentence | None, statements: set[str], years: set[str],
                     row: float = 0.0) -> dict[str, float]:
    """The named features of one retrieved passage (`rank` 1-based) for the card order; `row` is how well its best
    table row answers the question (the cell reader's score, 0 when no row label matches)."""
    return {
        "rank": 1.0 / rank,
        "line": best.score if best is not None else 0.0,
        "pcov": best.pcov if best is not None else 0.0,
        "pdense": best.pdense if best is not None else 0.0,
        "statement": float(in_statement(ex.section, statements)),
        "year_table": float(" | " in ex.text and bool(years) and all(y in ex.text for y in years)),
        "row": row,
    }


def passage_score(f: dict[str, float]) -> float:
    """How high a passage is shown: the fitted weights of its features."""
    return sum(fit.CARD_WEIGHTS.get(k, 0.0) * v for k, v in f.items())


def _card(ex: Excerpt, best: Sentence | None, cell: CellAnswer | None = None) -> Card:
    if cell is not None and ex.start <= cell.row.start < cell.row.end <= ex.end:
        a, b = cell.row.start, cell.row.end  # a figure question's best line: the row the cell reader matched
    elif best is not None:
        a, b = best.start, best.end
    else:  # no candidate line (headings only): the passage's first line
        spans = sentence_spans(ex.text) or [(0, len(ex.text))]
        a, b = ex.start + spans[0][0], ex.start + spans[0][1]
    return Card(doc=ex.doc, doc_id=ex.doc_id, title=ex.title, pages=ex.pages, start=ex.start, end=ex.end,
                text=ex.text, section=ex.section, ocr=ex.ocr, citation=ex.citation, score=ex.score,
                line_start=a, line_end=b)


def row_cells(question: str, excerpts: Sequence[Excerpt], doc_text: Callable[[str], str | None]
              ) -> list[CellAnswer | None]:
    """Per excerpt, the cell the cell reader reads from it for the question (None when no row label matches)."""
    texts: dict[str, str | None] = {}

    def cached(doc_id: str) -> str | None:  # a filing's text is read once for all its excerpts
        if doc_id not in texts:
            texts[doc_id] = doc_text(doc_id)
        return texts[doc_id]

    return [find_cell(question, [ex], cached) if " | " in ex.text else None for ex in excerpts]


def row_score(cell: CellAnswer | None) -> float:
    """A passage's `row` feature: the cell reader's score of its cell (it takes 0.02 per rank: given back)."""
    return cell.score + 0.02 if cell is not None else 0.0


def order(question: str, excerpts: Sequence[Excerpt], sentences: Sequence[Sentence], years: set[str],
          cells: Sequence[CellAnswer | None] = ()) -> list[Card]:
    """The excerpts as cards, in the order they are shown (best first; ties keep the retrieval order); `cells` as
    `row_cells` reads them."""
    best = best_lines(sentences)
    statements = named_statements(question)
    scored = []
    for r, ex in enumerate(excerpts, start=1):
        line = best.get((ex.doc_id, ex.start))
        cell = cells[r - 1] if len(cells) >= r else None
        f = passage_features(r, ex, line, statements, years, row_score(cell))
        scored.append((-passage_score(f), r, ex, line, cell))
    return [_card(ex, line, cell) for _s, _r, ex, line, cell in sorted(scored, key=lambda t: (t[0], t[1]))]


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


def merge_cards(first: Sequence[Excerpt], cards: Sequence[Card], n: int) -> list[Card]:
    """`first` (passages a reply found by other means, e.g. the statement rows a computation read; each shown
    whole as its line) then the `cards` that repeat none of them, `n` in all."""
    out = [e if isinstance(e, Card) else Card(
        doc=e.doc, doc_id=e.doc_id, title=e.title, pages=e.pages, start=e.start, end=e.end, text=e.text,
        section=e.section, ocr=e.ocr, citation=e.citation, score=e.score, line_start=e.start, line_end=e.end)
        for e in first][:n]
    for c in cards:
        if len(out) >= n:
            break
        if not any(o.doc_id == c.doc_id and o.start < c.end and c.start < o.end for o in out):
            out.append(c)
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
