"""The read side of a Milvus store: `MilvusIndex`, one generation seen through the IndexView interface.

Everything is read from Milvus (no local file), so any number of app servers can answer from one store.
A view is bound to one generation's collections (by build token, not through the live alias), so a
request sees one whole generation even if a writer switches the alias meanwhile; `GroundQA.loaded()`
polls the alias and opens a new view when it moves. Generations are immutable, so documents and
passages read once are cached (bounded).

Dense search is exact (FLAT, inner product) below FLAT_LIMIT unit vectors, so it ranks like FAISS
IndexFlatIP; lexical search is Milvus's BM25 function over the same bm25s tokens as the embedded backend
(see milvus_schema.py). Milvus computes BM25 with (k1+1)·tf/(tf+k1·(1−b+b·dl/avgdl)) and its own segment
statistics, so its scores are (k1+1)≈2.2× bm25s's, within a few per cent — ranks agree except near-ties
(measured: README "Scaling out: Milvus").
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Mapping

import numpy as np

from corpus.types import Document
from index.store.generations import Manifest, NoIndex
from index.store.milvus_schema import (LIVE_ALIAS, ensure_loaded, StoreSpec, client, names, parse_store, quote_str,
                                       token_of)
from index.store.tables import DocInfo, StoredDoc
from index.store.lexical import tokenize
from index.store.milvus_schema import lex_field

_CACHE_DOCS = 64
_SEARCH_MAX = 16_384  # Milvus's top-k limit


class _LRU:
    def __init__(self, n: int) -> None:
        self._d: OrderedDict = OrderedDict()
        self._n = n
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._d[key] = value
            while len(self._d) > self._n:
                self._d.popitem(last=False)


def live_token(spec: StoreSpec) -> str:
    """Build token of the live generation ('' when nothing was committed yet)."""
    c = client(spec)
    try:
        return token_of(c.describe_alias(LIVE_ALIAS)["collection_name"])
    except Exception:
        return ""


def live_manifest(store: str) -> Manifest | None:
    """The live generation's manifest, or None when nothing was committed yet."""
    spec = parse_store(store)
    token = live_token(spec)
    return read_manifest(client(spec), token) if token else None


def read_manifest(c, token: str) -> Manifest:
    """The manifest row of a generation (its collections are loaded first if they were released)."""
    ensure_loaded(c, token)
    rows = c.query(names(token)[2], filter='key == "manifest"', output_fields=["body"])
    if not rows:
        raise NoIndex(f"generation {token} has no manifest — it is being built or was dropped")
    return Manifest(json.loads(rows[0]["body"]))


def load_milvus_index(store: str) -> "MilvusIndex":
    """The live generation of a Milvus store, or NoIndex with the fix."""
    spec = parse_store(store)
    token = live_token(spec)
    if not token:
        raise NoIndex(f"no index in {spec.text} yet — run `groundqa index PATH --store {spec.text}` first")
    return MilvusIndex(spec, token)


class MilvusIndex:
    """A read-only view of one generation in Milvus (see module docstring)."""

    def __init__(self, spec: StoreSpec, token: str) -> None:
        self.spec = spec
        self.store = spec.text
        self.token = token
        self._c = client(spec)
        self._p, self._u, self._d = names(token)
        self.manifest = read_manifest(self._c, token)
        self._docs = _LRU(_CACHE_DOCS)
        self._meta = _LRU(4096)

    def __len__(self) -> int:
        return self.manifest.n_passages

    # -- ranking ---------------------------------------------------------------------------------
    def _search(self, collection: str, data, field: str, limit: int, out: list[str]) -> list[dict]:
        limit = min(limit, _SEARCH_MAX)
        if limit <= 0:
            return []
        params = {"metric_type": "BM25"} if field == "sparse" else {"metric_type": "IP"}
        res = self._c.search(collection, data=[data], anns_field=field, limit=limit, output_fields=out,
                             search_params=params)
        return list(res[0]) if res else []

    def dense_passages(self, qvec: np.ndarray, c: int) -> tuple[np.ndarray, np.ndarray]:
        """Up to c passage rows ranked by their best sentence's inner product with `qvec`, and those scores."""
        from index.store.view import best_per_passage

        hits = self._search(self._u, np.asarray(qvec, np.float32).tolist(), "vec", c * 4, ["row"])
        hits.sort(key=lambda h: (-float(h["distance"]), int(h["id"])))
        rows = {int(h["id"]): int(h["entity"]["row"]) for h in hits}
        return best_per_passage(np.asarray([int(h["id"]) for h in hits], np.int64),
                                np.asarray([float(h["distance"]) for h in hits], np.float32), rows, c)

    def _lex_query(self, query: str) -> str:
        return lex_field(tokenize([query])[0])

    def lexical_search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Passage BM25 (Milvus BM25 function): top-k (scores, rows), best first, ties by row."""
        q = self._lex_query(query)
        empty = (np.zeros(0, np.float32), np.zeros(0, np.int64))
        if not q or len(self) == 0:
            return empty
        # Milvus Lite reports BM25 as a negative distance; scores are positive either way.
        hits = [(abs(float(h["distance"])), int(h["row"])) for h in self._search(self._p, q, "sparse", k, [])]
        hits = sorted((s, r) for s, r in hits if s > 0)
        hits.sort(key=lambda x: (-x[0], x[1]))
        return np.asarray([s for s, _ in hits], np.float32), np.asarray([r for _, r in hits], np.int64)

    def unit_lexical_passages(self, query: str, c: int) -> tuple[np.ndarray, np.ndarray]:
        """Up to c passage rows ranked by their best sentence's BM25 score, and those scores."""
        from index.store.view import best_per_passage

        q = self._lex_query(query)
        if not q or len(self) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        hits = [(abs(float(h["distance"])), int(h["id"]), int(h["entity"]["row"]))
                for h in self._search(self._u, q, "sparse", c * 4, ["row"])]
        hits = [h for h in hits if h[0] > 0]
        hits.sort(key=lambda x: (-x[0], x[1]))
        return best_per_passage(np.asarray([h[1] for h in hits], np.int64), np.asarray([h[0] for h in hits]),
                                {h[1]: h[2] for h in hits}, c)

    def doc_freqs(self, tokens: list[str]) -> dict[str, int]:
        """How many passages contain each (tokenized) term (stored at build time as `df/` rows)."""
        out = {t: 0 for t in tokens}
        if not tokens:
            return out
        keys = {"df/" + _key_token(t): t for t in tokens}
        for r in self._c.query(self._d, filter=f"key in [{', '.join(quote_str(k) for k in keys)}]",
                               output_fields=["key", "n"]):
            out[keys[r["key"]]] = int(r["n"])
        return out

    # -- passages and documents ------------------------------------------------------------------
    def passage_rows(self, rows: list[int]) -> dict[int, Mapping[str, object]]:
        """Passages with their document's path, title and OCR pages, keyed by row."""
        rows = [int(r) for r in rows]
        if not rows:
            return {}
        got = self._c.query(self._p, filter=f"row in [{', '.join(map(str, rows))}]",
                            output_fields=["row", "doc_id", "start", "end", "page_start", "page_end", "section",
                                           "text"])
        out: dict[int, Mapping[str, object]] = {}
        for r in got:
            meta = self._doc_meta(r["doc_id"], "cur")
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

    def _doc_meta(self, doc_id: str, space: str) -> dict | None:
        key = f"{space}/{doc_id}/m"
        meta = self._meta.get(key)
        if meta is None:
            got = self._c.query(self._d, filter=f"key == {quote_str(key)}", output_fields=["body"])
            if not got:
                return None
            meta = json.loads(got[0]["body"])
            self._meta.put(key, meta)
        return meta

    def _stored(self, doc_id: str, space: str) -> StoredDoc | None:
        hit = self._docs.get((space, doc_id))
        if hit is not None:
            return hit
        meta = self._doc_meta(doc_id, space)
        if meta is None:
            return None
        parts = self._c.query(self._d, filter=f'doc_id == {quote_str(doc_id)} and kind in ["text", "pages"] '
                              f'and key like "{space}/%"', output_fields=["kind", "n", "body"])
        text = "".join(p["body"] for p in sorted((p for p in parts if p["kind"] == "text"), key=lambda p: p["n"]))
        pages = "".join(p["body"] for p in sorted((p for p in parts if p["kind"] == "pages"), key=lambda p: p["n"]))
        doc = Document(path=meta["path"], title=meta["title"], text=text,
                       page_starts=tuple(int(x) for x in pages.split(",") if x), file_hash=meta.get("file_hash", ""),
                       doc_id=doc_id, ocr_pages=tuple(meta.get("ocr_pages", ())))
        stored = StoredDoc(doc, meta.get("source", ""), meta.get("superseded_at", ""), meta.get("successor"))
        self._docs.put((space, doc_id), stored)
        return stored

    def get_document(self, doc_id: str) -> StoredDoc | None:
        """The current document with this id, or None."""
        return self._stored(doc_id, "cur")

    def find_document_by_prefix(self, prefix: str) -> StoredDoc | None:
        """Current or archived document whose id starts with `prefix` (citation ids hold a prefix)."""
        if not prefix.isalnum():
            return None
        for space in ("cur", "arc"):
            got = self._c.query(self._d, filter=f'key like "{space}/{prefix}%" and kind == "meta"',
                                output_fields=["doc_id"], limit=1)
            if got:
                return self._stored(got[0]["doc_id"], space)
        return None

    def list_documents(self) -> list[DocInfo]:
        """All current documents, by path."""
        out = []
        it = self._c.query_iterator(self._d, batch_size=1000, filter='kind == "meta" and key like "cur/%"',
                                    output_fields=["doc_id", "body"])
        try:
            while batch := it.next():
                for r in batch:
                    m = json.loads(r["body"])
                    out.append(DocInfo(r["doc_id"], m["path"], m["source"], m["title"], m["size"], m["n_chars"],
                                       m["n_pages"], m["n_passages"], m["indexed_at"], m["file_hash"]))
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
        pat = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace('"', '\\"')
        got = self._c.query(self._d, filter=f'kind == "text" and key like "cur/%" and body like "%{pat}%"',
                            output_fields=["doc_id"], limit=max(1, limit) * 4)
        return list(dict.fromkeys(r["doc_id"] for r in got))[:limit]

    def unit_vectors(self, doc_id: str, spans: list[tuple[int, int]]) -> dict[tuple[int, int], np.ndarray]:
        """Stored vectors of sentence units by (start, end) in a document (missing spans are left out)."""
        if not spans:
            return {}
        lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
        got = self._c.query(self._u, filter=f"doc_id == {quote_str(doc_id)} and start >= {lo} and start < {hi}",
                            output_fields=["id", "start", "end", "vec"])
        want = set(spans)
        out: dict[tuple[int, int], np.ndarray] = {}
        for u in sorted(got, key=lambda u: u["id"]):
            span = (int(u["start"]), int(u["end"]))
            if span in want and span not in out:
                out[span] = np.asarray(u["vec"], np.float32)
        return out


def _key_token(t: str) -> str:
    from index.store.milvus_schema import lex_token

    return lex_token(t)
