"""Hybrid retrieval: BM25 and dense FAISS candidates fused by weighted reciprocal rank fusion."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from index import db
from index.citations import make_citation_id
from index.embedder import Embedder
from index.store import LoadedIndex
from index.types import Excerpt

Mode = Literal["hybrid", "dense", "lexical"]


@dataclass(frozen=True)
class RetrievalSettings:
    """How excerpts are retrieved and fused."""

    k: int = 5
    """Excerpts returned."""
    mode: Mode = "hybrid"
    """'hybrid' fuses BM25 and dense results; 'dense' or 'lexical' use one side only."""
    candidates: int = 50
    """Candidates taken from each side before fusion."""
    rrf_k: float = 60.0
    """Reciprocal-rank-fusion constant: larger flattens the weight of top ranks."""
    dense_weight: float = 1.0
    """Weight of the dense ranking in fusion."""
    lexical_weight: float = 1.0
    """Weight of the BM25 ranking in fusion."""

    def with_(self, **changes: object) -> "RetrievalSettings":
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Ranked:
    """One fused candidate before it is turned into an Excerpt (row id and component scores)."""

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

    def __init__(self, index: LoadedIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder

    def rank(self, query: str, settings: RetrievalSettings, qvec: np.ndarray | None = None) -> list[Ranked]:
        """Fused candidate rows with their component scores, best first."""
        n = len(self.index)
        if n == 0:
            return []
        c = min(settings.candidates, n)
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        rankings: list[tuple[np.ndarray, float]] = []
        if settings.mode in ("hybrid", "dense"):
            if qvec is None:
                qvec = self.embedder.encode_query(query)
            s, ids = self.index.vector_store.search(qvec[None, :], c)
            keep = ids[0] >= 0
            ids_d, s_d = ids[0][keep], s[0][keep]
            dense = dict(zip(ids_d.tolist(), s_d.tolist()))
            rankings.append((ids_d, settings.dense_weight))
        if settings.mode in ("hybrid", "lexical"):
            s_l, ids_l = self.index.lexical.search(query, c)
            lexical = dict(zip(ids_l.tolist(), s_l.tolist()))
            rankings.append((ids_l, settings.lexical_weight))
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
            out.append(Excerpt(citation=make_citation_id(p["doc_id"], p["start"], p["end"]), doc=p["path"],
                               doc_id=p["doc_id"], title=p["title"], pages=pages, start=p["start"],
                               end=p["end"], text=p["text"], score=round(float(r.score), 6)))
        return out

    def search(self, query: str, settings: RetrievalSettings = RetrievalSettings()) -> list[Excerpt]:
        """The top `settings.k` excerpts for a query."""
        return self.excerpts(self.rank(query, settings), settings.k)
