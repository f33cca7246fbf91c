"""The embedded index read over a subset of its documents (the documents a question names, index/routing.py):
which unit ids and passage rows they hold, and how many passages of each document use a word."""
from __future__ import annotations

import sqlite3
import threading
from typing import Sequence

import numpy as np

from index.store.lexical import LexicalIndex, rows_using
from index.tokens import tokenize

__all__ = ["DocSubsets"]


class DocSubsets:
    """Unit ids and passage rows per set of documents, read from the passage table (a few sets kept)."""

    def __init__(self) -> None:
        self._sets: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._row_doc: np.ndarray | None = None
        self._doc_ids: list[str] = []
        self._lock = threading.Lock()

    def ids(self, con: sqlite3.Connection, docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(unit ids, passage rows) of these documents, each sorted."""
        key = tuple(sorted(docs))
        got = self._sets.get(key)
        if got is None:
            marks = ",".join("?" * len(key))
            units = con.execute(f"SELECT id FROM units WHERE doc_id IN ({marks}) ORDER BY id", key).fetchall()
            rows = con.execute(f"SELECT row FROM passages WHERE doc_id IN ({marks}) ORDER BY row", key).fetchall()
            got = (np.asarray([u[0] for u in units], np.int64), np.asarray([r[0] for r in rows], np.int64))
            with self._lock:
                if len(self._sets) >= 16:
                    self._sets.pop(next(iter(self._sets)))
                self._sets[key] = got
        return got

    def passages_using(self, con: sqlite3.Connection, lexical: LexicalIndex, token: str) -> dict[str, int] | None:
        """How many passages of each document use `token`; None for a word the tokenizer drops (a stop word)."""
        if not tokenize([token])[0]:
            return None
        if self._row_doc is None:
            pairs = con.execute("SELECT row, doc_id FROM passages ORDER BY row").fetchall()
            index: dict[str, int] = {}
            row_doc = np.asarray([index.setdefault(d, len(index)) for _, d in pairs], np.int32)
            self._doc_ids, self._row_doc = list(index), row_doc
        rows = rows_using(lexical, token)
        if not len(rows):
            return {}
        docs, counts = np.unique(self._row_doc[rows], return_counts=True)
        return {self._doc_ids[d]: int(n) for d, n in zip(docs.tolist(), counts.tolist())}
