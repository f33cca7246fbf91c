"""The local backend behind `open_store`: an index folder of atomic generations (index/builder.py writes them)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from index.embed import Embedder
from index.report import IndexReport
from index.store.local.generations import IndexDir, LoadedIndex, load_index
from index.store.manifest import Manifest


class LocalStore:
    """An index in the folder `index_dir` (see index.store.backend.Store)."""

    spec = None
    compacts = False
    adapt_refusal = None

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)

    def token(self) -> str | None:
        """The live generation's token (None: none yet)."""
        return IndexDir(self.index_dir).current_token()

    def load(self) -> LoadedIndex:
        """The live generation, loaded."""
        return load_index(self.index_dir)

    def manifest(self) -> Manifest | None:
        """The live generation's manifest."""
        gen = IndexDir(self.index_dir).current()
        return Manifest.read(gen) if gen else None

    def exists(self) -> bool:
        """Whether a generation is live."""
        return IndexDir(self.index_dir).current() is not None

    def build(self, paths: Sequence[str | Path], embedder: Embedder, **options: Any) -> IndexReport:
        """A new generation with what changed (index.builder.build_index)."""
        from index.builder import build_index

        return build_index(paths, self.index_dir, embedder, **options)

    def record(self) -> None:
        """Nothing to record: the folder is the index."""

    def check(self, compact: bool = False) -> tuple[list[str], list[str]]:
        """Problems of the live generation; notes: documents holding text addressed to an AI model."""
        from index.store.local.check import addressed_documents, check_index

        return check_index(self.index_dir), [f"warning: {line}" for line in addressed_documents(self.index_dir)]
