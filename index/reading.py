"""Reading files ahead of the indexer, so parsing overlaps embedding: in a pool of worker processes (one per
core by default), or on one background thread.

Files come back in the order given (the index is the same whatever the number of workers), at most a few
per worker ahead of the embedder (bounded memory). A file whose worker dies (a crash in a PDF library, a
kill) is that file's one-line LoadError; the pool is restarted and the other files are read.
"""
from __future__ import annotations

import os
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Iterator

from corpus import Document, LoadError, load_file

__all__ = ["default_workers", "file_sizes", "load_ahead", "read_one"]

_DONE = object()
_LIGHT = frozenset({".txt", ".md"})  # read in the caller: parsing them is quicker than a message to a worker
_LIGHT_BYTES = 64 * 1024
_MAX_QUEUED = 256  # light files waiting behind a heavy one, at most
_AHEAD_PER_WORKER = 2  # files read ahead per worker: enough to keep each busy, few enough to bound memory

Item = tuple[Document, str, int] | LoadError


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def file_sizes(items: list[tuple[Path, Path, str]]) -> list[int]:
    """Bytes of each (file, root, hash) item, 0 where it cannot be read (its LoadError comes later)."""
    out = []
    for f, _, _ in items:
        try:
            out.append(f.stat().st_size)
        except OSError:
            out.append(0)
    return out


def read_one(f: Path, root: Path) -> Item:
    """One file read: (document, source path, size in bytes), or the LoadError that says why not."""
    try:
        doc = load_file(f, root=root)
        return doc, str(f.resolve()), f.stat().st_size
    except LoadError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - a loader bug must not kill the whole run
        return LoadError(str(f), f"could not be read ({type(exc).__name__}: {exc})")


def _crashed(f: Path, exc: BaseException) -> LoadError:
    return LoadError(str(f), f"its reader process stopped ({type(exc).__name__}) while reading it",
                     "check that the file opens in a viewer, or index it on its own with --workers 1")


def load_ahead(items: list[tuple[Path, Path, str]], workers: int | None = None) -> Iterator[Item]:
    """Read `items` (file, root, hash) ahead of the caller, in order: in `workers` processes (default one per
    core), or on one thread when there is one worker or one file worth a process (a pool's start-up and
    its per-file messages cost more than reading small text files, which are read by the caller)."""
    n = min(workers or default_workers(), sum(map(_heavy, items)))
    if n <= 1:
        yield from _thread_ahead(items)
    else:
        yield from _pool_ahead(items, n)


def _heavy(item: tuple[Path, Path, str]) -> bool:
    """Whether a file takes long enough to parse to send it to a worker (PDF, DOCX, HTML over 64 KB)."""
    f = item[0]
    if f.suffix.lower() in _LIGHT:
        return False
    try:
        return f.suffix.lower() in (".pdf", ".docx") or f.stat().st_size >= _LIGHT_BYTES
    except OSError:
        return False


def _thread_ahead(items: list[tuple[Path, Path, str]]) -> Iterator[Item]:
    q: queue.Queue = queue.Queue(maxsize=8)

    def work() -> None:
        for f, root, _ in items:
            q.put(read_one(f, root))
        q.put(_DONE)

    t = threading.Thread(target=work, daemon=True, name="groundqa-loader")
    t.start()
    while (item := q.get()) is not _DONE:
        yield item
    t.join()


def _die_with_parent(parent: int) -> None:
    """Worker start-up: end this worker when `parent`, the process that started it, ends (kill -9 included).

    A worker blocked on its task queue would otherwise outlive a killed indexer, holding its stderr open
    (whoever waits for that output hangs). Linux delivers SIGKILL at once (PR_SET_PDEATHSIG); elsewhere a
    thread notices the new parent within a second."""
    import signal

    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="groundqa-reader-watch").start()


def _new_pool(n: int) -> ProcessPoolExecutor:
    import multiprocessing

    # spawn: workers start from a clean interpreter, not a fork of one holding model threads and locks; and
    # their parent is this process, so they die with it (a forkserver outlived a kill -9 here).
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_die_with_parent,
                               initargs=(os.getpid(),))


def _busy(flight: deque) -> int:
    """Files in flight that a worker reads."""
    return sum(x[3] is not None for x in flight)


def _pool_ahead(items: list[tuple[Path, Path, str]], n: int) -> Iterator[Item]:
    pool = _new_pool(n)
    todo = deque(enumerate(items))
    flight: deque[tuple[int, Path, Path, Future | None]] = deque()  # None: a light file, read here
    suspects: set[int] = set()  # files in flight when a worker died: read again one at a time
    try:
        while todo or flight:
            # Keep the pool busy; a suspect is read alone, so a second crash names its file for certain.
            while todo and len(flight) < _MAX_QUEUED and _busy(flight) < n * _AHEAD_PER_WORKER and not (
                    flight and (todo[0][0] in suspects or any(j in suspects for j, *_ in flight))):
                i, (f, root, _) = todo.popleft()
                if not _heavy((f, root, "")):
                    flight.append((i, f, root, None))
                    continue
                try:
                    flight.append((i, f, root, pool.submit(read_one, f, root)))
                except BrokenProcessPool:
                    todo.appendleft((i, (f, root, "")))
                    break
                if i in suspects:
                    break
            if not flight:
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _new_pool(n)
                continue
            i, f, root, fut = flight[0]
            if fut is None:
                flight.popleft()
                yield read_one(f, root)
                continue
            try:
                item = fut.result()
            except BrokenProcessPool as exc:
                if i in suspects or _busy(flight) == 1:
                    flight.popleft()
                    yield _crashed(f, exc)
                # Every file in flight failed with the pool; read those again, the suspects one by one.
                again = [(j, (g, r, "")) for j, g, r, fu in flight if fu is not None]
                light = [(j, (g, r, "")) for j, g, r, fu in flight if fu is None]
                suspects.update(j for j, _ in again)
                todo.extendleft(reversed(sorted(again + light)))
                flight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _new_pool(n)
                continue
            flight.popleft()
            yield item
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
