"""Holding an index's writer lock from a thread, as another groundqa process writing the index would."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def writer_lock_held(index_dir: Path) -> Iterator[None]:
    """Inside the block, another writer holds `index_dir`'s lock; it lets go when the block ends."""
    from index.store import IndexDir

    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with IndexDir(index_dir).writer_lock():
            held.set()
            release.wait(60)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert held.wait(10), "the writer lock could not be taken"
        yield
    finally:
        release.set()
        t.join()
