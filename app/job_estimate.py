"""One estimate for a whole index job, shared by the CLI's progress lines and the browser's bar.

The builder reports stages separately (`reading bytes` done/total, `embedding sentences` done/known so
far, `building indexes`). Bytes to read are known before the first file is parsed; sentences to embed are
known only for files read so far, so their total is extrapolated from the bytes read. Each unit is weighted
by its measured cost (seconds per byte read, seconds per sentence embedded), which gives the fraction of the
job done; the time left is the time spent so far scaled by what remains. That raw figure is then smoothed
so one slow file or one fast batch does not swing it, and it can never rise by more than half between two
looks (so two printed lines never differ by 2x or more).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

__all__ = ["JobEstimate"]

SMOOTHING = 0.3
"""Weight of a new raw estimate against the previous estimate counted down (exponential smoothing)."""
MAX_RISE = 1.5
"""An estimate is at most this many times the previous one counted down."""
_BUILD_SHARE = 0.03  # the FAISS and BM25 builds after the last batch: a small, fixed part of the job


@dataclass
class _Count:
    done: int = 0
    total: int = 0
    started: float = 0.0
    finished: float | None = None


class JobEstimate:
    """Fraction done and time left of an index job, from the builder's `progress(stage, done, total)` calls."""

    def __init__(self, clock=time.monotonic) -> None:  # noqa: ANN001 - a callable returning seconds
        self.clock = clock
        self.read = _Count()
        self.embed = _Count()
        self.built = 0.0  # fraction of the index build done
        self._shown_fraction = 0.0
        self._eta: tuple[float, float] | None = None  # (estimate, when it was made)
        # Counts move in steps (a batch of 1,024 sentences takes half a minute on 2 cores): costs are
        # measured at the last report, not now, or a batch under way would read as a slowdown.
        self.last = 0.0

    @property
    def active(self) -> bool:
        """Whether this is an index job (its bytes to read were reported)."""
        return self.read.total > 0

    def update(self, stage: str, done: int, total: int) -> None:
        """Take one builder progress call (other stages are ignored)."""
        now = self.last = self.clock()
        count = {"reading bytes": self.read, "embedding sentences": self.embed}.get(stage)
        if count is not None:
            if not count.started:
                count.started = now
            count.done, count.total = done, max(total, done)
            if stage == "reading bytes" and total and done >= total and count.finished is None:
                count.finished = now
        elif stage == "building indexes" and total:
            self.built = done / total
            if self.read.total and self.read.finished is None:
                self.read.finished = now

    def _raw_fraction(self) -> float:
        read, embed = self.read, self.embed
        if not read.total:
            return 0.0
        fr = min(1.0, read.done / read.total)
        reading_done = read.finished is not None
        # Sentences in the whole job: those of the files read so far, scaled up to all the bytes.
        sentences = embed.total if reading_done or fr <= 0 else embed.total / fr
        now = self.last
        read_s = (read.finished or now) - read.started if read.started else 0.0
        embed_s = now - embed.started if embed.started else 0.0
        if fr > 0 and embed.done > 0 and read_s > 0 and embed_s > 0:
            per_byte, per_sentence = read_s / read.done, embed_s / embed.done
            work = per_byte * read.total + per_sentence * max(sentences, embed.done)
            done = per_byte * read.done + per_sentence * embed.done
            f = done / work if work > 0 else 0.0
        else:
            f = 0.5 * fr  # no embedding measured yet: count reading as half the job
        return min(1.0, (1 - _BUILD_SHARE) * f + _BUILD_SHARE * self.built)

    def fraction(self) -> float:
        """Fraction of the job done, 0..1; it only moves forward."""
        self._shown_fraction = max(self._shown_fraction, self._raw_fraction())
        return self._shown_fraction

    def eta(self) -> float | None:
        """Seconds left, smoothed; None until both stages have a measured rate."""
        if not self.active or not self.read.started:
            return None
        f = self._raw_fraction()
        now = self.clock()
        if self.embed.done == 0 or f <= 0.01:
            return None
        raw = max((self.last - self.read.started) * (1 - f) / f - (now - self.last), 0.0)
        if self._eta is None:
            est = raw
        else:
            prev, when = self._eta
            projected = max(prev - (now - when), 0.0)
            est = projected + SMOOTHING * (raw - projected)
            est = min(est, MAX_RISE * max(projected, 1.0))
        self._eta = (max(est, 0.0), now)
        return self._eta[0]
