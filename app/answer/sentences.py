"""Candidate answer sentences of the retrieved passages and their features (moved out of extractive.py).

Sentence score (weights in app/answer/calibration.py, chosen on the dev sets): idf-weighted coverage of the
question's terms by the sentence and by its passage, dense cosine similarity of sentence and passage to the
question, a bonus when the sentence holds a span of the expected answer type (date, number, name), and a prior
for higher-ranked passages. A sentence that leans on the one before it ("It was commissioned by Odo") is also
scored as a pair with that sentence, so the answer carries its subject. A document's title line, a heading and
filing furniture are never candidates (`is_heading`).
"""
from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from app.answer.calibration import SENTENCE_WEIGHTS as _W
from app.answer.qtypes import is_byline, question_type, typed_spans
from corpus import sentence_spans
from corpus.boilerplate import is_boilerplate_section
from corpus.structure import is_fragment
from index.embed import Embedder
from index.retriever import Retriever
from index.tokens import tokenize
from index.types import Excerpt

MIN_SENT_CHARS = 12
# Question words carry no evidence: a sentence is not better for containing "how" or "does".
QUESTION_WORDS = set(tokenize(["how many much what which who whom whose when where why does did do have has had "
                               "is are was were can could would should may might will shall been being whi "
                               "kind type name called"])[0])
# A sentence opening like this usually needs the sentence before it to make sense.
_REFERS = re.compile(r"(?:It|He|She|They|This|These|Those|His|Her|Its|Their|However|But|Such|Thus|There)\b")
# A company name's abbreviation ends a heading without ending a sentence ("Exhibit 3 Ulta Beauty, Inc.").
_NAME_ABBREV = re.compile(r",?\s+(?:Inc|Corp|Co|Ltd|Plc|L\.?P|LLC|N\.A|S\.A|N\.V|AG|SE|Cos|Bros|Holdings)\.?$", re.I)
_SENTENCE_END = re.compile(r"[.!?][\"')\]”’]*$")
_FIGURE = re.compile(r"\d[\d,.]*")
_YEAR = re.compile(r"(?:19|20)\d\d")
_DATE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\b,?", re.I)
_EXHIBIT = re.compile(r"(?:exhibit|schedule|annex|appendix|attachment)\s+[\dA-Z][\d.]*\b", re.I)
_CAPTION = re.compile(r"\((?:amounts |dollars |\$ )?in (?:millions|thousands|billions)", re.I)
HEADING_WORDS = 12
"""A line of at most this many words without a sentence's end (and without a figure) is a heading."""


def is_heading(text: str, title: str = "") -> bool:
    """True for a line that names a topic but states nothing: the document title, a heading, a contents line,
    a table header row, an exhibit caption ("Exhibit 3 Ulta Beauty, Inc." — the "Inc." ends a name, not a
    sentence), a statement's caption (in capitals, or "(in millions…)") without a sentence's end, or a short line
    without a sentence's end and without a figure other than years and dates ("Three Months Ended December 31,").
    """
    s = " ".join(text.split())
    if is_fragment(s, title):
        return True
    if " | " in s:
        return False  # a table row with figures is read by its cells (corpus/structure.py decided above)
    if _EXHIBIT.match(s) and len(s.split()) <= HEADING_WORDS:
        return True
    core = _NAME_ABBREV.sub("", s)
    if _SENTENCE_END.search(core):
        return False
    figures = [f for f in _FIGURE.findall(_DATE.sub(" ", core)) if not _YEAR.fullmatch(f.rstrip(".,"))]
    if not figures and (_CAPTION.search(core) or _shouting(core)):  # "BALANCE SHEETS (amounts in millions…)"
        return True
    return len(core.split()) <= HEADING_WORDS and not figures


def _shouting(text: str) -> bool:
    """Four or more words, most of them in capitals: a statement's caption, not a sentence."""
    words = [w for w in re.findall(r"[A-Za-z]{2,}", text)]
    return len(words) >= 4 and sum(w.isupper() for w in words) >= 0.6 * len(words)


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
        """The features the sentence confidence model reads (order fixed by app/answer/calibration.py)."""
        return [self.cov, self.pcov, self.dense, self.pdense, self.type, self.oov, self.maxmiss]


class VecCache:
    """LRU cache of sentence vectors: repeated passages are not re-embedded between questions."""

    def __init__(self, size: int = 20_000) -> None:
        self._d: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size

    def get_many(self, embedder: Embedder, texts: list[str]) -> np.ndarray:
        """Unit vectors of `texts`, embedding only those not cached."""
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


class SentenceScorer:
    """Scores the sentences of retrieved passages against a question (see module docstring)."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self.embedder = retriever.embedder
        self._cache = VecCache()

    def score(self, question: str, query: str, excerpts: list[Excerpt], qvec: np.ndarray | None,
              passages: int) -> list[Sentence]:
        """The candidate sentences of the first `passages` excerpts, best first."""
        sents: list[Sentence] = []
        seen: set[tuple[str, int, int]] = set()
        asks_title = re.search(r"\btitle", question, re.I) is not None
        asks_author = question_type(question) == "author"
        for rank, ex in enumerate(excerpts[:passages], start=1):
            for s, e in sentence_spans(ex.text):
                key = (ex.doc_id, ex.start + s, ex.start + e)
                # A document's title, a heading, a contents line or a table header names a topic but answers
                # nothing (unless the title is asked for); see is_heading.
                never = not asks_title and is_heading(ex.text[s:e], ex.title) and not (
                    asks_author and is_byline(ex.text[s:e], ex.start + s))  # a byline answers "who wrote it"
                # Filing furniture (exhibit lists, auditors' consents, cover captions) answers nothing.
                never = never or is_boilerplate_section(ex.section, ex.text[s:e])
                if e - s >= MIN_SENT_CHARS and key not in seen and not never:  # overlapping passages repeat
                    seen.add(key)
                    sents.append(Sentence(ex, rank, ex.start + s, ex.start + e, ex.text[s:e]))
        if not sents:
            return []
        q_terms = [t for t in dict.fromkeys(tokenize([query])[0]) if t not in QUESTION_WORDS]
        own_terms = set(tokenize([question])[0])
        n = max(1, len(self.retriever.index))
        df = self.retriever.index.doc_freqs(q_terms)
        # Terms of the question itself weigh double against terms borrowed from the conversation.
        w = {t: math.log(1 + n / (1 + df[t])) * (1.0 if t in own_terms else 0.5) for t in q_terms}
        total = sum(w.values()) or 1.0
        # Share of the question that the corpus never mentions: off-topic questions score high.
        oov = sum(w[t] for t in q_terms if df[t] == 0) / total
        idf_max = math.log(1 + n)
        tok = tokenize([s.text for s in sents] + [ex.text for ex in excerpts[:passages]])
        pass_tok = tok[len(sents):]
        qtype = question_type(question)
        dense_s = np.zeros(len(sents), np.float32)
        if qvec is not None:
            dense_s = self._vectors(sents) @ qvec
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
            s.score = sentence_score(s) + (1.0 if byline else 0.0)
        sents += _windows(sents, [set(t) for t in tok[:len(sents)]], q_terms, w, total)
        return sorted(sents, key=lambda s: (-s.score, s.rank, s.start))

    def _vectors(self, sents: list[Sentence]) -> np.ndarray:
        """Stored unit vectors of the sentences; any sentence not stored as a unit is embedded now."""
        by_doc: dict[str, list[tuple[int, int]]] = {}
        for s in sents:
            by_doc.setdefault(s.excerpt.doc_id, []).append((s.start, s.end))
        stored = {d: self.retriever.unit_vectors(d, spans) for d, spans in by_doc.items()}
        missing = [s.text for s in sents if (s.start, s.end) not in stored[s.excerpt.doc_id]]
        extra = dict(zip(missing, self._cache.get_many(self.embedder, missing))) if missing else {}
        return np.stack([stored[s.excerpt.doc_id].get((s.start, s.end), extra.get(s.text)) for s in sents])


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
        win.score = sentence_score(win)
        out.append(win)
    return out


def sentence_score(s: Sentence) -> float:
    """Weighted sum of a candidate's features (weights in app/answer/calibration.py)."""
    return (_W["cov"] * s.cov + _W["pcov"] * s.pcov + _W["dense"] * s.dense + _W["pdense"] * s.pdense
            + _W["type"] * s.type + _W["rank"] / s.rank)
