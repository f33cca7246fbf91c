"""Storage of an index: atomic generations and the manifest, SQLite tables, vector stores, lexical index.

`generations` is the index directory (CURRENT, gen-NNNNNN/, the writer lock); `tables` the SQLite schema of
documents, passages and sentence units; `vectors` the vector-store interface with `faiss` its embedded
implementation; `lexical` the BM25 indexes; `view` the read interface every backend implements; `writes`
what a writer hands a store that takes document-level writes. The Milvus backend (the whole index in a Milvus
database): `milvus_schema` (URI, collections), `milvus_manifest` (published manifests, alias claims, clean-up),
`milvus_segments` (writing one segment), `milvus_commit` (commits, rebases, compaction), `milvus_store` (read
view), `milvus_import` (an embedded generation copied in), `milvus_check`.
"""
from index.store.generations import (
    DEFAULT_INDEX_DIR,
    FORMAT,
    MANIFEST_FILE,
    UNIT_ROWS_FILE,
    VECTORS_FILE,
    IndexDir,
    IndexError_,
    IndexLocked,
    LoadedIndex,
    Manifest,
    NoIndex,
    fsync_tree,
    load_index,
    open_vectors,
)

__all__ = [
    "DEFAULT_INDEX_DIR",
    "FORMAT",
    "MANIFEST_FILE",
    "UNIT_ROWS_FILE",
    "VECTORS_FILE",
    "IndexDir",
    "IndexError_",
    "IndexLocked",
    "LoadedIndex",
    "Manifest",
    "NoIndex",
    "fsync_tree",
    "load_index",
    "open_vectors",
]
