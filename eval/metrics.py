"""Pure, deterministic scoring functions: answer overlap, span location, ranking, citations; numeric match
(eval.figures), abstention and latency (eval.run_stats) are re-exported here."""
from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from typing import Callable, Iterable, Sequence

from eval.figures import CITATION_MARKER
from eval.figures import (FIGURE_KINDS, NUMERIC_TOLERANCE, figure_kind, numeric_match,  # noqa: F401  (re-exported)
                          reference_figure, stated_numbers)
from eval.protocol import CitedLike, SpanLike
from eval.run_stats import (PERCENTILE_METHOD, abstention_scores, latency_stats,  # noqa: F401  (re-exported)
                            percentile, qps)

# --------------------------------------------------------------------------------------------- answers

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_ASCII_PUNCT = frozenset(string.punctuation)


def _is_punct(ch: str) -> bool:
    # SQuAD strips ASCII punctuation only; we also strip Unicode punctuation (curly quotes, en/em dashes)
    # because extracted documents are full of it. On ASCII text the result is identical to SQuAD's.
    return ch in _ASCII_PUNCT or unicodedata.category(ch).startswith("P")


def normalize_answer(s: str) -> str:
    """SQuAD normalisation: lowercase, drop punctuation, drop articles a/an/the, collapse whitespace."""
    s = s.lower()
    s = "".join(ch for ch in s if not _is_punct(ch))
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def _max_over(refs: Sequence[str], score: Callable[[str], float]) -> float | None:
    if not refs:
        return None
    return max(score(r) for r in refs)


def exact_match(pred: str, refs: Sequence[str]) -> float | None:
    """1.0 if the normalised prediction equals any normalised reference, else 0.0; None without references."""
    p = normalize_answer(pred)
    return _max_over(refs, lambda r: float(normalize_answer(r) == p))


def _f1(pred_toks: list[str], ref_toks: list[str]) -> float:
    # SQuAD 2.0 rule: if either side is empty, F1 is 1 when both are empty, else 0.
    if not pred_toks or not ref_toks:
        return float(pred_toks == ref_toks)
    same = sum((Counter(pred_toks) & Counter(ref_toks)).values())
    if same == 0:
        return 0.0
    precision = same / len(pred_toks)
    recall = same / len(ref_toks)
    return 2 * precision * recall / (precision + recall)


def token_f1(pred: str, refs: Sequence[str]) -> float | None:
    """SQuAD token-level F1 of the prediction, max over references; None without references."""
    p = normalize_answer(pred).split()
    return _max_over(refs, lambda r: _f1(p, normalize_answer(r).split()))


def contains_reference(pred: str, refs: Sequence[str]) -> float | None:
    """1.0 if some normalised reference occurs in the normalised prediction on token boundaries; None without refs."""
    # Padding with spaces makes the substring test respect token boundaries ("10" is not in "100").
    # A second reading with punctuation as a separator keeps a footnote digit glued to a full stop
    # ("targets.3") from hiding the word before it; SQuAD's deletion rule alone would read "targets3".
    p = f" {normalize_answer(pred)} "
    p_sep = f" {normalize_answer(_punct_to_space(pred))} "
    return _max_over(refs, lambda r: float(f" {normalize_answer(r)} " in p
                                           or f" {normalize_answer(_punct_to_space(r))} " in p_sep))


def _punct_to_space(s: str) -> str:
    return "".join(" " if _is_punct(ch) else ch for ch in s)


# --------------------------------------------------------------------------------------------- locating

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b`\u00b4\u2032"
_DOUBLE_QUOTES = '"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033'
_DASH_CLASS = "[" + re.escape(_DASHES) + "]"
_SQ_CLASS = "[" + re.escape(_SINGLE_QUOTES) + "]"
_DQ_CLASS = "[" + re.escape(_DOUBLE_QUOTES) + "]"
_SPACE_AROUND_DASH = re.compile(r"\s*(" + _DASH_CLASS + r")\s*")


def _tolerant_pattern(context: str) -> str:
    # Spaces around dashes vary between sources ("U.S.–North" vs "U.S. - North"): drop them here and let
    # the dash pattern accept any. Every other whitespace run matches any whitespace run (hard wraps).
    ctx = _SPACE_AROUND_DASH.sub(r"\1", context.strip())
    parts: list[str] = []
    for token in ctx.split():
        out = []
        for ch in token:
            if ch in _DASHES:
                out.append(r"\s*" + _DASH_CLASS + r"\s*")
            elif ch in _SINGLE_QUOTES:
                out.append(_SQ_CLASS)
            elif ch in _DOUBLE_QUOTES:
                out.append(_DQ_CLASS)
            else:
                out.append(re.escape(ch))
        parts.append("".join(out))
    return r"\s+".join(parts)


def locate(context: str, doc_text: str) -> tuple[int, int] | None:
    """Character span [start, end) of `context` in `doc_text`: exact, else whitespace/quote/dash tolerant, else None."""
    if not context.strip():
        return None
    i = doc_text.find(context)
    if i >= 0:
        return (i, i + len(context))
    m = re.search(_tolerant_pattern(context), doc_text)
    return m.span() if m else None


# --------------------------------------------------------------------------------------------- ranking


def hit_at_k(rels: Sequence[bool], k: int) -> float:
    """1.0 if any of the first k items is relevant, else 0.0."""
    return float(any(rels[:k]))


def mrr_at_k(rels: Sequence[bool], k: int) -> float:
    """Reciprocal rank of the first relevant item within the first k, else 0.0."""
    for i, r in enumerate(rels[:k]):
        if r:
            return 1.0 / (i + 1)
    return 0.0


def ndcg_at_k(rels: Sequence[bool], k: int, n_relevant: int) -> float:
    """Binary-gain nDCG@k; the ideal DCG puts min(n_relevant, k) relevant items first.

    n_relevant is raised to the number of relevant items actually in the top k (several retrieved
    passages can overlap one reference context), so the score never exceeds 1.
    """
    top = [bool(r) for r in rels[:k]]
    n_ideal = min(max(n_relevant, sum(top)), k)
    if n_ideal == 0:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(top) if r)
    idcg = sum(1.0 / math.log2(i + 2) for i in range(n_ideal))
    return dcg / idcg


def basename(path: str) -> str:
    """File name of a path written with / or \\ separators."""
    return re.split(r"[/\\]", path)[-1]


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def relevance(retrieved: Sequence[SpanLike], source: str, ctx_spans: Sequence[tuple[int, int]]) -> list[bool]:
    """Per-rank relevance: same document (by file name) as `source` and overlapping a reference context span."""
    src = basename(source)
    return [basename(x.doc) == src and _overlaps(x.start, x.end, ctx_spans) for x in retrieved]


def _shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    toks = normalize_answer(text).split()
    return {tuple(toks[i:i + n]) for i in range(max(1, len(toks) - n + 1))} if toks else set()


def evidence_overlap(text: str, evidence: str) -> float:
    """Overlap coefficient of the 4-token shingles of a retrieved text and an evidence string
    (shared / the smaller set, after SQuAD normalisation): 1.0 when either holds the other."""
    a, b = _shingles(text), _shingles(evidence)
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


EVIDENCE_MIN_OVERLAP = 0.5
"""A retrieved passage matches an evidence string when at least half of the smaller shingle set is shared."""


def shingles(text: str) -> set[tuple[str, ...]]:
    """The 4-token shingles evidence_overlap compares (computed once per document by callers that test many
    evidence strings against one document)."""
    return _shingles(text)


def evidence_in(evidence: str, doc_shingles: set[tuple[str, ...]]) -> bool:
    """Whether an evidence string copied from another extraction of a document is in it: at least
    EVIDENCE_MIN_OVERLAP of its shingles occur in the document's (`shingles(doc_text)`)."""
    ev = _shingles(evidence)
    return bool(ev) and len(ev & doc_shingles) / len(ev) >= EVIDENCE_MIN_OVERLAP


def context_relevance(retrieved: Sequence[SpanLike], source: str, ctx_spans: Sequence[tuple[int, int]],
                      evidence: Sequence[str] = ()) -> list[bool]:
    """Per-rank relevance against reference contexts located verbatim (`ctx_spans`, by offsets) and those
    only found by overlap (`evidence`, by shingle overlap with the retrieved text): either counts."""
    by_span = relevance(retrieved, source, ctx_spans) if ctx_spans else [False] * len(retrieved)
    if not evidence:
        return by_span
    return [a or b for a, b in zip(by_span, evidence_relevance(retrieved, source, evidence))]


def evidence_relevance(retrieved: Sequence[object], source: str, evidence: Sequence[str]) -> list[bool]:
    """Per-rank relevance by overlap (for evidence copied from another extraction of the document, which
    cannot be located verbatim): same document by file name and evidence_overlap >= EVIDENCE_MIN_OVERLAP."""
    src = basename(source)
    return [basename(str(getattr(x, "doc"))) == src
            and any(evidence_overlap(str(getattr(x, "text")), e) >= EVIDENCE_MIN_OVERLAP for e in evidence)
            for x in retrieved]


# --------------------------------------------------------------------------------------------- fragments

_FRAG_END = re.compile(r"[.!?;:][\"')\]”’]*$")
_FRAG_TOC = re.compile(r"(?:.*[A-Za-z].*(?:\.{3,}|…)|(?:item|part|note)\b.*[A-Za-z].*\s)\s*(?:page\s+)?\d{1,3}$", re.I)
_FRAG_FIGURE = re.compile(r"\d[\d,.]*")
_FRAG_YEAR = re.compile(r"(?:19|20)\d\d")


_WHO = re.compile(r"\bwho(?:m|se)?\b", re.I)


def is_fragment_answer(first_segment: str, question: str = "") -> bool:
    """True when an answer's first segment is a heading, title or contents line rather than a statement.

    Such a segment has no sentence punctuation at its end and at most 12 words, and holds no figure
    other than years (a table row with a figure is a statement); or it is a contents line (a title,
    dot leaders or Item/Part/Note, then a page number). For a who-question a short line of names
    (a byline) is an answer, not a fragment.
    """
    s = " ".join(strip_markers(first_segment).split())
    if not s:
        return False
    if question and _WHO.search(question) and not _FRAG_TOC.fullmatch(s):
        return False
    if _FRAG_TOC.fullmatch(s) and len(s) < 140:
        return True
    if _FRAG_END.search(s) or len(s.split()) > 12:
        return False
    figures = [f for f in _FRAG_FIGURE.findall(s) if not _FRAG_YEAR.fullmatch(f.rstrip(".,"))]
    return not figures


# --------------------------------------------------------------------------------------------- citations

_MARKER_GROUP = re.compile(r"(?:\[\d+\]\s*)*\[\d+\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def strip_markers(answer_text: str) -> str:
    """Answer text without its [n] citation markers, whitespace collapsed."""
    return " ".join(CITATION_MARKER.sub(" ", answer_text).split())


def _only_punct(s: str) -> bool:
    return all(_is_punct(ch) or ch.isspace() for ch in s)


def _trim_punct(s: str) -> str:
    i, j = 0, len(s)
    while i < j and (_is_punct(s[i]) or s[i].isspace()):
        i += 1
    while j > i and (_is_punct(s[j - 1]) or s[j - 1].isspace()):
        j -= 1
    return s[i:j]


def _supported_by(piece: str, texts: list[str]) -> bool:
    # Compare with whitespace collapsed: a composer may join or re-wrap sentences; the words must match exactly.
    p = " ".join(piece.split())
    trimmed = _trim_punct(p)  # tolerate a "." or quote the composer added around the quoted words
    return any(p in t or (trimmed and trimmed in t) for t in texts)


def citation_supported(answer_text: str, citations: Sequence[CitedLike]) -> bool:
    """True when every sentence of the answer is verbatim in the text of a citation named by the marker(s) after it."""
    texts = [" ".join(c.text.split()) for c in citations]
    pos = 0
    saw_marker = False
    for group in _MARKER_GROUP.finditer(answer_text):
        saw_marker = True
        numbers = [int(n) for n in CITATION_MARKER.findall(group.group())]
        if any(n < 1 or n > len(texts) for n in numbers):
            return False  # a marker that names no citation supports nothing
        cited = [texts[n - 1] for n in numbers]
        chunk = answer_text[pos : group.start()]
        pos = group.end()
        # A chunk may hold several sentences quoted from different places of the same citation.
        for piece in _SENTENCE_END.split(chunk):
            if not _only_punct(piece) and not _supported_by(piece, cited):
                return False
    tail = answer_text[pos:]
    if not saw_marker:
        return not tail.strip()  # text without any marker is unsupported; an empty answer claims nothing
    return _only_punct(tail)  # text after the last marker is uncited


def segments_supported(segments: Sequence[object], citations: Sequence[CitedLike]) -> bool:
    """Like citation_supported, for answers that say explicitly which text each marker covers
    (objects with `.text` and `.citation`, 1-based): no parsing of bracketed numbers in the text."""
    texts = [" ".join(c.text.split()) for c in citations]
    for seg in segments:
        n = int(getattr(seg, "citation"))
        if not 1 <= n <= len(texts):
            return False
        parts = getattr(seg, "parts", None) or ()
        if parts:  # a table cell: row label, column label pieces and cell, each a span inside the citation
            c = citations[n - 1]
            start = int(getattr(c, "start"))
            pieces = [str(c.text)[a - start:b - start] for a, b in parts]
            if not all(start <= a < b <= start + len(c.text) for a, b in parts) or not all(
                    " ".join(p.split()) in str(getattr(seg, "text")) for p in pieces):
                return False
        elif not _supported_by(str(getattr(seg, "text")), [texts[n - 1]]):
            return False
    return bool(segments)


def citation_precision(
    citations: Sequence[SpanLike], source: str, ctx_spans: Sequence[tuple[int, int]]
) -> float | None:
    """Share of cited spans in `source` that overlap a reference context span; None when nothing is cited."""
    if not citations:
        return None
    rels = relevance(citations, source, ctx_spans)
    return sum(rels) / len(rels)


def evidence_supported(answer_text: str, evidence: Sequence[object], citations: Sequence[CitedLike]) -> bool:
    """For answers that keep per-sentence evidence (objects with `.sentence`, `.citation` 1-based, `.text`):
    every evidence text is verbatim inside the citation it names, and every evidenced sentence is in the answer."""
    texts = [" ".join(c.text.split()) for c in citations]
    for e in evidence:
        n = int(getattr(e, "citation"))
        if not 1 <= n <= len(texts) or not _supported_by(str(getattr(e, "text")), [texts[n - 1]]):
            return False
        if str(getattr(e, "sentence")) not in answer_text:
            return False
    return bool(evidence)


def unsupported_rate(n_unsupported: int, n_kept: int) -> float | None:
    """Share of an answer's sentences removed as unsupported; None when it had no sentences at all."""
    total = n_unsupported + n_kept
    return n_unsupported / total if total else None


def evidence_precision(
    evidence: Sequence[SpanLike], source: str, ctx_spans: Sequence[tuple[int, int]]
) -> float | None:
    """Share of evidence spans (the verbatim text each answer sentence rests on) that overlap a reference
    context span of `source`; None when the answer has no evidence."""
    return citation_precision(evidence, source, ctx_spans)


# --------------------------------------------------------------------------------------------- abstention
