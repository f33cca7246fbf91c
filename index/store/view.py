"""The read interface of an index generation, shared by the embedded backend and Milvus.

`LoadedIndex` (index/store/local/generations.py: one folder of SQLite + FAISS + bm25s) and `MilvusIndex`
(index/store/milvus/store.py: collections in a Milvus database) both implement `IndexView`, so the
retriever, answerer, quote finder, citation resolver and API run unchanged on either.
"""
from __future__ import annotations

from typing import Mapping, Protocol, Sequence

import numpy as np

from corpus.statements import Statement
from index.store.tables import DocInfo, StoredDoc


class IndexView(Protocol):
    """One immutable generation of an index, read-only."""

    manifest: object
    store: str

    def __len__(self) -> int: ...
    def dense_passages(self, qvec: np.ndarray, c: int, docs: Sequence[str] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]: ...
    def lexical_search(self, query: str, k: int, docs: Sequence[str] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]: ...
    def unit_lexical_passages(self, query: str, c: int, docs: Sequence[str] | None = None
                              ) -> tuple[np.ndarray, np.ndarray]: ...
    def passages_using(self, token: str) -> dict[str, int] | None: ...
    def doc_freqs(self, tokens: list[str]) -> dict[str, int]: ...
    def passage_rows(self, rows: list[int]) -> dict[int, Mapping[str, object]]: ...
    def get_document(self, doc_id: str) -> StoredDoc | None: ...
    def find_document_by_prefix(self, prefix: str) -> StoredDoc | None: ...
    def list_documents(self) -> list[DocInfo]: ...
    def document_text(self, doc_id: str) -> str | None: ...
    def page_starts(self, doc_id: str) -> list[int]: ...
    def documents_containing(self, text: str, limit: int) -> list[str]: ...
    def unit_vectors(self, doc_id: str, spans: list[tuple[int, int]]) -> dict[tuple[int, int], np.ndarray]: ...
    def statements(self, doc_id: str) -> list[Statement]: ...


def best_per_passage(unit_ids: np.ndarray, scores: np.ndarray, unit_rows, limit: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Collapse a ranked unit list to passages (first = best unit), up to `limit` passages.

    `unit_rows[u]` is the passage row of unit u (an array, or a dict for a Milvus result page).
    """
    rows: list[int] = []
    best: list[float] = []
    seen: set[int] = set()
    for u, s in zip(np.asarray(unit_ids).tolist(), np.asarray(scores).tolist()):
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
