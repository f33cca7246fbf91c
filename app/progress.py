"""Progress of long CLI operations (index, remove, rebuild, adapt, eval) on stderr.

`Progress` is a `progress(stage, done, total)` callback (index.builder.ProgressFn). On a terminal it
draws one tqdm bar per stage (count, rate, time left). When stderr is not a terminal (a log file, a
pipe, CI) it prints a plain line at most every `interval` seconds — also while nothing moves, so a long
step never looks like a hang — and a summary line at the end. A total of 0 means "not known".

An index job has one estimate (app/job_estimate.py: pages read and pages embedded over the pages counted
before reading), shown as a percentage that only rises and, once a tenth is done, one time left for the whole
job; the file count is shown throughout, and a rate is never "0.0/s" ("starting", or "12 s per file").
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import IO, Callable

from app.job_estimate import JobEstimate
from app.terminal import escape_controls

__all__ = ["Progress", "progress_bar", "rate_text"]

UNITS = {"hashing files": "file", "reading files": "file", "reading pages": "page", "embedded pages": "page",
         "embedding sentences": "sentence", "building indexes": "step", "training steps": "step",
         "answering questions": "question"}
"""Unit shown for each known stage; other stages count "items"."""
PAST = {"reading": "read", "embedding": "embedded", "hashing": "hashed", "answering": "answered",
        "training": "done"}
HIDDEN = {"embedded pages"}
"""Stages that only feed the job estimate (its percentage says what they count)."""
GROWING = {"embedding sentences"}
"""Stages whose total grows while files are still being read (it counts what is known so far)."""


def _env_interval() -> float:
    """Seconds between plain progress lines: $GROUNDQA_PROGRESS_INTERVAL, default 5."""
    import os

    try:
        return max(0.0, float(os.environ.get("GROUNDQA_PROGRESS_INTERVAL", "5")))
    except ValueError:
        return 5.0


@dataclass
class _Stage:
    name: str
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)
    first_done: int | None = None  # count at the first update: the rate counts only what this run did
    updated: float = field(default_factory=time.monotonic)

    def rate(self) -> float:
        """Units per second since this stage began, up to now (so a stall shows as a falling rate)."""
        end = self.updated if self.finished() else time.monotonic()
        dt = end - self.started
        moved = self.done - (self.first_done or 0)
        return moved / dt if dt > 0.5 and moved > 0 else 0.0

    def finished(self) -> bool:
        return self.total > 0 and self.done >= self.total


def _n(x: int) -> str:
    return f"{x:,}"


def _dur(s: float) -> str:
    s = max(0, int(round(s)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class Progress:
    """A progress callback for stderr: tqdm bars on a terminal, plain lines every ~5 s otherwise.

    Use as a context manager (or call `close()`), which ends the bars and prints the summary."""

    def __init__(self, label: str = "groundqa", stream: IO[str] | None = None, tty: bool | None = None,
                 interval: float | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = bool(self.stream.isatty()) if tty is None else tty
        self.interval = interval if interval is not None else _env_interval()
        self.stages: dict[str, _Stage] = {}
        self.t0 = time.monotonic()
        self._last_line = self.t0
        self._lock = threading.Lock()
        self._bars: dict[str, object] = {}
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._closed = False
        self._note: tuple[float, str] | None = None  # the latest groundqa notice (e.g. the ONNX export)
        self.job = JobEstimate()
        self._handler = _NoteHandler(self)
        logging.getLogger("groundqa").addHandler(self._handler)
        if not self.tty:
            # Lines also while nothing reports (model loading, a big PDF being parsed, a FAISS build).
            self._ticker = threading.Thread(target=self._tick, daemon=True, name="groundqa-progress")
            self._ticker.start()

    # -- the callback --------------------------------------------------------------------------
    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        with self._lock:
            st = self.stages.get(stage)
            if st is None:
                st = self.stages[stage] = _Stage(stage, started=now)
                st.first_done = done
            st.done, st.total, st.updated = int(done), int(total), now
            self.job.update(stage, int(done), int(total))
            if self.tty:
                self._draw(st)
            elif now - self._last_line >= self.interval:
                self._line(self.status())

    # -- terminal: tqdm ------------------------------------------------------------------------
    def _draw(self, st: _Stage) -> None:
        from tqdm import tqdm

        if st.name in HIDDEN:
            return
        bar = self._bars.get(st.name)
        if bar is None:
            bar = self._bars[st.name] = tqdm(total=st.total or None, desc=escape_controls(st.name),
                                             unit=UNITS.get(st.name, "item"),
                                             file=self.stream, leave=False, position=len(self._bars),
                                             dynamic_ncols=True, unit_scale=False)
        if st.total and bar.total != st.total:  # type: ignore[attr-defined]
            bar.total = st.total  # type: ignore[attr-defined]
        bar.n = st.done  # type: ignore[attr-defined]
        if self.job.active and st.name == "reading files":
            # The whole job's estimate beside the file count: one percentage that only rises, one time left.
            eta = self.job.eta()
            bar.set_postfix_str(f"job {100 * self.job.fraction():.0f} %"  # type: ignore[attr-defined]
                                + (f", ~{_dur(eta)} left" if eta is not None else ""), refresh=False)
        bar.refresh()  # type: ignore[attr-defined]

    def _show_note(self, note: str) -> None:
        """On a terminal, a progress note (e.g. the page being OCRed) beside the latest bar."""
        with self._lock:
            if self._bars and not self._closed:
                bar = list(self._bars.values())[-1]
                bar.set_postfix_str(note)  # type: ignore[attr-defined]

    # -- no terminal: plain lines --------------------------------------------------------------
    def _tick(self) -> None:
        while not self._stop.wait(min(1.0, max(0.05, self.interval))):
            with self._lock:
                # Only when there is something true to say: a stage under way, or a notice newer than
                # every stage (e.g. the ONNX export). A finished stage repeated would look like a hang.
                if time.monotonic() - self._last_line >= self.interval and self._busy():
                    self._line(self.status())

    def _line(self, text: str) -> None:
        self._last_line = time.monotonic()
        try:
            print(f"{self.label}: {escape_controls(text)}", file=self.stream, flush=True)
        except ValueError:  # the stream was closed under us (test harness, broken pipe)
            self._stop.set()

    def _stage_text(self, st: _Stage) -> str:
        text = f"{st.name} {_n(st.done)}" + (f"/{_n(st.total)}" if st.total else "")
        if st.name in GROWING and not self._reading_done():
            text += " so far"
        if not st.finished():
            text += f" ({rate_text(st.done - (st.first_done or 0), time.monotonic() - st.started, st.name)})"
        return text

    def _live(self) -> list[_Stage]:
        return [st for st in self.stages.values() if not st.finished() and st.name not in HIDDEN and not (
            st.name == "reading pages" and (st.done == 0 and not st.total or self._reading_done()))]

    def _busy(self) -> bool:
        latest = max((st.updated for st in self.stages.values()), default=self.t0)
        return bool(self._live()) or (self._note is not None and self._note[0] >= latest)

    def _reading_done(self) -> bool:
        rd = self.stages.get("reading files")
        return rd is None or rd.finished()

    def eta(self) -> float | None:
        """Seconds left: for an index job, the job estimate's (once a tenth is done); otherwise the slowest
        unfinished stage with a known total and a rate."""
        if self.job.active:
            return self.job.eta()
        left = []
        for st in self.stages.values():
            if st.total and not st.finished() and st.rate():
                left.append((st.total - st.done) / st.rate())
        return max(left) if left else None

    def status(self) -> str:
        """The current one-line status: the stages under way with counts and rate, time elapsed and left."""
        live = self._live()
        latest = max((st.updated for st in self.stages.values()), default=self.t0)
        if self._note is not None and self._note[0] >= latest:
            text = self._note[1]  # e.g. the model being exported: say that, not the last finished stage
        elif live:
            text = " · ".join(self._stage_text(st) for st in live)
        elif self.stages:
            shown = [st for st in self.stages.values() if st.name not in HIDDEN] or list(self.stages.values())
            text = self._stage_text(max(shown, key=lambda st: (st.name != "reading pages", st.updated)))
        else:
            text = "starting"
        files = self.stages.get("reading files")
        if files is not None and self.job.active and not text.startswith("reading files"):
            text = f"{_n(files.done)}/{_n(files.total)} files read · " + text  # the file count throughout
        if self.job.active:
            text = f"{100 * self.job.fraction():.0f} % · " + text
        text += f" · {_dur(time.monotonic() - self.t0)} elapsed"
        eta = self.eta()
        if eta is not None:
            text += f", ~{_dur(eta)} left"
        return text

    def summary(self) -> str:
        """What was done, with rates (the last line of a non-terminal run)."""
        parts = []
        for st in self.stages.values():
            if st.name in ("building indexes", "hashing files", *HIDDEN) or (
                    st.name == "reading pages" and st.done == 0):
                continue  # sub-steps: the counts that matter are the files, pages and sentences
            verb, _, noun = st.name.partition(" ")
            noun = noun or UNITS.get(st.name, "item") + "s"
            if st.done == 1 and noun.endswith("s"):
                noun = noun[:-1]
            text = f"{_n(st.done)} {noun} {PAST.get(verb, verb)}"
            dt = st.updated - st.started
            if dt > 0.5 and st.done > (st.first_done or 0):
                text += f" ({rate_text(st.done - (st.first_done or 0), dt, st.name)})"
            parts.append(text)
        return f"done in {_dur(time.monotonic() - self.t0)}" + (": " + ", ".join(parts) if parts else "")

    # -- end -----------------------------------------------------------------------------------
    def close(self) -> None:
        """End the bars (terminal) or print the summary line (no terminal); safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._stop.set()
            logging.getLogger("groundqa").removeHandler(self._handler)
            for bar in self._bars.values():
                bar.close()  # type: ignore[attr-defined]
            if not self.tty and self.stages:
                self._line(self.summary())

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:  # failed or interrupted: stop quietly, the error line says what happened
            self._closed = True
            self._stop.set()
            logging.getLogger("groundqa").removeHandler(self._handler)
            for bar in self._bars.values():
                bar.close()  # type: ignore[attr-defined]
            return
        self.close()


def rate_text(moved: int, seconds: float, stage: str) -> str:
    """A rate as a person reads it, never "0.0/s": "starting" before the first unit (or in the first half
    second), "12 s per file" when units are slow, else "3.4/s" or "76/s"."""
    if moved <= 0 or seconds <= 0.5:
        return "starting"
    r = moved / seconds
    if r < 1:
        unit = UNITS.get(stage, "item")
        return f"{_dur(1 / r)} per {unit}" if 1 / r >= 1.5 else f"{1 / r:.1f} s per {unit}"
    return f"{r:,.1f}/s" if r < 10 else f"{r:,.0f}/s"


class _NoteHandler(logging.Handler):
    """Remembers groundqa's notices so the status line can say what a silent step is doing."""

    def __init__(self, owner: Progress) -> None:
        super().__init__(logging.INFO)
        self.owner = owner

    def emit(self, record: logging.LogRecord) -> None:
        note = escape_controls(record.getMessage())  # notices name files: no control character reaches the screen
        self.owner._note = (time.monotonic(), note)
        if self.owner.tty and getattr(record, "progress_note", False):
            self.owner._show_note(note)


def progress_bar() -> Callable[[str, int, int], None]:
    """A Progress on stderr (kept for callers that only need the callback; close it to get the summary)."""
    return Progress()
