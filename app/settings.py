"""Typed settings for asking questions, with described fields and named presets."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

from index.retriever import RetrievalSettings

MAX_QUESTION_CHARS = 1000
"""Questions longer than this are refused (a question is not a document)."""
MAX_HISTORY_ITEMS = 10
"""Previous questions an answer may look at (older ones are dropped); each is capped like a question."""


class SettingsError(ValueError):
    """A knob value that is not a finite number in its range (NaN, Infinity, k < 1, threshold > 1)."""


def _finite(value: object, name: str) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise SettingsError(f"{name} must be a number, not {str(value)[:40]!r}") from None
    if isinstance(value, bool) or not math.isfinite(x):
        raise SettingsError(f"{name} must be a finite number, not {str(value)[:40]!r}")
    return x


@dataclass(frozen=True)
class AnswerSettings:
    """How the extractive answerer picks and cites sentences."""

    max_sentences: int = 3
    """Most sentences in an answer."""
    max_chars: int = 320
    """Soft cap on answer length (the first sentence is always kept whole)."""
    passages: int = 6
    """Top passages whose sentences can answer."""
    card_pool: int = 8
    """Top passages the cards shown with every reply are chosen from (their lines scored for the best one)."""
    keep_ratio: float = 0.92
    """A further sentence joins the answer only if its score is at least this share of the best one's."""
    threshold: float = 0.5
    """Answer only when the correctness model's probability that the answer is right is at least this
    (app/answer/correctness.py; 0.5: "probably right"); below it the reply shows the related passages. The bar
    for answers from paginated documents (filings, reports: PDFs)."""
    text_threshold: float | None = 0.3
    """The bar for answers that cite a plain-text document (None: `threshold`). A choice, measured both ways in
    bench/RESULTS.md (#30): at 0.5, squad2-normans — half of it unanswerable questions that repeat an answerable
    one with a word changed, which no feature tells apart — keeps its answers for only 0.46 of the answerable
    questions (0.80 before #30); at 0.3 it keeps 0.78 (0.80 where no passage needed to be related), and the
    answers shown are right about 0.42 of the time (unanswerable questions included), the model's probability
    saying so. The lower bar holds only where a shown passage is related (app.answer.correctness.decide), so
    off-topic questions stay `not_found`. Setting `threshold` (--threshold, the strictness slider) sets one bar
    for every answer."""
    max_oov: float = 0.6
    """Always abstain when more than this share of the question (idf-weighted) is words the corpus never uses."""


@dataclass(frozen=True)
class LLMSettings:
    """The optional LLM answerer: any OpenAI-compatible chat-completions server (empty `url`: extractive only).

    The API key is never a setting: it is read from $GROUNDQA_LLM_API_KEY when a request is made.
    """

    url: str = ""
    """Base URL of the server, e.g. http://127.0.0.1:8080/v1 (or $GROUNDQA_LLM_URL); empty: no LLM."""
    model: str = "default"
    """Model name sent in each request (--llm-model, $GROUNDQA_LLM_MODEL)."""
    context_tokens: int = 2048
    """The model's context window: excerpts are cut to fit it together with the instructions and the reply."""
    max_tokens: int = 256
    """Longest reply asked for."""
    timeout_s: float = 60.0
    """Deadline in seconds for the whole call (connect, every byte, retries) before falling back to the extractive
    answer."""
    retries: int = 2
    """Further tries after a 429/5xx reply or a refused connection, with exponential backoff."""
    backoff_s: float = 0.5
    """First backoff; doubled on each retry (a server's Retry-After, up to 10 s, wins)."""
    temperature: float = 0.0
    """Sampling temperature (0: the most likely reply, reproducible runs)."""
    stream: bool = False
    """Ask the server to stream (SSE); the answer is verified once complete either way."""

    @classmethod
    def from_env(cls, url: str | None = None, model: str | None = None, **kw: object) -> "LLMSettings":
        """Settings from arguments, else $GROUNDQA_LLM_URL / $GROUNDQA_LLM_MODEL (never the API key)."""
        import os

        return cls(url=url if url is not None else os.environ.get("GROUNDQA_LLM_URL", ""),
                   model=model or os.environ.get("GROUNDQA_LLM_MODEL", "") or cls.model, **kw)  # type: ignore[arg-type]

    @property
    def enabled(self) -> bool:
        """Whether an LLM server is configured."""
        return bool(self.url.strip())


def llm_from_options(url: str | None, model: str | None = None, timeout_s: float | None = None,
                     context_tokens: int | None = None) -> LLMSettings | None:
    """LLMSettings from command-line style options (unset: $GROUNDQA_LLM_URL/_MODEL, defaults); None: no LLM."""
    d = LLMSettings()
    s = LLMSettings.from_env(url=url, model=model, timeout_s=timeout_s or d.timeout_s,
                             context_tokens=context_tokens or d.context_tokens)
    return s if s.enabled else None


def llm_from_args(args: object) -> LLMSettings | None:
    """LLMSettings from parsed --llm/--llm-model/--llm-timeout/--llm-context (else $GROUNDQA_LLM_URL/_MODEL);
    None: no LLM, or a command without those options."""
    if not hasattr(args, "llm"):
        return None
    return llm_from_options(args.llm, args.llm_model, args.llm_timeout, args.llm_context)


@dataclass(frozen=True)
class Settings:
    """Everything `ask` needs besides the question: retrieval plus answering."""

    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)

    def with_(self, k: int | None = None, threshold: float | None = None, mode: str | None = None) -> "Settings":
        """A copy with the per-session knobs the UI exposes changed."""
        r, a = self.retrieval, self.answer
        if k is not None:
            kf = _finite(k, "k")
            if kf < 1:
                raise SettingsError(f"k must be at least 1, not {k}")
            r = r.with_(k=int(kf))
        if mode is not None:
            r = r.with_(mode=mode)
        if threshold is not None:
            t = _finite(threshold, "threshold")
            if not 0 <= t <= 1:  # NaN is refused above: it would switch abstention off
                raise SettingsError(f"threshold must be between 0 and 1, not {threshold}")
            if t != a.threshold:  # an explicit bar is one bar for every answer
                a = replace(a, threshold=t, text_threshold=None)
        return replace(self, retrieval=r, answer=a)

    def to_json(self) -> dict[str, object]:
        """Plain dict for reports and manifests."""
        return asdict(self)


PRESETS: dict[str, Settings] = {
    "default": Settings(),
    "strict": Settings(answer=AnswerSettings(threshold=0.7, text_threshold=None, max_sentences=2)),
    # 0.25 answers as often as the 0.3 threshold of the old confidence did: squad2-normans contains-reference 0.812
    # (0.802 before #30), financebench-dev answered precision 0.32 (measured 2026-12-05, bench/RESULTS.md #30).
    "lenient": Settings(answer=AnswerSettings(threshold=0.25, text_threshold=None)),
    "fast": Settings(retrieval=RetrievalSettings(mode="lexical"), answer=AnswerSettings(passages=4)),
}
"""Named presets: 'strict' abstains more, 'lenient' less, 'fast' skips dense retrieval."""
