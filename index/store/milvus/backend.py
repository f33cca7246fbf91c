"""The Milvus backend behind `open_store`: the whole index in a Milvus database (server or Milvus Lite file)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from index.embed import Embedder
from index.report import IndexReport
from index.store.manifest import Manifest

STORE_FILE = "STORE"
"""In an index folder: the Milvus store `groundqa index --store` wrote to, so later commands find it."""
ADAPT_REFUSAL = ("adapt runs on the embedded index only — adapt a local copy, then index it into the Milvus store "
                 "with --model")


def recorded_store(index_dir: Path) -> str | None:
    """The Milvus store that `groundqa index --store` recorded for this index directory, if any."""
    try:
        return (Path(index_dir) / STORE_FILE).read_text().strip() or None
    except OSError:
        return None


class MilvusStore:
    """The Milvus store `spec`, used from the folder `index_dir` (see index.store.backend.Store)."""

    compacts = True
    adapt_refusal = ADAPT_REFUSAL

    def __init__(self, index_dir: Path, spec: str) -> None:
        self.index_dir = Path(index_dir)
        self.spec = spec

    def token(self) -> str | None:
        """The live manifest's token ('' when nothing was committed yet)."""
        from index.store.milvus.manifest import live_token
        from index.store.milvus.schema import parse_store

        return live_token(parse_store(self.spec))

    def load(self):  # -> MilvusIndex, which reads like a LoadedIndex
        """A view of the live manifest (NoIndex with the fix when there is none)."""
        from index.store.milvus.store import load_milvus_index

        return load_milvus_index(self.spec)

    def manifest(self) -> Manifest | None:
        """The live manifest."""
        from index.store.milvus.manifest import live_manifest

        return live_manifest(self.spec)

    def exists(self) -> bool:
        """Whether a manifest was committed."""
        return bool(self.token())

    def build(self, paths: Sequence[str | Path], embedder: Embedder, **options: Any) -> IndexReport:
        """Write what changed into the store through its writer (index/store/milvus/build.py)."""
        from index.store.milvus.build import build_into_store
        from index.store.milvus.commit import MilvusWriter

        keep = ("params", "rebuild", "remove_missing", "remove", "title_in_embedding", "progress")
        return build_into_store(MilvusWriter(self.spec), MilvusWriter.label(self.spec), paths, embedder,
                                **{k: v for k, v in options.items() if k in keep})

    def record(self) -> None:
        """Leave the store's name in INDEX/STORE (never the token) so later commands use it."""
        if recorded_store(self.index_dir) != self.spec:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            spec = self.spec if self.spec.startswith("milvus://") else "milvus:" + str(Path(self.spec[7:]).resolve())
            (self.index_dir / STORE_FILE).write_text(spec + "\n")

    def check(self, compact: bool = False) -> tuple[list[str], list[str]]:
        """Problems of the live manifest; with `compact`, segments are merged first (the note says so)."""
        from index.store.milvus.check import check_milvus
        from index.store.milvus.commit import compact as merge

        notes = []
        if compact:
            done = merge(self.spec, full=True)
            notes.append(f"compacted: {done['merged_segments']} segment(s) into one" if done else "nothing to compact")
        return check_milvus(self.spec), notes
