"""Typed records of the answer layer: citations and the grounded answer."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from corpus.tables import RowView
from index.types import Excerpt, Span

OUTCOMES = ("answered", "evidence", "not_found")
"""What an answer is: a verified statement; the most relevant passages when no sentence states the answer;
or nothing relevant found."""
EVIDENCE_TEXT = "No sentence states this directly; the most relevant passages are:"
KINDS = ("sentence", "cell", "computed", "frontmatter")
"""What an answered reply was composed from: document sentences, a table cell under its column's label, a figure computed from cited statement cells, or a
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


@dataclass(frozen=True)
class Operand:
    """One cell a computed answer uses: where it is (its row label, column label pieces and cell as document
    spans, `parts`), what it prints (`text`), and the value the formula reads (`value`, in `scale` units:
    the magnitude for an outflow printed in parentheses when `magnitude`)."""

    key: str
    """Its id in the expression ("x1")."""
    name: str
    label: str
    period: str
    column: str
    text: str
    value: str
    scale: str | None
    magnitude: bool
    citation: int
    doc_id: str
    parts: tuple[tuple[int, int], ...]
    statement: str | None = None

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict (parts as lists)."""
        d = asdict(self)
        d["parts"] = [list(p) for p in self.parts]
        return d


@dataclass(frozen=True)
class Computation:
    """A figure computed from cited cells: `expression` over operand ids ("x1 / avg(x2, x3)"), computed in
    decimal arithmetic from the operands' values (each times its scale), shown as `result` — `exact` rounded
    half-up to `places` — in `unit`. `missing` names the line items that were not found (then there is no
    result and the answer is `evidence`)."""

    figure: str
    period: str
    kind: str
    """"ratio", "percent", "days", "amount" or "fraction"."""
    definition: str
    """Where the formula came from: "question: …" (the question defines it), "lexicon: …" or "line item"."""
    expression: str
    operands: tuple[Operand, ...]
    exact: str = ""
    result: str = ""
    places: int = 0
    unit: str = ""
    scale: str | None = None
    """The scale an amount is shown in ("millions"); None for ratios, percentages and days."""
    missing: tuple[str, ...] = ()
    claim: str = ""
    """For a yes/no question on a figure, what it asks: "increase", "decrease", "positive" or "negative" (the
    answer's Yes/No is the result's sign against it); "max" or "min" for "which of … is the largest"."""
    chosen: str = ""
    """For a which-of question, the operand (x-id) whose value the result is."""

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict: every field, operands as their JSON."""
        d = asdict(self)
        d["operands"] = [o.to_json() for o in self.operands]
        d["missing"] = list(self.missing)
        d["rounding"] = f"{self.places} decimal place{'s' if self.places != 1 else ''}" if self.result else None
        return d


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
    computation: Computation | None = None
    """For a figure computed from cited cells: the formula, its operands (each citing its cell) and the result;
    for `evidence` on a figure that could not be computed: what was found and what was `missing`."""

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
            "computation": self.computation.to_json() if self.computation is not None else None,
        }
