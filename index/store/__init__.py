"""Storage of an index: two backends behind one factory, and what they share.

Shared here: `errors` (IndexFailure, NoIndex, IndexLocked), `manifest` (what an index was built with), `tables`
(the SQLite schema and the document records both backends return), `lexical` (BM25 over bm25s tokens), `view`
(the read interface every backend implements) and `writes` (the StoreWriter protocol a build writes through).
`backend.open_store(index_dir, spec)` picks the backend — the only place that tells them apart:
- `local/`: the embedded index in a folder — `generations` (CURRENT, gen-NNNNNN/, the writer lock, the loaded
  read side), `faiss` and `vectors` (the vector store), `subset`, `check`;
- `milvus/`: the whole index in a Milvus database — `schema` (URI, collections), `manifest` (published
  manifests, alias claims, clean-up), `segments` (writing one segment), `commit` (commits, rebases,
  compaction), `build` (the build into a store writer), `store` (read view), `from_local` (an embedded
  generation copied in), `check`.
"""
from index.store.errors import IndexFailure, IndexLocked, NoIndex
from index.store.local.generations import (
    DEFAULT_INDEX_DIR,
    UNIT_ROWS_FILE,
    VECTORS_FILE,
    IndexDir,
    LoadedIndex,
    fsync_tree,
    load_index,
    open_vectors,
)
from index.store.manifest import FORMAT, MANIFEST_FILE, Manifest

__all__ = [
    "DEFAULT_INDEX_DIR",
    "FORMAT",
    "MANIFEST_FILE",
    "UNIT_ROWS_FILE",
    "VECTORS_FILE",
    "IndexDir",
    "IndexFailure",
    "IndexLocked",
    "LoadedIndex",
    "Manifest",
    "NoIndex",
    "fsync_tree",
    "load_index",
    "open_vectors",
]
