"""Document routing: which indexed documents a question names, by their file name or title.

Analysts ask "What is the FY2018 capital expenditure for 3M?" over a pile of filings from many companies
and years. The passage rankings alone cannot tell 3M's cash-flow statement from PepsiCo's, so a question
that names a document (a token of its file name or title that few other names share) also gets the
rankings restricted to the named documents, added into the fusion (see `Retriever.rank`).

The rule, written down:
- A name is the file name stem plus the title, cut into lower-case letter/digit runs; a run holding a
  year also yields the year ("FY2018" → "fy2018", "2018"). English stop words, single characters and
  numbers that are not years (accession numbers) are left out.
- A question token matches a name token when equal, when two adjacent question tokens spell it
  ("Activision Blizzard" → "activisionblizzard"), or when a capitalised question token of ≥ 3 letters
  is the start of a name token 3 or more characters longer ("MGM" → "mgmresorts"; "net" is no name),
  or when a short token's capitals are the initials of a file name's first words ("JnJ", "J&J" →
  JOHNSON_JOHNSON_…): it then matches the first of those words.
- A title token that no file name holds and that the texts of more than TEXT_SHARE of the documents
  use is a word, not a name ("securities" in a title "Securities and Exchange Commission"): it names
  nothing. (File names are chosen by people; titles are often a form's header.)
- A document scores the summed idf, log(1 + N / df), of its matched name tokens over the N names. Years
  count only beside another matched token: "2022" alone names nothing.
- Documents scoring ≥ MIN_SCORE and ≥ RELATIVE of the best are named; none when that is every document.
"""
from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass
from pathlib import PurePath
from typing import Callable

__all__ = ["DocumentRouter", "MIN_SCORE", "RELATIVE", "name_tokens"]

MIN_SCORE = 1.6
"""Least score that names a document: a token in at most about a quarter of the names (log(1 + 4))."""
RELATIVE = 0.5
"""A document is named too when it scores at least this share of the best-named one."""
TEXT_SHARE = 0.25
"""A name token used in the texts of more than this share of the documents (at least 2) names nothing."""

_RUN = re.compile(r"[a-z0-9]+")
_YEAR = re.compile(r"(?:19|20)\d\d")
_STOP = frozenset("""a an and are as at be by for from has have in inc is it its of on or our the this to was
were what which who with how why when where does did do company corp corporation form annual report quarterly
results release page final draft copy version document file""".split())


def _is_year(tok: str) -> bool:
    return bool(_YEAR.fullmatch(tok))


def name_tokens(text: str) -> set[str]:
    """The routing tokens of a file name or title (see the module rule)."""
    out: set[str] = set()
    for run in _RUN.findall(text.lower()):
        out.update(_YEAR.findall(run))
        if len(run) < 2 or run in _STOP or (run.isdigit() and not _is_year(run)):
            continue
        out.add(run)
    return out


def _query_tokens(query: str) -> tuple[list[str], set[str], set[str]]:
    """Lower-cased runs, adjacent-pair concatenations, and the runs written with a capital."""
    cased = re.findall(r"[A-Za-z0-9]+", query)
    runs = [c.lower() for c in cased]
    pairs = {a + b for a, b in zip(runs, runs[1:]) if a.isalpha() and b.isalpha()}
    capital = {c.lower() for c in cased if any(ch.isupper() for ch in c)}
    return runs, pairs, capital


@dataclass(frozen=True)
class _Doc:
    doc_id: str
    tokens: frozenset[str]
    initials: dict[str, str]  # "jj" → "johnson": initials of the file name's first 2-4 words → first word


def _initials(stem: str) -> dict[str, str]:
    words = [w for w in _RUN.findall(stem.lower()) if w.isalpha() and w not in _STOP]
    return {"".join(w[0] for w in words[:k]): words[0] for k in range(2, min(4, len(words)) + 1)}


def _capital_initials(query: str) -> set[str]:
    """Lower-cased capitals of short mixed tokens ("JnJ" → "jj") and of "J&J"-style pairs."""
    out = {"".join(ch for ch in t if ch.isupper()).lower() for t in re.findall(r"[A-Za-z]{2,5}", query)
           if sum(ch.isupper() for ch in t) >= 2 and not t.isupper()}
    out.update((a + b).lower() for a, b in re.findall(r"\b([A-Z])&([A-Z])\b", query))
    return out


class DocumentRouter:
    """Names the documents a question mentions; built once per loaded index generation."""

    def __init__(self, docs: list[tuple[str, str, str]], text_docs: Callable[[str], int] | None = None) -> None:
        """`docs`: (doc_id, path, title) of every current document; `text_docs(token)`: how many
        documents' texts use a token (None: not checked)."""
        self._text_docs = text_docs
        self._word: dict[str, bool] = {}
        self._docs = [_Doc(d, frozenset(name_tokens(PurePath(p).stem) | name_tokens(t)), _initials(PurePath(p).stem))
                      for d, p, t in docs]
        self._file_tokens = set().union(*(name_tokens(PurePath(p).stem) for _, p, _ in docs)) if docs else set()
        df: dict[str, int] = {}
        for d in self._docs:
            for t in d.tokens:
                df[t] = df.get(t, 0) + 1
        n = len(self._docs)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._by_prefix = sorted(df)

    @classmethod
    def from_db(cls, con: sqlite3.Connection, text_docs: Callable[[str], int] | None = None) -> "DocumentRouter":
        """A router over the current documents of a passage table."""
        docs = [(r[0], r[1], r[2]) for r in con.execute("SELECT doc_id, path, title FROM documents")]
        return cls(docs, text_docs)

    def _is_word(self, token: str) -> bool:
        """True when so many documents' texts use `token` that it cannot name one (cached)."""
        if self._text_docs is None or _is_year(token) or token in self._file_tokens:
            return False
        if token not in self._word:
            self._word[token] = self._text_docs(token) > max(2.0, TEXT_SHARE * len(self._docs))
        return self._word[token]

    def _matched(self, query: str) -> set[str]:
        runs, pairs, capital = _query_tokens(query)
        found = {t for t in runs if t in self._idf} | {p for p in pairs if p in self._idf}
        for t in capital:
            if len(t) >= 3 and t.isalpha() and t not in _STOP:
                found.update(n for n in self._by_prefix if len(n) >= len(t) + 3 and n.startswith(t))
        for t in runs:  # "fy2018" in a question names the year 2018 as well
            found.update(y for y in _YEAR.findall(t) if y in self._idf)
        caps = _capital_initials(query)
        found.update(d.initials[c] for d in self._docs for c in caps if c in d.initials)
        return {t for t in found if not self._is_word(t)}

    def route(self, query: str) -> dict[str, float]:
        """Named documents → their score as a share of the best (1.0 for the best); {} when none is named."""
        if len(self._docs) < 2:
            return {}
        matched = self._matched(query)
        if not matched:
            return {}
        scores: dict[str, float] = {}
        for d in self._docs:
            hit = matched & d.tokens
            names = [t for t in hit if not _is_year(t)]
            if names:
                scores[d.doc_id] = sum(self._idf[t] for t in hit)
        if not scores:
            return {}
        best = max(scores.values())
        if best < MIN_SCORE:
            return {}
        named = {d: s / best for d, s in scores.items() if s >= MIN_SCORE and s >= RELATIVE * best}
        return {} if len(named) == len(self._docs) else named

    def without_names(self, query: str, named: dict[str, float] | set[str]) -> str:
        """The query with the words that named these documents taken out (years stay).

        Within the named documents a company's name carries no more information, yet it is what BM25
        and the embedding match most: "Pfizer" pulls in the list of Pfizer subsidiaries."""
        names = {t for d in self._docs if d.doc_id in named for t in d.tokens if not _is_year(t)}
        inits = {c for d in self._docs if d.doc_id in named for c in d.initials}
        words = re.findall(r"[A-Za-z0-9]+", query)
        drop: set[str] = set()
        for i, w in enumerate(words):
            lw = w.lower()
            if lw in names or (w in query and _capital_initials(w) & inits):
                drop.add(w)
            elif i + 1 < len(words) and lw + words[i + 1].lower() in names:
                drop.update((w, words[i + 1]))
            elif (any(ch.isupper() for ch in w) and len(lw) >= 3 and lw.isalpha()
                  and any(len(n) >= len(lw) + 3 and n.startswith(lw) for n in names)):
                drop.add(w)
        if not drop:
            return query
        pattern = r"\b(?:" + "|".join(sorted(map(re.escape, drop), key=len, reverse=True)) + r")(?:['’]s)?\b"
        return " ".join(re.sub(pattern, " ", query).split())
