"""Worker processes that read files for the indexer (index/reading.py decides when they are used).

Each worker is a fresh interpreter (`python -m index.read_pool`: not a fork of an indexer that holds model threads
and locks, and nothing of the caller's main script is run again) that reads one file at a time, sent to it over
its own pipes, so the parent always knows which file a worker holds:
a worker that dies makes exactly that file one LoadError, and a worker past the time limit is killed and
replaced. Results come back in the order of the files, however the workers finish.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from corpus import LoadError

__all__ = ["over_limit", "pool_ahead"]

_FRAME = struct.Struct("!Q")
_ROOT = str(Path(__file__).resolve().parents[1])  # the checkout holding `index`, for the workers' imports
_START_GRACE_S = 60.0  # a worker's interpreter start and imports on a loaded machine, on top of the file's limit


def _die_with_parent(parent: int) -> None:
    """End this worker when the indexer that started it ends (kill -9 included), so no worker outlives it
    holding its stderr open: Linux delivers SIGKILL at once (PR_SET_PDEATHSIG); elsewhere a thread notices."""
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


def _send(fh: BinaryIO, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(_FRAME.pack(len(data)) + data)
    fh.flush()


def _recv(fh: BinaryIO) -> object:
    head = fh.read(_FRAME.size)
    if len(head) < _FRAME.size:
        raise EOFError("the other side closed the pipe")
    n = _FRAME.unpack(head)[0]
    data = fh.read(n)
    if len(data) < n:
        raise EOFError("the other side closed the pipe")
    return pickle.loads(data)


def worker_main(parent: int, read_name: str) -> None:
    """A worker's life (python -m index.read_pool PARENT MODULE:FUNCTION): read each (position, file, root)
    that comes on stdin until None, sending (position, item) back on stdout."""
    import importlib

    _die_with_parent(parent)
    import logging

    # As the CLI does in the indexer (app/cli/main.py): a damaged file's trouble is its one LoadError, never
    # pypdf's repair notes printed by logging's last-resort handler onto the indexer's stderr.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the indexer's to handle; it ends the workers
    module, _, name = read_name.partition(":")
    read = getattr(importlib.import_module(module), name)
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a library that prints must not write into the result pipe
    while True:
        try:
            task = _recv(inp)
        except EOFError:
            return
        if task is None:
            return
        pos, f, root = task
        _send(out, (pos, read(f, root)))


class _Worker:
    """One worker process, its pipes, and the file it is reading (position, start time) if any."""

    def __init__(self, read_name: str) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]))
        self.proc = subprocess.Popen([sys.executable, "-m", "index.read_pool", str(os.getpid()), read_name],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True)
        self.task: tuple[int, float] | None = None
        self.fresh = True  # not yet past its start-up

    def fileno(self) -> int:
        return self.proc.stdout.fileno()  # type: ignore[union-attr]

    def give(self, pos: int, f: Path, root: Path) -> None:
        _send(self.proc.stdin, (pos, f, root))  # type: ignore[arg-type]
        self.task = (pos, time.monotonic())

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait(5)
        for fh in (self.proc.stdin, self.proc.stdout):
            try:
                fh.close()  # type: ignore[union-attr]
            except OSError:
                pass

    def stop(self) -> None:
        try:
            _send(self.proc.stdin, None)  # type: ignore[arg-type]
            self.proc.stdin.close()  # type: ignore[union-attr]
        except (OSError, ValueError):
            pass


def _crashed(f: Path, code: int | None) -> LoadError:
    how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return LoadError(str(f), f"its reader process stopped ({how}) while reading it",
                     "check that the file opens in a PDF viewer; re-saving it from the viewer (print to PDF) "
                     "usually mends it")


def pool_ahead(items: list[tuple[Path, Path, str]], n: int, limit: float, heavy: Callable[[Path], bool],
               read: Callable, ahead: int) -> Iterator:
    """Read `items` in `n` worker processes (light files in this process), yielding results in order; a file
    is given up `limit` seconds after its worker took it (plus the worker's start-up, for its first file).
    `read(file, root)` is a module-level function: the workers import it by name. The workers are kept busy
    by a thread of their own, so they read on while the caller embeds (up to `ahead` files per worker)."""
    pool = _Pool(items, n, limit, heavy, f"{read.__module__}:{read.__name__}", ahead)
    thread = threading.Thread(target=pool.run, daemon=True, name="groundqa-read-pool")
    thread.start()
    try:
        for pos, (f, root, _) in enumerate(items):
            if heavy(f):
                yield pool.take(pos)
            else:
                yield read(f, root)
                pool.advance(pos + 1)
    finally:
        pool.stop()
        thread.join(5)


class _Pool:
    """The dispatcher: gives files to idle workers in order, collects results, replaces dead or stuck workers."""

    def __init__(self, items: list[tuple[Path, Path, str]], n: int, limit: float, heavy: Callable[[Path], bool],
                 read_name: str, ahead: int) -> None:
        self.items, self.limit, self.ahead, self.read_name = items, limit, ahead * n, read_name
        self.todo = [i for i, (f, _, _) in enumerate(items) if heavy(f)]
        self.todo.reverse()  # popped from the end: in order
        self.done: dict[int, object] = {}
        self.nxt = 0  # the caller's position: files are read at most `ahead` beyond it
        self.cond = threading.Condition()
        self.stopped = False
        self.workers = [_Worker(read_name) for _ in range(n)]

    def advance(self, pos: int) -> None:
        with self.cond:
            self.nxt = max(self.nxt, pos)

    def take(self, pos: int) -> object:
        """The result for file `pos`, waiting for it."""
        with self.cond:
            self.nxt = max(self.nxt, pos)
            self.cond.notify_all()
            while pos not in self.done:
                if self.stopped:
                    raise RuntimeError("the file readers stopped")
                self.cond.wait(0.5)
            return self.done.pop(pos)

    def stop(self) -> None:
        with self.cond:
            self.stopped = True

    def run(self) -> None:
        try:
            while True:
                with self.cond:
                    if self.stopped or (not self.todo and all(w.task is None for w in self.workers)):
                        break
                    for w in self.workers:  # keep every worker busy, within `ahead` files of the caller
                        if w.task is None and self.todo and self.todo[-1] < self.nxt + self.ahead:
                            pos = self.todo.pop()
                            w.give(pos, self.items[pos][0], self.items[pos][1])
                    busy = [w for w in self.workers if w.task is not None]
                if not busy:
                    with self.cond:
                        self.cond.wait(0.5)
                    continue
                ready, _, _ = select.select(busy, [], [], 0.5)
                self._collect(busy, ready)
        finally:
            with self.cond:
                self.stopped = True
                self.cond.notify_all()
            for w in self.workers:
                w.stop()
            deadline = time.monotonic() + 1.0
            for w in self.workers:
                try:
                    w.proc.wait(max(0.01, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    w.kill()

    def _collect(self, busy: list[_Worker], ready: list[_Worker]) -> None:
        now = time.monotonic()
        for w in busy:
            assert w.task is not None
            pos, started = w.task
            died = False
            if w in ready:
                try:
                    got_pos, item = _recv(w.proc.stdout)  # type: ignore[misc, arg-type]
                except (EOFError, OSError, pickle.UnpicklingError):
                    died = True
                else:
                    with self.cond:
                        self.done[got_pos] = item
                        w.task, w.fresh = None, False
                        self.cond.notify_all()
                    continue
            if not died and now - started <= self.limit + (_START_GRACE_S if w.fresh else 0):
                continue
            # Died (a crash, a kill) or over the limit: that file is the one it held; a new worker reads on.
            w.kill()
            f = self.items[pos][0]
            with self.cond:
                self.done[pos] = _crashed(f, w.proc.returncode) if died else over_limit(f, self.limit)
                self.workers[self.workers.index(w)] = _Worker(self.read_name)
                self.cond.notify_all()


def over_limit(f: Path, limit: float) -> LoadError:
    """The error of a file whose reading went past `limit` seconds and was stopped."""
    from corpus.loaders.budget import BUDGET_ENV

    return LoadError(str(f), f"reading took over {limit:g} s (the per-file limit) and was stopped",
                     f"split the file, or raise ${BUDGET_ENV}")


if __name__ == "__main__":
    worker_main(int(sys.argv[1]), sys.argv[2])
