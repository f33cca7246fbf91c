"""A small thread-safe least-recently-used cache (documents and metadata read from a remote store)."""
from __future__ import annotations

import threading
from collections import OrderedDict


class LRU:
    """At most `n` entries; `get` marks an entry used, `put` drops the least recently used beyond `n`."""


    def __init__(self, n: int) -> None:
        self._d: OrderedDict = OrderedDict()
        self._n = n
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._d[key] = value
            while len(self._d) > self._n:
                self._d.popitem(last=False)
