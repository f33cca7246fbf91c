"""The read side of a Milvus store: `MilvusIndex`, one published manifest seen through the IndexView interface.

Everything is read from Milvus (no local file), so any number of app servers can answer from one store.
A view is bound to one manifest (by token, not through the live alias) and so to one immutable set of
segments and tombstones (manifest.py): a request sees one whole index even if a writer or a
compaction publishes meanwhile; `GroundQA.loaded()` polls the alias and opens a new view when it moves.
Every search runs on each segment with live rows (tombstoned documents filtered out by the server) and the
hits are merged; ties rank by segment order, then id — the order the embedded builder writes rows in.

Dense search is exact (FLAT, inner product) below FLAT_LIMIT unit vectors, so it ranks like FAISS
IndexFlatIP; lexical search is Milvus's BM25 function over the same bm25s tokens as the embedded backend
(see schema.py). Milvus computes BM25 with its own per-segment statistics, so it only picks
candidates; they are re-scored exactly as bm25s scores them from the manifest's N and average length and
the document frequencies summed over the manifest's statistics layers.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from typing import Mapping, Sequence

import numpy as np

from corpus.statements import Statement, statements_from_json
from corpus.types import Document
from index.store.errors import NoIndex
from index.store.lexical import bm25_score
from index.tokens import tokenize
from index.store.milvus.lru import LRU
from index.store.milvus.filter import like_contains
from index.store.milvus.manifest import live_manifest  # noqa: F401  (re-exported: the faces read it from here)
from index.store.milvus.manifest import Segment, live_token, read_manifest, segment_collections
from index.store.milvus.schema import (StoreSpec, client, ensure_loaded, lex_token, manifest_name, parse_store, quote_str,
                                       seg_of)
from index.store.milvus.segments import read_statement_map
from index.store.tables import DocInfo, StoredDoc

RESCORE = 3
"""Lexical candidates per result that Milvus's BM25 picks for exact re-scoring (its scores differ by a few %)."""

_CACHE_DOCS = 64
_SEARCH_MAX = 16_384  # Milvus's top-k limit


def load_milvus_index(store: str) -> "MilvusIndex":
    """A view of the live manifest of a Milvus store, or NoIndex with the fix."""
    spec = parse_store(store)
    token = live_token(spec)
    if not token:
        raise NoIndex(f"no index in {spec.text} yet — run `groundqa index PATH --store {spec.text}` first")
    return MilvusIndex(spec, token)


class MilvusIndex:
    """A read-only view of one manifest of a Milvus store (see module docstring)."""

    def __init__(self, spec: StoreSpec, token: str) -> None:
        self.spec = spec
        self.store = spec.text
        self.token = token
        self._c = client(spec)
        self.manifest = read_manifest(self._c, token)
        ensure_loaded(self._c, segment_collections(self.manifest))
        self.segments = [Segment(e, i) for i, e in enumerate(self.manifest.data["segments"])]  # type: ignore[arg-type]
        self._by_id = {s.id: s for s in self.segments}
        self._layers = [manifest_name(t) for t in self.manifest.data["layers"]]  # type: ignore[union-attr]
        self._docs = LRU(_CACHE_DOCS)
        self._meta = LRU(16_384)
        # Exact bm25s scores by default; GROUNDQA_MILVUS_RAW_BM25=1 ranks by Milvus's own (for measuring).
        self.rescore = os.environ.get("GROUNDQA_MILVUS_RAW_BM25", "") != "1"

    def __len__(self) -> int:
        return self.manifest.n_passages

    def _order(self, gid: int) -> tuple[int, int]:
        seg = self._by_id.get(seg_of(gid))
        return (seg.pos if seg else 1 << 30, int(gid))

    # -- ranking ---------------------------------------------------------------------------------
    def _search(self, kind: str, data, field: str, limit: int, out: list[str],
                docs: Sequence[str] | None = None) -> list[dict]:
        """Search every segment with live rows of `kind` ('p'/'u'); hits of all segments, unsorted."""
        limit = min(limit, _SEARCH_MAX)
        if limit <= 0:
            return []
        params = {"metric_type": "BM25"} if field == "sparse" else {"metric_type": "IP"}
        hits: list[dict] = []
        for s in self.segments:
            if (s.live_passages if kind == "p" else s.live_units) <= 0:
                continue
            where = s.where(docs)
            if where is None:
                continue
            res = self._c.search(s.p if kind == "p" else s.u, data=[data], anns_field=field, limit=limit,
                                 output_fields=out, search_params=params, filter=where)
            if res:
                hits += list(res[0])
        return hits

    def dense_passages(self, qvec: np.ndarray, c: int, docs: Sequence[str] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Up to c passage rows ranked by their best sentence's inner product with `qvec`, and those scores
        (of the documents `docs` only, when given: a filtered exact search)."""
        from index.store.view import best_per_passage

        hits = self._search("u", np.asarray(qvec, np.float32).tolist(), "vec", c * 4, ["row"], docs)
        hits.sort(key=lambda h: (-round(float(h["distance"]), 6), self._order(int(h["id"]))))
        hits = hits[:c * 4]
        rows = {int(h["id"]): int(h["entity"]["row"]) for h in hits}
        return best_per_passage(np.asarray([int(h["id"]) for h in hits], np.int64),
                                np.asarray([float(h["distance"]) for h in hits], np.float32), rows, c)

    def _bm25(self, kind: str, query: str, k: int, docs: Sequence[str] | None = None
              ) -> list[tuple[float, int, int]]:
        """Top-k (score, id, row) of a lexical field, best first, ties by segment and id: Milvus's BM25 function
        picks RESCORE·k candidates per segment, which are re-scored exactly as bm25s scores them."""
        tokens = [lex_token(t) for t in tokenize([query])[0]]
        if not tokens or len(self) == 0:
            return []
        q = " ".join(tokens)
        pk = "row" if kind == "passages" else "id"
        out = ["lex"] if kind == "passages" else ["lex", "row"]
        hits = self._search(kind[0], q, "sparse", max(k * RESCORE, k + 50) if self.rescore else k, out, docs)
        if not self.rescore:  # Milvus's own scores (reported as negative distances by Milvus Lite)
            got = [(abs(float(h["distance"])), int(h[pk]), int(h["entity"].get("row", h[pk]))) for h in hits]
        else:
            stats = self.manifest.data["bm25_stats"][kind]  # type: ignore[index]
            df = self._dfs(tokens, "df/" if kind == "passages" else "udf/")
            got = [(bm25_score(tokens, h["entity"]["lex"].split(), df, stats["n"], stats["avgdl"]), int(h[pk]),
                    int(h["entity"].get("row", h[pk]))) for h in hits]
        got = [g for g in got if g[0] > 0]
        got.sort(key=lambda g: (-g[0], self._order(g[1])))
        return got[:k]

    def _dfs(self, tokens: list[str], space: str) -> dict[str, int]:
        """Document frequencies: the sum of each statistics layer's signed counts."""
        out: dict[str, int] = {}
        todo = []
        for t in dict.fromkeys(tokens):
            n = self._meta.get(space + t)
            if n is None:
                todo.append(t)
            else:
                out[t] = n
        if todo:
            keys = [space + t for t in todo]
            got: Counter = Counter()
            for layer in self._layers:
                for r in self._c.get(layer, ids=keys, output_fields=["key", "n"]):
                    got[r["key"]] += int(r["n"])
            for t, key in zip(todo, keys):
                out[t] = got.get(key, 0)
                self._meta.put(key, out[t])
        return out

    def lexical_search(self, query: str, k: int, docs: Sequence[str] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Passage BM25: top-k (scores, rows), best first (bm25s's scores, see `_bm25`; of the documents
        `docs` only, when given)."""
        got = self._bm25("passages", query, k, docs)
        return np.asarray([g[0] for g in got], np.float32), np.asarray([g[1] for g in got], np.int64)

    def unit_lexical_passages(self, query: str, c: int, docs: Sequence[str] | None = None
                              ) -> tuple[np.ndarray, np.ndarray]:
        """Up to c passage rows ranked by their best sentence's BM25 score, and those scores (of the
        documents `docs` only, when given)."""
        from index.store.view import best_per_passage

        got = self._bm25("units", query, c * 4, docs)
        return best_per_passage(np.asarray([g[1] for g in got], np.int64), np.asarray([g[0] for g in got]),
                                {g[1]: g[2] for g in got}, c)

    def passages_using(self, token: str) -> dict[str, int] | None:
        """How many passages of each document use `token`; None for a stop word (the routing test).
        Counted from BM25 searches as deep as the token's passage count (at most Milvus's top-k limit)."""
        terms = tokenize([token])[0]
        if not terms:
            return None
        tokens = [lex_token(t) for t in terms]
        n = min(self._dfs(tokens, "df/").values(), default=0)
        if n == 0 or len(self) == 0:
            return {}
        hits = self._search("p", " ".join(tokens), "sparse", n, ["doc_id", "lex"])
        want = set(tokens)
        return dict(Counter(h["entity"]["doc_id"] for h in hits if want <= set(h["entity"]["lex"].split())))

    def doc_freqs(self, tokens: list[str]) -> dict[str, int]:
        """How many passages contain each (tokenized) term (summed over the statistics layers)."""
        enc = {t: lex_token(t) for t in tokens}
        df = self._dfs(list(enc.values()), "df/")
        return {t: df.get(e, 0) for t, e in enc.items()}

    # -- passages and documents ------------------------------------------------------------------
    def passage_rows(self, rows: list[int]) -> dict[int, Mapping[str, object]]:
        """Passages with their document's path, title and OCR pages, keyed by row."""
        by_seg: dict[int, list[int]] = {}
        for r in rows:
            by_seg.setdefault(seg_of(int(r)), []).append(int(r))
        out: dict[int, Mapping[str, object]] = {}
        for sid, ids in by_seg.items():
            seg = self._by_id.get(sid)
            if seg is None:
                continue
            got = self._c.get(seg.p, ids=ids, output_fields=["row", "doc_id", "start", "end", "page_start",
                                                              "page_end", "section", "text"])
            for r in got:
                if r["doc_id"] in seg.dead:
                    continue
                meta = self._seg_meta(seg, r["doc_id"], "cur")
                if meta is None:
                    continue
                text = r["text"]
                if not text and r["end"] > r["start"]:  # over the VARCHAR limit: read from the document
                    text = (self.document_text(r["doc_id"]) or "")[r["start"]:r["end"]]
                ps, pe = r["page_start"], r["page_end"]
                out[int(r["row"])] = {"row": int(r["row"]), "doc_id": r["doc_id"], "start": int(r["start"]),
                                      "end": int(r["end"]), "page_start": None if ps < 0 else int(ps),
                                      "page_end": None if pe < 0 else int(pe), "text": text, "section": r["section"],
                                      "path": meta["path"], "title": meta["title"],
                                      "ocr_pages": json.dumps(meta.get("ocr_pages", []))}
        return out

    def _seg_meta(self, seg: Segment, doc_id: str, space: str) -> dict | None:
        key = f"{space}/{doc_id}/m"
        meta = self._meta.get((seg.id, key))
        if meta is None:
            got = self._c.get(seg.d, ids=[key], output_fields=["body"])  # primary-key reads, no scan
            if not got:
                return None
            meta = json.loads(got[0]["body"])
            self._meta.put((seg.id, key), meta)
        return meta

    def _holder(self, doc_id: str) -> Segment | None:
        """The segment holding the current (live) copy of a document."""
        hit = self._meta.get(("holder", doc_id))
        if hit is not None:
            return self._by_id.get(hit)
        for seg in reversed(self.segments):
            if doc_id not in seg.dead and self._seg_meta(seg, doc_id, "cur") is not None:
                self._meta.put(("holder", doc_id), seg.id)
                return seg
        return None

    def _read(self, seg: Segment, doc_id: str, space: str, dead: list | None = None) -> StoredDoc | None:
        hit = self._docs.get((seg.id, space, doc_id))
        if hit is not None:
            return hit
        meta = self._seg_meta(seg, doc_id, space)
        if meta is None:
            return None
        prefix = f"{space}/{doc_id}"
        keys = [f"{prefix}/t/{i}" for i in range(meta.get("n_text", 0))] + \
            [f"{prefix}/p/{i}" for i in range(meta.get("n_page", 0))]
        parts = self._c.get(seg.d, ids=keys, output_fields=["kind", "n", "body"]) if keys else []
        text = "".join(p["body"] for p in sorted((p for p in parts if p["kind"] == "text"), key=lambda p: p["n"]))
        pages = "".join(p["body"] for p in sorted((p for p in parts if p["kind"] == "pages"), key=lambda p: p["n"]))
        doc = Document(path=meta["path"], title=meta["title"], text=text,
                       page_starts=tuple(int(x) for x in pages.split(",") if x), file_hash=meta.get("file_hash", ""),
                       doc_id=doc_id, ocr_pages=tuple(meta.get("ocr_pages", ())))
        if dead is not None:  # a tombstoned current copy: an archived version as far as readers go
            stored = StoredDoc(doc, meta.get("source", ""), dead[0], dead[1])
        else:
            stored = StoredDoc(doc, meta.get("source", ""), meta.get("superseded_at", ""), meta.get("successor"))
        self._docs.put((seg.id, space, doc_id), stored)
        return stored

    def get_document(self, doc_id: str) -> StoredDoc | None:
        """The current document with this id, or None."""
        seg = self._holder(doc_id)
        return self._read(seg, doc_id, "cur") if seg else None

    def find_document_by_prefix(self, prefix: str) -> StoredDoc | None:
        """Current or archived document whose id starts with `prefix` (citation ids hold a prefix): a current
        copy first, then a tombstoned one, then an archived version."""
        if not prefix.isalnum():
            return None
        dead_hit = None
        for seg in reversed(self.segments):
            got = self._c.query(seg.d, filter=f'key like "cur/{prefix}%" and kind == "meta"', output_fields=["doc_id"],
                                limit=16)
            for r in got:
                if r["doc_id"] not in seg.dead:
                    return self._read(seg, r["doc_id"], "cur")
                if dead_hit is None:
                    dead_hit = (seg, r["doc_id"])
        if dead_hit is not None:
            seg, doc_id = dead_hit
            return self._read(seg, doc_id, "cur", seg.dead[doc_id])
        for seg in reversed(self.segments):
            got = self._c.query(seg.d, filter=f'key like "arc/{prefix}%" and kind == "meta"', output_fields=["doc_id"],
                                limit=1)
            if got:
                return self._read(seg, got[0]["doc_id"], "arc")
        return None

    def statements(self, doc_id: str) -> list[Statement]:
        """A current document's statement map (corpus/statements.py), as stored at index time (found from the
        text for a store written before the map); [] for an unknown id."""
        hit = self._meta.get(("statements", doc_id))
        if hit is not None:
            return hit
        seg = self._holder(doc_id)
        stored = self._read(seg, doc_id, "cur") if seg else None
        if seg is None or stored is None:
            return []
        body = read_statement_map(self._c, seg.d, doc_id, self._seg_meta(seg, doc_id, "cur") or {})
        hit = statements_from_json(body, stored.doc.text, stored.doc.page_starts)
        self._meta.put(("statements", doc_id), hit)
        return hit

    def get_document_meta(self, doc_id: str) -> dict | None:
        """A current document's metadata (no text read), or None."""
        seg = self._holder(doc_id)
        return self._seg_meta(seg, doc_id, "cur") if seg else None

    def documents_of_sources(self, sources: Sequence[str], under: Sequence[str] = ()) -> list[DocInfo]:
        """Current documents whose source is one of `sources` or lies under a folder of `under`."""
        parts = [f"source in [{', '.join(quote_str(s) for s in sources)}]"] if sources else []
        for root in under:
            pat = root.rstrip("/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            parts.append(f"source == {quote_str(root)} or source like {quote_str(pat + '/%')}")
        return self.list_documents(" or ".join(f"({p})" for p in parts)) if parts else []

    def list_documents(self, where: str = "") -> list[DocInfo]:
        """All current documents (matching the filter `where`, when given), by path (metadata rows only, paged
        by the server)."""
        out = []
        expr = 'kind == "meta" and key like "cur/%"' + (f" and ({where})" if where else "")
        for seg in self.segments:
            it = self._c.query_iterator(seg.d, batch_size=2000, filter=expr, output_fields=["doc_id", "body"])
            try:
                while batch := it.next():
                    for r in batch:
                        if r["doc_id"] in seg.dead:
                            continue
                        m = json.loads(r["body"])
                        out.append(DocInfo(r["doc_id"], m["path"], m["source"], m["title"], m["size"], m["n_chars"],
                                           m["n_pages"], m["n_passages"], m["indexed_at"], m["file_hash"],
                                           tuple(m.get("statements", ()))))
            finally:
                it.close()
        return sorted(out, key=lambda d: (d.path, d.doc_id))

    def document_text(self, doc_id: str) -> str | None:
        """Canonical text of a current document, or None."""
        s = self.get_document(doc_id)
        return s.doc.text if s else None

    def page_starts(self, doc_id: str) -> list[int]:
        """Page start offsets of a current document ([] without pages)."""
        s = self.get_document(doc_id)
        return list(s.doc.page_starts) if s else []

    def documents_containing(self, text: str, limit: int) -> list[str]:
        """Ids of up to `limit` current documents with `text` in one stored piece (a quote across a piece
        boundary, 60k characters apart, is not found by this fallback scan)."""
        out: list[str] = []
        for seg in self.segments:
            got = self._c.query(seg.d, filter=f'kind == "text" and key like "cur/%" and body like {like_contains(text)}',
                                output_fields=["doc_id"], limit=max(1, limit) * 4)
            out += [r["doc_id"] for r in got if r["doc_id"] not in seg.dead]
        return list(dict.fromkeys(out))[:limit]

    def _units(self, doc_id: str, fields: list[str]) -> list[dict]:
        seg = self._holder(doc_id)
        meta = self._seg_meta(seg, doc_id, "cur") if seg else None
        if seg is None or meta is None:
            return []
        first, n = meta["units"]  # a document's units have consecutive ids (segments.py writes them so)
        return self._c.get(seg.u, ids=list(range(first, first + n)), output_fields=fields) if n else []

    def unit_vectors(self, doc_id: str, spans: list[tuple[int, int]]) -> dict[tuple[int, int], np.ndarray]:
        """Stored vectors of sentence units by (start, end) in a document (missing spans are left out)."""
        if not spans:
            return {}
        lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
        want = set(spans)
        heads = self._units(doc_id, ["id", "start", "end"])
        ids = [u["id"] for u in heads if lo <= u["start"] < hi and (u["start"], u["end"]) in want]
        seg = self._holder(doc_id)
        got = self._c.get(seg.u, ids=ids, output_fields=["id", "start", "end", "vec"]) if ids and seg else []
        out: dict[tuple[int, int], np.ndarray] = {}
        for u in sorted(got, key=lambda u: u["id"]):
            span = (int(u["start"]), int(u["end"]))
            if span in want and span not in out:
                out[span] = np.asarray(u["vec"], np.float32)
        return out

    def document_units(self, doc_id: str) -> list[tuple[int, int, np.ndarray]]:
        """(start, end, vector) of every unit of a current document, in order (a writer reuses them)."""
        got = sorted(self._units(doc_id, ["id", "start", "end", "vec"]), key=lambda u: u["id"])
        return [(int(u["start"]), int(u["end"]), np.asarray(u["vec"], np.float32)) for u in got]
