"""One estimate for a whole index job, shared by the CLI's progress lines and the browser's bar.

Its unit is the page, whose total is known before any file is read (index/reading.py counts them first). The
builder reports pages read ("reading pages") and pages whose sentences all have vectors ("embedded pages"),
both over that fixed total, then the index build steps. The fraction done is a fixed weighting of those
counts, so it can only rise: nothing it rests on ever grows its total (a sentence total, which grows as files
are read, is shown but not used). The time left is the time since the job began scaled by what remains,
shown once a tenth of the job is done (before that it is a guess), smoothed so one fast batch does not swing it.
"""
from __future__ import annotations

import time

__all__ = ["BUILD_SHARE", "ETA_FROM", "JobEstimate", "READ_SHARE"]

READ_SHARE = 0.15
"""Share of an index job that is reading pages (the rest, less BUILD_SHARE, is embedding them). Set from the
pdfium reader and the int8 model on financebench-dev filings (bench/RESULTS.md, issue 33): 28 ms/page of reading
against ~25 sentences/page embedded at ~90/s, i.e. reading ~9-12 % of the CPU time of reading plus embedding."""
BUILD_SHARE = 0.03
"""Share of the job after the last vector: the FAISS and BM25 builds and the commit (~2-4 % there)."""
ETA_FROM = 0.10
"""Fraction of the job done before a time left is shown."""
SMOOTHING = 0.3
"""Weight of a new raw time-left figure against the previous one counted down."""


class JobEstimate:
    """Fraction done and time left of an index job, from the builder's `progress(stage, done, total)` calls."""

    def __init__(self, clock=time.monotonic) -> None:  # noqa: ANN001 - a callable returning seconds
        self.clock = clock
        self.pages = 0  # the job's pages, counted before reading
        self.read = 0
        self.embedded = 0
        self.built = 0.0  # share of the index build steps done
        self.files = (0, 0)  # files read, files to read
        self.started: float | None = None
        self._eta: tuple[float, float] | None = None  # (seconds left, when it was said)

    @property
    def active(self) -> bool:
        """Whether this is an index job with pages to read (an index of unchanged files has none)."""
        return self.pages > 0

    def update(self, stage: str, done: int, total: int) -> None:
        """Take one builder progress call (other stages are ignored)."""
        if stage == "reading pages" and total:
            self.pages, self.read = total, max(self.read, done)
            if self.started is None:
                self.started = self.clock()
        elif stage == "embedded pages" and total:
            self.pages, self.embedded = total, max(self.embedded, done)
        elif stage == "reading files":
            self.files = (done, total)
        elif stage == "building indexes" and total:
            self.built = max(self.built, done / total)

    def fraction(self) -> float:
        """Fraction of the job done, 0..1; it never decreases."""
        if not self.pages:
            return 0.0
        read = min(1.0, self.read / self.pages)
        embedded = min(1.0, self.embedded / self.pages)
        return min(1.0, READ_SHARE * read + (1 - READ_SHARE - BUILD_SHARE) * embedded + BUILD_SHARE * self.built)

    def eta(self) -> float | None:
        """Seconds left, once ETA_FROM of the job is done (None before, and when there is no job)."""
        f = self.fraction()
        if self.started is None or f < ETA_FROM:
            return None
        now = self.clock()
        raw = (now - self.started) * (1 - f) / f
        if self._eta is not None:
            prev, when = self._eta
            projected = max(prev - (now - when), 0.0)
            raw = projected + SMOOTHING * (raw - projected)
        self._eta = (max(raw, 0.0), now)
        return self._eta[0]
