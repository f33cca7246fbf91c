"""Document routing: which indexed documents a question names, by their file name or title.

Analysts ask "What is the FY2018 capital expenditure for 3M?" over a pile of filings from many companies
and years. The passage rankings alone cannot tell 3M's cash-flow statement from PepsiCo's, so a question
that names a document (a token of its file name or title that few other names share) also gets the
rankings restricted to the named documents, added into the fusion (see `Retriever.rank`).

The rule, written down:
- A name is the file name stem plus the title, cut into lower-case letter/digit runs; a run holding a
  year also yields the year ("FY2018" → "fy2018", "2018"). English stop words, single characters and
  numbers that are not years (accession numbers) are left out. A file name or title of more than
  MAX_NAME_WORDS such runs (years aside) is a description, not a name, and is not used: the words of
  "Role_of_S_Palmitoylation_on_IFITM5_for_the_Interaction_with_FKBP11" are a paper's topic, which the
  passage rankings already read (its title is in passage BM25).
- A question token matches a name token when equal, when two adjacent question tokens spell it
  ("Activision Blizzard" → "activisionblizzard"), or when an all-capitals question token of ≥ 3 letters
  is the start of a name token 3 or more characters longer ("MGM" → "mgmresorts"; "Human" is no name),
  or when a short token's capitals are the initials of a file name's first words ("JnJ", "J&J" →
  JOHNSON_JOHNSON_…): it then matches the first of those words.
- A token names documents only when most of its uses are in them: if less than CONCENTRATION of the
  passages that use it belong to the documents whose names hold it, it is a word, not a name, and names
  nothing ("securities" in a form header "Securities and Exchange Commission"; "respiratory" in the file
  names of 10 of 98 papers whose passages use it everywhere). "Amazon" is used in other filings too, but
  most of its uses are in Amazon's own 10-K.
- A document scores the summed idf, log(1 + N / df), of its matched name tokens over the N names. Years
  count only beside another matched token: "2022" alone names nothing.
- Documents scoring ≥ MIN_SCORE and ≥ RELATIVE of the best are named; none when that is more than
  MAX_NAMED documents (a topic word, like "coronavirus" in 18 of 98 paper titles, names no document).
- Names analysts use besides the file's:
  - an abbreviation in capitals whose letters run through a name in order from its first letter ("AMEX" →
    AMERICANEXPRESS, "MSFT" → MICROSOFT), the abbreviation itself not a word by the concentration rule
    ("EPS" is in every filing);
  - a former name the question gives: "Block (formerly known as Square)", "Meta (formerly Facebook)" — both
    names are the asker's, so they name documents even where the concentration rule would call them words
    ("block" and "square" are in many filings' passages);
  - the title's company part (before " — ", as corpus/loaders/titles.py writes it: "Square, Inc. — Form
    10-K, …") counts as a name of its own, however long the whole title.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Callable

__all__ = ["DocumentRouter", "MIN_SCORE", "RELATIVE", "asserted_names", "name_tokens"]

MIN_SCORE = 1.6
"""Least score that names a document: a token in at most about a quarter of the names (log(1 + 4))."""
RELATIVE = 0.5
"""A document is named too when it scores at least this share of the best-named one."""
MAX_NAME_WORDS = 4
"""Longest file name or title (in runs, years aside) that counts as a name."""
MAX_NAMED = 3
"""Most documents one question may name; more than max(MAX_NAMED, 5% of the documents) names none."""
CONCENTRATION = 0.5
"""Least share of a token's passage uses that must lie in the documents it names (see the module rule)."""

_RUN = re.compile(r"[a-z0-9]+")
_YEAR = re.compile(r"(?:19|20)\d\d")
_STOP = frozenset("""a an and are as at be but by for from has have in inc is it its not no of on or our the
this to was were what which who with how why when where does did do than then there these those they their
company corp corporation form annual report quarterly results release page final draft copy version document
file new using use based study""".split())


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


def _name(text: str) -> set[str]:
    """Routing tokens of a file name or title, or none when it is a description (see MAX_NAME_WORDS)."""
    toks = name_tokens(text)
    return toks if sum(not _is_year(t) for t in toks) <= MAX_NAME_WORDS else set()


# "Block (formerly known as Square)", "Meta, formerly Facebook": a name the question gives with a former one.
_FORMERLY = re.compile(r"\b([A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,3})\s*[(,]\s*(?:formerly|previously|f/k/a|fka"
                       r"|then)(?:\s+(?:known|named|called)\s+as)?\s+([A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,3})")


def asserted_names(query: str) -> set[str]:
    """Tokens of the names a question gives as one company's present and former names (see the module rule)."""
    out: set[str] = set()
    for m in _FORMERLY.finditer(query):
        for g in m.groups():
            out.update(name_tokens(g))
    return {t for t in out if not _is_year(t)}


def _abbreviates(abbr: str, name: str) -> bool:
    """Whether the letters of `abbr` run through `name` in order, from its first letter ("amex" in
    "americanexpress"); `name` at least 3 characters longer."""
    if len(name) < len(abbr) + 3 or not name.isalpha() or name[0] != abbr[0]:
        return False
    pos = 1
    for ch in abbr[1:]:
        pos = name.find(ch, pos) + 1
        if pos == 0:
            return False
    return True


def _company(title: str) -> str:
    """The company part of a filing's title ("Square, Inc." of "Square, Inc. — Form 10-K, …"), '' if none."""
    return title.split(" — ", 1)[0] if " — " in title else ""


def _query_tokens(query: str) -> tuple[list[str], set[str], set[str]]:
    """Lower-cased runs, adjacent-pair concatenations, and the runs written in capitals."""
    cased = re.findall(r"[A-Za-z0-9]+", query)
    runs = [c.lower() for c in cased]
    pairs = {a + b for a, b in zip(runs, runs[1:]) if a.isalpha() and b.isalpha()}
    capital = {c.lower() for c in cased if c.isupper()}
    return runs, pairs, capital


@dataclass(frozen=True)
class _Doc:
    doc_id: str
    tokens: frozenset[str]
    initials: dict[str, str]  # "jj" → "johnson": initials of the file name's first 2-4 words → first word


def _initials(stem: str) -> dict[str, str]:
    words = [w for w in _RUN.findall(stem.lower()) if w.isalpha() and w not in _STOP]
    if not _name(stem):
        return {}
    return {"".join(w[0] for w in words[:k]): words[0] for k in range(2, min(4, len(words)) + 1)}


def _capital_initials(query: str) -> set[str]:
    """Lower-cased capitals of short mixed tokens ("JnJ" → "jj") and of "J&J"-style pairs."""
    out = {"".join(ch for ch in t if ch.isupper()).lower() for t in re.findall(r"[A-Za-z]{2,5}", query)
           if sum(ch.isupper() for ch in t) >= 2 and not t.isupper()}
    out.update((a + b).lower() for a, b in re.findall(r"\b([A-Z])&([A-Z])\b", query))
    return out


class DocumentRouter:
    """Names the documents a question mentions; built once per loaded index generation."""

    def __init__(self, docs: list[tuple[str, str, str]], uses: Callable[[str], dict[str, int] | None] | None = None
                 ) -> None:
        """`docs`: (doc_id, path, title) of every current document; `uses(token)`: how many passages of
        each document use a token, None for a stop word (no `uses`: not checked)."""
        self._uses = uses
        self._word: dict[str, bool] = {}
        self._docs = [_Doc(d, frozenset(_name(PurePath(p).stem) | _name(t) | _name(_company(t))),
                           _initials(PurePath(p).stem)) for d, p, t in docs]
        df: dict[str, int] = {}
        for d in self._docs:
            for t in d.tokens:
                df[t] = df.get(t, 0) + 1
        n = len(self._docs)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._tokens_of = {d.doc_id: d.tokens for d in self._docs}
        self._by_prefix = sorted(df)

    def _is_word(self, token: str) -> bool:
        """True when most passages that use `token` lie outside the documents it names (cached)."""
        if self._uses is None or _is_year(token):
            return False
        if token not in self._word:
            counts = self._uses(token)
            if counts is None:  # a word the lexical index drops (a stop word)
                self._word[token] = True
                return True
            total = sum(counts.values())
            inside = sum(n for d, n in counts.items() if token in self._tokens_of[d])
            # A token no passage uses lives only in names ("activisionblizzard"): a name.
            self._word[token] = total > 0 and inside < CONCENTRATION * total
        return self._word[token]

    def _matched(self, query: str) -> set[str]:
        runs, pairs, capital = _query_tokens(query)
        found = {t for t in runs if t in self._idf} | {p for p in pairs if p in self._idf}
        for t in capital:
            if len(t) >= 3 and t.isalpha() and t not in _STOP:
                found.update(n for n in self._by_prefix if len(n) >= len(t) + 3 and n.startswith(t))
                if not self._is_abbreviation_word(t):
                    found.update(n for n in self._by_prefix if _abbreviates(t, n))
        asserted = asserted_names(query) & set(self._idf)
        for t in runs:  # "fy2018" in a question names the year 2018 as well
            found.update(y for y in _YEAR.findall(t) if y in self._idf)
        caps = _capital_initials(query)
        found.update(d.initials[c] for d in self._docs for c in caps if c in d.initials)
        return {t for t in found if not self._is_word(t)} | asserted

    def _is_abbreviation_word(self, abbr: str) -> bool:
        """Whether a capitals token is a word rather than a company's abbreviation: its passages lie mostly
        outside the documents whose names it abbreviates ("EPS", "GAAP"); one no passage uses is no word."""
        if self._uses is None:
            return False
        counts = self._uses(abbr)
        if counts is None:
            return True
        total = sum(counts.values())
        inside = sum(n for d, n in counts.items() if any(_abbreviates(abbr, t) for t in self._tokens_of[d]))
        return total > 0 and inside < CONCENTRATION * total

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
        return {} if len(named) > max(MAX_NAMED, len(self._docs) // 20) else named

    def without_names(self, query: str, named: dict[str, float] | set[str]) -> str:
        """The query with the words that named these documents taken out (years stay).

        Within the named documents a company's name carries no more information, yet it is what BM25
        and the embedding match most: "Pfizer" pulls in the list of Pfizer subsidiaries."""
        names = {t for d in self._docs if d.doc_id in named for t in d.tokens if not _is_year(t)}
        names |= asserted_names(query)
        inits = {c for d in self._docs if d.doc_id in named for c in d.initials}
        words = re.findall(r"[A-Za-z0-9]+", query)
        drop: set[str] = set()
        for i, w in enumerate(words):
            lw = w.lower()
            if lw in names or (w in query and _capital_initials(w) & inits):
                drop.add(w)
            elif i + 1 < len(words) and lw + words[i + 1].lower() in names:
                drop.update((w, words[i + 1]))
            elif (w.isupper() and len(lw) >= 3 and lw.isalpha()
                  and any((len(n) >= len(lw) + 3 and n.startswith(lw)) or _abbreviates(lw, n) for n in names)):
                drop.add(w)
        if not drop:
            return query
        pattern = r"\b(?:" + "|".join(sorted(map(re.escape, drop), key=len, reverse=True)) + r")(?:['’]s)?\b"
        out = re.sub(pattern, " ", query)
        out = re.sub(r"[(,]\s*(?:formerly|previously|f/k/a|fka)(?:\s+(?:known|named|called)\s+as)?\s*\)?", " ", out)
        return " ".join(out.split())
