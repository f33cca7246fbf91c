"""Hybrid retrieval over passages, fusing three rankings by weighted reciprocal rank fusion:

- dense: FAISS over sentence-unit vectors; a passage scores its best sentence's cosine similarity;
- BM25 over passages;
- BM25 over sentence units; a passage scores its best sentence.
Sentence-level matching finds the one sentence that a question paraphrases, which passage-level
scores dilute (measured on the dev sets; see README "Retrieval").
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from corpus.structure import Sections
from index.citations import make_citation_id
from index.embed import Embedder
from index.query import analyse
from index.routing import DocumentRouter
from index.store.view import IndexView, best_per_passage  # noqa: F401  (re-exported)
from index.types import Excerpt

Mode = Literal["hybrid", "dense", "lexical"]


@dataclass(frozen=True)
class RetrievalSettings:
    """How excerpts are retrieved and fused."""

    k: int = 5
    """Excerpts returned."""
    mode: Mode = "hybrid"
    """'hybrid' fuses BM25 and dense results; 'dense' or 'lexical' use one side only."""
    candidates: int = 100
    """Passages taken from each ranking before fusion."""
    rrf_k: float = 60.0
    """Reciprocal-rank-fusion constant: larger flattens the weight of top ranks."""
    dense_weight: float = 1.0
    """Weight of the dense (best sentence) ranking."""
    lexical_weight: float = 1.0
    """Weight of the passage BM25 ranking."""
    sentence_lexical_weight: float = 1.0
    """Weight of the sentence BM25 ranking."""
    route_weight: float = 1.0
    """Weight of the same rankings restricted to the documents a question names by file name or title
    (index/routing.py); 0 turns routing off."""
    statement_weight: float = 3.0
    """Weight of the named documents' passages that lie in a financial statement the question names ("… in the
    cash flow statement"), ranked among themselves as the named rankings order them (corpus/statements.py).
    Fitted on financebench-dev (45 questions, main's index; evidence-page hit@1/@5): 0 → 0.267/0.489,
    1 → 0.333/0.600, 2 → 0.422/0.644, 3 (item 2) → 0.556/0.756, 4 (item 2) → 0.556/0.756 (bench/RESULTS.md #32)."""
    item_weight: float = 2.0
    """The same for the statements holding the line items a question uses (capex → cash flow statement), when
    it names no statement. Fitted with statement_weight: 0 → 0.422/0.644, 1 → 0.489/0.689, 2 → 0.511/0.756
    (statement_weight 2)."""

    def with_(self, **changes: object) -> "RetrievalSettings":
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Ranked:
    """One fused candidate passage before it becomes an Excerpt."""

    row: int
    score: float
    dense: float | None
    lexical: float | None


def rrf(rankings: list[tuple[np.ndarray, float]], rrf_k: float) -> dict[int, float]:
    """Weighted reciprocal rank fusion of ranked id lists: sum of w / (rrf_k + rank)."""
    fused: dict[int, float] = {}
    for ids, w in rankings:
        for rank, i in enumerate(ids.tolist(), start=1):
            fused[i] = fused.get(i, 0.0) + w / (rrf_k + rank)
    return fused


class Retriever:
    """Ranks passages of a loaded index for a query."""

    def __init__(self, index: IndexView, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        self._sections: dict[str, Sections] = {}
        self._router: DocumentRouter | None = None

    def router(self) -> DocumentRouter:
        """The document router of this generation (built on first use)."""
        if self._router is None:
            docs = [(d.doc_id, d.path, d.title) for d in self.index.list_documents()]
            self._router = DocumentRouter(docs, self.index.passages_using)
        return self._router

    def _named_rankings(self, query: str, lex: str, qvec: np.ndarray | None, named: tuple[str, ...],
                        settings: RetrievalSettings, c: int) -> list[tuple[np.ndarray, float]]:
        """The three rankings again, over the named documents only."""
        idx, w = self.index, settings.route_weight
        out: list[tuple[np.ndarray, float]] = []
        if settings.mode in ("hybrid", "dense") and qvec is not None:
            out.append((idx.dense_passages(qvec, c, docs=named)[0], w * settings.dense_weight))
        if settings.mode in ("hybrid", "lexical"):
            out.append((idx.lexical_search(lex, c, docs=named)[1], w * settings.lexical_weight))
            out.append((idx.unit_lexical_passages(lex, c, docs=named)[0], w * settings.sentence_lexical_weight))
        return out

    def _in_statements(self, within: list[tuple[np.ndarray, float]], named: tuple[str, ...], kinds: tuple[str, ...],
                       rrf_k: float, c: int) -> np.ndarray:
        """The named documents' candidate passages that lie in their primary statements of these kinds, in the
        order the named rankings give them (empty when none does)."""
        spans: dict[str, list[tuple[int, int]]] = {}
        for d in named:
            spans[d] = [(st.start, st.end) for st in self.index.statements(d) if st.primary and st.kind in kinds]
        if not any(spans.values()):
            return np.zeros(0, np.int64)
        fused = rrf(within, rrf_k)
        order = sorted(fused, key=lambda i: (-fused[i], i))[:c]
        rows = self.index.passage_rows(order)
        keep = [i for i in order if i in rows and any(a < int(rows[i]["end"]) and int(rows[i]["start"]) < b
                                                      for a, b in spans.get(str(rows[i]["doc_id"]), ()))]
        return np.asarray(keep, np.int64)

    def section_at(self, doc_id: str, offset: int) -> str:
        """Heading path in force at one offset of a document (headings read once per document, few kept)."""
        secs = self._sections.get(doc_id)
        if secs is None:
            secs = Sections(self.index.document_text(doc_id) or "")
            if len(self._sections) >= 32:
                self._sections.pop(next(iter(self._sections)))
            self._sections[doc_id] = secs
        return secs.at(offset)

    def rank(self, query: str, settings: RetrievalSettings, qvec: np.ndarray | None = None) -> list[Ranked]:
        """Fused candidate passages with their component scores, best first.

        The query is read like an analyst's question (index/query.py): instructions are left out, the
        dense side reads the rest (`qvec`, if given, must embed `analyse(query).text`), and BM25 also reads
        the statement names of the line items it uses."""
        idx = self.index
        if len(idx) == 0:
            return []
        q = analyse(query)
        query, lex = q.text, q.lexical
        c = min(settings.candidates, len(idx))
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        rankings: list[tuple[np.ndarray, float]] = []
        if settings.mode in ("hybrid", "dense"):
            if qvec is None:
                qvec = self.embedder.encode_query(query)
            rows, best = idx.dense_passages(qvec, c)
            dense = dict(zip(rows.tolist(), best.tolist()))
            rankings.append((rows, settings.dense_weight))
        if settings.mode in ("hybrid", "lexical"):
            s_l, ids_l = idx.lexical_search(lex, c)
            lexical = dict(zip(ids_l.tolist(), s_l.tolist()))
            rankings.append((ids_l, settings.lexical_weight))
            rows_u, _ = idx.unit_lexical_passages(lex, c)
            rankings.append((rows_u, settings.sentence_lexical_weight))
        named = self.router().route(query) if settings.route_weight > 0 else {}
        if named:
            inner = self.router().without_names(query, named)
            ivec = qvec if inner == query or qvec is None else self.embedder.encode_query(inner)
            inner_lex = self.router().without_names(lex, named)
            within = self._named_rankings(inner, inner_lex, ivec, tuple(sorted(named)), settings, c)
            rankings += within
            kinds, w = (q.statements, settings.statement_weight) if q.statements else (q.items, settings.item_weight)
            if kinds and w > 0:
                rankings.append((self._in_statements(within, tuple(sorted(named)), kinds, settings.rrf_k, c), w))
        fused = rrf(rankings, settings.rrf_k)
        order = sorted(fused, key=lambda i: (-fused[i], i))
        return [Ranked(i, fused[i], dense.get(i), lexical.get(i)) for i in order]

    def excerpts(self, ranked: list[Ranked], k: int) -> list[Excerpt]:
        """Turn the first k ranked rows into cited excerpts (texts come from the store, not RAM)."""
        top = ranked[:k]
        rows = self.index.passage_rows([r.row for r in top])
        out = []
        for r in top:
            p = rows[r.row]
            pages = (p["page_start"], p["page_end"]) if p["page_start"] is not None else None
            ocr = bool(pages) and bool(set(json.loads(p["ocr_pages"] or "[]")) & set(range(pages[0], pages[1] + 1)))
            out.append(Excerpt(citation=make_citation_id(p["doc_id"], p["start"], p["end"]), doc=p["path"],
                               doc_id=p["doc_id"], title=p["title"], pages=pages, start=p["start"],
                               end=p["end"], text=p["text"], score=round(float(r.score), 6),
                               section=p["section"], ocr=ocr))
        return out

    def search(self, query: str, settings: RetrievalSettings = RetrievalSettings()) -> list[Excerpt]:
        """The top `settings.k` excerpts for a query."""
        return self.excerpts(self.rank(query, settings), settings.k)

    def unit_vectors(self, doc_id: str, spans: list[tuple[int, int]]) -> dict[tuple[int, int], np.ndarray]:
        """Stored vectors of sentence units by (start, end) in a document (missing spans are left out)."""
        return self.index.unit_vectors(doc_id, spans)
