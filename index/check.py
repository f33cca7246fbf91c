"""`groundqa check`: verify an index generation end to end and list what is wrong."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from corpus.types import content_hash
from index import db
from index.citations import make_citation_id
from index.store import UNIT_ROWS_FILE, VECTORS_FILE, IndexDir, IndexError_, Manifest, open_vectors


def check_index(root: Path) -> list[str]:
    """Problems found in the live generation of `root` (empty list: the index is sound).

    Checks: CURRENT names a generation; the manifest reads; vector count = unit count = FAISS count,
    BM25 count = passage count; passage rows are 0..N-1; every passage's text equals its span of its
    document's canonical text; manifest documents match the table; vectors are finite and unit length.
    """
    gen = IndexDir(root).current()
    if gen is None:
        return [f"{root}: no live generation (CURRENT missing or pointing nowhere)"]
    problems: list[str] = []
    try:
        man = Manifest.read(gen)
    except IndexError_ as exc:
        return [str(exc)]
    try:
        con = db.connect(gen / db.DB_FILE, readonly=True)
        n_rows = con.execute("SELECT count(*) FROM passages").fetchone()[0]
        texts = {r[0]: r[1] for r in con.execute("SELECT doc_id, text FROM documents")}
    except sqlite3.DatabaseError as exc:
        return [f"passage table {gen / db.DB_FILE} is unreadable: {exc}"]
    if n_rows != man.n_passages:
        problems.append(f"passage table has {n_rows} rows, manifest says {man.n_passages}")
    rows = [r[0] for r in con.execute("SELECT row FROM passages ORDER BY row")]
    if rows != list(range(len(rows))):
        problems.append("passage row ids are not 0..N-1: FAISS ids would map to the wrong passages")
    bad = 0
    for r in con.execute("SELECT row, doc_id, start, end, text FROM passages"):
        t = texts.get(r["doc_id"])
        if t is None or t[r["start"]:r["end"]] != r["text"]:
            bad += 1
            if bad <= 5:
                problems.append(f"passage {r['row']} ({make_citation_id(r['doc_id'], r['start'], r['end'])}) "
                                "text differs from its document span")
    if bad > 5:
        problems.append(f"... {bad - 5} more passages differ from their document spans")
    for doc_id, t in texts.items():
        if content_hash(t) != doc_id:
            problems.append(f"document {doc_id} text does not match its content hash")
    n_units = con.execute("SELECT count(*) FROM units").fetchone()[0]
    if n_units != man.n_units:
        problems.append(f"unit table has {n_units} rows, manifest says {man.n_units}")
    orphans = con.execute("SELECT count(*) FROM units u LEFT JOIN passages p ON p.row = u.row "
                          "WHERE p.row IS NULL OR u.start < p.start OR u.end > p.end").fetchone()[0]
    if orphans:
        problems.append(f"{orphans} sentence units lie outside their passage")
    try:
        unit_rows = np.load(gen / UNIT_ROWS_FILE)
        if len(unit_rows) != man.n_units:
            problems.append(f"{UNIT_ROWS_FILE} maps {len(unit_rows)} units, manifest says {man.n_units}")
    except (OSError, ValueError) as exc:
        problems.append(f"{UNIT_ROWS_FILE} unreadable: {exc}")
    listed = set(man.data.get("documents", {}))  # type: ignore[arg-type]
    if listed != set(texts):
        problems.append(f"manifest lists {len(listed)} documents, table holds {len(texts)}")
    try:
        vecs = open_vectors(gen, man.n_units, man.dim)
        if len(vecs):
            norms = np.linalg.norm(np.asarray(vecs[: min(len(vecs), 100_000)]), axis=1)
            if not np.all(np.isfinite(norms)) or np.abs(norms - 1).max() > 1e-3:
                problems.append(f"{VECTORS_FILE} holds vectors that are not finite unit vectors")
    except IndexError_ as exc:
        problems.append(str(exc))
        vecs = None
    try:
        from index.faiss_store import FaissStore

        store = FaissStore.load(gen, vecs if vecs is not None else np.zeros((0, man.dim), np.float32))
        if len(store) != man.n_units:
            problems.append(f"FAISS index holds {len(store)} vectors, manifest says {man.n_units}")
    except Exception as exc:  # faiss raises RuntimeError with C++ text
        problems.append(f"FAISS index unreadable: {str(exc).splitlines()[0][:200]}")
    try:
        from index.lexical import LexicalIndex

        lex = LexicalIndex.load(gen, man.n_passages)
        if lex._bm25 is not None and int(lex._bm25.scores["num_docs"]) != man.n_passages:
            problems.append(f"BM25 index covers {lex._bm25.scores['num_docs']} passages, manifest says {man.n_passages}")
    except Exception as exc:
        problems.append(f"BM25 index unreadable: {str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}")
    return problems
