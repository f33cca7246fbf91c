"""Copying an embedded index's live generation (SQLite + vectors) into a Milvus store as one commit, with its
vectors (nothing is re-embedded): for moving an index to Milvus, and for the benchmarks."""
from __future__ import annotations

import json
from pathlib import Path

from corpus.types import Document, Passage
from index.store import tables as db
from index.store.local.generations import Manifest, open_vectors
from index.store.writes import CommitResult, DocWrite, StoreSettings


def generation_writes(gen: Path) -> tuple[StoreSettings, list[DocWrite]]:
    """The documents of a local generation folder as DocWrites (vectors are views of its vector file)."""
    man = Manifest.read(gen)
    vecs = open_vectors(gen, man.n_units, man.dim)
    con = db.connect(gen / db.DB_FILE, readonly=True)
    out = []
    try:
        for r in con.execute("SELECT * FROM documents ORDER BY (SELECT min(row) FROM passages p "
                             "WHERE p.doc_id = documents.doc_id)"):
            doc = Document(path=r["path"], title=r["title"], text=r["text"],
                           page_starts=tuple(json.loads(r["page_starts"])), file_hash=r["file_hash"],
                           doc_id=r["doc_id"], ocr_pages=tuple(json.loads(r["ocr_pages"])))
            prows = con.execute("SELECT * FROM passages WHERE doc_id=? ORDER BY row", (doc.doc_id,)).fetchall()
            index = {p["row"]: i for i, p in enumerate(prows)}
            passages = [Passage(doc.doc_id, p["start"], p["end"], p["text"],
                                (p["page_start"], p["page_end"]) if p["page_start"] is not None else None,
                                p["section"]) for p in prows]
            units = con.execute("SELECT id, row, start, end FROM units WHERE doc_id=? ORDER BY id",
                                (doc.doc_id,)).fetchall()
            ids = [u["id"] for u in units]
            if ids and ids != list(range(ids[0], ids[0] + len(ids))):
                vv = vecs[ids]
            else:
                vv = vecs[ids[0]:ids[0] + len(ids)] if ids else vecs[0:0]
            out.append(DocWrite(doc, r["source"], r["size"], r["indexed_at"], passages,
                                [(index[u["row"]], u["start"], u["end"]) for u in units], vv))
    finally:
        con.close()
    settings = StoreSettings(man.model, man.dim, dict(man.chunking), bool(man.data.get("title_in_embedding", False)),
                             int(man.data.get("row_context", 0)))
    return settings, out


def import_generation(store: str, gen: Path) -> CommitResult:
    """Add every document of a local generation to a Milvus store in one commit."""
    from index.store.milvus.commit import MilvusWriter

    settings, writes = generation_writes(gen)
    return MilvusWriter(store).commit(writes, [], settings)
