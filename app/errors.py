"""The exception types that carry a user-facing one-line message (the CLI and UI print them as is)."""
from __future__ import annotations

from app.api import QuestionError
from app.settings import SettingsError
from corpus import LoadError
from index.embed.adapt import AdaptError
from index.citations import CitationError
from index.embed import ModelUnavailable
from index.quote import QuoteError
from index.store import IndexFailure

USER_ERRORS: tuple[type[BaseException], ...] = (
    QuestionError, AdaptError, LoadError, CitationError, ModelUnavailable, QuoteError, IndexFailure, FileNotFoundError,
    SettingsError,
)
