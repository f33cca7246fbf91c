"""Ranking passages by their section path: the question names the part of a report it is about.

"…relying on the details shown in the cash flow statement" names a section ("Consolidated Statement of
Cash Flows"), not the words of the row that answers ("Purchases of property, plant and equipment").
Each distinct section path is scored by BM25 (the index's tokenizer) against the question, and every
passage gets the rank of its section: passages of one section tie. The three usual names of each
financial statement are treated as one ("income statement", "statement of operations", "statement of
earnings"; "balance sheet", "statement of financial position"; "cash flow statement", "statement of cash
flows"), since filings and analysts each pick their own.
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from index.store.lexical import tokenize

__all__ = ["SectionRanker", "expand_statements"]

_STATEMENTS = [
    (re.compile(r"\bincome statements?\b|\bstatements? of (?:consolidated )?(?:income|operations|earnings)\b"
                r"|\bprofit and loss\b|\bP&L\b", re.I), "income statement statements of operations earnings"),
    (re.compile(r"\bbalance sheets?\b|\bstatements? of financial (?:position|condition)\b", re.I),
     "balance sheet statement of financial position"),
    (re.compile(r"\bcash ?flows? statements?\b|\bstatements? of cash ?flows?\b", re.I),
     "cash flows statement of cash flows"),
]


def expand_statements(query: str) -> str:
    """The query with every other name of each financial statement it names appended."""
    extra = [names for pattern, names in _STATEMENTS if pattern.search(query)]
    return " ".join([query, *extra])


class SectionRanker:
    """BM25 over the distinct section paths of some passages; a passage ranks as its section does."""

    def __init__(self, rows: Sequence[int], sections: Sequence[str]) -> None:
        """`rows[i]` is a passage row whose section path is `sections[i]`."""
        import bm25s

        self._rows = np.asarray(rows, np.int64)
        names = sorted(set(sections))
        where = {s: i for i, s in enumerate(names)}
        self._of_row = np.asarray([where[s] for s in sections], np.int64)
        self._bm25 = None
        tokens = tokenize(names)
        if any(tokens):
            self._bm25 = bm25s.BM25()
            self._bm25.index(tokens, show_progress=False)

    def rank(self, query: str, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """(passage rows, their 1-based ranks) of passages whose section matches, best first, at most
        `limit` rows; a passage's rank is 1 + the number of better-scoring sections."""
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        if self._bm25 is None:
            return empty
        vocab = self._bm25.vocab_dict
        terms = [t for t in tokenize([expand_statements(query)])[0] if t in vocab]
        if not terms:
            return empty
        scores = self._bm25.get_scores(terms)
        per_row = scores[self._of_row]
        hit = np.flatnonzero(per_row > 0)
        if not len(hit):
            return empty
        order = hit[np.lexsort((self._rows[hit], -per_row[hit]))][:limit]
        # Rank of a section = 1 + how many sections score strictly higher (ties share a rank).
        distinct = np.sort(np.unique(scores[scores > 0]))[::-1]
        ranks = 1 + np.searchsorted(-distinct, -per_row[order], side="left")
        return self._rows[order], ranks.astype(np.int64)
