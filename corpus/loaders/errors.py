"""The one error type of the loaders: a file that could not become a Document, said in one line."""
from __future__ import annotations

from pathlib import Path

__all__ = ["LoadError", "one_line"]


class LoadError(Exception):
    """A file could not be turned into a Document; `str()` is one line: path, reason, and a fix."""

    def __init__(self, path: str | Path, reason: str, fix: str = "") -> None:
        self.path = str(path)
        self.reason = one_line(reason)
        self.fix = one_line(fix)
        super().__init__(str(self))

    def __reduce__(self):  # noqa: ANN204 - rebuilt from its parts when it comes back from a reader process
        return (LoadError, (self.path, self.reason, self.fix))

    def __str__(self) -> str:
        return f"{self.path}: {self.reason} — {self.fix}" if self.fix else f"{self.path}: {self.reason}"


def one_line(s: str) -> str:
    """Collapse whitespace so messages stay on one line even when they quote library errors."""
    return " ".join(s.split())
