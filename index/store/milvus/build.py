"""Indexing into a store that takes document-level writes (Milvus): only what changed is loaded, embedded
and written.

Per file, as the embedded builder (index/builder.py) decides: unchanged bytes (by SHA-256 against the
store's current documents) are skipped; new or changed files are loaded, chunked and embedded — a changed
document reuses the stored vectors of its unchanged sentences — and handed to the store's writer as
`DocWrite`s (index/store/writes.py) with the sources to remove. The store publishes them as one commit.
"""
from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np

from corpus import ChunkParams, chunk_document, discover
from corpus.types import file_sha256
from index.changes import admit, plan_changes
from index.embed import Embedder
from index.reading import load_ahead
from index.report import IndexReport, NothingIndexed, ProgressFn
from index.store import IndexFailure
from index.store.writes import DocWrite, StoreSettings, StoreWriter
from index.texts import ROW_CONTEXT, embed_text, row_contexts, unit_text, units_of
from index.unit_vectors import EMBED_BATCH


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def build_into_store(writer: StoreWriter, label: str, paths: Sequence[str | Path], embedder: Embedder,
                     params: ChunkParams | None = None, rebuild: bool = False, remove_missing: bool = True,
                     remove: Sequence[str] = (), title_in_embedding: bool = False,
                     progress: ProgressFn | None = None) -> IndexReport:
    """Index files and folders into a store through its writer (see module docstring); returns what changed."""
    t0 = time.perf_counter()
    report = IndexReport(index_dir=label)
    old = writer.settings()
    if old and not rebuild and old.model != embedder.name:
        raise IndexFailure(f"store {label} was built with model {old.model!r}, not {embedder.name!r} — pass "
                          "--rebuild to re-embed everything with the new model")
    if params is None or (old and not rebuild):
        params = ChunkParams.from_json(_json(old.chunking)) if old else (params or ChunkParams())
    row_ctx = ROW_CONTEXT
    if old and not rebuild:
        title_in_embedding, row_ctx = old.title_in_embedding, int(old.row_context)
    # reuse is keyed by the text the stored vectors were embedded from (the store's row-context version)
    same_model = old is not None and old.model == embedder.name and old.title_in_embedding == title_in_embedding
    found = discover(paths) if paths else []
    roots = [Path(p).resolve() for p in paths]
    if rebuild or remove or not paths:
        old_docs = writer.documents()
    else:  # only the documents these paths can touch: a one-file add reads one row, whatever the store's size
        old_docs = writer.documents(sources=[str(f.resolve()) for f, _ in found],
                                    under=[str(r) for r in roots] if remove_missing else [])
    if not paths and not remove and old_docs:  # no paths: re-check the documents already indexed
        found = [(Path(src), Path(src).parent) for src in sorted(old_docs) if Path(src).exists()]
        roots = [Path(src) for src in old_docs]
    to_load, drop = plan_changes(found, old_docs, roots, remove, remove_missing, rebuild, report, progress,
                                 file_sha256)
    if rebuild:  # every current document is read again (same text keeps its id; citations still resolve)
        queued = {str(f.resolve()) for f, _, _ in to_load}
        to_load += [(Path(s), Path(s).parent, "") for s in sorted(old_docs)
                    if s not in drop and s not in queued and Path(s).is_file()]
    if not to_load and not drop and not rebuild:
        writer.ensure_live()
        report.n_documents, report.n_passages = writer.size()
        report.seconds = time.perf_counter() - t0
        if old is None and not found:
            raise IndexFailure("no supported documents found (.txt .md .html .pdf .docx) — "
                              "point groundqa at a file or folder that has some")
        return report
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    replaced = {s for f, _, _ in to_load if (s := str(f.resolve())) in old_docs}
    present = {d.doc_id for s, d in old_docs.items() if s not in drop and s not in replaced and not rebuild}
    adds: list[DocWrite] = []
    if progress and to_load:
        progress("reading files", 0, len(to_load))
    for done, item in enumerate(load_ahead(to_load), start=1):
        got = admit(item, present, old_docs, report)
        if got is not None:
            doc, source, size, prev = got
            reuse = _reusable(writer, prev.doc_id, int(old.row_context)) if prev is not None and old and \
                same_model else {}
            adds.append(_embed(doc, source, size, when, params, embedder, title_in_embedding, row_ctx, reuse,
                               report))
        if progress:
            progress("reading files", done, len(to_load))
    # A changed file that now fails to load keeps its previously indexed version (never lose data).
    added_sources = {a.source for a in adds}
    kept = {s for s in replaced if s not in added_sources and s not in drop}
    for s in sorted(kept):
        report.skipped.append(f"{old_docs[s].path}: kept the previously indexed version")
    removes = sorted(drop)
    report.removed = [old_docs[s].path for s in removes]
    current = writer.current_ids([a.doc.doc_id for a in adds])
    for a in [a for a in adds if a.doc.doc_id in current and a.source not in replaced]:
        # the same text as a document the store holds under another name (outside the documents read above)
        adds.remove(a)
        report.added = [p for p in report.added if p != a.doc.path]
        report.skipped.append(f"{a.doc.path}: same text as a document already indexed — skipped (duplicate)")
    if not adds and not removes:
        if not (old_docs or found):
            raise IndexFailure("no supported documents found (.txt .md .html .pdf .docx) — "
                              "point groundqa at a file or folder that has some")
        if found and old is None:
            raise NothingIndexed("nothing could be indexed: every file was skipped (see the warnings above)",
                                 report.skipped)
        writer.ensure_live()
        report.n_documents, report.n_passages = writer.size()
        report.seconds = time.perf_counter() - t0
        return report
    settings = StoreSettings(embedder.name, embedder.dim, _plain(params), title_in_embedding, row_ctx)
    if rebuild and kept:  # a rebuild replaces every document: one that cannot be read again would be lost
        raise IndexFailure(f"{old_docs[min(kept)].path} failed to load during --rebuild — fix or remove the file "
                          "and run again")
    res = writer.commit(adds, removes, settings, replace_all=rebuild, progress=progress)
    report.changed = True
    report.n_documents, report.n_passages = res.n_documents, res.n_passages
    report.seconds = time.perf_counter() - t0
    return report


def _json(chunking: dict) -> str:
    import json

    return json.dumps(chunking)


def _plain(params: ChunkParams) -> dict:
    import json

    return json.loads(params.to_json())


def _reusable(writer: StoreWriter, doc_id: str, row_ctx: int) -> dict[str, np.ndarray]:
    """Stored vectors of a document's units by the text they embedded (a changed document re-embeds only
    the sentences that changed)."""
    stored = writer.document(doc_id)
    if stored is None:
        return {}
    secs = row_contexts(stored.doc.text, row_ctx)
    return {_key(unit_text(secs, s, stored.doc.text[s:e])): v for s, e, v in writer.unit_vectors_of(doc_id)}


def _embed(doc, source: str, size: int, when: str, params: ChunkParams, embedder: Embedder, title_in_embedding: bool,
           row_ctx: int, reuse: dict[str, np.ndarray], report: IndexReport) -> DocWrite:
    passages = chunk_document(doc, params)
    units = units_of(passages, 0)
    secs = row_contexts(doc.text, row_ctx)
    vecs = np.zeros((len(units), embedder.dim), np.float32)
    todo: list[int] = []
    texts: list[str] = []
    for i, (_, _, start, _, raw) in enumerate(units):
        text = unit_text(secs, start, raw)
        hit = reuse.get(_key(text))
        if hit is not None:
            vecs[i] = hit
            report.reused += 1
        else:
            todo.append(i)
            texts.append(embed_text(doc.title, text, title_in_embedding))
    if texts:
        vecs[todo] = np.asarray(embedder.encode(texts, batch_size=EMBED_BATCH), np.float32)
        report.embedded += len(texts)
    return DocWrite(doc, source, size, when, passages, [(row, s, e) for row, _, s, e, _ in units], vecs)
