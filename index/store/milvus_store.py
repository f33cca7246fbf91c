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
import math
import os
import threading
from collections import Counter, OrderedDict
from typing import Mapping, Sequence

import numpy as np

from corpus.types import Document
from index.store.generations import Manifest, NoIndex
from index.store.milvus_filter import like_contains
from index.store.milvus_schema import (LIVE_ALIAS, ensure_loaded, StoreSpec, client, names, parse_store, quote_str,
                                       token_of)
from index.store.tables import DocInfo, StoredDoc
from index.store.lexical import tokenize
from index.store.milvus_schema import lex_token

RESCORE = 3
"""Lexical candidates per result that Milvus's BM25 picks for exact re-scoring (its scores differ by a few %)."""

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
    rows = c.get(names(token)[2], ids=["manifest"], output_fields=["body"])
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
        self._meta = _LRU(16_384)
        # Exact bm25s scores by default; GROUNDQA_MILVUS_RAW_BM25=1 ranks by Milvus's own (for measuring).
        self.rescore = os.environ.get("GROUNDQA_MILVUS_RAW_BM25", "") != "1"

    def __len__(self) -> int:
        return self.manifest.n_passages

    # -- ranking ---------------------------------------------------------------------------------
    def _search(self, collection: str, data, field: str, limit: int, out: list[str],
                docs: Sequence[str] | None = None) -> list[dict]:
        limit = min(limit, _SEARCH_MAX)
        if limit <= 0:
            return []
        params = {"metric_type": "BM25"} if field == "sparse" else {"metric_type": "IP"}
        where = f"doc_id in [{', '.join(quote_str(d) for d in sorted(docs))}]" if docs else ""
        res = self._c.search(collection, data=[data], anns_field=field, limit=limit, output_fields=out,
                             search_params=params, filter=where)
        return list(res[0]) if res else []

    def dense_passages(self, qvec: np.ndarray, c: int, docs: Sequence[str] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Up to c passage rows ranked by their best sentence's inner product with `qvec`, and those scores
        (of the documents `docs` only, when given: a filtered exact search)."""
        from index.store.view import best_per_passage

        hits = self._search(self._u, np.asarray(qvec, np.float32).tolist(), "vec", c * 4, ["row"], docs)
        hits.sort(key=lambda h: (-round(float(h["distance"]), 6), int(h["id"])))  # as LoadedIndex ranks them
        rows = {int(h["id"]): int(h["entity"]["row"]) for h in hits}
        return best_per_passage(np.asarray([int(h["id"]) for h in hits], np.int64),
                                np.asarray([float(h["distance"]) for h in hits], np.float32), rows, c)

    def _bm25(self, collection: str, query: str, k: int, kind: str, docs: Sequence[str] | None = None
              ) -> list[tuple[float, int, int]]:
        """Top-k (score, id, row) of a lexical field, best first, ties by id: Milvus's BM25 function picks
        RESCORE·k candidates, which are re-scored exactly as bm25s scores them (see `bm25_score`)."""
        tokens = [lex_token(t) for t in tokenize([query])[0]]
        if not tokens or len(self) == 0:
            return []
        q = " ".join(tokens)
        pk = "row" if kind == "passages" else "id"
        out = ["lex"] if kind == "passages" else ["lex", "row"]
        hits = self._search(collection, q, "sparse", max(k * RESCORE, k + 50) if self.rescore else k, out, docs)
        if not self.rescore:  # Milvus's own scores (reported as negative distances by Milvus Lite)
            got = [(abs(float(h["distance"])), int(h[pk]), int(h["entity"].get("row", h[pk]))) for h in hits]
        else:
            stats = self.manifest.data["bm25_stats"][kind]  # type: ignore[index]
            df = self._dfs(tokens, "df/" if kind == "passages" else "udf/")
            got = [(bm25_score(tokens, h["entity"]["lex"].split(), df, stats["n"], stats["avgdl"]), int(h[pk]),
                    int(h["entity"].get("row", h[pk]))) for h in hits]
        got = [g for g in got if g[0] > 0]
        got.sort(key=lambda g: (-g[0], g[1]))
        return got[:k]

    def _dfs(self, tokens: list[str], space: str) -> dict[str, int]:
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
            got = {r["key"]: int(r["n"]) for r in self._c.get(self._d, ids=keys, output_fields=["key", "n"])}
            for t, key in zip(todo, keys):
                out[t] = got.get(key, 0)
                self._meta.put(key, out[t])
        return out

    def lexical_search(self, query: str, k: int, docs: Sequence[str] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Passage BM25: top-k (scores, rows), best first, ties by row (bm25s's scores, see `_bm25`; of
        the documents `docs` only, when given)."""
        got = self._bm25(self._p, query, k, "passages", docs)
        return np.asarray([g[0] for g in got], np.float32), np.asarray([g[1] for g in got], np.int64)

    def unit_lexical_passages(self, query: str, c: int, docs: Sequence[str] | None = None
                              ) -> tuple[np.ndarray, np.ndarray]:
        """Up to c passage rows ranked by their best sentence's BM25 score, and those scores (of the
        documents `docs` only, when given)."""
        from index.store.view import best_per_passage

        got = self._bm25(self._u, query, c * 4, "units", docs)
        return best_per_passage(np.asarray([g[1] for g in got], np.int64), np.asarray([g[0] for g in got]),
                                {g[1]: g[2] for g in got}, c)

    def passages_using(self, token: str) -> dict[str, int] | None:
        """How many passages of each document use `token`; None for a stop word (the routing test).
        Counted from a BM25 search as deep as the token's passage count (at most Milvus's top-k limit)."""
        terms = tokenize([token])[0]
        if not terms:
            return None
        tokens = [lex_token(t) for t in terms]
        n = min(self._dfs(tokens, "df/").values(), default=0)
        if n == 0 or len(self) == 0:
            return {}
        hits = self._search(self._p, " ".join(tokens), "sparse", n, ["doc_id", "lex"])
        want = set(tokens)
        return dict(Counter(h["entity"]["doc_id"] for h in hits if want <= set(h["entity"]["lex"].split())))

    def doc_freqs(self, tokens: list[str]) -> dict[str, int]:
        """How many passages contain each (tokenized) term (stored at build time as `df/` rows)."""
        enc = {t: lex_token(t) for t in tokens}
        df = self._dfs(list(enc.values()), "df/")
        return {t: df.get(e, 0) for t, e in enc.items()}

    # -- passages and documents ------------------------------------------------------------------
    def passage_rows(self, rows: list[int]) -> dict[int, Mapping[str, object]]:
        """Passages with their document's path, title and OCR pages, keyed by row."""
        rows = [int(r) for r in rows]
        if not rows:
            return {}
        got = self._c.get(self._p, ids=rows, output_fields=["row", "doc_id", "start", "end", "page_start", "page_end", "section",
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
            got = self._c.get(self._d, ids=[key], output_fields=["body"])  # primary-key reads, no scan
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
        prefix = f"{space}/{doc_id}"
        keys = [f"{prefix}/t/{i}" for i in range(meta.get("n_text", 0))] + \
            [f"{prefix}/p/{i}" for i in range(meta.get("n_page", 0))]
        parts = self._c.get(self._d, ids=keys, output_fields=["kind", "n", "body"]) if keys else []
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
        got = self._c.query(self._d, filter=f'kind == "text" and key like "cur/%" and body like {like_contains(text)}',
                            output_fields=["doc_id"], limit=max(1, limit) * 4)
        return list(dict.fromkeys(r["doc_id"] for r in got))[:limit]

    def unit_vectors(self, doc_id: str, spans: list[tuple[int, int]]) -> dict[tuple[int, int], np.ndarray]:
        """Stored vectors of sentence units by (start, end) in a document (missing spans are left out)."""
        if not spans:
            return {}
        lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
        meta = self._doc_meta(doc_id, "cur")
        if meta is None:
            return {}
        first, n = meta["units"]  # a document's units have consecutive ids (index/builder.py writes them so)
        want = set(spans)
        heads = self._c.get(self._u, ids=list(range(first, first + n)), output_fields=["id", "start", "end"])
        ids = [u["id"] for u in heads if lo <= u["start"] < hi and (u["start"], u["end"]) in want]
        got = self._c.get(self._u, ids=ids, output_fields=["id", "start", "end", "vec"]) if ids else []
        out: dict[tuple[int, int], np.ndarray] = {}
        for u in sorted(got, key=lambda u: u["id"]):
            span = (int(u["start"]), int(u["end"]))
            if span in want and span not in out:
                out[span] = np.asarray(u["vec"], np.float32)
        return out


def bm25_score(query: list[str], doc: list[str], df: dict[str, int], n: int, avgdl: float) -> float:
    """BM25 (Lucene variant, K1/B of index/store/lexical.py) of a tokenized text, computed with the same
    float32/float64 steps as bm25s so equal inputs give equal scores and ties break the same way."""
    from index.store.lexical import B, K1

    tf = Counter(doc)
    dl = len(doc)
    total = np.float32(0.0)
    for t in query:  # bm25s sums every query token, repeats included, in query order
        f = tf.get(t, 0)
        d = df.get(t, 0)
        if not f or not d:
            continue
        idf = np.float32(math.log(1 + (n - d + 0.5) / (d + 0.5)))
        denom = K1 * ((1 - B) + B * dl / np.float64(avgdl))
        total = np.float32(total + np.float32(np.float64(idf) * (np.float64(f) / (denom + np.float64(f)))))
    return float(total)
