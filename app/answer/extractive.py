"""The default, LLM-free answerer: picks the document sentences that answer the question, cites them,
and abstains when the evidence is weak.

Sentence score (weights in app/answer/calibration.py, chosen on the dev sets): idf-weighted coverage of the question's
terms by the sentence and by its passage, dense cosine similarity of sentence and passage to the
question, a bonus when the sentence holds a span of the expected answer type (date, number, name),
and a small prior for higher-ranked passages. A sentence that leans on the one before it ("It was commissioned
by Odo") is also scored as a pair with that sentence, so the answer carries its subject. A document's title
line is never an answer. Confidence is a logistic function of the best candidate's features (coefficients in
app/answer/calibration.py, fitted by `python -m bench.calibrate`).
"""
from __future__ import annotations

import math
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from app.answer.cells import CellAnswer, cell_text, find_cell
from app.answer.compute import MapTables, compute_answer
from app.answer.frontmatter import frontmatter_answer
from app.answer.outcome import CELL_CONFIDENCE, is_related
from app.answer.calibration import COEF, INTERCEPT, SENTENCE_WEIGHTS as _W
from app.answer.qtypes import fits_cell, is_byline, question_type, short_answer_spans, typed_spans
from app.settings import Settings
from app.types import EVIDENCE_TEXT, Answer, Citation, Segment, render
from app.answer.verify import ABSTAIN_TEXT
from corpus import sentence_spans
from corpus.boilerplate import is_boilerplate_section
from corpus.structure import is_fragment
from corpus.tables import row_view
from index.citations import make_citation_id
from index.embed import Embedder
from index.store.lexical import tokenize
from index.query import analyse
from index.retriever import Retriever
from index.types import Excerpt

_MIN_SENT_CHARS = 12
# Question words carry no evidence: a sentence is not better for containing "how" or "does".
_QUESTION_WORDS = set(tokenize(["how many much what which who whom whose when where why does did do have has had "
                                "is are was were can could would should may might will shall been being whi "
                                "kind type name called"])[0])
_FOLLOW_UP = re.compile(r"^(?:and|but|also|so|then)\b|\b(?:it|its|they|them|their|that|this|those|these|he|she|"
                        r"his|her|there)\b", re.I)

# A sentence opening like this usually needs the sentence before it to make sense.
_REFERS = re.compile(r"(?:It|He|She|They|This|These|Those|His|Her|Its|Their|However|But|Such|Thus|There)\b")


@dataclass
class Sentence:
    """A candidate answer sentence with its features."""

    excerpt: Excerpt
    rank: int
    start: int  # offsets in the document
    end: int
    text: str
    cov: float = 0.0
    pcov: float = 0.0
    dense: float = 0.0
    pdense: float = 0.0
    type: float = 0.0
    oov: float = 0.0
    maxmiss: float = 0.0
    score: float = 0.0

    def features(self) -> list[float]:
        """The features the confidence model reads (order fixed by app/answer/calibration.py)."""
        return [self.cov, self.pcov, self.dense, self.pdense, self.type, self.oov, self.maxmiss]


def confidence_of(features: Sequence[float]) -> float:
    """Calibrated probability that the best sentence answers the question."""
    z = INTERCEPT + sum(c * f for c, f in zip(COEF, features))
    return 1.0 / (1.0 + math.exp(-z))


class _VecCache:
    """LRU cache of sentence vectors: repeated passages are not re-embedded between questions."""

    def __init__(self, size: int = 20_000) -> None:
        self._d: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size

    def get_many(self, embedder: Embedder, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._d]
        if missing:
            for t, v in zip(missing, embedder.encode(missing, batch_size=64)):
                self._d[t] = v
        out = []
        for t in texts:
            self._d.move_to_end(t)
            out.append(self._d[t])
        while len(self._d) > self._size:
            self._d.popitem(last=False)
        return np.stack(out) if out else np.zeros((0, embedder.dim), np.float32)


def contextualize(question: str, history: Sequence[str]) -> str:
    """Retrieval query for a follow-up: the question plus the previous question when it leans on it."""
    if not history:
        return question
    content = [t for t in tokenize([question])[0] if t not in _QUESTION_WORDS]
    if _FOLLOW_UP.search(question) or len(content) < 3:
        return f"{question} {history[-1]}"
    return question


class Answerer:
    """Extractive, cited answers over a retriever (see module docstring)."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self.embedder = retriever.embedder
        self._cache = _VecCache()
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
        excerpts = self.retriever.excerpts(ranked, max(settings.retrieval.k, settings.answer.passages))
        t2 = time.perf_counter()
        timings["retrieve"] = (t2 - t1) * 1000
        sentences = self._score(analyse(question).text, analyse(query).text, excerpts, qvec, settings)
        timings["score_sentences"] = (time.perf_counter() - t2) * 1000
        return excerpts, sentences, timings

    def answer(self, question: str, settings: Settings, history: Sequence[str] = ()) -> Answer:
        """Answer `question` from the index; `history` holds earlier questions of the conversation."""
        t0 = time.perf_counter()
        meta = frontmatter_answer(question, self.retriever, settings)
        if meta is not None:  # "Who wrote the report?": its byline, cited
            meta.timings_ms = {"total": (time.perf_counter() - t0) * 1000}
            return meta
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
        best = sentences[0] if sentences else None
        conf = confidence_of(best.features()) if best else 0.0
        off_topic = best is None or best.oov > settings.answer.max_oov
        # A figure to compute (a ratio, margin, average, change …) is computed from cited cells (app/answer/compute/)
        computed = compute_answer(question, self.retriever, self.tables, excerpts[: settings.answer.passages],
                                  retrieved, self._cite)
        cell = None if off_topic or computed is not None else find_cell(
            question, excerpts[: settings.answer.passages], self.retriever.index.document_text)
        if computed is not None:
            ans = computed
        elif cell is not None:  # a figure read from a table row under its column's header
            ans = self._compose_cell(question, cell, retrieved)
        elif not off_topic and conf >= settings.answer.threshold:
            ans = self._compose(question, sentences, settings, conf, retrieved)
        else:
            # No sentence is confident enough: say whether the documents hold related passages at all.
            outcome = "evidence" if best is not None and not off_topic and is_related(best.features()) else "not_found"
            related = [e for e in retrieved if e.doc_id in named][:3] if named else retrieved[:3]
            ans = Answer(question=question, answer=EVIDENCE_TEXT if outcome == "evidence" else ABSTAIN_TEXT,
                         abstained=True, confidence=conf, retrieved=retrieved, related=related or retrieved[:3],
                         outcome=outcome)
        timings["compose"] = (time.perf_counter() - t3) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        ans.timings_ms = timings
        return ans

    def _score(self, question: str, query: str, excerpts: list[Excerpt], qvec: np.ndarray | None,
               settings: Settings) -> list[Sentence]:
        sents: list[Sentence] = []
        seen: set[tuple[str, int, int]] = set()
        asks_title = re.search(r"\btitle", question, re.I) is not None
        asks_author = question_type(question) == "author"
        for rank, ex in enumerate(excerpts[: settings.answer.passages], start=1):
            for s, e in sentence_spans(ex.text):
                key = (ex.doc_id, ex.start + s, ex.start + e)
                # A document's title, a heading, a contents line or a table header names a topic but answers
                # nothing (unless the title is asked for); see corpus/structure.py.
                is_title = not asks_title and is_fragment(ex.text[s:e], ex.title) and not (
                    asks_author and is_byline(ex.text[s:e], ex.start + s))  # a byline answers "who wrote it"
                # Filing furniture (exhibit lists, auditors' consents, cover captions) answers nothing.
                is_title = is_title or is_boilerplate_section(ex.section, ex.text[s:e])
                if e - s >= _MIN_SENT_CHARS and key not in seen and not is_title:  # overlapping passages repeat
                    seen.add(key)
                    sents.append(Sentence(ex, rank, ex.start + s, ex.start + e, ex.text[s:e]))
        if not sents:
            return []
        q_terms = [t for t in dict.fromkeys(tokenize([query])[0]) if t not in _QUESTION_WORDS]
        own_terms = set(tokenize([question])[0])
        n = max(1, len(self.retriever.index))
        df = self.retriever.index.doc_freqs(q_terms)
        # Terms of the question itself weigh double against terms borrowed from the conversation.
        w = {t: math.log(1 + n / (1 + df[t])) * (1.0 if t in own_terms else 0.5) for t in q_terms}
        total = sum(w.values()) or 1.0
        # Share of the question that the corpus never mentions: off-topic questions score high.
        oov = sum(w[t] for t in q_terms if df[t] == 0) / total
        idf_max = math.log(1 + n)
        tok = tokenize([s.text for s in sents] + [ex.text for ex in excerpts[: settings.answer.passages]])
        pass_tok = tok[len(sents):]
        qtype = question_type(question)
        dense_s = np.zeros(len(sents), np.float32)
        if qvec is not None:
            dense_s = self._sentence_vectors(sents) @ qvec
        pdense: dict[int, float] = {}
        for i, s in enumerate(sents):
            pdense[s.rank] = max(pdense.get(s.rank, -1.0), float(dense_s[i]))
        for i, s in enumerate(sents):
            st = set(tok[i])
            pt = set(pass_tok[s.rank - 1])
            s.cov = sum(w[t] for t in q_terms if t in st) / total
            s.pcov = sum(w[t] for t in q_terms if t in pt) / total
            s.oov = oov
            # The rarest question term the passage lacks: adversarial questions swap in one such term.
            s.maxmiss = max((w[t] for t in q_terms if t not in pt and t in own_terms), default=0.0) / idf_max
            s.pdense = pdense[s.rank]
            s.dense = float(dense_s[i])
            s.type = 1.0 if qtype and typed_spans(qtype, s.text, question) else (0.5 if qtype is None else 0.0)
            byline = qtype == "author" and is_byline(s.text, s.start)
            if byline:
                s.cov = s.pcov = max(s.pcov, s.cov)  # a byline answers "who wrote it" without sharing its words
            s.score = _sentence_score(s) + (1.0 if byline else 0.0)
        sents += _windows(sents, [set(t) for t in tok[:len(sents)]], q_terms, w, total)
        return sorted(sents, key=lambda s: (-s.score, s.rank, s.start))

    def _sentence_vectors(self, sents: list[Sentence]) -> np.ndarray:
        """Stored unit vectors of the sentences; any sentence not stored as a unit is embedded now."""
        by_doc: dict[str, list[tuple[int, int]]] = {}
        for s in sents:
            by_doc.setdefault(s.excerpt.doc_id, []).append((s.start, s.end))
        stored = {d: self.retriever.unit_vectors(d, spans) for d, spans in by_doc.items()}
        missing = [s.text for s in sents if (s.start, s.end) not in stored[s.excerpt.doc_id]]
        extra = dict(zip(missing, self._cache.get_many(self.embedder, missing))) if missing else {}
        return np.stack([stored[s.excerpt.doc_id].get((s.start, s.end), extra.get(s.text)) for s in sents])

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
        return Answer(question=question, answer=render(segs), abstained=False, confidence=CELL_CONFIDENCE,
                      citations=[citation], segments=segs, retrieved=retrieved, short_answers=short,
                      outcome="answered")

    def _compose(self, question: str, sentences: list[Sentence], settings: Settings, conf: float,
                 retrieved: list[Excerpt]) -> Answer:
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
        return Answer(question=question, answer=render(segs), abstained=False, confidence=conf,
                      citations=citations, segments=segs, retrieved=retrieved, short_answers=short)


def _windows(sents: list[Sentence], tokens: list[set[str]], q_terms: list[str], w: dict[str, float],
             total: float) -> list[Sentence]:
    """Two-sentence candidates for sentences that lean on the one before ("It was commissioned by Odo").

    `tokens[i]` are the terms of `sents[i]`; a pair's terms are the union of its two sentences'.
    """
    out: list[Sentence] = []
    for i, (p, s) in enumerate(zip(sents, sents[1:]), start=1):
        ex = s.excerpt
        if p.excerpt is not ex or not _REFERS.match(s.text) or ex.text[p.end - ex.start:s.start - ex.start].strip():
            continue
        win = Sentence(ex, s.rank, p.start, s.end, ex.text[p.start - ex.start:s.end - ex.start])
        both = tokens[i - 1] | tokens[i]
        win.cov = sum(w[t] for t in q_terms if t in both) / total
        # The answer type must come from the leaning sentence, as must the passage-level features.
        win.pcov, win.oov, win.maxmiss, win.pdense, win.type = s.pcov, s.oov, s.maxmiss, s.pdense, s.type
        # The pair is as close to the question as its closer half (measured: the mean of the two loses
        # squad2 answers whose second sentence holds the answer but repeats none of the question).
        win.dense = max(p.dense, s.dense)
        win.score = _sentence_score(win)
        out.append(win)
    return out


def _span_pages(index, doc_id: str, start: int, end: int) -> tuple[int, int] | None:
    """First and last page of span [start, end) of a stored document (None when it has no pages)."""
    import bisect

    starts = index.page_starts(doc_id)
    if not starts:
        return None
    return max(1, bisect.bisect_right(starts, start)), max(1, bisect.bisect_right(starts, max(start, end - 1)))


def _strength(sentences: list[Sentence], settings: Settings) -> float:
    """How well the best candidate answers: its confidence, or -1 when it would abstain as off-topic."""
    if not sentences:
        return -1.0
    best = sentences[0]
    return -1.0 if best.oov > settings.answer.max_oov else confidence_of(best.features())


def _sentence_score(s: Sentence) -> float:
    """Weighted sum of a candidate's features (weights in app/answer/calibration.py)."""
    return (_W["cov"] * s.cov + _W["pcov"] * s.pcov + _W["dense"] * s.dense + _W["pdense"] * s.pdense
            + _W["type"] * s.type + _W["rank"] / s.rank)


def _adjacent(group: list[Sentence], s: Sentence) -> bool:
    """True when `s` directly precedes or follows the group in its document (only whitespace between)."""
    ex = s.excerpt
    lo, hi = group[0].start, group[-1].end
    for a, b in ((hi, s.start), (s.end, lo)):
        if 0 <= b - a <= 3 and ex.start <= min(a, b) and max(a, b) <= ex.end:
            return ex.text[a - ex.start:b - ex.start].strip() == ""
    return False
