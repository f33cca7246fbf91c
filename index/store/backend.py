"""One factory for both storage backends: `open_store(index_dir, spec)` is the only place that tells the
local folder (index/store/local/) from a Milvus database (index/store/milvus/). Every face and the API hold
the `Store` it returns and never ask which backend it is.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, Sequence

from index.embed import Embedder
from index.report import IndexReport
from index.store.local.generations import LoadedIndex
from index.store.manifest import Manifest

class Store(Protocol):
    """Where an index lives, whichever backend: its live version, its read view, its build and its checks."""

    spec: str | None
    """The store as given (milvus://HOST:PORT/DB or milvus:FILE); None: the local folder."""
    compacts: bool
    """Whether `check(compact=True)` applies (a store of segments; a local generation is rewritten whole)."""
    adapt_refusal: str | None
    """Why `groundqa adapt` cannot run on this store (None: it can)."""

    def token(self) -> str | None:
        """What names the live version ('' or None: nothing built yet); a new token means re-load."""

    def load(self) -> LoadedIndex:
        """A read view of the live version, or NoIndex with the fix."""

    def manifest(self) -> Manifest | None:
        """The live manifest, or None when nothing was built yet."""

    def exists(self) -> bool:
        """Whether an index has been built here."""

    def build(self, paths: Sequence[str | Path], embedder: Embedder, **options: Any) -> IndexReport:
        """Index files and folders (options as index.builder.build_index takes them); returns what changed."""

    def record(self) -> None:
        """Leave what later commands need to find this store in the index folder."""

    def check(self, compact: bool = False) -> tuple[list[str], list[str]]:
        """(problems, notes): problems found in the live version (none: sound), and lines to show beside them."""


def open_store(index_dir: str | Path, spec: str | None = None) -> Store:
    """The store of an index: `spec` (milvus://HOST:PORT/DB or milvus:FILE), else the one recorded in
    `index_dir`, else the local folder `index_dir` itself."""
    from index.store.local.backend import LocalStore
    from index.store.milvus.backend import MilvusStore, recorded_store

    index_dir = Path(index_dir)
    spec = spec or recorded_store(index_dir)
    return MilvusStore(index_dir, spec) if spec else LocalStore(index_dir)
