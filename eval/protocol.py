"""Structural types an `ask` function must satisfy to be scored; no dependency on groundqa itself.

groundqa's `app.types.Answer`, `app.types.Citation` and `index.types.Excerpt` satisfy these by
attribute access, and so can any other system's dataclasses with the same fields.
"""
from __future__ import annotations

from typing import Callable, Protocol, Sequence, runtime_checkable


@runtime_checkable
class SpanLike(Protocol):
    """A span `[start, end)` of document `doc` whose canonical text is `text`."""

    @property
    def doc(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def text(self) -> str: ...


@runtime_checkable
class CitedLike(SpanLike, Protocol):
    """A cited span: what marker [n] of an answer points to."""

    @property
    def citation(self) -> str: ...


@runtime_checkable
class ExcerptLike(SpanLike, Protocol):
    """A retrieved span with its retrieval score and citation id."""

    @property
    def score(self) -> float: ...

    @property
    def citation(self) -> str: ...


@runtime_checkable
class AnswerLike(Protocol):
    """An answer: text with [n] markers into `citations`, or an abstention; `retrieved` in rank order."""

    @property
    def answer(self) -> str: ...

    @property
    def abstained(self) -> bool: ...

    @property
    def confidence(self) -> float: ...

    @property
    def citations(self) -> Sequence[CitedLike]: ...

    @property
    def retrieved(self) -> Sequence[ExcerptLike]: ...


# The system under test: question in, answer out. Must be thread-safe when run with workers > 1.
AskFn = Callable[[str], AnswerLike]
