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
from index.store import tables as db
from index.citations import make_citation_id
from index.embed import Embedder
from index.routing import DocumentRouter
from index.store import LoadedIndex
from index.store.lexical import rows_using, tokenize
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


def best_per_passage(unit_ids: np.ndarray, scores: np.ndarray, unit_rows: np.ndarray, limit: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Collapse a ranked unit list to passages (first = best unit), up to `limit` passages."""
    rows: list[int] = []
    best: list[float] = []
    seen: set[int] = set()
    for u, s in zip(unit_ids.tolist(), scores.tolist()):
        if u < 0:
            continue
        r = int(unit_rows[u])
        if r not in seen:
            seen.add(r)
            rows.append(r)
            best.append(s)
            if len(rows) >= limit:
                break
    return np.asarray(rows, np.int64), np.asarray(best, np.float32)


class Retriever:
    """Ranks passages of a loaded index for a query."""

    def __init__(self, index: LoadedIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        self._sections: dict[str, Sections] = {}
        self._router: DocumentRouter | None = None
        self._row_doc: np.ndarray | None = None
        self._doc_names: list[str] = []
        self._named: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def router(self) -> DocumentRouter:
        """The document router of this generation (built on first use)."""
        if self._router is None:
            self._router = DocumentRouter.from_db(self.index.con, self._uses)
        return self._router

    def _uses(self, token: str) -> dict[str, int] | None:
        """How many passages of each document use `token`, None for a word BM25 drops (the router's test
        for a plain word)."""
        if not tokenize([token])[0]:
            return None
        if self._row_doc is None:
            pairs = self.index.con.execute("SELECT row, doc_id FROM passages ORDER BY row").fetchall()
            ids: dict[str, int] = {}
            self._row_doc = np.asarray([ids.setdefault(d, len(ids)) for _, d in pairs], np.int32)
            self._doc_names = list(ids)
        rows = rows_using(self.index.lexical, token)
        if not len(rows):
            return {}
        docs, counts = np.unique(self._row_doc[rows], return_counts=True)
        return {self._doc_names[d]: int(n) for d, n in zip(docs.tolist(), counts.tolist())}

    def _named_ids(self, doc_ids: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit ids, their passage rows, and the passage rows of some documents (a few sets kept)."""
        got = self._named.get(doc_ids)
        if got is None:
            marks = ",".join("?" * len(doc_ids))
            con = self.index.con
            units = con.execute(f"SELECT id, row FROM units WHERE doc_id IN ({marks}) ORDER BY id", doc_ids).fetchall()
            rows = con.execute(f"SELECT row FROM passages WHERE doc_id IN ({marks}) ORDER BY row", doc_ids).fetchall()
            got = (np.asarray([u[0] for u in units], np.int64), np.asarray([u[1] for u in units], np.int64),
                   np.asarray([r[0] for r in rows], np.int64))
            if len(self._named) >= 16:
                self._named.pop(next(iter(self._named)))
            self._named[doc_ids] = got
        return got

    def _named_rankings(self, query: str, qvec: np.ndarray | None, named: tuple[str, ...],
                        settings: RetrievalSettings, c: int) -> list[tuple[np.ndarray, float]]:
        """The three rankings again, over the named documents only (exact dense scores: they are few)."""
        unit_ids, _, rows = self._named_ids(named)
        if not len(rows):
            return []
        unit_rows = self.index.unit_rows()
        w = settings.route_weight
        out: list[tuple[np.ndarray, float]] = []
        if settings.mode in ("hybrid", "dense") and qvec is not None and len(unit_ids):
            sims = np.asarray(self.index.vectors[unit_ids], np.float32) @ qvec.astype(np.float32)
            order = np.argsort(-sims, kind="stable")
            r, _ = best_per_passage(unit_ids[order], sims[order], unit_rows, c)
            out.append((r, w * settings.dense_weight))
        if settings.mode in ("hybrid", "lexical"):
            _, ids_l = self.index.lexical.search(query, c, within=rows)
            out.append((ids_l, w * settings.lexical_weight))
            s_u, ids_u = self.index.unit_lexical.search(query, c * 4, within=unit_ids)
            r_u, _ = best_per_passage(ids_u, s_u, unit_rows, c)
            out.append((r_u, w * settings.sentence_lexical_weight))
        return out

    def section_at(self, doc_id: str, offset: int) -> str:
        """Heading path in force at one offset of a document (headings read once per document, few kept)."""
        secs = self._sections.get(doc_id)
        if secs is None:
            row = self.index.con.execute("SELECT text FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
            secs = Sections(row[0] if row else "")
            if len(self._sections) >= 32:
                self._sections.pop(next(iter(self._sections)))
            self._sections[doc_id] = secs
        return secs.at(offset)

    def rank(self, query: str, settings: RetrievalSettings, qvec: np.ndarray | None = None) -> list[Ranked]:
        """Fused candidate passages with their component scores, best first."""
        idx = self.index
        if len(idx) == 0:
            return []
        c = min(settings.candidates, len(idx))
        unit_rows = idx.unit_rows()
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        rankings: list[tuple[np.ndarray, float]] = []
        if settings.mode in ("hybrid", "dense"):
            if qvec is None:
                qvec = self.embedder.encode_query(query)
            s, ids = idx.vector_store.search(qvec[None, :], c * 4)
            rows, best = best_per_passage(ids[0], s[0], unit_rows, c)
            dense = dict(zip(rows.tolist(), best.tolist()))
            rankings.append((rows, settings.dense_weight))
        if settings.mode in ("hybrid", "lexical"):
            s_l, ids_l = idx.lexical.search(query, c)
            lexical = dict(zip(ids_l.tolist(), s_l.tolist()))
            rankings.append((ids_l, settings.lexical_weight))
            s_u, ids_u = idx.unit_lexical.search(query, c * 4)
            rows_u, _ = best_per_passage(ids_u, s_u, unit_rows, c)
            rankings.append((rows_u, settings.sentence_lexical_weight))
        named = self.router().route(query) if settings.route_weight > 0 else {}
        if named:
            inner = self.router().without_names(query, named)
            ivec = qvec if inner == query or qvec is None else self.embedder.encode_query(inner)
            rankings += self._named_rankings(inner, ivec, tuple(sorted(named)), settings, c)
        fused = rrf(rankings, settings.rrf_k)
        order = sorted(fused, key=lambda i: (-fused[i], i))
        return [Ranked(i, fused[i], dense.get(i), lexical.get(i)) for i in order]

    def excerpts(self, ranked: list[Ranked], k: int) -> list[Excerpt]:
        """Turn the first k ranked rows into cited excerpts (texts come from SQLite, not RAM)."""
        top = ranked[:k]
        rows = db.passage_rows(self.index.con, [r.row for r in top])
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
        if not spans:
            return {}
        lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
        found = self.index.con.execute(
            "SELECT id, start, end FROM units WHERE doc_id=? AND start>=? AND start<?", (doc_id, lo, hi)).fetchall()
        want = set(spans)
        hits = [(u["id"], (u["start"], u["end"])) for u in found if (u["start"], u["end"]) in want]
        if not hits:
            return {}
        vecs = np.asarray(self.index.vectors[sorted(h[0] for h in hits)], dtype=np.float32)
        order = {uid: i for i, uid in enumerate(sorted(h[0] for h in hits))}
        return {span: vecs[order[uid]] for uid, span in hits}
