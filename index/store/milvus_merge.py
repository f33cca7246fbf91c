"""Document-level merge of two generations built from one base (a Milvus writer that lost the commit race).

The writer's own changes relative to the base it started from — documents added or changed (by source
file) and sources removed — are applied to the other writer's newer generation; every other document of
that generation is kept as it is. Passages, units and vectors are copied, never re-embedded.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from index.store import tables as db
from index.store.generations import (UNIT_ROWS_FILE, VECTORS_FILE, IndexDir, IndexError_, Manifest, open_vectors)


def merge_generations(base_docs: dict[str, str], mine: Path, theirs: Path, out_root: Path) -> Path:
    """A new local generation: `theirs` with the changes `mine` made to `base_docs` (source → doc id)."""
    from index.builder import _carry_doc, _Gen, _VectorWriter

    m_man, t_man = Manifest.read(mine), Manifest.read(theirs)
    row_ctx = bool(m_man.data.get("row_context", False))
    if m_man.model != t_man.model or m_man.dim != t_man.dim or row_ctx != bool(t_man.data.get("row_context", False)):
        raise IndexError_(f"another writer re-embedded the store with {t_man.model!r} while this one used "
                          f"{m_man.model!r} — run `groundqa index` again")
    m_con = db.connect(mine / db.DB_FILE, readonly=True)
    t_con = db.connect(theirs / db.DB_FILE, readonly=True)
    m_vecs = open_vectors(mine, m_man.n_units, m_man.dim)
    t_vecs = open_vectors(theirs, t_man.n_units, t_man.dim)
    mine_docs = {d.source: d for d in db.list_documents(m_con)}
    their_docs = {d.source: d for d in db.list_documents(t_con)}
    touched = {s for s, d in mine_docs.items() if base_docs.get(s) != d.doc_id}
    removed = {s for s in base_docs if s not in mine_docs}
    idx = IndexDir(out_root)
    tmp = idx.new_generation()
    g = _Gen(db.connect(tmp / db.DB_FILE), _VectorWriter(tmp / VECTORS_FILE, m_man.dim))
    con = g.con
    for src_con in (t_con, m_con):  # archived versions of both, so every old citation id still resolves
        for r in src_con.execute("SELECT * FROM doc_versions"):
            con.execute("INSERT OR REPLACE INTO doc_versions VALUES (?,?,?,?,?,?,?,?)", tuple(r))
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    present: set[str] = set()
    for src, info in sorted(their_docs.items()):
        stored = db.get_document(t_con, info.doc_id)
        assert stored is not None
        if src in removed or src in touched:
            if src in removed and info.doc_id != base_docs.get(src):  # they changed what this writer removed
                db.archive_document(con, stored, when, None)
            continue
        _carry_doc(g, t_con, stored, info, t_vecs, row_ctx)
        present.add(info.doc_id)
    for src in sorted(touched):
        info = mine_docs[src]
        if info.doc_id in present:  # the same text, indexed by the other writer under another name
            continue
        stored = db.get_document(m_con, info.doc_id)
        assert stored is not None
        _carry_doc(g, m_con, stored, info, m_vecs, row_ctx)
        present.add(info.doc_id)
    con.commit()
    g.writer.close()
    unit_rows = np.zeros(g.next_unit, np.int32)
    for uid, row in con.execute("SELECT id, row FROM units"):
        unit_rows[uid] = row
    np.save(tmp / UNIT_ROWS_FILE, unit_rows)
    documents = {r[0]: {"path": r[1], "file_hash": r[2]} for r in
                 con.execute("SELECT doc_id, path, file_hash FROM documents ORDER BY path")}
    data = dict(m_man.data)
    data.update({"n_passages": g.next_row, "n_units": g.next_unit, "n_documents": len(documents),
                 "documents": documents, "created_at": when})
    con.close()
    m_con.close()
    t_con.close()
    Manifest(data).write(tmp)
    return idx.commit(tmp)
