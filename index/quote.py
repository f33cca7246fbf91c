"""Find where a quote occurs in the corpus: exact, then tolerant, then fuzzy — on indexed candidates only.

Tolerant matching compares texts after folding: case (Unicode case folding, one character at a time, so
every folded position maps back to the exact original one), curly/straight quotes, dash styles, runs of
whitespace and line breaks, soft hyphens and words hyphenated across a line break. Fuzzy matching
aligns the folded quote, combining marks left out, with windows around the BM25 candidate passages and
accepts a location when its similarity (difflib ratio) is at least FUZZY_THRESHOLD; the span covers whole
words at its ends and maps back through the same per-character offsets.

The fuzzy stage is the costly one (difflib is quadratic), so its work is bounded: quotes over
FUZZY_MAX_CHARS get exact and folded matching only, at most FUZZY_CANDIDATES windows are aligned, and
it stops after FUZZY_BUDGET_S seconds. The result says when it did less than a full search.
"""
from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from index.citations import make_citation_id
from index.store.view import IndexView
from index.types import Span

FUZZY_THRESHOLD = 0.85
MAX_QUOTE_CHARS = 5000
CANDIDATES = 20
FUZZY_MAX_CHARS = 1000
"""Longest quote the fuzzy stage aligns (measured: a 5,000-character near miss took 28 s over 414 passages)."""
FUZZY_CANDIDATES = 10
"""Candidate passage windows the fuzzy stage aligns, best BM25 first."""
FUZZY_BUDGET_S = 2.0
"""Time the fuzzy stage may take for one quote; it stops at the next window after this."""
_FOLD = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"', "„": '"',
                       "‟": '"', "″": '"', "«": '"', "»": '"', "‐": "-", "‑": "-", "‒": "-", "–": "-",
                       "—": "-", "―": "-", "−": "-", "\u00a0": " "})
_HYPHEN_BREAK = re.compile(r"(?<=\w)-[ \t]*\n\s*(?=[a-z])")


class QuoteError(ValueError):
    """An empty or over-long quote."""


@dataclass(frozen=True, kw_only=True)
class QuoteMatch(Span):
    """A location of a quote in a document, with the citation id of that span (JSON: POST /api/quote,
    `groundqa cite --quote --json`)."""

    citation: str
    score: float
    exact: bool


class QuoteMatches(list):
    """The matches (a list, best first), plus whether the search was complete and, if not, why."""

    def __init__(self, matches=(), note: str = "") -> None:
        super().__init__(matches)
        self.note = note

    @property
    def complete(self) -> bool:
        """False when the fuzzy stage was skipped or cut short (see `note`)."""
        return not self.note


def fold(text: str) -> tuple[str, list[int]]:
    """Folded text and, for each folded character, its offset in `text` (see module docstring).

    Each character is folded on its own, so a character whose folded form has another length (İ → i̇,
    ß/ẞ → ss, ﬁ → fi) maps every folded character back to itself: offsets never drift after it.
    """
    chars: list[str] = []
    owner: list[int] = []
    for i, ch in enumerate(text):
        for f in ch.translate(_FOLD).casefold():
            chars.append(f)
            owner.append(i)
    t = "".join(chars)
    skip = {m.start() + k for m in _HYPHEN_BREAK.finditer(t) for k in range(m.end() - m.start())}
    out: list[str] = []
    offs: list[int] = []
    prev_space = True
    for j, ch in enumerate(t):
        if j in skip or ch == "\u00ad":
            continue
        if ch.isspace():
            if prev_space:
                continue
            ch, prev_space = " ", True
        else:
            prev_space = False
        out.append(ch)
        offs.append(owner[j])
    while out and out[-1] == " ":
        out.pop()
        offs.pop()
    return "".join(out), offs


@lru_cache(maxsize=256)
def _folded(text: str) -> tuple[str, tuple[int, ...]]:
    s, o = fold(text)
    return s, tuple(o)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    score: float
    exact: bool


def find_in_text(quote: str, text: str, window: tuple[int, int] | None = None) -> list[_Hit]:
    """Locations of `quote` in `text`: exact, else folded, else the best fuzzy alignment (in `window`)."""
    hits = []
    i = text.find(quote)
    while i >= 0 and len(hits) < 5:
        hits.append(_Hit(i, i + len(quote), 1.0, True))
        i = text.find(quote, i + 1)
    if hits:
        return hits
    q, _ = fold(quote)
    if not q:
        return []
    ft, offs = _folded(text)
    j = ft.find(q)
    while j >= 0 and len(hits) < 5:
        hits.append(_Hit(offs[j], offs[j + len(q) - 1] + 1, 1.0, False))
        j = ft.find(q, j + 1)
    if hits or window is None:
        return hits
    return _fuzzy_hit(q, text, window)


def _unmarked(folded: str, offs: Sequence[int]) -> tuple[str, list[int]]:
    """`folded` without combining marks, with the offsets of what is left: the fuzzy stage compares letters
    (İ folds to i + a combining dot; a quote typed in Turkish capitals must still align with "Final")."""
    keep = [k for k, ch in enumerate(folded) if not unicodedata.combining(ch)]
    return "".join(folded[k] for k in keep), [offs[k] for k in keep]


@lru_cache(maxsize=256)
def _unmarked_text(text: str) -> tuple[str, tuple[int, ...]]:
    ft, offs = _folded(text)
    u, o = _unmarked(ft, offs)
    return u, tuple(o)


def _fuzzy_hit(q: str, text: str, window: tuple[int, int]) -> list[_Hit]:
    """The best alignment of the folded quote `q` with the text around `window`, mapped back to `text`."""
    import bisect

    q, _ = _unmarked(q, range(len(q)))
    ft, offs = _unmarked_text(text)
    if not q or not ft:
        return []
    lo = max(0, bisect.bisect_left(offs, window[0]) - len(q))
    hi = min(len(ft), bisect.bisect_left(offs, window[1]) + len(q))
    seg = ft[lo:hi]
    sm = SequenceMatcher(None, seg, q, autojunk=False)
    blocks = [b for b in sm.get_matching_blocks() if b.size >= 3]
    if not blocks:
        return []
    # Densest run of matching blocks that covers the quote.
    best = None
    for s in range(len(blocks)):
        matched = 0
        for e in range(s, len(blocks)):
            matched += blocks[e].size
            span = blocks[e].a + blocks[e].size - blocks[s].a
            if span > 1.5 * len(q):
                break
            score = 2 * matched / (span + len(q))
            if best is None or score > best[0]:
                best = (score, s, e)
    if best is None:
        first, last = blocks[0], blocks[-1]
        score = 2 * sum(b.size for b in blocks) / (last.a + last.size - first.a + len(q))
    else:
        score, first, last = best[0], blocks[best[1]], blocks[best[2]]
    if score < FUZZY_THRESHOLD:
        return []
    s0, s1 = _whole_words(seg, first.a, last.a + last.size, first.b, len(q) - (last.b + last.size))
    return [_Hit(offs[lo + s0], offs[lo + s1 - 1] + 1, round(score, 4), False)]


def _whole_words(seg: str, s0: int, s1: int, before: int, after: int) -> tuple[int, int]:
    """[s0, s1) widened to the whole of a word it cuts, by no more characters than the quote has unaligned at that
    end (`before`, `after`): runs shorter than 3 characters do not count as aligned, so a quote whose first word
    differs in its first letters ("Fxnal note" for "Final note") would otherwise start the span mid-word."""
    k = 0
    while k < before and s0 > 0 and seg[s0 - 1].isalnum() and seg[s0].isalnum():
        s0, k = s0 - 1, k + 1
    k = 0
    while k < after and s1 < len(seg) and seg[s1].isalnum() and seg[s1 - 1].isalnum():
        s1, k = s1 + 1, k + 1
    return s0, s1


def find_quote(index: IndexView, quote: str, limit: int = 5) -> QuoteMatches:
    """Best locations of a quote in the indexed documents, exact ones first; empty when not found.

    The result's `note` says when the fuzzy stage was skipped or stopped early (see module docstring).
    """
    quote = quote.strip()
    if not quote:
        raise QuoteError("the quote is empty — paste the text you want to find")
    if len(quote) > MAX_QUOTE_CHARS:
        raise QuoteError(f"the quote has {len(quote)} characters, over the {MAX_QUOTE_CHARS} limit — "
                         "paste a shorter part of it")
    try:
        quote.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in JSON) is not text
        raise QuoteError("the quote holds an invalid character (a lone surrogate) — paste the text again") from None
    con = index
    _, rows = index.lexical_search(quote, CANDIDATES)
    cand = con.passage_rows(rows.tolist())
    ordered = [cand[r] for r in rows.tolist() if r in cand]
    doc_ids = list(dict.fromkeys(r["doc_id"] for r in ordered))
    matches: list[QuoteMatch] = []
    for doc_id in doc_ids:  # exact and folded matches anywhere in the candidate documents
        matches += _to_matches(con, doc_id, find_in_text(quote, _doc_text(con, doc_id)))
    if not matches:  # a quote of stop words only has no BM25 candidates: exact scan in the store
        for doc_id in con.documents_containing(quote, limit):
            matches += _to_matches(con, doc_id, find_in_text(quote, _doc_text(con, doc_id)))
    note = ""
    if not matches and ordered:
        matches, note = _fuzzy(con, quote, ordered[:FUZZY_CANDIDATES])
    best: dict[tuple[str, int, int], QuoteMatch] = {}
    for m in matches:
        best.setdefault((m.doc_id, m.start, m.end), m)
    return QuoteMatches(sorted(best.values(), key=lambda m: (-m.exact, -m.score, m.doc, m.start))[:limit], note)


def _fuzzy(con: IndexView, quote: str, ordered: list) -> tuple[list[QuoteMatch], str]:
    """Fuzzy matches in the candidate windows, within the length cap and time budget; (matches, note)."""
    if len(quote) > FUZZY_MAX_CHARS:
        return [], (f"no approximate search: the quote is over {FUZZY_MAX_CHARS} characters, so only exact and "
                    "near-exact matches were looked for — paste a shorter part of it to search approximately")
    matches: list[QuoteMatch] = []
    deadline = time.monotonic() + FUZZY_BUDGET_S
    for i, r in enumerate(ordered):
        if i and time.monotonic() > deadline:
            return matches, (f"approximate search stopped after {i} of {len(ordered)} candidate passages "
                             f"({FUZZY_BUDGET_S:g} s limit) — paste a shorter part of the quote")
        hits = find_in_text(quote, _doc_text(con, r["doc_id"]), window=(r["start"], r["end"]))
        matches += _to_matches(con, r["doc_id"], hits)
    return matches, ""


def _doc_text(con: IndexView, doc_id: str) -> str:
    return con.document_text(doc_id) or ""


def _to_matches(con: IndexView, doc_id: str, hits: list[_Hit]) -> list[QuoteMatch]:
    if not hits:
        return []
    stored = con.get_document(doc_id)
    assert stored is not None
    d = stored.doc
    return [QuoteMatch(citation=make_citation_id(d.doc_id, h.start, h.end), doc=d.path, doc_id=d.doc_id,
                       title=d.title, pages=d.page_range(h.start, h.end), start=h.start, end=h.end,
                       text=d.text[h.start:h.end], score=h.score, exact=h.exact)
            for h in hits]
