"""Typed settings for asking questions, with described fields and named presets."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from index.retriever import RetrievalSettings

MAX_QUESTION_CHARS = 1000
"""Questions longer than this are refused (a question is not a document)."""


@dataclass(frozen=True)
class AnswerSettings:
    """How the extractive answerer picks and cites sentences."""

    max_sentences: int = 3
    """Most sentences in an answer."""
    max_chars: int = 320
    """Soft cap on answer length (the first sentence is always kept whole)."""
    passages: int = 6
    """Top passages whose sentences are scored."""
    keep_ratio: float = 0.92
    """A further sentence joins the answer only if its score is at least this share of the best one's."""
    threshold: float = 0.3
    """Abstain when the calibrated confidence is below this (chosen on the dev sets; see README)."""
    max_oov: float = 0.6
    """Always abstain when more than this share of the question (idf-weighted) is words the corpus never uses."""


@dataclass(frozen=True)
class Settings:
    """Everything `ask` needs besides the question: retrieval plus answering."""

    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)

    def with_(self, k: int | None = None, threshold: float | None = None, mode: str | None = None) -> "Settings":
        """A copy with the per-session knobs the UI exposes changed."""
        r, a = self.retrieval, self.answer
        if k is not None:
            r = r.with_(k=int(k))
        if mode is not None:
            r = r.with_(mode=mode)
        if threshold is not None:
            a = replace(a, threshold=float(threshold))
        return Settings(r, a)

    def to_json(self) -> dict[str, object]:
        """Plain dict for reports and manifests."""
        return asdict(self)


PRESETS: dict[str, Settings] = {
    "default": Settings(),
    "strict": Settings(answer=AnswerSettings(threshold=0.45, max_sentences=2)),
    "lenient": Settings(answer=AnswerSettings(threshold=0.15)),
    "fast": Settings(retrieval=RetrievalSettings(mode="lexical"), answer=AnswerSettings(passages=4)),
}
"""Named presets: 'strict' abstains more, 'lenient' less, 'fast' skips dense retrieval."""
