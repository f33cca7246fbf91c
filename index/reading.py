"""Reading files ahead of the indexer on a background thread, so parsing overlaps embedding."""
from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Iterator

from corpus import Document, LoadError, load_file

__all__ = ["load_ahead"]

_DONE = object()


def load_ahead(items: list[tuple[Path, Path, str]]) -> Iterator[tuple[Document, str, int] | LoadError]:
    """Load files on a background thread so parsing overlaps embedding (bounded queue: bounded memory)."""
    q: queue.Queue = queue.Queue(maxsize=8)

    def work() -> None:
        for f, root, _ in items:
            try:
                doc = load_file(f, root=root)
                q.put((doc, str(f.resolve()), f.stat().st_size))
            except LoadError as exc:
                q.put(exc)
            except Exception as exc:  # a loader bug must not kill the whole run
                q.put(LoadError(str(f), f"could not be read ({type(exc).__name__}: {exc})"))
        q.put(_DONE)

    t = threading.Thread(target=work, daemon=True, name="groundqa-loader")
    t.start()
    while (item := q.get()) is not _DONE:
        yield item
    t.join()
