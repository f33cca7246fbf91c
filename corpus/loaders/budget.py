"""The per-file reading budget: how long one file may take to read before it is skipped.

A file is read while the index's writer lock is held, so a file that takes hours to parse (an 18 KB PDF
that draws 5 MB of text on one page once did) would lock out every upload, removal and re-index. A PDF's pages
are read in a child process stopped at the budget (corpus/loaders/pdf_pages.py) and its OCR checks it per page
(`ReadBudget.check`); the indexer's read loop (index/reading.py) gives up on any file still being read `GRACE_S`
after it, whatever the format.
"""
from __future__ import annotations

import os
import time

from corpus.loaders.errors import LoadError

__all__ = ["BUDGET_ENV", "GRACE_S", "READ_BUDGET_S", "ReadBudget", "read_budget_s"]

READ_BUDGET_S = 600.0
"""Seconds one file may take to read (its pages, and OCR of scanned ones). Measured 2026-12-05 at load ~10 on
the 2 shared cores: financebench's 252-page 3M 10-K reads at ~1.1 s/page there (0.15 s/page idle), ~270 s,
so 600 s leaves a loaded machine twice that; a 2,000-page file (MAX_PDF_PAGES) read idle fits too."""
BUDGET_ENV = "GROUNDQA_READ_BUDGET_S"
"""Environment variable that overrides READ_BUDGET_S (seconds)."""
GRACE_S = 30.0
"""How long after the budget the read loop waits on a file that does not check it itself (one page's work)."""


def read_budget_s() -> float:
    """The per-file budget in seconds: $GROUNDQA_READ_BUDGET_S, else READ_BUDGET_S."""
    try:
        value = float(os.environ.get(BUDGET_ENV, ""))
    except ValueError:
        return READ_BUDGET_S
    return value if value > 0 else READ_BUDGET_S


class ReadBudget:
    """A deadline for reading one file; `check` raises a one-line LoadError once it has passed."""

    def __init__(self, shown: str, seconds: float | None = None) -> None:
        self.shown = shown
        self.seconds = read_budget_s() if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds

    def left(self) -> float:
        """Seconds left (never below a small positive amount, for timeouts of subprocesses)."""
        return max(0.1, self.deadline - time.monotonic())

    def check(self, where: str) -> None:
        """Raise LoadError naming `where` (e.g. "page 812 of 2,000") when the budget is spent."""
        if time.monotonic() > self.deadline:
            raise LoadError(self.shown, f"reading stopped at {where}: over the {self.seconds:g} s per-file limit",
                            f"split the file, or raise ${BUDGET_ENV}")
