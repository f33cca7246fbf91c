"""Committing to a Milvus store: one new segment and tombstones per commit; compaction; no lock.

A commit (`MilvusWriter.commit`, handed DocWrites by the builder — index/store/milvus/build.py):
1. writes the documents it adds into one new segment (segments.py) — nothing else is rewritten;
2. reads the newest manifest n (highest `groundqa_head_<n>`) and derives manifest n+1 from it: the same
   segments plus its own, every current document of a source it adds or removes listed as dead in its
   segment's entry (with when, and the new version's id: old citation ids keep resolving, "changed"), and
   its statistics layer: the signed change of each term's document frequency (its documents' terms minus the
   tombstoned documents' terms, read back from their lexical fields) and of N and summed lengths;
3. claims n+1 by creating the alias (manifest.claim). If another writer claimed n+1 first, it
   re-derives its manifest from the new head (step 2 again — the segment it wrote is kept) and claims n+2:
   two writers on disjoint folders both land; on the same file the later commit wins;
4. points `groundqa_live` at the highest head and collects garbage.
Killed before step 3, a writer leaves only collections no manifest lists (dropped after ORPHAN_S); after it,
its manifest is complete and the next writer rolls the live alias forward.

Compaction (`compact`: after a commit when the store holds more than MAX_SEGMENTS segments or MAX_LAYERS
layers, merging all but the first; or all of them on `groundqa check --compact`) copies the live rows of a
run of segments into one new segment (archiving tombstoned documents as `arc/` rows), sums their layers,
and publishes by the same claim; rebasing onto a newer head it carries over tombstones written meanwhile.
Readers bound to an older manifest keep its segments for GRACE_S.
"""
from __future__ import annotations

import copy
import json
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Sequence

from index.store.errors import IndexFailure
from index.store.milvus.manifest import (FORMAT, GRACE_S, claim, collect_garbage, ensure_live, newest, read_manifest,
                                         write_manifest)
from index.store.milvus.schema import FLAT_LIMIT, client, drop_collections, manifest_name, names, parse_store, token_of
from index.store.milvus.segments import DocStats, Segment, dead_stats, in_list, read_doc_writes, read_docs, write_segment
from index.store.tables import DocInfo, StoredDoc
from index.store.writes import CommitResult, DocWrite, StoreSettings

RETRIES = 20
MAX_SEGMENTS = 8
MAX_LAYERS = 8


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _live_metas(c, seg: dict, sources: Sequence[str] | None) -> list[tuple[str, str]]:
    """(doc id, source) of a segment's current, not dead documents (of `sources` only, when given)."""
    if seg["n_documents"] - len(seg["dead"]) <= 0:
        return []
    expr = 'kind == "meta" and key like "cur/%"'
    out = []
    todo = [None] if sources is None else [list(sources)[i:i + 200] for i in range(0, len(sources), 200)]
    for chunk in todo:
        if chunk is not None and not chunk:
            continue
        it = c.query_iterator(names(seg["token"])[2], batch_size=2000,
                              filter=expr + (f" and {in_list('source', chunk)}" if chunk else ""),
                              output_fields=["doc_id", "source"])
        try:
            while batch := it.next():
                out += [(r["doc_id"], r["source"]) for r in batch if r["doc_id"] not in seg["dead"]]
        finally:
            it.close()
    return out


def _totals(data: dict | None) -> Counter:
    return Counter(dict(data.get("totals", {}))) if data else Counter()


def manifest_data(base: dict | None, settings: StoreSettings, store: str, segments: list[dict], layers: list[str],
                  totals: Counter, n: int) -> dict:
    """A manifest's JSON (see manifest.py)."""
    data = {k: v for k, v in (base or {}).items()}
    data.update(settings.extra)
    data.update({"format": FORMAT, "model": settings.model, "dim": settings.dim, "chunking": settings.chunking,
                 "title_in_embedding": settings.title_in_embedding, "row_context": settings.row_context,
                 "store": store, "vector_backend": "milvus", "segments": segments, "layers": layers,
                 "totals": dict(totals), "n_passages": totals["n_passages"], "n_units": totals["n_units"],
                 "n_documents": totals["n_documents"], "base": n, "created_at": time.time(),
                 "vector_index": f"Milvus {'FLAT' if totals['n_units'] <= FLAT_LIMIT else 'HNSW'}(IP, "
                                 f"n={totals['n_units']}) in {len(segments)} segment(s)",
                 "lexical_index": "Milvus BM25 function (k1=1.2, b=0.75) over bm25s tokens",
                 "bm25_stats": {"passages": {"n": totals["n_passages"],
                                             "avgdl": totals["p_len"] / max(1, totals["n_passages"])},
                                "units": {"n": totals["n_units"], "avgdl": totals["u_len"] / max(1, totals["n_units"])}}})
    data.pop("documents", None)
    return data


def settings_of(data: dict) -> StoreSettings:
    """The StoreSettings a manifest records."""
    return StoreSettings(str(data["model"]), int(data["dim"]), dict(data.get("chunking", {})),  # type: ignore[arg-type]
                         bool(data.get("title_in_embedding", False)), int(data.get("row_context", 0)))


class MilvusWriter:
    """Document-level writes into a Milvus store (the StoreWriter of index/store/writes.py)."""

    def __init__(self, store: str, grace_s: float | None = None) -> None:
        from index.store.milvus.store import MilvusIndex

        self.spec = parse_store(store)
        self.c = client(self.spec)
        self.grace_s = GRACE_S if grace_s is None else grace_s
        self.base_n, col = newest(self.c)
        self.view = MilvusIndex(self.spec, token_of(col)) if col else None

    @staticmethod
    def label(store: str) -> str:
        """How reports name the store (the spec as given, never a token)."""
        return parse_store(store).text

    def settings(self) -> StoreSettings | None:
        """The settings the store was built with (None: empty store)."""
        return settings_of(self.view.manifest.data) if self.view else None

    def documents(self, sources: Sequence[str] | None = None, under: Sequence[str] = ()) -> dict[str, DocInfo]:
        """Current documents by source: all, or those of `sources` and under the folders `under` (a filter the
        server applies to the documents' `source` field)."""
        if self.view is None:
            return {}
        if sources is None:
            return {d.source: d for d in self.view.list_documents()}
        return {d.source: d for d in self.view.documents_of_sources(sources, under)}

    def size(self) -> tuple[int, int]:
        """(documents, passages) of the base manifest."""
        man = self.view.manifest if self.view else None
        return (int(man.data.get("n_documents", 0)), man.n_passages) if man else (0, 0)  # type: ignore[arg-type]

    def current_ids(self, doc_ids: Sequence[str]) -> set[str]:
        """Which of these ids are current documents of the base manifest."""
        return {d for d in doc_ids if self.view is not None and self.view.get_document_meta(d) is not None}

    def document(self, doc_id: str) -> StoredDoc | None:
        """A current document."""
        return self.view.get_document(doc_id) if self.view else None

    def unit_vectors_of(self, doc_id: str):
        """(start, end, vector) of a current document's units."""
        return self.view.document_units(doc_id) if self.view else []

    def ensure_live(self) -> None:
        """Roll the live alias forward to the highest committed manifest."""
        ensure_live(self.c)

    def commit(self, adds: Sequence[DocWrite], removes: Sequence[str], settings: StoreSettings,
               replace_all: bool = False, progress=None) -> CommitResult:
        """Publish a new segment of `adds` and tombstones (see module docstring)."""
        c = self.c
        seg = write_segment(c, adds, settings.dim, settings.row_context, sum(len(a.units) for a in adds),
                            progress=progress) if adds else None
        try:
            for _ in range(RETRIES):
                n, col = newest(c)
                head = read_manifest(c, token_of(col)).data if col else None
                if head and not replace_all and (head["model"] != settings.model or head["dim"] != settings.dim):
                    raise IndexFailure(f"another writer re-embedded {self.spec.text} with {head['model']!r} while "
                                      f"this one used {settings.model!r} — run `groundqa index` again")
                data, layer = self._derive(head, seg, removes, settings, replace_all, n)
                token = write_manifest(c, data, layer)
                if claim(c, n + 1, token):
                    break
                drop_collections(c, token)
            else:
                raise IndexFailure(f"{RETRIES} other writers committed to {self.spec.text} while this one tried — "
                                  "run `groundqa index` again")
        except BaseException:
            if seg is not None:
                drop_collections(c, seg.token)
            raise
        ensure_live(c)
        collect_garbage(c, self.grace_s)
        if len(data["segments"]) > MAX_SEGMENTS or len(data["layers"]) + 1 > MAX_LAYERS:
            compact(self.spec.text, full=False, grace_s=self.grace_s)
        return CommitResult(data["n_documents"], data["n_passages"], n + 1)

    def _derive(self, head: dict | None, seg: Segment | None, removes: Sequence[str], settings: StoreSettings,
                replace_all: bool, n: int) -> tuple[dict, Counter]:
        """Manifest n+1 from manifest n: its segments plus `seg`, tombstones, the statistics layer."""
        c = self.c
        when = _now()
        layer: Counter = Counter()
        totals = Counter() if replace_all else _totals(head)
        segments = copy.deepcopy(head["segments"]) if head else []
        layers = [] if replace_all else list(head["layers"]) if head else []
        mine = seg.entry() if seg else None
        if mine and any(s["id"] == mine["id"] for s in segments):
            raise IndexFailure("internal error: segment id collision (1 in 2^31) — run `groundqa index` again")
        new_by_source = dict(seg.sources) if seg else {}
        touched = None if replace_all else sorted(set(removes) | set(new_by_source))
        own_dead: set[str] = set()
        for s in segments:
            found = _live_metas(c, s, touched) if touched is None or touched else []
            kill = []
            for doc_id, source in found:
                if not replace_all and new_by_source.get(source) == doc_id:  # another writer indexed the same
                    # text meanwhile: keep theirs (a rebuild replaces every copy: its vectors may be another model's)
                    own_dead.add(doc_id)
                    continue
                s["dead"][doc_id] = [when, new_by_source.get(source)]
                kill.append(doc_id)
            if kill and not replace_all:
                for st in dead_stats(c, s["token"], kill).values():
                    st.add_to(layer, totals, -1)
            if seg and not replace_all:  # the same text under another name, committed meanwhile: a duplicate
                keys = [f"cur/{d}/m" for d in seg.docs if d not in own_dead]
                for lo in range(0, len(keys), 1000):
                    for r in c.get(names(s["token"])[2], ids=keys[lo:lo + 1000], output_fields=["doc_id"]):
                        if r["doc_id"] not in s["dead"]:
                            own_dead.add(r["doc_id"])
        if mine and seg:
            for doc_id, st in seg.docs.items():
                if doc_id in own_dead:
                    mine["dead"][doc_id] = [when, doc_id]
                else:
                    st.add_to(layer, totals, 1)
            segments.append(mine)
        for s in segments:
            _count_dead(c, s, seg)
        data = manifest_data(head, settings, self.spec.text, segments, layers, totals, n)
        return data, layer


def _count_dead(c, s: dict, fresh: Segment | None) -> None:
    """Complete a segment entry's tombstones `[when, successor]` with the dead document's passage and unit
    counts (`[when, successor, passages, units]`) and keep the totals (live counts = rows − dead)."""
    todo = [d for d, v in s["dead"].items() if len(v) < 4]
    if todo:
        if fresh is not None and s["token"] == fresh.token:
            stats = {d: fresh.docs[d] for d in todo}
        else:
            stats = _counts(c, s["token"], todo)
        for d in todo:
            s["dead"][d] = list(s["dead"][d][:2]) + [stats[d].n_passages, stats[d].n_units]
    s["dead_passages"] = sum(v[2] for v in s["dead"].values())
    s["dead_units"] = sum(v[3] for v in s["dead"].values())


def _counts(c, token: str, doc_ids: list[str]) -> dict[str, DocStats]:
    """Passages and units of documents of a segment (from their metadata)."""
    out = {}
    for d, (meta, _) in read_docs(c, token, "cur", doc_ids).items():
        out[d] = DocStats(n_passages=int(meta["n_passages"]), n_units=int(meta["units"][1]))
    for d in doc_ids:
        out.setdefault(d, DocStats())
    return out


def _layer_rows(c, token: str) -> Counter:
    out: Counter = Counter()
    it = c.query_iterator(manifest_name(token), batch_size=5000, filter='key like "df/%" or key like "udf/%"',
                          output_fields=["key", "n"])
    try:
        while batch := it.next():
            for r in batch:
                out[r["key"]] += int(r["n"])
    finally:
        it.close()
    return out


def compact(store: str, full: bool = True, grace_s: float | None = None, progress=None) -> dict | None:
    """Merge segments and layers (all of them with `full`, else all but the first) under the publish protocol;
    returns what was merged, or None when there was nothing to do or a concurrent compaction won."""
    spec = parse_store(store)
    c = client(spec)
    n0, col = newest(c)
    if col is None:
        return None
    base = read_manifest(c, token_of(col)).data
    first = 0 if full else 1
    inputs = base["segments"][first:]
    merge_layers = base["layers"][first:]
    if not full and len(inputs) <= 1 and len(merge_layers) <= 1:
        return None
    if full and len(inputs) <= 1 and not any(s["dead"] for s in inputs) and len(merge_layers) <= 1:
        return None
    settings = settings_of(base)
    archived: list[StoredDoc] = []
    for s in inputs:
        for doc_id, (meta, doc) in read_docs(c, s["token"], "arc").items():
            archived.append(StoredDoc(doc, meta.get("source", ""), meta.get("superseded_at", ""), meta.get("successor")))
        if s["dead"]:
            for doc_id, (meta, doc) in read_docs(c, s["token"], "cur", list(s["dead"])).items():
                when, succ = s["dead"][doc_id][:2]
                if succ != doc_id:  # a duplicate copy is not an earlier version
                    archived.append(StoredDoc(doc, meta.get("source", ""), when, succ))
    archived = list({a.doc.doc_id: a for a in archived}.values())  # one archived copy per version (the latest)
    live_units = sum(s["n_units"] - s.get("dead_units", 0) for s in inputs)
    has_docs = any(s["n_documents"] > len(s["dead"]) for s in inputs)
    seg = write_segment(c, _copies(c, inputs), settings.dim, settings.row_context, live_units, archived,
                        progress=progress) if has_docs or archived else None
    layer: Counter = Counter()
    if full:
        for st in (seg.docs.values() if seg else ()):
            st.add_to(layer, Counter(), 1)
    else:
        for t in merge_layers:
            layer.update(_layer_rows(c, t))
    in_tokens = [s["token"] for s in inputs]
    base_dead = {s["token"]: set(s["dead"]) for s in inputs}
    try:
        for _ in range(RETRIES):
            n, col = newest(c)
            head = read_manifest(c, token_of(col)).data
            pos = {s["token"]: i for i, s in enumerate(head["segments"])}
            if any(t not in pos for t in in_tokens) or any(t not in head["layers"] for t in merge_layers):
                raise _Lost()
            segments = [s for s in head["segments"] if s["token"] not in set(in_tokens)]
            at = min(pos[t] for t in in_tokens) if in_tokens else len(segments)
            if seg is not None:
                entry = seg.entry()
                for s in head["segments"]:  # documents tombstoned since the compaction began stay dead
                    if s["token"] in in_tokens:
                        for d, v in s["dead"].items():
                            if d in seg.docs and d not in base_dead[s["token"]]:
                                entry["dead"][d] = list(v[:2])
                _count_dead(c, entry, seg)
                segments.insert(at, entry)
            layers = [t for t in head["layers"] if t not in set(merge_layers)]
            data = manifest_data(head, settings_of(head), spec.text, segments, layers, _totals(head), n)
            token = write_manifest(c, data, layer)
            if claim(c, n + 1, token):
                break
            drop_collections(c, token)
        else:
            raise _Lost()
    except _Lost:
        if seg is not None:
            drop_collections(c, seg.token)
        return None
    except BaseException:
        if seg is not None:
            drop_collections(c, seg.token)
        raise
    ensure_live(c)
    collect_garbage(c, GRACE_S if grace_s is None else grace_s)
    return {"merged_segments": len(inputs), "merged_layers": len(merge_layers), "number": n + 1,
            "segments": len(data["segments"]), "passages": data["n_passages"]}


COPY_DOCS = 500
"""Documents read back per batch by a compaction (bounded memory; few filtered scans on Milvus Lite)."""


def _copies(c, inputs: list[dict]):
    """The live documents of segments as DocWrites, in segment order and each segment's own row order."""
    for s in inputs:
        if s["n_documents"] - len(s["dead"]) <= 0:
            continue
        order = []
        it = c.query_iterator(names(s["token"])[2], batch_size=2000, filter='kind == "meta" and key like "cur/%"',
                              output_fields=["doc_id", "body"])
        try:
            while batch := it.next():
                order += [(json.loads(r["body"])["units"][0], r["doc_id"]) for r in batch
                          if r["doc_id"] not in s["dead"]]
        finally:
            it.close()
        ids = [d for _, d in sorted(order)]
        for lo in range(0, len(ids), COPY_DOCS):
            yield from read_doc_writes(c, s["token"], ids[lo:lo + COPY_DOCS])


class _Lost(Exception):
    """A concurrent compaction replaced this one's inputs."""
