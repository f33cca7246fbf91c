"""Build and update a local index (index/store/local/): incremental by content hash, streaming, atomic.

Indexing a folder again only loads and embeds files whose bytes changed; documents whose files are
gone are archived (so old citation ids still resolve) and removed. Vectors of passages whose text is
unchanged are copied, never re-embedded — also across `--rebuild` with other chunking parameters
when the passage text happens to be identical.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np

from corpus import ChunkParams, Passage, chunk_document, discover
from corpus.types import file_sha256
from corpus.statements import statement_map
from index.changes import admit, plan_changes
from index.texts import ROW_CONTEXT, embed_text, lexical_text, row_contexts, unit_text, units_of
from index.store import tables as db
from index.embed import Embedder
from index.reading import load_ahead as _load_ahead, page_units
from index.report import IndexReport, NothingIndexed, ProgressFn
from index.unit_vectors import EMBED_BATCH, UnitVectors
from index.store.lexical import LexicalIndex
from index.store import (FORMAT, UNIT_ROWS_FILE, VECTORS_FILE, IndexDir, IndexFailure, Manifest, open_vectors)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("groundqa", "faiss-cpu", "bm25s", "sentence-transformers"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "-"
    return out


def build_index(
    paths: Sequence[str | Path],
    index_dir: str | Path,
    embedder: Embedder,
    params: ChunkParams | None = None,
    rebuild: bool = False,
    remove_missing: bool = True,
    remove: Sequence[str] = (),
    title_in_embedding: bool = False,
    progress: ProgressFn | None = None,
    local_indexes: bool = True,
    workers: int | None = None,
) -> IndexReport:
    """Index files and folders into `index_dir` (see module docstring); returns what changed.

    `remove` names documents (path, source or doc id) to drop. Raises IndexLocked when another
    writer holds the index, and IndexFailure when nothing at all could be indexed. This is the local
    backend's build (a Milvus store is built by index/store/milvus/build.py; index.store.backend.open_store picks
    one); `local_indexes=False` skips the FAISS and BM25 files (a generation built only to be published there). Files are read in `workers` processes (default one per core;
    index/reading.py) while the embedder works.
    """
    t0 = time.perf_counter()
    idx = IndexDir(index_dir)
    report = IndexReport(index_dir=str(index_dir))
    found = discover(paths) if paths else []
    roots = [Path(p).resolve() for p in paths]
    with idx.writer_lock():
        cur = idx.current()
        try:
            old_manifest = Manifest.read(cur) if cur else None
        except IndexFailure:
            if not rebuild:
                raise
            cur, old_manifest = None, None  # an index of an older format: rebuild from the files
        old_con = db.connect(cur / db.DB_FILE, readonly=True) if cur else None
        if old_manifest and not rebuild and old_manifest.model != embedder.name:
            raise IndexFailure(f"index {index_dir} was built with model {old_manifest.model!r}, not "
                              f"{embedder.name!r} — pass --rebuild to re-embed everything with the new model")
        if params is None or (old_manifest and not rebuild):
            params = ChunkParams.from_json(old_manifest.chunking) if old_manifest else (params or ChunkParams())
        row_ctx = ROW_CONTEXT
        if old_manifest and not rebuild:
            title_in_embedding = bool(old_manifest.data.get("title_in_embedding", False))
            row_ctx = int(old_manifest.data.get("row_context", 0))  # an older index keeps its way (True: 1)
        old_docs = {d.source: d for d in db.list_documents(old_con)} if old_con else {}
        if not paths and not remove and old_docs:
            # No paths: re-check the documents already indexed (files that are gone are dropped).
            found = [(Path(src), Path(src).parent) for src in sorted(old_docs) if Path(src).exists()]
            roots = [Path(src) for src in old_docs]

        # Decide per file: unchanged (same bytes) or to load; and what to drop.
        to_load, drop = plan_changes(found, old_docs, roots, remove, remove_missing, rebuild, report, progress,
                                     file_sha256)
        if not to_load and not drop and not rebuild:
            report.n_documents = len(old_docs)
            report.n_passages = old_manifest.n_passages if old_manifest else 0
            report.seconds = time.perf_counter() - t0
            if old_manifest is None and not found:
                raise IndexFailure("no supported documents found (.txt .md .html .pdf .docx) — "
                                  "point groundqa at a file or folder that has some")
            return report

        tmp = idx.new_generation()
        try:
            _write_generation(tmp, cur, old_con, old_manifest, old_docs, to_load, drop, rebuild, embedder,
                              params, title_in_embedding, row_ctx, report, progress, local_indexes, workers)
            if report.n_documents == 0 and (found or old_docs) and not drop:
                raise NothingIndexed("nothing could be indexed: every file was skipped (see the warnings above)",
                                     report.skipped)
            idx.commit(tmp)
        except BaseException:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
            raise
        finally:
            if old_con is not None:
                old_con.close()
    report.changed = True
    report.seconds = time.perf_counter() - t0
    return report


@dataclass
class _Gen:
    """A generation being written: its table, vector file and the texts for the BM25 indexes."""

    con: object
    writer: UnitVectors
    next_row: int = 0
    next_unit: int = 0
    passage_texts: list[str] = field(default_factory=list)
    unit_texts: list[str] = field(default_factory=list)


def _write_generation(tmp: Path, cur: Path | None, old_con, old_manifest: Manifest | None,
                      old_docs: dict, to_load: list[tuple[Path, Path, str]], drop: set[str], rebuild: bool,
                      embedder: Embedder, params: ChunkParams, title_in_embedding: bool, row_ctx: int,
                      report: IndexReport, progress: ProgressFn | None, local_indexes: bool = True,
                      workers: int | None = None) -> None:
    state = {"units": 0, "carried": 0, "pages": 0}  # for progress: units known, vectors carried, pages to read

    def embedded() -> None:  # after each batch: sentences embedded of those known, pages of the job embedded
        if progress:
            progress("embedding sentences", g.writer.rows - state["carried"], state["units"])
            progress("embedded pages", int(g.writer.pages_done()), state["pages"])

    g = _Gen(db.connect(tmp / db.DB_FILE),
             UnitVectors(tmp / VECTORS_FILE, embedder.dim, lambda t: embedder.encode(t, batch_size=EMBED_BATCH), embedded))
    con = g.con
    same_model = old_manifest is not None and old_manifest.model == embedder.name and \
        bool(old_manifest.data.get("title_in_embedding", False)) == title_in_embedding
    # what the old vectors were embedded from: reuse is keyed by that text, so a row whose context changed
    # (another row-context version) is embedded again while every other sentence keeps its vector
    old_ctx = int(old_manifest.data.get("row_context", 0)) if old_manifest else 0
    old_vecs = open_vectors(cur, old_manifest.n_units, old_manifest.dim) if cur and old_manifest else None
    when = _now()
    replaced = {src for f, _, _ in to_load if (src := str(f.resolve())) in old_docs}
    # Keep every previous archived version so ids made against them still resolve.
    if old_con is not None:
        for r in old_con.execute("SELECT * FROM doc_versions"):
            con.execute("INSERT OR REPLACE INTO doc_versions VALUES (?,?,?,?,?,?,?,?)", tuple(r))
    # 1. Carry over unchanged documents with their passages and vectors (no re-embedding).
    reuse: dict[str, int] = {}
    for info in old_docs.values():
        stored = db.get_document(old_con, info.doc_id)
        assert stored is not None
        if info.source in drop or info.source in replaced or rebuild:
            if info.source in drop:
                db.archive_document(con, stored, when, None)
                report.removed.append(info.path)
            if same_model:
                secs = row_contexts(stored.doc.text, old_ctx)
                for u in old_con.execute("SELECT id, start, end FROM units WHERE doc_id=?", (info.doc_id,)):
                    reuse.setdefault(_text_key(unit_text(secs, u["start"], stored.doc.text[u["start"]:u["end"]])),
                                     u["id"])
            if rebuild and info.source not in drop and info.source not in replaced:
                to_load.append((Path(info.source), Path(info.source).parent, ""))
            continue
        report.reused += _carry_doc(g, old_con, stored, info, old_vecs, row_ctx)
    # 2. Load, chunk and embed new or changed documents, streaming.
    present = {r[0] for r in con.execute("SELECT doc_id FROM documents")}
    state["carried"] = g.writer.rows  # vectors of unchanged documents: not part of the embedding progress
    g.writer.start_documents()
    total = len(to_load)
    # Pages are counted before any file is read, so the job's progress has its total from the start.
    units = page_units(to_load) if progress and to_load else [1] * total
    state["pages"] = pages_total = sum(units)
    pages_read = 0
    if progress and total:
        progress("reading files", 0, total)  # under way from here: a big file may take a while to parse
        progress("reading pages", 0, pages_total)
        progress("embedded pages", 0, pages_total)
        embedded()  # the sentence count starts at 0 here, so its first rate counts the first batch
    for done_docs, item in enumerate(_load_ahead(to_load, workers=workers), start=1):
        pages_read += units[done_docs - 1]
        got = admit(item, present, old_docs, report)
        if got is not None:
            doc, source, size, old = got
            if old is not None and old.doc_id != doc.doc_id:  # the source's earlier text stays resolvable
                prev = db.get_document(old_con, old.doc_id)
                if prev is not None:
                    db.archive_document(con, prev, when, doc.doc_id)
            db.insert_document(con, doc, source, size, when)
            db.insert_statements(con, doc.doc_id, statement_map(doc.text, doc.page_starts))
            passages = chunk_document(doc, params)
            doc_units = units_of(passages, g.next_row)
            state["units"] += len(doc_units)
            g.next_row = db.insert_passages(con, g.next_row, passages)
            g.next_unit = db.insert_units(con, g.next_unit, [u[:4] for u in doc_units])
            db.set_passage_count(con, doc.doc_id, len(passages))
            g.passage_texts.extend(lexical_text(doc.title, p.text, p.section) for p in passages)
            secs = row_contexts(doc.text, row_ctx)
            for *_, start, _, raw in doc_units:
                text = unit_text(secs, start, raw)
                g.unit_texts.append(text)
                src = reuse.get(_text_key(text))
                if src is not None and old_vecs is not None:
                    g.writer.add_vector(np.asarray(old_vecs[src]))
                    report.reused += 1
                else:
                    g.writer.add_text(embed_text(doc.title, text, title_in_embedding))
        g.writer.mark_document(units[done_docs - 1])  # a file skipped has nothing to embed: its pages are done
        embedded()
        if progress:
            progress("reading files", done_docs, total)
            progress("reading pages", pages_read, pages_total)
    g.writer.flush()
    report.embedded += g.writer.embedded
    report.deduplicated += g.writer.copied
    # A changed file that now fails to load keeps its previously indexed version (never lose data).
    for src in sorted(replaced):
        if not con.execute("SELECT 1 FROM documents WHERE source=?", (src,)).fetchone():
            stored = db.get_document(old_con, old_docs[src].doc_id)
            if stored is not None and stored.doc.doc_id not in present:
                report.skipped.append(f"{stored.doc.path}: kept the previously indexed version")
                _carry_doc(g, old_con, stored, old_docs[src], old_vecs, row_ctx)
                present.add(stored.doc.doc_id)
    con.commit()
    g.writer.close()
    if g.writer.rows != g.next_unit:
        raise IndexFailure(f"internal error: {g.writer.rows} vectors for {g.next_unit} units — index left unchanged")
    report.n_passages = g.next_row
    report.n_documents = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    documents = {r[0]: {"path": r[1], "file_hash": r[2]} for r in
                 con.execute("SELECT doc_id, path, file_hash FROM documents ORDER BY path")}
    unit_rows = np.zeros(g.next_unit, np.int32)
    for uid, row in con.execute("SELECT id, row FROM units"):
        unit_rows[uid] = row
    np.save(tmp / UNIT_ROWS_FILE, unit_rows)
    con.close()
    if progress:
        progress("building indexes", 0, 3)
    from index.store.local.faiss import FaissStore

    store = FaissStore.build(open_vectors(tmp, g.next_unit if local_indexes else 0, embedder.dim))
    if local_indexes:
        store.save(tmp)
        if progress:
            progress("building indexes", 1, 3)
        LexicalIndex.build(g.passage_texts).save(tmp, "bm25")
        if progress:
            progress("building indexes", 2, 3)
        LexicalIndex.build(g.unit_texts).save(tmp, "bm25_units")
    if progress:
        progress("building indexes", 3, 3)
    Manifest({
        "format": FORMAT, "model": embedder.name, "dim": embedder.dim, "chunking": json.loads(params.to_json()),
        "title_in_embedding": title_in_embedding, "row_context": row_ctx, "vector_backend": "faiss", "vector_index": store.describe(),
        "n_passages": g.next_row, "n_units": g.next_unit, "n_documents": report.n_documents,
        "created_at": _now(), "versions": _versions(), "documents": documents,
    }).write(tmp)


def _carry_doc(g: _Gen, old_con, stored: db.StoredDoc, info: db.DocInfo, old_vecs: np.ndarray | None,
               row_ctx: int) -> int:
    """Copy an unchanged document with its passages, units and unit vectors into the new generation;
    returns how many vectors were carried."""
    db.insert_document(g.con, stored.doc, info.source, info.size, info.indexed_at)
    kept = db.get_statements(old_con, info.doc_id)  # an index built before the map: found now
    db.insert_statements(g.con, info.doc_id, kept if kept is not None else statement_map(stored.doc.text,
                                                                                       stored.doc.page_starts))
    rows = list(db.iter_passage_rows(old_con, info.doc_id))
    row_map = {r["row"]: g.next_row + i for i, r in enumerate(rows)}
    g.next_row = db.insert_passages(g.con, g.next_row, [
        Passage(r["doc_id"], r["start"], r["end"], r["text"],
                (r["page_start"], r["page_end"]) if r["page_start"] is not None else None, r["section"])
        for r in rows])
    db.set_passage_count(g.con, info.doc_id, len(rows))
    g.passage_texts.extend(lexical_text(stored.doc.title, r["text"], r["section"]) for r in rows)
    units = old_con.execute("SELECT id, row, start, end FROM units WHERE doc_id=? ORDER BY id", (info.doc_id,)).fetchall()
    g.next_unit = db.insert_units(g.con, g.next_unit, [(row_map[u["row"]], info.doc_id, u["start"], u["end"])
                                                       for u in units])
    secs = row_contexts(stored.doc.text, row_ctx)
    g.unit_texts.extend(unit_text(secs, u["start"], stored.doc.text[u["start"]:u["end"]]) for u in units)
    assert old_vecs is not None
    g.writer.add_vectors(np.asarray(old_vecs[[u["id"] for u in units]]))
    return len(units)


def _text_key(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
