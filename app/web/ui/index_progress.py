"""The progress of an index job on the Documents tab's one Gradio progress bar, and the builder's notices as
its text."""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

import gradio as gr

from app.api import GroundQA

_STAGES = {  # builder stage -> (what the bar says, unit counted)
    "hashing files": ("Checking", "files"), "reading files": ("Reading", "files"),
    "embedding sentences": ("Embedding", "sentences"), "building indexes": ("Building the search indexes", "steps"),
}


def progress_fn(progress: gr.Progress, landed: Callable[[int, int], None] | None = None
                 ) -> Callable[[str, int, int], None]:
    """The builder's progress(stage, done, total) drawn on the one Gradio progress bar of the event.

    For an index job the bar is the job's fraction (app/job_estimate.py: pages read and embedded over the pages
    counted before reading), so it only moves forward across stages; the text gives the file count throughout,
    the pages or sentences of the stage under way, and the time left once a tenth is done. Other operations
    (a removal) show their stage's own count, never going back. `landed(files read, files)` is called as each
    file is read. A notice of the builder's thread (the one-time ONNX export) replaces the text while it lasts."""
    from app.job_estimate import JobEstimate

    job = JobEstimate()
    shown = [0.0]
    sentences = [0, 0]

    def update(stage: str, done: int, total: int) -> None:
        job.update(stage, done, total)
        if stage == "embedding sentences":
            sentences[:] = [done, total]
        if stage == "reading files" and landed is not None:
            landed(done, total)
        if job.active:
            desc = _job_text(job, stage, sentences)
            here = job.fraction()
        else:
            desc, unit = _STAGES.get(stage, (stage.capitalize(), "steps"))
            desc += f" {done:,}/{total:,} {unit}" if total else f" {done:,} {unit}"
            here = done / total if total and stage != "hashing files" else 0.0
        shown[0] = max(shown[0], min(here, 1.0))  # forward only
        progress(shown[0], desc=desc)

    return update


def _job_text(job: Any, stage: str, sentences: list[int]) -> str:
    """What the bar says during an index job: the stage under way with its counts, the file count, time left."""
    from app.progress import _dur

    read, files = job.files
    if stage == "building indexes":
        text = f"Building the search indexes · {files:,} files read"
    elif read < files:
        text = f"Reading {read:,}/{files:,} files · {job.read:,}/{job.pages:,} pages"
        if sentences[0]:
            text += f" · embedding {sentences[0]:,}/{sentences[1]:,} sentences so far"
    else:
        text = f"Embedding {sentences[0]:,}/{sentences[1]:,} sentences · {files:,}/{files:,} files read"
    eta = job.eta()
    return text + (f" · about {_dur(eta)} left" if eta is not None else "")


class _NoticeToProgress(logging.Handler):
    """Shows groundqa notices logged by this thread (e.g. the ONNX export) as the progress text."""

    def __init__(self, progress: gr.Progress) -> None:
        super().__init__(logging.INFO)
        self.progress, self.thread = progress, threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.progress(None, desc=record.getMessage())


def indexing(api: GroundQA, progress: gr.Progress, landed: Callable[[int, int], None] | None = None,
              **kw: Any) -> Any:
    """api.index(**kw) with its progress and notices on the event's progress bar."""
    handler = _NoticeToProgress(progress)
    log = logging.getLogger("groundqa")
    log.addHandler(handler)
    try:
        progress(0, desc="Starting")
        return api.index(progress=progress_fn(progress, landed), **kw)
    finally:
        log.removeHandler(handler)
