"""Reading files ahead of the indexer on a background thread, so parsing overlaps embedding — and never
waiting on one file past its read budget (corpus.loaders.budget), since the index is locked meanwhile."""
from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Iterator

from corpus import Document, LoadError, load_file
from corpus.loaders.budget import BUDGET_ENV, GRACE_S, read_budget_s

__all__ = ["load_ahead"]

_DONE = object()
_POLL_S = 0.5


def load_ahead(items: list[tuple[Path, Path, str]], budget_s: float | None = None
               ) -> Iterator[tuple[Document, str, int] | LoadError]:
    """Load files on a background thread so parsing overlaps embedding (bounded queue: bounded memory).

    A file still being read GRACE_S after the per-file budget (`budget_s`, default read_budget_s()) is given
    up: it comes out as a LoadError, its reader thread is left to finish on its own and its result is dropped,
    and a fresh thread reads the files after it. Loaders that read page by page stop at the budget themselves;
    this is the bound for everything else (a parser stuck inside one page, any format)."""
    limit = (read_budget_s() if budget_s is None else budget_s) + GRACE_S
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
            f = items[busy[0]][0]
            yield LoadError(str(f), f"reading took over {limit:g} s (the per-file limit) and was stopped",
                            f"split the file, or raise ${BUDGET_ENV}")
            start(busy[0] + 1, gen)
            continue
        if gen != state["gen"]:
            continue  # from a reader given up on
        if item is _DONE:
            return
        yield item
