"""Writing and reading back one segment: the documents a commit (or a compaction) adds, in three new
collections (schema.py), with the per-document BM25 statistics a commit sums into its layer.

A segment is immutable once written: a commit never touches another segment's rows, it lists their documents
as dead in the manifest instead (commit.py), so a reader bound to an older manifest keeps a whole index.
"""
from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from corpus.types import Document, Passage
from index.store.errors import IndexFailure
from index.store.milvus.schema import (SEG_SHIFT, create_segment, drop_collections, lex_token, names, pieces,
                                       quote_str)
from corpus.statements import statement_map
from index.store.tables import StoredDoc, statement_summary
from index.store.writes import DocWrite

_BATCH_BYTES = 4 << 20


@dataclass
class DocStats:
    """A document's contribution to the BM25 statistics (tokens as written to the lexical fields)."""

    n_passages: int = 0
    n_units: int = 0
    p_len: int = 0
    u_len: int = 0
    p_df: Counter = field(default_factory=Counter)
    u_df: Counter = field(default_factory=Counter)

    def add_to(self, layer: Counter, totals: Counter, sign: int) -> None:
        """Add (sign 1) or subtract (-1) this document to a layer of `df/`, `udf/` counts and to totals."""
        for t, n in self.p_df.items():
            layer["df/" + t] += sign * n
        for t, n in self.u_df.items():
            layer["udf/" + t] += sign * n
        totals["n_passages"] += sign * self.n_passages
        totals["n_units"] += sign * self.n_units
        totals["p_len"] += sign * self.p_len
        totals["u_len"] += sign * self.u_len
        totals["n_documents"] += sign


@dataclass
class Segment:
    """A written segment."""

    token: str
    id: int
    n_passages: int
    n_units: int
    docs: dict[str, DocStats]
    sources: dict[str, str]
    """source → doc id of its current documents."""

    def entry(self) -> dict:
        """The segment's entry in a manifest (no tombstones yet)."""
        return {"token": self.token, "id": self.id, "n_passages": self.n_passages, "n_units": self.n_units,
                "n_documents": len(self.docs), "dead": {}}


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


def _lex(tokens: list[str]) -> str:
    """A lexical field: the tokens, space-separated, within the VARCHAR byte limit."""
    out = " ".join(tokens)
    return out if len(out) < 65_000 else out[: out.rfind(" ", 0, 65_000)]


def _add_doc(add, space: str, doc_id: str, source: str, meta: dict, text: str, page_starts: Sequence[int],
             statements: list[dict] | None = None) -> None:
    key = f"{space}/{doc_id}"
    texts = list(pieces(text))
    pages = list(pieces(",".join(map(str, page_starts))))
    meta = dict(meta, n_text=len(texts), n_page=len(pages))  # readers get the pieces by key
    if statements is not None:  # the statement map (corpus/statements.py), in pieces like the text
        maps = list(pieces(json.dumps(statements)))
        meta.update(n_stm=len(maps), statements=list(statement_summary(statements)))
        for i, piece in enumerate(maps):
            add({"key": f"{key}/s/{i}", "kind": "stm", "doc_id": doc_id, "source": "", "n": i, "body": piece,
                 "dummy": [0.0, 0.0]}, len(piece) * 2)
    add({"key": f"{key}/m", "kind": "meta", "doc_id": doc_id, "source": source, "n": 0, "body": json.dumps(meta),
         "dummy": [0.0, 0.0]}, 512)
    for i, piece in enumerate(texts):
        add({"key": f"{key}/t/{i}", "kind": "text", "doc_id": doc_id, "source": "", "n": i, "body": piece,
             "dummy": [0.0, 0.0]}, len(piece) * 2)
    for i, piece in enumerate(pages):
        add({"key": f"{key}/p/{i}", "kind": "pages", "doc_id": doc_id, "source": "", "n": i, "body": piece,
             "dummy": [0.0, 0.0]}, len(piece))


def write_segment(c, adds: Iterable[DocWrite], dim: int, row_context: int, n_units_hint: int,
                  archived: Sequence[StoredDoc] = (), progress=None) -> Segment:
    """Write documents (and archived versions, kept so old citation ids resolve) into a new segment."""
    from index.tokens import tokenize
    from index.store.milvus.manifest import new_token
    from index.texts import lexical_text, row_contexts, unit_text

    token = new_token()
    seg_id = secrets.randbits(31)
    base = seg_id << SEG_SHIFT
    p_name, u_name, d_name = names(token)
    create_segment(c, token, dim, n_units_hint, f"groundqa segment {token}")
    seg = Segment(token, seg_id, 0, 0, {}, {})
    try:
        dadd, padd, uadd = _inserter(c, d_name), _inserter(c, p_name), _inserter(c, u_name)
        for w in adds:
            doc = w.doc
            if len(w.vectors) != len(w.units):
                raise IndexFailure(f"internal error: {len(w.vectors)} vectors for {len(w.units)} units of {doc.path}")
            st = DocStats(n_passages=len(w.passages), n_units=len(w.units))
            first_row, first_unit = base + seg.n_passages, base + seg.n_units
            meta = {"path": doc.path, "source": w.source, "title": doc.title, "file_hash": doc.file_hash,
                    "size": w.size, "indexed_at": w.indexed_at, "n_passages": len(w.passages),
                    "n_chars": len(doc.text), "n_pages": len(doc.page_starts), "ocr_pages": list(doc.ocr_pages),
                    "units": [first_unit, len(w.units)]}
            _add_doc(dadd, "cur", doc.doc_id, w.source, meta, doc.text, doc.page_starts,
                     statement_map(doc.text, doc.page_starts))
            ptoks = tokenize([lexical_text(doc.title, p.text, p.section) for p in w.passages]) if w.passages else []
            for i, (p, toks) in enumerate(zip(w.passages, ptoks)):
                toks = [lex_token(t) for t in toks]
                st.p_df.update(set(toks))
                st.p_len += len(toks)
                text = p.text if len(p.text.encode("utf-8", "surrogatepass")) < 65_000 else ""
                pages = p.pages or (-1, -1)
                padd({"row": first_row + i, "doc_id": doc.doc_id, "start": p.start, "end": p.end,
                      "page_start": pages[0], "page_end": pages[1], "section": p.section[:16_000], "text": text,
                      "lex": _lex(toks)}, 3 * len(p.text) + 64)
            secs = row_contexts(doc.text, int(row_context))
            utexts = [unit_text(secs, s, doc.text[s:e]) for _, s, e in w.units]
            utoks = tokenize(utexts) if utexts else []
            vecs = np.asarray(w.vectors, np.float32)
            for j, ((pi, s, e), toks) in enumerate(zip(w.units, utoks)):
                toks = [lex_token(t) for t in toks]
                st.u_df.update(set(toks))
                st.u_len += len(toks)
                uadd({"id": first_unit + j, "row": first_row + pi, "doc_id": doc.doc_id, "start": s, "end": e,
                      "vec": vecs[j], "lex": _lex(toks)}, 4 * dim + 200)
            seg.n_passages += len(w.passages)
            seg.n_units += len(w.units)
            seg.docs[doc.doc_id] = st
            seg.sources[w.source] = doc.doc_id
            if progress:
                progress("writing to Milvus", seg.n_passages, 0)
        for a in archived:
            meta = {"path": a.doc.path, "source": a.source, "title": a.doc.title, "superseded_at": a.superseded_at,
                    "successor": a.successor, "n_chars": len(a.doc.text)}
            _add_doc(dadd, "arc", a.doc.doc_id, "", meta, a.doc.text, a.doc.page_starts)
        for add in (dadd, padd, uadd):
            add(None)
        for name in (p_name, u_name, d_name):
            # Seal the rows into indexed segments: unflushed rows are searched by brute force (in Milvus Lite,
            # row by row in Python — 15k units took seconds per query before this).
            c.flush(name)
        _verify_counts(c, token, seg.n_passages, seg.n_units)
    except BaseException:
        drop_collections(c, token)
        raise
    return seg


def count(c, collection: str, expr: str = "") -> int:
    """Rows of a collection matching `expr`, counted by the server."""
    got = c.query(collection, filter=expr, output_fields=["count(*)"])
    return int(got[0]["count(*)"])


def _verify_counts(c, token: str, n_passages: int, n_units: int) -> None:
    p_name, u_name, _ = names(token)
    for name, want in ((p_name, n_passages), (u_name, n_units)):
        got = count(c, name)
        if got != want:
            raise IndexFailure(f"Milvus collection {name} holds {got} rows after writing {want} — the store lost "
                              "writes; run `groundqa index` again")


def in_list(field_name: str, values: Iterable[str]) -> str:
    """A filter `field in [...]` (strings quoted by quote_str)."""
    return f"{field_name} in [{', '.join(quote_str(v) for v in values)}]"


def dead_stats(c, token: str, doc_ids: Sequence[str]) -> dict[str, DocStats]:
    """The BM25 statistics of documents of a segment, read back from their lexical fields (for tombstones)."""
    out = {d: DocStats() for d in doc_ids}
    if not doc_ids:
        return out
    p_name, u_name, _ = names(token)
    for name, kind in ((p_name, "p"), (u_name, "u")):
        for lo in range(0, len(doc_ids), 200):
            it = c.query_iterator(name, batch_size=2000, filter=in_list("doc_id", doc_ids[lo:lo + 200]),
                                  output_fields=["doc_id", "lex"])
            try:
                while batch := it.next():
                    for r in batch:
                        st, toks = out[r["doc_id"]], r["lex"].split()
                        if kind == "p":
                            st.n_passages += 1
                            st.p_len += len(toks)
                            st.p_df.update(set(toks))
                        else:
                            st.n_units += 1
                            st.u_len += len(toks)
                            st.u_df.update(set(toks))
            finally:
                it.close()
    return out


def read_docs(c, token: str, space: str, doc_ids: Sequence[str] | None = None) -> dict[str, tuple[dict, Document]]:
    """Documents of a segment as (metadata, Document), all of `space` ('cur'/'arc') or those of `doc_ids`."""
    _, _, d_name = names(token)
    parts: dict[str, dict] = {}
    chunks = [None] if doc_ids is None else [list(doc_ids[i:i + 200]) for i in range(0, len(doc_ids), 200)]
    for chunk in chunks:
        expr = f'key like "{space}/%"' + (f" and {in_list('doc_id', chunk)}" if chunk is not None else "")
        it = c.query_iterator(d_name, batch_size=1000, filter=expr, output_fields=["kind", "doc_id", "n", "body"])
        try:
            while batch := it.next():
                for r in batch:
                    d = parts.setdefault(r["doc_id"], {"text": {}, "pages": {}})
                    if r["kind"] == "meta":
                        d["meta"] = json.loads(r["body"])
                    elif r["kind"] in d:  # text and page pieces (a statement map is found again when copied)
                        d[r["kind"]][r["n"]] = r["body"]
        finally:
            it.close()
    out = {}
    for doc_id, d in parts.items():
        m = d.get("meta")
        if m is None:
            continue
        text = "".join(d["text"][i] for i in sorted(d["text"]))
        pages = "".join(d["pages"][i] for i in sorted(d["pages"]))
        out[doc_id] = (m, Document(path=m["path"], title=m["title"], text=text,
                                   page_starts=tuple(int(x) for x in pages.split(",") if x),
                                   file_hash=m.get("file_hash", ""), doc_id=doc_id,
                                   ocr_pages=tuple(m.get("ocr_pages", ()))))
    return out


def read_doc_writes(c, token: str, doc_ids: Sequence[str]) -> list[DocWrite]:
    """Current documents of a segment as DocWrites with their stored passages, units and vectors (compaction
    copies them into a new segment; nothing is re-embedded)."""
    p_name, u_name, _ = names(token)
    out: list[tuple[int, DocWrite]] = []
    for lo in range(0, len(doc_ids), 500):
        chunk = list(doc_ids[lo:lo + 500])
        docs = read_docs(c, token, "cur", chunk)
        prows: dict[str, list[dict]] = {}
        urows: dict[str, list[dict]] = {}
        for name, fields, into in ((p_name, ["row", "doc_id", "start", "end", "page_start", "page_end", "section",
                                              "text"], prows),
                                   (u_name, ["id", "row", "doc_id", "start", "end", "vec"], urows)):
            it = c.query_iterator(name, batch_size=2000, filter=in_list("doc_id", chunk), output_fields=fields)
            try:
                while batch := it.next():
                    for r in batch:
                        into.setdefault(r["doc_id"], []).append(r)
            finally:
                it.close()
        for doc_id in chunk:
            if doc_id not in docs:
                continue
            meta, doc = docs[doc_id]
            ps = sorted(prows.get(doc_id, []), key=lambda r: r["row"])
            us = sorted(urows.get(doc_id, []), key=lambda r: r["id"])
            index = {r["row"]: i for i, r in enumerate(ps)}
            passages = [Passage(doc_id, r["start"], r["end"], r["text"] or doc.text[r["start"]:r["end"]],
                                None if r["page_start"] < 0 else (r["page_start"], r["page_end"]), r["section"])
                        for r in ps]
            vecs = np.asarray([u["vec"] for u in us], np.float32).reshape(len(us), -1)
            out.append((int(meta["units"][0]), DocWrite(doc, meta["source"], meta["size"], meta["indexed_at"], passages,
                                                        [(index[u["row"]], u["start"], u["end"]) for u in us], vecs)))
    return [w for _, w in sorted(out, key=lambda x: x[0])]  # the segment's order: ties rank as before


def read_statement_map(c, d_name: str, doc_id: str, meta: dict) -> list[dict] | None:
    """A current document's stored statement map (its `cur/<doc_id>/s/<n>` pieces), None when the segment was
    written before the map (readers then find it from the text)."""
    if "n_stm" not in meta:
        return None
    keys = [f"cur/{doc_id}/s/{i}" for i in range(meta["n_stm"])]
    parts = c.get(d_name, ids=keys, output_fields=["n", "body"]) if keys else []
    return json.loads("".join(p["body"] for p in sorted(parts, key=lambda p: p["n"])) or "[]")
