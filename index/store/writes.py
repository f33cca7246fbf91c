"""What a writer hands a store that takes writes document by document (the Milvus store).

The builder (index/ layer, index/store/milvus/build.py) decides per file what changed, loads, chunks and embeds
only that, and hands the store `DocWrite`s and the sources to remove; the store decides how they are kept
(index/store/milvus/commit.py: a new segment plus tombstones under a published manifest). So the store
layer never imports the builder: it only defines these types.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Protocol, Sequence

import numpy as np

from corpus.types import Document, Passage
from index.store.tables import DocInfo, StoredDoc


@dataclass
class DocWrite:
    """One document to add (new, or a new version of a source already indexed)."""

    doc: Document
    source: str
    size: int
    indexed_at: str
    passages: list[Passage]
    units: list[tuple[int, int, int]]
    """Sentence units as (index of their passage in `passages`, start, end), in the order of `vectors`."""
    vectors: np.ndarray
    """One float32 row per unit (embedding of the unit's text)."""


@dataclass
class StoreSettings:
    """How a store's vectors and passages were made; a commit with other settings must replace everything."""

    model: str
    dim: int
    chunking: dict
    title_in_embedding: bool
    row_context: int
    """Row-context version of the vectors (index/texts.py: 0 none, 1 caption and row group, 2 also the page head)."""
    extra: dict = field(default_factory=dict)


@dataclass
class CommitResult:
    """What a commit published."""

    n_documents: int
    n_passages: int
    number: int
    """The committed manifest's number (head n)."""


class StoreWriter(Protocol):
    """A store that takes document-level writes (see module docstring)."""

    def settings(self) -> StoreSettings | None: ...
    def documents(self, sources: Sequence[str] | None = None, under: Sequence[str] = ()) -> Mapping[str, DocInfo]:
        """Current documents by source: all, or those of `sources` and those under the folders `under`."""
        ...
    def size(self) -> tuple[int, int]:
        """(documents, passages) currently in the store."""
        ...
    def current_ids(self, doc_ids: Sequence[str]) -> set[str]:
        """Which of these document ids the store holds as current documents."""
        ...
    def document(self, doc_id: str) -> StoredDoc | None: ...
    def unit_vectors_of(self, doc_id: str) -> list[tuple[int, int, np.ndarray]]:
        """(start, end, vector) of a current document's units (for reusing unchanged sentences' vectors)."""
        ...
    def commit(self, adds: Sequence[DocWrite], removes: Sequence[str], settings: StoreSettings,
               replace_all: bool = False, progress=None) -> CommitResult:
        """Publish `adds` (replacing any current document with the same source) and remove the current
        documents of `removes` (sources); `replace_all` drops every other document."""
        ...
    def ensure_live(self) -> None: ...
