"""Writing a Milvus store: whole generations, switched by alias; concurrent writers without a lock.

A writer (`build_milvus`):
1. reads the newest committed generation n (the highest `groundqa_head_<n>` alias) into a scratch folder
   (`checkout`: SQLite + vectors, the embedded layout) and runs the unchanged incremental builder on it
   (index/builder.py: unchanged files by content hash, reused vectors, archived versions);
2. writes the result into three new collections under a fresh build token (`publish`, milvus_publish.py),
   checks the counts;
3. claims generation n+1 by creating the alias `groundqa_head_<n+1>` → its passages collection. Milvus
   refuses to create an alias that exists, so exactly one writer wins each number: this is the
   compare-and-swap that replaces the embedded backend's file lock;
4. points `groundqa_live` (what readers follow) at the highest head (`ensure_live`), and drops
   generations superseded more than a grace period ago (`collect_garbage`).
A writer that loses step 3 (another committed first) drops its collections, reads the new head and
*merges at document level*: its own changes relative to the generation it started from (documents added
or changed, sources removed) replace the same sources in the other writer's generation, everything else
is kept (`merge_generations`); then it retries step 2–3. Two writers on disjoint folders therefore both
succeed and the result holds both; on the same file the later commit wins. Vectors are never re-embedded
by a merge. Why not upserts into shared collections: BM25 statistics, row numbering and the passage ↔ unit
mapping would then change under readers mid-query; a generation is immutable once claimed, so a reader
bound to it always sees one whole, consistent index.

A writer killed at any step leaves the previous generation live: before step 3 nothing refers to its
collections (they are dropped as orphans after ORPHAN_S); after step 3 its generation is complete and
the next writer's `ensure_live` rolls the alias forward to it. In the instant between two writers'
alias switches a reader can see the older of two whole generations, never a partial one.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from index.store import tables as db
from index.store.generations import FORMAT, UNIT_ROWS_FILE, VECTORS_FILE, IndexDir, IndexError_, Manifest
from index.store.milvus_schema import (LIVE_ALIAS, PREFIX, client, drop_generation, head_alias, head_number, names,
                                       parse_store, token_of)
from index.store.milvus_publish import publish
from index.store.milvus_store import read_manifest

GRACE_S = float(os.environ.get("GROUNDQA_MILVUS_GRACE_S", "300"))
"""A superseded generation is dropped this long after its successor went live (readers finish first)."""
ORPHAN_S = 6 * 3600.0
"""Collections of a build never claimed (its writer died) are dropped after this long."""
RETRIES = 20


def _token_time(token: str) -> float:
    try:
        return float(int(token[:-8], 16))
    except ValueError:
        return 0.0


def heads(c) -> dict[int, str]:
    """Committed generations: number → passages collection."""
    out = {}
    for a in c.list_aliases().get("aliases", []):
        n = head_number(a)
        if n is not None:
            try:
                out[n] = c.describe_alias(a)["collection_name"]
            except Exception:  # dropped meanwhile
                pass
    return out


def checkout(c, token: str, root: Path) -> Path:
    """Copy a Milvus generation into a local index directory (the builder's input); returns its folder."""
    man = read_manifest(c, token)
    p_name, u_name, d_name = names(token)
    idx = IndexDir(root)
    tmp = idx.new_generation()
    con = db.connect(tmp / db.DB_FILE)
    parts: dict[tuple[str, str], dict] = {}
    it = c.query_iterator(d_name, batch_size=1000, filter='kind in ["meta", "text", "pages"]',
                          output_fields=["key", "kind", "doc_id", "n", "body"])
    while batch := it.next():
        for r in batch:
            d = parts.setdefault((r["key"].split("/", 1)[0], r["doc_id"]), {"text": {}, "pages": {}})
            if r["kind"] == "meta":
                d["meta"] = json.loads(r["body"])
            else:
                d[r["kind"]][r["n"]] = r["body"]
    it.close()
    documents = {}
    for (space, doc_id), d in parts.items():
        m = d["meta"]
        text = "".join(d["text"][i] for i in sorted(d["text"]))
        pages = "".join(d["pages"][i] for i in sorted(d["pages"]))
        starts = [int(x) for x in pages.split(",") if x]
        if space == "cur":
            con.execute("INSERT INTO documents(doc_id, path, source, title, text, page_starts, file_hash, size,"
                        " indexed_at, n_passages, ocr_pages) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (doc_id, m["path"], m["source"], m["title"], text, json.dumps(starts), m["file_hash"],
                         m["size"], m["indexed_at"], m["n_passages"], json.dumps(m["ocr_pages"])))
            documents[doc_id] = {"path": m["path"], "file_hash": m["file_hash"]}
        else:
            con.execute("INSERT INTO doc_versions(doc_id, path, source, title, text, page_starts, superseded_at,"
                        " successor) VALUES (?,?,?,?,?,?,?,?)", (doc_id, m["path"], m["source"], m["title"], text,
                                                                 json.dumps(starts), m["superseded_at"], m["successor"]))
    it = c.query_iterator(p_name, batch_size=2000, filter="row >= 0",
                          output_fields=["row", "doc_id", "start", "end", "page_start", "page_end", "section", "text"])
    while batch := it.next():
        con.executemany("INSERT INTO passages(row, doc_id, start, end, page_start, page_end, text, section)"
                        " VALUES (?,?,?,?,?,?,?,?)",
                        [(r["row"], r["doc_id"], r["start"], r["end"], None if r["page_start"] < 0 else r["page_start"],
                          None if r["page_end"] < 0 else r["page_end"], r["text"], r["section"]) for r in batch])
    it.close()
    con.execute("UPDATE passages SET text = (SELECT substr(d.text, passages.start + 1, passages.end - passages.start)"
                " FROM documents d WHERE d.doc_id = passages.doc_id) WHERE text = '' AND end > start")
    vec = np.memmap(tmp / VECTORS_FILE, dtype=np.float32, mode="w+", shape=(max(1, man.n_units), man.dim))
    unit_rows = np.zeros(man.n_units, np.int32)
    it = c.query_iterator(u_name, batch_size=2000, filter="id >= 0",
                          output_fields=["id", "row", "doc_id", "start", "end", "vec"])
    while batch := it.next():
        con.executemany("INSERT INTO units(id, row, doc_id, start, end) VALUES (?,?,?,?,?)",
                        [(r["id"], r["row"], r["doc_id"], r["start"], r["end"]) for r in batch])
        for r in batch:
            vec[r["id"]] = np.asarray(r["vec"], np.float32)
            unit_rows[r["id"]] = r["row"]
    it.close()
    vec.flush()
    del vec
    if man.n_units == 0:
        (tmp / VECTORS_FILE).write_bytes(b"")
    con.commit()
    con.close()
    np.save(tmp / UNIT_ROWS_FILE, unit_rows)
    data = dict(man.data)
    data.update({"format": FORMAT, "documents": documents})
    Manifest(data).write(tmp)
    return idx.commit(tmp)


def claim(c, n: int, token: str) -> bool:
    """Claim generation number n for a published build (False: another writer holds n)."""
    try:
        c.create_alias(names(token)[0], head_alias(n))
    except Exception:
        return False
    if max(heads(c), default=n) > n:  # a stale number (only after a clean-up race): give it up
        try:
            c.drop_alias(head_alias(n))
        except Exception:
            pass
        return False
    c.insert(names(token)[2], [{"key": "committed", "kind": "committed", "doc_id": "", "n": int(time.time() * 1000),
                                "body": "", "dummy": [0.0, 0.0]}])
    return True


def ensure_live(c) -> None:
    """Point the live alias at the highest committed generation (rolls forward after a crashed writer)."""
    for _ in range(50):
        hs = heads(c)
        if not hs:
            return
        target = hs[max(hs)]
        try:
            cur = c.describe_alias(LIVE_ALIAS)["collection_name"]
        except Exception:
            cur = None
        if cur == target:
            return
        try:
            if cur is None:
                c.create_alias(target, LIVE_ALIAS)
            else:
                c.alter_alias(target, LIVE_ALIAS)
        except Exception:  # another writer created or moved it meanwhile: look again
            time.sleep(0.05)


def collect_garbage(c, grace_s: float = GRACE_S) -> list[str]:
    """Drop generations superseded more than grace_s ago, and builds never claimed after ORPHAN_S."""
    dropped = []
    hs = heads(c)
    try:
        live = c.describe_alias(LIVE_ALIAS)["collection_name"]
    except Exception:
        return dropped
    live_n = next((n for n, col in hs.items() if col == live), None)
    if live_n is None:
        return dropped
    now = time.time()
    for n in sorted(hs):
        if n >= live_n:
            break
        nxt = hs.get(n + 1)
        if nxt is None:
            continue
        got = c.get(names(token_of(nxt))[2], ids=["committed"], output_fields=["n"])
        since = got[0]["n"] / 1000 if got else _token_time(token_of(nxt)) + 86_400
        if now - since < grace_s:
            continue
        try:
            c.drop_alias(head_alias(n))
        except Exception:
            continue
        if hs[n] not in {col for m, col in hs.items() if m != n} and hs[n] != live:
            drop_generation(c, token_of(hs[n]))
            dropped.append(token_of(hs[n]))
    claimed = {token_of(col) for col in heads(c).values()} | {token_of(live)}
    for name in c.list_collections():
        if name.startswith(PREFIX + "_") and name.endswith("_p"):
            tok = token_of(name)
            if tok not in claimed and now - _token_time(tok) > ORPHAN_S:
                drop_generation(c, tok)
                dropped.append(tok)
    return dropped


def build_milvus(store: str, paths: Sequence[str | Path], embedder, params=None, rebuild: bool = False,
                 remove_missing: bool = True, remove: Sequence[str] = (), title_in_embedding: bool = False,
                 progress=None, grace_s: float | None = None):
    """`build_index` into a Milvus store (see module docstring); returns the IndexReport."""
    from index.builder import build_index
    from index.store.milvus_merge import merge_generations

    t0 = time.perf_counter()
    spec = parse_store(store)
    c = client(spec)
    with tempfile.TemporaryDirectory(prefix="groundqa-milvus-") as work:
        hs = heads(c)
        base_n = max(hs, default=0)
        local = Path(work) / "index"
        base_docs: dict[str, str] = {}
        if base_n:
            base = checkout(c, token_of(hs[base_n]), local)
            bcon = db.connect(base / db.DB_FILE, readonly=True)
            base_docs = {d.source: d.doc_id for d in db.list_documents(bcon)}
            bcon.close()
        report = build_index(paths, local, embedder, params=params, rebuild=rebuild, remove_missing=remove_missing,
                             remove=remove, title_in_embedding=title_in_embedding, progress=progress,
                             local_indexes=False)
        report.index_dir = spec.text
        if not report.changed:
            ensure_live(c)
            return report
        mine = IndexDir(local).current()
        assert mine is not None
        gen = mine
        for attempt in range(RETRIES):
            if progress:
                progress("writing to Milvus", attempt, 0)
            token = publish(c, gen, spec, base_n)
            if claim(c, base_n + 1, token):
                break
            drop_generation(c, token)
            hs = heads(c)
            base_n = max(hs)
            theirs = checkout(c, token_of(hs[base_n]), Path(work) / f"theirs-{attempt}")
            gen = merge_generations(base_docs, mine, theirs, Path(work) / f"merged-{attempt}")
        else:
            raise IndexError_(f"{RETRIES} other writers committed to {spec.text} while this one tried — run "
                              "`groundqa index` again")
        ensure_live(c)
        collect_garbage(c, GRACE_S if grace_s is None else grace_s)
        report.n_documents = Manifest.read(gen).data.get("n_documents", report.n_documents)  # type: ignore[assignment]
        report.n_passages = Manifest.read(gen).n_passages
    report.seconds = time.perf_counter() - t0
    return report
