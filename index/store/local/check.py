"""`groundqa check`: verify an index generation end to end and list what is wrong."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from corpus.addressed import first_addressed
from corpus.types import content_hash
from index.store import tables as db
from index.citations import make_citation_id
from index.store import MANIFEST_FILE, UNIT_ROWS_FILE, VECTORS_FILE, IndexDir, IndexFailure, Manifest, open_vectors

FAISS_SAMPLE = 256
"""Unit vectors looked up in FAISS to confirm its ids map to the same rows of vectors.f32."""


def check_index(root: Path) -> list[str]:
    """Problems found in the live generation of `root` (empty list: the index is sound).

    Checks: CURRENT names a generation; the manifest reads; vector count = unit count = FAISS count,
    BM25 counts = passage and unit counts; passage rows and unit ids are 0..N-1 and unit_rows.npy
    matches the unit table; every passage's text equals its span of its document's canonical text;
    manifest documents match the table; every document's
    source file exists (when it has one); vectors are finite and unit length; FAISS ids map to rows.
    Never raises for a damaged index: every problem is one line in the list.
    """
    gen = IndexDir(root).current()
    if gen is None:
        return [f"{root}: no live generation (CURRENT missing or pointing nowhere)"]
    try:
        man = Manifest.read(gen)
        n_passages, n_units, dim = man.n_passages, man.n_units, man.dim
        if n_passages < 0 or n_units < 0 or dim <= 0:
            raise ValueError(f"n_passages={n_passages}, n_units={n_units}, dim={dim}")
    except IndexFailure as exc:
        return [str(exc)]
    except (KeyError, TypeError, ValueError) as exc:
        return [f"index manifest {gen / MANIFEST_FILE} lacks or garbles a required field "
                f"({type(exc).__name__}: {exc}) — rebuild with `groundqa index --rebuild`"]
    problems: list[str] = []
    try:
        _check_table(gen, man, problems)
    except sqlite3.DatabaseError as exc:
        problems.append(f"passage table {gen / db.DB_FILE} is unreadable: {exc}")
    try:
        vecs = open_vectors(gen, n_units, dim)
        if len(vecs):
            norms = np.linalg.norm(np.asarray(vecs[: min(len(vecs), 100_000)]), axis=1)
            if not np.all(np.isfinite(norms)) or np.abs(norms - 1).max() > 1e-3:
                problems.append(f"{VECTORS_FILE} holds vectors that are not finite unit vectors")
    except (IndexFailure, OSError, ValueError) as exc:
        problems.append(str(exc))
        vecs = None
    try:
        from index.store.local.faiss import FaissStore

        store = FaissStore.load(gen, vecs if vecs is not None else np.zeros((0, dim), np.float32))
        if len(store) != n_units:
            problems.append(f"FAISS index holds {len(store)} vectors, manifest says {n_units}")
        elif vecs is not None and len(vecs) and store.dim == dim:
            problems.extend(_check_faiss_ids(store, vecs))
    except Exception as exc:  # faiss raises RuntimeError with C++ text
        problems.append(f"FAISS index unreadable: {_first_line(exc)}")
    for name, n in (("bm25", n_passages), ("bm25_units", n_units)):
        try:
            from index.store.lexical import LexicalIndex

            if n and not (gen / name).is_dir():
                problems.append(f"BM25 index {name}/ is missing")
                continue
            lex = LexicalIndex.load(gen, n, name)
            if lex._bm25 is not None and int(lex._bm25.scores["num_docs"]) != n:
                problems.append(f"BM25 index {name}/ covers {lex._bm25.scores['num_docs']} entries, manifest says {n}")
        except Exception as exc:
            problems.append(f"BM25 index {name}/ unreadable: {_first_line(exc)}")
    return problems


def addressed_documents(root: Path) -> list[str]:
    """One line per document of the live generation that contains text addressed to an AI model (a planted
    instruction such as "Ignore previous instructions…"): a warning, not a problem — the LLM check never
    takes such a sentence as evidence. Empty when there is no readable generation."""
    gen = IndexDir(root).current()
    if gen is None or not (gen / db.DB_FILE).is_file():
        return []
    try:
        con = db.connect(gen / db.DB_FILE, readonly=True)
        try:
            rows = con.execute("SELECT path, text FROM documents ORDER BY path").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return []
    out = []
    for path, text in rows:
        found = first_addressed(text)
        if found:
            out.append(f"{path} contains text addressed to an AI model (never used as evidence): {found!r}")
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _check_table(gen: Path, man: Manifest, problems: list[str]) -> None:
    """The passage/unit tables against each other, the documents, the manifest and unit_rows.npy."""
    con = db.connect(gen / db.DB_FILE, readonly=True)
    try:
        n_rows = con.execute("SELECT count(*) FROM passages").fetchone()[0]
        texts = {r[0]: r[1] for r in con.execute("SELECT doc_id, text FROM documents")}
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
        # An empty source means the document has no file of its own (e.g. bench/synth.py's indexes).
        missing = [r[0] for r in con.execute("SELECT path, source FROM documents ORDER BY path")
                   if r[1] and not Path(r[1]).is_file()]
        for path in missing[:5]:  # the index still answers from it, but a re-index would drop it
            problems.append(f"source file of indexed document {path} is missing — put the file back, or "
                            f"remove it with `groundqa remove {path}`")
        if len(missing) > 5:
            problems.append(f"... {len(missing) - 5} more indexed documents have no source file")
        units = con.execute("SELECT id, row FROM units ORDER BY id").fetchall()
        if len(units) != man.n_units:
            problems.append(f"unit table has {len(units)} rows, manifest says {man.n_units}")
        ids = np.fromiter((u[0] for u in units), np.int64, len(units))
        unit_row = np.fromiter((u[1] for u in units), np.int64, len(units))
        if not np.array_equal(ids, np.arange(len(units))):
            problems.append("unit ids are not 0..N-1: vector rows would map to the wrong sentences")
        orphans = con.execute("SELECT count(*) FROM units u LEFT JOIN passages p ON p.row = u.row "
                              "WHERE p.row IS NULL OR u.start < p.start OR u.end > p.end").fetchone()[0]
        if orphans:
            problems.append(f"{orphans} sentence units lie outside their passage")
    finally:
        con.close()
    try:
        unit_rows = np.load(gen / UNIT_ROWS_FILE)
        if len(unit_rows) != man.n_units:
            problems.append(f"{UNIT_ROWS_FILE} maps {len(unit_rows)} units, manifest says {man.n_units}")
        elif len(unit_rows) == len(unit_row) and not np.array_equal(np.asarray(unit_rows, np.int64), unit_row):
            problems.append(f"{UNIT_ROWS_FILE} maps {int(np.count_nonzero(unit_rows != unit_row))} units to other "
                            "passages than the unit table does")
    except (OSError, ValueError, EOFError) as exc:
        problems.append(f"{UNIT_ROWS_FILE} unreadable: {_first_line(exc)}")
    listed = set(man.data.get("documents") or {})  # type: ignore[arg-type]
    if listed != set(texts):
        problems.append(f"manifest lists {len(listed)} documents, table holds {len(texts)}")


def _check_faiss_ids(store, vecs: np.ndarray) -> list[str]:
    """Look sample vectors up in FAISS: each must find itself (or an identical vector) at its own row."""
    n = len(vecs)
    sample = np.unique(np.linspace(0, n - 1, min(n, FAISS_SAMPLE)).astype(np.int64))
    q = np.asarray(vecs[sample], dtype=np.float32)
    _, ids = store.search(q, 1)
    wrong = 0
    for i, found in zip(sample, ids[:, 0]):
        if found == i:
            continue
        # Another id is fine only when its stored vector is (near) identical: duplicate sentences.
        if found < 0 or found >= n or float(np.dot(np.asarray(vecs[found], np.float32), q[sample == i][0])) < 1 - 1e-3:
            wrong += 1
    if wrong:
        return [f"FAISS ids do not map to the rows of {VECTORS_FILE}: {wrong} of {len(sample)} sampled vectors "
                "found another vector"]
    return []
