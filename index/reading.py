"""Reading files ahead of the indexer, so parsing overlaps embedding: in worker processes (one per core by
default), or on one background thread — and never waiting on one file past its read budget
(corpus.loaders.budget), since the index is locked meanwhile.

Files come back in the order given (the index is the same whatever the number of workers), at most a few per
worker ahead of the embedder (bounded memory). PDF, DOCX and larger HTML files go to the workers; small text
files are read by the caller (parsing them is quicker than a message to a worker). A worker that dies while
reading a file (a crash in a PDF library, a kill) makes that file one LoadError, and a new worker reads on; one
still reading a file GRACE_S past the budget is killed the same way. Workers end with the indexer (kill -9
included: Linux's parent-death signal, and a watch on the parent elsewhere).

`page_units` counts, before anything is read, the pages each file will give (a PDF's declared page count; an
estimate from the size for other formats), so that a job's progress has a total known from the start.
"""
from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from corpus import Document, LoadError, load_file
from corpus.loaders.budget import GRACE_S, read_budget_s
from index.read_pool import over_limit

__all__ = ["BYTES_PER_PAGE", "default_workers", "load_ahead", "page_units", "read_one"]

Item = tuple[Document, str, int] | LoadError
_DONE = object()
_POLL_S = 0.5
_LIGHT = frozenset({".txt", ".md"})
_LIGHT_BYTES = 64 * 1024  # an HTML file under this is read by the caller
_AHEAD_PER_WORKER = 2  # files read ahead of the embedder per worker: each kept busy, memory bounded
BYTES_PER_PAGE = {".txt": 3_000, ".md": 3_000, ".html": 15_000, ".htm": 15_000, ".docx": 8_000, ".pdf": 60_000}
"""Bytes counted as one page for progress where a file declares no pages (a page of plain text is ~3,000
characters; HTML and DOCX carry markup; a PDF only when its page count cannot be read: the financebench PDFs
average ~60 KB a page). Only the progress total rests on these."""


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def page_units(items: list[tuple[Path, Path, str]]) -> list[int]:
    """Pages each (file, root, hash) item will give, known before reading: a PDF's declared page count, else
    its size over BYTES_PER_PAGE (at least 1)."""
    from corpus.loaders.pdf_pages import declared_pages

    out = []
    for f, _, _ in items:
        suffix = f.suffix.lower()
        n = declared_pages(f) if suffix == ".pdf" else None
        if n is None:
            try:
                n = f.stat().st_size // BYTES_PER_PAGE.get(suffix, 3_000)
            except OSError:
                n = 0
        out.append(max(1, n))
    return out


def read_one(f: Path, root: Path) -> Item:
    """One file read: (document, source path, size in bytes), or the LoadError that says why not."""
    try:
        return load_file(f, root=root), str(f.resolve()), f.stat().st_size
    except LoadError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - a loader bug must not kill the whole run
        return LoadError(str(f), f"could not be read ({type(exc).__name__}: {exc})")


def _heavy(f: Path) -> bool:
    """Whether a file takes long enough to parse to send it to a worker (PDF, DOCX, HTML over 64 KB)."""
    suffix = f.suffix.lower()
    if suffix in _LIGHT:
        return False
    try:
        return suffix in (".pdf", ".docx") or f.stat().st_size >= _LIGHT_BYTES
    except OSError:
        return False


def load_ahead(items: list[tuple[Path, Path, str]], budget_s: float | None = None,
               workers: int | None = None) -> Iterator[Item]:
    """Read `items` (file, root, hash) ahead of the caller, in order: in `workers` processes (default one per
    core) when there are files worth a process, else on one thread. A file still being read GRACE_S after the
    per-file budget (`budget_s`, default read_budget_s()) comes out as a LoadError and the files after it are
    read on; loaders that read page by page stop at the budget themselves, this bounds everything else."""
    limit = (read_budget_s() if budget_s is None else budget_s) + GRACE_S
    n = min(workers or default_workers(), sum(_heavy(f) for f, _, _ in items))
    if n <= 1:
        yield from _thread_ahead(items, limit)
    else:
        from index.read_pool import pool_ahead

        yield from pool_ahead(items, n, limit, _heavy, read_one, _AHEAD_PER_WORKER)


def _thread_ahead(items: list[tuple[Path, Path, str]], limit: float) -> Iterator[Item]:
    """Load files on a background thread (bounded queue: bounded memory). A file past `limit` is given up: it
    comes out as a LoadError, its reader thread is left to finish on its own and its result is dropped, and a
    fresh thread reads the files after it."""
    q: queue.Queue = queue.Queue(maxsize=8)
    lock = threading.Lock()
    state = {"gen": 0, "busy": None}  # the live reader's generation; (position, start time) of its file

    def work(start: int, gen: int) -> None:
        for pos in range(start, len(items)):
            f, root, _ = items[pos]
            with lock:
                if state["gen"] != gen:
                    return  # given up on: a newer reader has this file and the ones after it
                state["busy"] = (pos, time.monotonic())
            try:
                item: object = (load_file(f, root=root), str(f.resolve()), f.stat().st_size)
            except LoadError as exc:
                item = exc
            except Exception as exc:  # a loader bug must not kill the whole run
                item = LoadError(str(f), f"could not be read ({type(exc).__name__}: {exc})")
            with lock:
                if state["gen"] != gen:
                    return  # too late: this file was already reported as over the budget
                state["busy"] = None
            q.put((gen, item))
        q.put((gen, _DONE))

    def start(pos: int, gen: int) -> None:
        threading.Thread(target=work, args=(pos, gen), daemon=True, name="groundqa-loader").start()

    start(0, 0)
    while True:
        try:
            gen, item = q.get(timeout=_POLL_S)
        except queue.Empty:
            with lock:
                busy = state["busy"]
                if busy is None or time.monotonic() - busy[1] <= limit:
                    continue
                state["gen"] += 1
                state["busy"] = None
                gen = state["gen"]
            yield over_limit(items[busy[0]][0], limit)
            start(busy[0] + 1, gen)
            continue
        if gen != state["gen"]:
            continue  # from a reader given up on
        if item is _DONE:
            return
        yield item
