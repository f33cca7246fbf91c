"""Publishing one local generation folder (SQLite + vectors) into three new Milvus collections: documents in
pieces, passages with their BM25 field, sentence units with vectors and BM25 field, and the term statistics
the exact re-scoring needs (index/store/milvus_store.py). Writers then claim it (milvus_generations.py)."""
from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from pathlib import Path

import numpy as np

from index.store import tables as db
from index.store.generations import IndexError_, Manifest, open_vectors
from index.store.milvus_schema import StoreSpec, create_generation, drop_generation, lex_token, names, pieces

__all__ = ["publish"]

_BATCH_BYTES = 4 << 20


def _new_token() -> str:
    return f"{int(time.time()):x}{secrets.token_hex(4)}"

def _inserter(c, collection: str):
    batch: list[dict] = []
    size = [0]

    def add(row: dict | None, nbytes: int = 256) -> None:
        if row is not None:
            batch.append(row)
            size[0] += nbytes
        if batch and (row is None or size[0] >= _BATCH_BYTES):
            c.insert(collection, batch)
            batch.clear()
            size[0] = 0
    return add


def publish(c, gen: Path, spec: StoreSpec, base: int) -> str:
    """Write a local generation folder into new collections; returns their build token."""
    from corpus.structure import Sections
    from index.store.lexical import tokenize
    from index.texts import lexical_text, unit_text

    man = Manifest.read(gen)
    token = _new_token()
    p_name, u_name, d_name = names(token)
    create_generation(c, token, man.dim, man.n_units, f"groundqa generation {token}")
    con = db.connect(gen / db.DB_FILE, readonly=True)
    try:
        add = _inserter(c, d_name)
        docs: dict[str, tuple[str, str]] = {}
        # Readers fetch a document's units by id range (primary-key reads, no scan): builder writes them in a row.
        unit_span = {r[0]: (r[1], r[2]) for r in con.execute(
            "SELECT doc_id, min(id), count(*) FROM units GROUP BY doc_id")}
        for r in con.execute("SELECT * FROM documents"):
            starts = json.loads(r["page_starts"])
            first, n = unit_span.get(r["doc_id"], (0, 0))
            meta = {"path": r["path"], "source": r["source"], "title": r["title"], "file_hash": r["file_hash"],
                    "size": r["size"], "indexed_at": r["indexed_at"], "n_passages": r["n_passages"],
                    "n_chars": len(r["text"]), "n_pages": len(starts), "ocr_pages": json.loads(r["ocr_pages"]),
                    "units": [first, n]}
            if n and con.execute("SELECT max(id) - min(id) + 1 FROM units WHERE doc_id=?", (r["doc_id"],)
                                 ).fetchone()[0] != n:
                raise IndexError_(f"internal error: the units of document {r['doc_id']} are not consecutive")
            _add_doc(add, "cur", r["doc_id"], meta, r["text"], starts)
            docs[r["doc_id"]] = (r["title"], r["text"])
        for r in con.execute("SELECT * FROM doc_versions"):
            meta = {"path": r["path"], "source": r["source"], "title": r["title"], "superseded_at": r["superseded_at"],
                    "successor": r["successor"], "n_chars": len(r["text"])}
            _add_doc(add, "arc", r["doc_id"], meta, r["text"], json.loads(r["page_starts"]))
        df: Counter = Counter()
        udf: Counter = Counter()
        dl = {"passages": 0, "units": 0}
        padd = _inserter(c, p_name)
        prows = con.execute("SELECT * FROM passages ORDER BY row").fetchall()
        ptoks: list[list[str]] = []
        for lo in range(0, len(prows), 1024):  # bm25s tokenizes a batch far faster than its rows one by one
            ptoks += tokenize([lexical_text(docs[r["doc_id"]][0], r["text"], r["section"]) for r in prows[lo:lo + 1024]])
        for r, toks in zip(prows, ptoks):
            toks = [lex_token(t) for t in toks]
            df.update(set(toks))
            dl["passages"] += len(toks)
            text = r["text"] if len(r["text"].encode("utf-8", "surrogatepass")) < 65_000 else ""
            padd({"row": r["row"], "doc_id": r["doc_id"], "start": r["start"], "end": r["end"],
                  "page_start": -1 if r["page_start"] is None else r["page_start"],
                  "page_end": -1 if r["page_end"] is None else r["page_end"], "section": r["section"][:16_000],
                  "text": text, "lex": _lex(toks)}, 3 * len(r["text"]) + 64)
        padd(None)
        vecs = open_vectors(gen, man.n_units, man.dim)
        uadd = _inserter(c, u_name)
        units = con.execute("SELECT id, row, doc_id, start, end FROM units ORDER BY id").fetchall()
        # Sentence BM25 reads what the embedded folder's reads: a table row with its caption and row group.
        row_ctx = bool(man.data.get("row_context", False))
        sections: dict[str, Sections] = {}

        def secs(doc_id: str) -> Sections | None:
            if not row_ctx:
                return None
            if doc_id not in sections:
                sections.clear()  # units come document by document: keep one
                sections[doc_id] = Sections(docs[doc_id][1])
            return sections[doc_id]

        for lo in range(0, len(units), 1024):
            chunk = units[lo:lo + 1024]
            texts = [unit_text(secs(u["doc_id"]), u["start"], docs[u["doc_id"]][1][u["start"]:u["end"]])
                     for u in chunk]
            block = np.asarray(vecs[chunk[0]["id"]:chunk[-1]["id"] + 1], np.float32)
            for u, toks, v in zip(chunk, tokenize(texts), block):
                toks = [lex_token(t) for t in toks]
                udf.update(set(toks))
                dl["units"] += len(toks)
                uadd({"id": u["id"], "row": u["row"], "doc_id": u["doc_id"], "start": u["start"], "end": u["end"],
                      "vec": v, "lex": _lex(toks)}, 4 * man.dim + 200)
        uadd(None)
        # Term statistics for exact bm25s scores (milvus_store.bm25_score) and the answerer's doc_freqs.
        for space, counts in (("df/", df), ("udf/", udf)):
            for t, n in counts.items():
                add({"key": space + t, "kind": "df", "doc_id": "", "n": n, "body": "", "dummy": [0.0, 0.0]}, 64)
        data = {k: v for k, v in man.data.items() if k != "documents"}  # the documents collection lists them
        data.update({"store": spec.text, "vector_backend": "milvus", "token": token, "base": base,
                     "vector_index": f"Milvus {'FLAT' if man.n_units <= 2_000_000 else 'HNSW'}(IP, n={man.n_units})",
                     "lexical_index": "Milvus BM25 function (k1=1.2, b=0.75) over bm25s tokens",
                     "created_at": time.time(),
                     "bm25_stats": {"passages": {"n": man.n_passages, "avgdl": dl["passages"] / max(1, man.n_passages)},
                                    "units": {"n": man.n_units, "avgdl": dl["units"] / max(1, man.n_units)}}})
        add({"key": "manifest", "kind": "manifest", "doc_id": "", "n": 0, "body": json.dumps(data),
             "dummy": [0.0, 0.0]})
        add(None)
        for name in (p_name, u_name, d_name):
            # Seal the rows into indexed segments: unflushed rows are searched by brute force (in Milvus Lite,
            # row by row in Python — 15k units took seconds per query before this).
            c.flush(name)
        _verify_counts(c, token, man)
    except BaseException:
        con.close()
        drop_generation(c, token)
        raise
    con.close()
    return token


def _lex(tokens: list[str]) -> str:
    """A lexical field: the tokens, space-separated, within the VARCHAR byte limit."""
    out = " ".join(tokens)
    return out if len(out) < 65_000 else out[: out.rfind(" ", 0, 65_000)]


def _add_doc(add, space: str, doc_id: str, meta: dict, text: str, page_starts: list[int]) -> None:
    key = f"{space}/{doc_id}"
    texts = list(pieces(text))
    pages = list(pieces(",".join(map(str, page_starts))))
    meta = dict(meta, n_text=len(texts), n_page=len(pages))  # readers get the pieces by key
    add({"key": f"{key}/m", "kind": "meta", "doc_id": doc_id, "n": 0, "body": json.dumps(meta),
         "dummy": [0.0, 0.0]}, 512)
    for i, piece in enumerate(texts):
        add({"key": f"{key}/t/{i}", "kind": "text", "doc_id": doc_id, "n": i, "body": piece,
             "dummy": [0.0, 0.0]}, len(piece) * 2)
    for i, piece in enumerate(pages):
        add({"key": f"{key}/p/{i}", "kind": "pages", "doc_id": doc_id, "n": i, "body": piece,
             "dummy": [0.0, 0.0]}, len(piece))


def _count(c, collection: str, expr: str = "") -> int:
    got = c.query(collection, filter=expr, output_fields=["count(*)"])
    return int(got[0]["count(*)"])


def _verify_counts(c, token: str, man: Manifest) -> None:
    p_name, u_name, _ = names(token)
    for name, want in ((p_name, man.n_passages), (u_name, man.n_units)):
        got = _count(c, name)
        if got != want:
            raise IndexError_(f"Milvus collection {name} holds {got} rows after writing {want} — the store lost "
                              "writes; run `groundqa index` again")
