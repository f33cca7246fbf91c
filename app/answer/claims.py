"""The sentences ("claims") of an LLM answer: their text, the excerpts they cite, and markup in them."""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus import sentence_spans

MARKERS = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
"""An [n] marker (or [n, m]) citing excerpts."""
_LEADING_MARKERS = re.compile(r"^\s*((?:\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\][\s.,;:]*)+)(.*)$", re.S)
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^<>]*>|!?\[[^\]\n]*\]\([^)\n]*\)|\]\s*\((?:https?:|javascript:)", re.I)
_OPENER = re.compile(
    r"^\s*(?:(?:however|also|additionally|furthermore|moreover|overall|notably|specifically|indeed)\s*,?\s+"
    r"|(?:in addition|in summary|in short|in fact|in brief|to summari[sz]e)\s*,\s*"
    r"|(?:according to|as (?:stated|noted|reported|shown) in) (?:the|this) (?:excerpts?|documents?|texts?|reports?"
    r"|passages?|filings?|sources?)\s*,?\s+"
    r"|(?:the|this) (?:excerpts?|documents?|texts?|reports?|passages?|filings?|sources?) (?:says?|states?|shows?"
    r"|notes?|reports?|explains?|indicates?) that\s+)+", re.I)


@dataclass(frozen=True)
class Claim:
    """One answer sentence: its text without markers and the excerpt numbers it cites."""

    raw: str
    text: str
    markers: tuple[int, ...]


def split_claims(answer: str) -> list[Claim]:
    """Split answer text into sentences; markers written after a full stop belong to the sentence before."""
    text = answer.strip()
    pieces: list[str] = []
    for s, e in sentence_spans(text):
        piece = text[s:e]
        m = _LEADING_MARKERS.match(piece)
        if m and pieces:
            pieces[-1] += " " + m.group(1).strip()
            piece = m.group(2)
        if piece.strip():
            pieces.append(piece.strip())
    claims = []
    for raw in pieces:
        nums = tuple(int(n) for g in MARKERS.findall(raw) for n in re.split(r"\s*[,;]\s*", g))
        plain = " ".join(MARKERS.sub(" ", raw).split())
        plain = re.sub(r"\s+([.,;:!?])", r"\1", plain)
        if any(ch.isalnum() for ch in plain):
            claims.append(Claim(raw, plain, tuple(dict.fromkeys(nums))))
    return claims


def claim_body(text: str) -> str:
    """The claim without the discourse words a writer puts in front ("However, …", "According to the
    document, …", "The excerpt states that …"): they assert nothing about the documents."""
    return _OPENER.sub("", text, count=1)


def has_markup(text: str) -> bool:
    """Whether text holds an HTML tag or a Markdown link or image."""
    return bool(_MARKUP.search(text))


def strip_markup(text: str) -> str:
    """Text with HTML tags and Markdown link/image syntax removed (for showing a refused sentence)."""
    text = re.sub(r"!?\[([^\]\n]*)\]\([^)\n]*\)", r"\1", text)
    text = re.sub(r"<[^>]*>?", " ", text)  # an unclosed "<img …" too
    return " ".join(text.split())
