"""The default, LLM-free answerer: cited answers quoted from the documents, or the passages that bear on the
question when no answer is probably right.

`Answerer.answer`: retrieve passages → score their sentences (app/answer/sentences.py) → compose one candidate
answer per kind (the best sentences; a table cell under its column's label, app/answer/cells.py; a front-matter
line, app/answer/frontmatter.py) → the correctness model (app/answer/correctness.py) gives each the probability
that it is right and decides the outcome: `answered` (the most probable candidate, when probably right),
`evidence` or `not_found` → every reply shows, after what it cites, the top passages it does not cite, each with
its best line (app/answer/cards.py). The reported confidence is the model's probability.
"""
from __future__ import annotations

import re
import time
from typing import Sequence


from app.answer import cards as C
from app.answer.calibration import COEF, INTERCEPT
from app.answer.cells import CellAnswer, cell_text
from app.answer.compute import MapTables, compute_answer
from app.answer.correctness import Candidate, Decision, decide, question_years, score
from app.answer.frontmatter import frontmatter_answer
from app.answer.qtypes import fits_cell, is_yes_no, question_type, short_answer_spans
from app.answer.sentences import QUESTION_WORDS, Sentence, SentenceScorer
from app.answer.verify import ABSTAIN_TEXT, VerificationError, verify
from app.settings import Settings
from app.types import EVIDENCE_TEXT, Answer, Citation, Segment, render
from corpus.tables import row_view
from index.citations import make_citation_id
from index.query import analyse
from index.retriever import Retriever
from index.tokens import tokenize
from index.types import Excerpt

__all__ = ["Answerer", "confidence_of", "contextualize"]

_SUPERLATIVE = re.compile(r"\b(?:largest|biggest|highest|greatest|smallest|lowest|most|least)\b", re.I)
_TOTAL = re.compile(r"\s*total\b", re.I)
"""A total row is never the answer to "the largest liability": it is the sum of the items asked among."""
CELL_CANDIDATES = 3
"""Table cells composed as candidate answers (the best by the cell reader's score, one per passage)."""
_FOLLOW_UP = re.compile(r"^(?:and|but|also|so|then)\b|\b(?:it|its|they|them|their|that|this|those|these|he|she|"
                        r"his|her|there)\b", re.I)


def confidence_of(features: Sequence[float]) -> float:
    """The sentence model's probability that the best sentence answers (app/answer/calibration.py); the LLM
    path reports it, and a follow-up is compared with the question alone by it."""
    import math

    z = INTERCEPT + sum(c * f for c, f in zip(COEF, features))
    return 1.0 / (1.0 + math.exp(-z))


def contextualize(question: str, history: Sequence[str]) -> str:
    """Retrieval query for a follow-up: the question plus the previous question when it leans on it."""
    if not history:
        return question
    content = [t for t in tokenize([question])[0] if t not in QUESTION_WORDS]
    if _FOLLOW_UP.search(question) or len(content) < 3:
        return f"{question} {history[-1]}"
    return question


class Answerer:
    """Extractive, cited answers over a retriever (see module docstring)."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self.embedder = retriever.embedder
        self.scorer = SentenceScorer(retriever)
        # the statements of the documents computed answers read (app/answer/compute/sheets.py), read once each
        self.tables = MapTables(retriever.index)

    def evidence(self, question: str, settings: Settings, history: Sequence[str] = ()
                 ) -> tuple[list[Excerpt], list[Sentence], dict[str, float]]:
        """Retrieved excerpts and their scored sentences (best first), with stage timings."""
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        query = contextualize(question, history)
        # Instructions ("Answer in USD millions.") are not what the answer is about: retrieval and sentence
        # scoring read the question without them (index/query.py).
        qvec = self.embedder.encode_query(analyse(query).text) if settings.retrieval.mode != "lexical" else None
        t1 = time.perf_counter()
        timings["embed_query"] = (t1 - t0) * 1000
        ranked = self.retriever.rank(query, settings.retrieval, qvec=qvec)
        pool = max(settings.retrieval.k, settings.answer.passages, settings.answer.card_pool)
        excerpts = self.retriever.excerpts(ranked, pool)
        t2 = time.perf_counter()
        timings["retrieve"] = (t2 - t1) * 1000
        sentences = self.scorer.score(analyse(question).text, analyse(query).text, excerpts, qvec, pool)
        timings["score_sentences"] = (time.perf_counter() - t2) * 1000
        return excerpts, sentences, timings

    def answer(self, question: str, settings: Settings, history: Sequence[str] = (),
               trace: dict[str, object] | None = None) -> Answer:
        """Answer `question` from the index; `history` holds earlier questions of the conversation. A `trace`
        dict receives the scored candidates and the ordered cards (for fitting, bench/outcomes.py)."""
        t0 = time.perf_counter()
        excerpts, sentences, timings = self.evidence(question, settings, history)
        if history and contextualize(question, history) != question:
            # Rewriting with the conversation must never make a question worse than asked alone
            # ("What happened in Hanoi?" after an off-topic question): keep whichever scores higher.
            alone = self.evidence(question, settings)
            if _strength(alone[1], settings) > _strength(sentences, settings):
                excerpts, sentences, timings = alone
        t3 = time.perf_counter()
        retrieved = excerpts[: settings.retrieval.k]
        named = self._named(question, settings)
        if named:  # a question about American Express is not answered from Costco's filing
            sentences = [s for s in sentences if s.excerpt.doc_id in named]
            excerpts = [e for e in excerpts if e.doc_id in named]
        # Only the top `passages` answer; the cards are chosen from the whole pool.
        answering = [s for s in sentences if s.rank <= settings.answer.passages]
        # A question in words the corpus never uses is off-topic: nothing is related, nothing answers.
        off_topic = not answering or answering[0].oov > settings.answer.max_oov
        cells = C.row_cells(question, excerpts, self.retriever.index.document_text)
        # A figure to compute (a ratio, margin, average, change …) is computed from cited statement cells
        # (app/answer/compute/): a verified computation is one more candidate, or, when an operand is missing,
        # an `evidence` reply that names what was found and what is missing.
        computed = compute_answer(question, self.retriever, self.tables, excerpts[: settings.answer.passages],
                                  retrieved, self._cite)
        candidates = score(question, self.candidates(question, excerpts, [] if off_topic else answering,
                                                     settings, retrieved, cells, computed))
        years = question_years(question)
        shown = C.order(question, excerpts, sentences, years, cells)
        missing = computed is not None and computed.abstained and computed.computation is not None \
            and bool(computed.computation.operands)
        # operands found in the documents the question is about, one missing: related whatever the passages say
        related = missing or (not off_topic and C.is_related(shown[:C.CARDS], sentences, named, years))
        decision = decide(candidates, related, settings.answer.threshold, settings.answer.text_threshold)
        ans = self._reply(question, decision, shown, retrieved)
        if decision.outcome == "evidence" and missing:
            # A figure to compute with an operand missing: say what was found and what is missing; the rows
            # found lead the cards, the top passages follow.
            ans.answer, ans.computation = computed.answer, computed.computation
            ans.related = C.merge_cards(computed.related, ans.related, C.EVIDENCE_CARDS)
        if trace is not None:
            trace.update(candidates=candidates, shown=shown, sentences=sentences, excerpts=excerpts, related=related,
                         rows=[C.row_score(c) for c in cells])
        timings["compose"] = (time.perf_counter() - t3) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        ans.timings_ms = timings
        return ans

    def candidates(self, question: str, excerpts: list[Excerpt], sentences: list[Sentence], settings: Settings,
                   retrieved: list[Excerpt], cells: Sequence[CellAnswer | None] = (),
                   computed: Answer | None = None) -> list[Candidate]:
        """The composed answers of every kind that has one: front matter; a figure computed from statement cells
        (`computed`, when it is an answer); the cells read from the top passages' tables (`cells`: per excerpt,
        as cards.row_cells reads them; the best `CELL_CANDIDATES`); the best sentences."""
        out: list[Candidate] = []
        meta = frontmatter_answer(question, self.retriever, settings)
        if meta is not None:  # "Who wrote the report?": its byline, cited
            meta.kind, meta.outcome, meta.retrieved = "frontmatter", "answered", retrieved
            out.append(Candidate("frontmatter", meta, rank=1))
        rank_of = {(e.doc_id, e.start): r for r, e in enumerate(excerpts, start=1)}
        # A figure the engine computed by a definition (the question's or the lexicon's) is what the question
        # asks: a cell of one of its operands ("Total assets" for a fixed asset turnover) is no answer to it.
        formula = False
        if computed is not None and not computed.abstained and self._verifies(computed):
            computed.kind = "computed"
            first = computed.citations[0]
            # the retrieval rank of a passage holding its first cited row (statements are read whole, so the
            # row may lie in no retrieved passage: ranked after all of them)
            rank = next((r for r, e in enumerate(excerpts, start=1)
                         if e.doc_id == first.doc_id and e.start <= first.start < e.end), len(excerpts) + 1)
            lead = next((s for s in sentences if s.excerpt.doc_id == first.doc_id
                         and s.start <= first.start < s.end), None)
            out.append(Candidate("computed", computed, rank=rank, lead=lead, label=1.0))
            formula = computed.computation is not None and computed.computation.definition != "line item"
        if not sentences:
            return out
        # Figures read from table rows under their columns' headers: one per passage (the cash flow statement's
        # row and the MD&A table's are different answers), the best few by the cell reader's score.
        # A yes/no question is never answered by one cell read off a table (only by a comparison of figures,
        # the computed path): "Is 3M capital-intensive?" is not "Total assets: $46,455".
        yes_no = is_yes_no(question)
        found = [c for c in cells[: settings.answer.passages] if c is not None and not yes_no and not formula
                 and not (_SUPERLATIVE.search(question) and _TOTAL.match(c.row.label.text if c.row.label else ""))]
        for cell in sorted(found, key=lambda c: -c.score)[:CELL_CANDIDATES]:
            row = next((s for s in sentences if s.excerpt is cell.excerpt and s.start <= cell.row.start < s.end),
                       None)
            out.append(Candidate("cell", self._compose_cell(question, cell, retrieved),
                                 rank=rank_of.get((cell.excerpt.doc_id, cell.excerpt.start), 1), lead=row,
                                 label=C.row_score(cell)))
        # The best sentences; and, when those come from a lower passage, the best of the top passage: an
        # off-target sentence from rank 4 must beat the top passage by a clear margin (the model reads both).
        top = [s for s in sentences if rank_of.get((s.excerpt.doc_id, s.excerpt.start)) == 1]
        for pool in ([sentences, top] if top and top[0] is not sentences[0] else [sentences]):
            lead = pool[0]
            other = max((s.score for s in sentences if s.excerpt is not lead.excerpt), default=0.0)
            out.append(Candidate("sentence", self._compose(question, pool, settings, retrieved),
                                 rank=rank_of.get((lead.excerpt.doc_id, lead.excerpt.start), lead.rank), lead=lead,
                                 margin=lead.score - other))
        return out

    def _verifies(self, ans: Answer) -> bool:
        """Whether a composed answer passes `verify` against the index's text (a computed answer: each operand is
        its cited cell, the arithmetic holds); one that does not is no candidate."""
        def text_of(doc_id: str) -> str:
            text = self.retriever.index.document_text(doc_id)
            if text is None:
                raise VerificationError(f"document {doc_id} is not in the index")
            return text

        try:
            verify(ans, text_of)
        except VerificationError:
            return False
        return True

    def cards_for(self, ans: Answer, settings: Settings, history: Sequence[str] = ()) -> list[C.Card]:
        """The cards of a reply composed elsewhere (the LLM path, a reply that failed verification): the top
        passages it does not cite, each with its best line — as every extractive reply shows them."""
        excerpts, sentences, _t = self.evidence(ans.question, settings, history)
        shown = C.order(ans.question, excerpts, sentences, question_years(ans.question),
                        C.row_cells(ans.question, excerpts, self.retriever.index.document_text))
        if ans.abstained:
            return shown[:C.EVIDENCE_CARDS if ans.outcome == "evidence" else C.CARDS]
        return C.uncited(shown, [(c.doc_id, c.start, c.end) for c in ans.citations])

    def _reply(self, question: str, d: Decision, shown: list[C.Card], retrieved: list[Excerpt]) -> Answer:
        """The reply the decision makes: the chosen answer with the uncited top passages after it, or the top
        passages as an `evidence` reply's body (a `not_found` reply's closest excerpts)."""
        if d.chosen is not None:
            ans = d.chosen.answer
            ans.confidence = d.confidence
            ans.related = C.uncited(shown, [(c.doc_id, c.start, c.end) for c in ans.citations])
            return ans
        n = C.EVIDENCE_CARDS if d.outcome == "evidence" else C.CARDS
        text = EVIDENCE_TEXT if d.outcome == "evidence" else ABSTAIN_TEXT
        return Answer(question=question, answer=text, abstained=True, confidence=d.confidence, retrieved=retrieved,
                      related=shown[:n] or list(retrieved[:n]), outcome=d.outcome)

    def _named(self, question: str, settings: Settings) -> set[str]:
        """The documents the question names by file name or title (index/routing.py); empty when it names none
        or routing is off. Answers then come from those documents only."""
        if settings.retrieval.route_weight <= 0:
            return set()
        return set(self.retriever.router().route(analyse(question).text))

    def _cite(self, n: int, ex: Excerpt, start: int, end: int, text: str, column: int | None = None,
              doc_text: str | None = None) -> Citation:
        """Citation [n] of span [start, end) of the excerpt's document (a table row carries its header)."""
        pages = _span_pages(self.retriever.index, ex.doc_id, start, end) if ex.pages else None
        table = None
        if " | " in text:
            if doc_text is None:
                doc_text = self.retriever.index.document_text(ex.doc_id) or ""
            table = row_view(doc_text, end, column)
        return Citation(number=n, citation=make_citation_id(ex.doc_id, start, end), doc=ex.doc, doc_id=ex.doc_id,
                        title=ex.title, pages=pages or ex.pages, start=start, end=end, text=text,
                        section=self.retriever.section_at(ex.doc_id, start), ocr=ex.ocr, table=table)

    def _compose_cell(self, question: str, cell: CellAnswer, retrieved: list[Excerpt]) -> Answer:
        """An answer read from table cells (one segment per column read), citing the table from its header to
        the row."""
        start, end = cell.span
        full = self.retriever.index.document_text(cell.excerpt.doc_id) or ""
        text = full[start:end]
        segs, short, pos = [], [], 0
        for j in cell.columns:
            parts = cell.parts_of(j)
            seg = Segment(cell_text([p.text for p in parts]), 1, tuple((p.start, p.end) for p in parts))
            value = " ".join(parts[-1].text.split())
            if fits_cell(question, parts[0].text, value):  # a stated figure asked for; no "Net" for a region
                short.append((pos + len(seg.text) - len(value), pos + len(seg.text)))
            segs.append(seg)
            pos += len(f"{seg.text} [1]") + 1
        citation = self._cite(1, cell.excerpt, start, end, text, column=cell.column, doc_text=full)
        return Answer(question=question, answer=render(segs), abstained=False, confidence=0.0,
                      citations=[citation], segments=segs, retrieved=retrieved, short_answers=short,
                      outcome="answered", kind="cell")

    def _compose(self, question: str, sentences: list[Sentence], settings: Settings,
                 retrieved: list[Excerpt]) -> Answer:
        """An answer of the best sentence and the next ones that score close to it, adjacent ones merged."""
        best = sentences[0]
        chosen = [best]
        length = len(best.text)
        for s in sentences[1:]:
            if len(chosen) >= settings.answer.max_sentences:
                break
            if s.score < settings.answer.keep_ratio * best.score or length + len(s.text) > settings.answer.max_chars:
                continue
            if any(c.excerpt.doc_id == s.excerpt.doc_id and c.start < s.end and s.start < c.end for c in chosen):
                continue  # overlapping passages repeat sentences
            if any(" ".join(c.text.split()) == " ".join(s.text.split()) for c in chosen):
                continue  # a filing repeats a sentence word for word: saying it twice adds nothing
            chosen.append(s)
            length += len(s.text)
        # Lead with the best sentence; merge sentences adjacent in one document under one citation.
        groups: list[list[Sentence]] = []
        for s in chosen:
            for g in groups:
                if g[0].excerpt.doc_id == s.excerpt.doc_id and _adjacent(g, s):
                    g.append(s)
                    g.sort(key=lambda x: x.start)
                    break
            else:
                groups.append([s])
        segs: list[Segment] = []
        citations: list[Citation] = []
        short: list[tuple[int, int]] = []
        qtype = question_type(question)
        pos = 0
        for n, g in enumerate(groups, start=1):
            ex = g[0].excerpt
            start, end = g[0].start, g[-1].end
            text = ex.text[start - ex.start:end - ex.start] if end <= ex.end else None
            if text is None:  # a merged group reaching past this passage: read the document
                text = (self.retriever.index.document_text(ex.doc_id) or "")[start:end]
            if n == 1 and qtype:
                for a, b in short_answer_spans(qtype, text, question):
                    short.append((pos + a, pos + b))
            segs.append(Segment(text, n))
            pos += len(f"{text} [{n}]") + 1
            citations.append(self._cite(n, ex, start, end, text))
        return Answer(question=question, answer=render(segs), abstained=False, confidence=0.0,
                      citations=citations, segments=segs, retrieved=retrieved, short_answers=short,
                      outcome="answered", kind="sentence")


def _span_pages(index, doc_id: str, start: int, end: int) -> tuple[int, int] | None:
    """First and last page of span [start, end) of a stored document (None when it has no pages)."""
    import bisect

    starts = index.page_starts(doc_id)
    if not starts:
        return None
    return max(1, bisect.bisect_right(starts, start)), max(1, bisect.bisect_right(starts, max(start, end - 1)))

def _strength(sentences: list[Sentence], settings: Settings) -> float:
    """How well the best candidate answers: its confidence, or -1 when it would abstain as off-topic."""
    sentences = [s for s in sentences if s.rank <= settings.answer.passages]
    if not sentences:
        return -1.0
    best = sentences[0]
    return -1.0 if best.oov > settings.answer.max_oov else confidence_of(best.features())


def _adjacent(group: list[Sentence], s: Sentence) -> bool:
    """True when `s` directly precedes or follows the group in its document (only whitespace between)."""
    ex = s.excerpt
    lo, hi = group[0].start, group[-1].end
    for a, b in ((hi, s.start), (s.end, lo)):
        if 0 <= b - a <= 3 and ex.start <= min(a, b) and max(a, b) <= ex.end:
            return ex.text[a - ex.start:b - ex.start].strip() == ""
    return False
