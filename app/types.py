"""Typed records of the answer layer: citations and the grounded answer."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from corpus.tables import RowView
from index.types import Excerpt, Span

OUTCOMES = ("answered", "evidence", "not_found")
"""What an answer is: a verified statement; the most relevant passages when no sentence states the answer;
or nothing relevant found."""
EVIDENCE_TEXT = "No sentence states this directly; the most relevant passages are:"
KINDS = ("sentence", "cell", "frontmatter")
"""What an answered reply was composed from: document sentences, a table cell under its column's label, or a
metadata line of a document's front matter (app/answer/correctness.py reads the kind)."""


@dataclass(frozen=True, kw_only=True)
class Citation(Span):
    """One numbered source of an answer: marker [n] resolves to `text == doc text[start:end]`."""

    number: int
    citation: str
    table: RowView | None = None
    """When the cited span ends in a table row: that row with one label per column (its header)."""


@dataclass(frozen=True, kw_only=True)
class Card(Excerpt):
    """A passage shown under a reply (its `related` list): a retrieved excerpt with the line of it that best
    matches the question (document offsets `line_start`–`line_end`, inside the excerpt), highlighted by every
    face."""

    line_start: int
    line_end: int

    @property
    def line(self) -> str:
        """The best-matching line's text."""
        return self.text[self.line_start - self.start:self.line_end - self.start]

    def to_json(self) -> dict[str, object]:
        """The excerpt's JSON with its best line as {"start", "end", "text"} (document offsets)."""
        d = super().to_json()
        del d["line_start"], d["line_end"]
        d["best_line"] = {"start": self.line_start, "end": self.line_end, "text": self.line}
        return d


@dataclass(frozen=True)
class Segment:
    """A verbatim piece of an answer and the number of the citation whose span contains it.

    A table-cell answer ("Net sales, 2022: 5,409") is not one span: its `parts` are the document spans
    (start, end) of the row label, the column label's pieces and the cell, and `text` is
    `app.answer.cells.cell_text` of them; each part must lie inside the citation's span."""

    text: str
    citation: int
    parts: tuple[tuple[int, int], ...] = ()


def render(segments: list[Segment]) -> str:
    """The answer text: each segment followed by its marker, e.g. 'Text. [1] More text. [2]'."""
    return " ".join(f"{s.text} [{s.citation}]" for s in segments)


@dataclass(frozen=True)
class Evidence:
    """The verbatim span that supports one answer sentence: `text == doc text[start:end]`.

    `citation` is the marker number [n] the sentence carries, `citation_id` the content-addressed id of the
    span itself (resolvable with `groundqa cite`), so a face can highlight exactly this text.
    """

    sentence: str
    citation: int
    citation_id: str
    doc: str
    doc_id: str
    start: int
    end: int
    text: str

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Unsupported:
    """An LLM sentence that failed the support check: removed from the answer, kept here with the reason."""

    text: str
    reason: str

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict."""
        return asdict(self)


@dataclass
class Answer:
    """A grounded answer: verbatim document sentences with inline [n] markers, or an abstention.

    When `abstained` is true `citations` is empty. `related` holds the passages shown after the citations (cards):
    the top-ranked retrieved passages the answer does not cite, or, for an abstention, the closest ones.
    `segments` says, unambiguously, which text each marker covers: document text may itself contain
    bracketed numbers such as reference markers "[1]", so the answer text is not parsed back.
    `short_answers` marks the short answer span (start, end in `answer`) for fact questions.
    """

    question: str
    answer: str
    abstained: bool
    confidence: float
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Excerpt] = field(default_factory=list)
    related: list[Excerpt] = field(default_factory=list)
    """Cards, in the order shown (Card when the answerer found each one's best line)."""
    short_answers: list[tuple[int, int]] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    answerer: str = "extractive"
    """Who wrote the answer: "extractive", "llm:MODEL", or "extractive (LLM fallback: <why>)"."""
    unsupported: list[Unsupported] = field(default_factory=list)
    """LLM sentences removed because their cited text does not support them (empty for extractive answers)."""
    evidence: list[Evidence] = field(default_factory=list)
    """Per answer sentence, the verbatim cited span that supports it."""
    outcome: str = ""
    """'answered', 'evidence' (related passages, no sentence verified to state the answer) or 'not_found';
    '' means derived from `abstained` (answered / not_found)."""
    kind: str = ""
    """What an answered reply was composed from (one of KINDS); '' for an abstention and for LLM answers."""

    def __post_init__(self) -> None:
        if not self.outcome:
            self.outcome = "not_found" if self.abstained else "answered"

    def to_json(self) -> dict[str, object]:
        """The documented JSON form of an answer (`groundqa ask --json`)."""
        return {
            "question": self.question,
            "answer": self.answer,
            "outcome": self.outcome,
            "kind": self.kind,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "citations": [c.to_json() for c in self.citations],
            # What the page shows after the citations, in order (cards with their best line).
            "related": [e.to_json() for e in self.related],
            "segments": [{"text": g.text, "citation": g.citation, **({"parts": [list(p) for p in g.parts]}
                                                                      if g.parts else {})} for g in self.segments],
            "retrieved": [e.to_json() for e in self.retrieved],
            "short_answers": [list(s) for s in self.short_answers],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "answerer": self.answerer,
            "unsupported": [u.to_json() for u in self.unsupported],
            "evidence": [e.to_json() for e in self.evidence],
        }
