"""Bench-only writer of large synthetic index generations built from a real one.

    write_synthetic(source_index, out_index, n_passages, sigma=SIGMA, seed=0) -> SynthReport

How the synthetic corpus is made (stated in bench/RESULTS.md):
- the pool is every sentence unit of a real index (covid-qa-dev, embedded with the real model once)
  with its real text and its real vector;
- each synthetic document is a random recombination of pool sentences, joined by spaces; it is cut
  into passages of 4-6 consecutive sentences that overlap by one sentence, like the real chunker's
  output (≈4 new sentence units per passage, the real corpus has 4.2);
- each unit's vector is its pool sentence's real vector plus Gaussian noise (sigma per dimension,
  mean cosine to the original ≈ 0.92), re-normalised: the neighbourhood structure of real text, not
  uniform random vectors (on which no ANN index works).
The result is a complete generation (passages.sqlite with documents/passages/units, vectors.f32,
unit_rows.npy, faiss.index by the production rule, bm25/ and bm25_units/ built with the production
tokenizer and parameters, manifest.json) that `index.store.local.check.check_index` accepts and `GroundQA`
loads like any other.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.types import Document, Passage, content_hash
from index.store import tables as db
from index.store import UNIT_ROWS_FILE, VECTORS_FILE, IndexDir, Manifest, load_index, open_vectors

SIGMA = 0.02  # per-dimension noise on unit vectors of dim 384: |noise| ≈ 0.39, cosine to the source ≈ 0.93


@dataclass
class SynthReport:
    """What the writer produced and how long each stage took."""

    n_documents: int
    n_passages: int
    n_units: int
    seconds: dict[str, float]
    vector_index: str
    splitter_agreement: float
    """Share of sentence_spans() spans of sampled passages that are stored units (1.0 = all)."""


def _pool(source: Path) -> tuple[list[str], np.ndarray]:
    """(unit texts, unit vectors) of a real index's sentences that the sentence splitter keeps whole.

    Only sentences that start with a capital, end with . ? or ! and that `sentence_spans` returns as
    one span are used, so that joined by spaces they split back into exactly the same units — the
    answerer then finds every sentence's stored vector, as it does in a real index.
    """
    from corpus import sentence_spans

    idx = load_index(source)
    con = idx.con
    texts_by_doc = {r[0]: r[1] for r in con.execute("SELECT doc_id, text FROM documents")}
    texts = []
    for uid, doc_id, s, e in con.execute("SELECT id, doc_id, start, end FROM units ORDER BY id"):
        texts.append(" ".join(texts_by_doc[doc_id][s:e].split()))  # one line, single spaces
    vecs = np.asarray(idx.vectors, dtype=np.float32)
    keep = [i for i, t in enumerate(texts)
            if t and t[0].isupper() and t[-1] in ".?!" and sentence_spans(t) == [(0, len(t))]]
    return [texts[i] for i in keep], vecs[keep]


def _bm25_save(token_ids: list, vocab: dict[str, int], n_docs: int, gen: Path, name: str) -> None:
    """Build and save a bm25s index (the production parameters) from token-id lists."""
    import bm25s

    from index.store.lexical import B, K1, METHOD

    bm = bm25s.BM25(k1=K1, b=B, method=METHOD)
    bm.index((token_ids, vocab), show_progress=False)
    assert int(bm.scores["num_docs"]) == n_docs
    bm.save(str(gen / name), show_progress=False)


def write_synthetic(source: str | Path, out: str | Path, n_passages: int, sigma: float = SIGMA, seed: int = 0,
                    model: str | None = None, progress=None) -> SynthReport:
    """Write a synthetic generation of about `n_passages` passages into index directory `out`."""
    from index.store.local.faiss import FaissStore
    from index.tokens import tokenize

    t = {"start": time.perf_counter()}
    rng = np.random.default_rng(seed)
    pool_texts, pool_vecs = _pool(Path(source))
    src_man = load_index(Path(source)).manifest
    dim = pool_vecs.shape[1]
    # Tokenise the pool once with the production tokenizer; synthetic texts reuse these ids.
    toks = tokenize(pool_texts)
    vocab: dict[str, int] = {}
    pool_ids = [[vocab.setdefault(tok, len(vocab)) for tok in ts] for ts in toks]
    vocab.setdefault("", len(vocab))  # bm25s' empty token, as LexicalIndex.build creates it
    t["pool"] = time.perf_counter()

    idx = IndexDir(out)
    with idx.writer_lock():
        gen = idx.new_generation()
        con = db.connect(gen / db.DB_FILE)
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA journal_mode=OFF")
        vec_fh = open(gen / VECTORS_FILE, "wb")
        unit_rows: list[np.ndarray] = []
        passage_tok: list[list[int]] = []
        unit_tok: list[list[int]] = []
        documents: dict[str, dict[str, str]] = {}
        agree = [0, 0]
        row = unit = 0
        j = 0
        when = "2026-01-01T00:00:00+00:00"
        while row < n_passages:
            n_p = int(min(n_passages - row, rng.integers(10, 50)))
            sizes = rng.integers(4, 7, n_p)  # sentences per passage
            n_s = int(sizes.sum() - (n_p - 1))
            src = rng.integers(0, len(pool_texts), n_s)
            sents = [pool_texts[i] for i in src]
            starts = np.zeros(n_s, np.int64)
            pos = 0
            for i, s in enumerate(sents):
                starts[i] = pos
                pos += len(s) + 1
            text = " ".join(sents)
            doc = Document(path=f"synthetic/doc-{j:07d}.txt", title=f"synthetic document {j}", text=text,
                           file_hash=content_hash(text) * 4)
            db.insert_document(con, doc, "", len(text.encode()), when)  # no source file: check skips it
            documents[doc.doc_id] = {"path": doc.path, "file_hash": doc.file_hash}
            passages, units, urows = [], [], []
            a = 0
            for p, g in enumerate(sizes.tolist()):
                b = a + g - 1  # last sentence index of this passage
                ps, pe = int(starts[a]), int(starts[b] + len(sents[b]))
                passages.append(Passage(doc.doc_id, ps, pe, text[ps:pe]))
                first_new = a if p == 0 else a + 1  # the overlap sentence belongs to the previous passage
                for si in range(first_new, b + 1):
                    units.append((row + p, doc.doc_id, int(starts[si]), int(starts[si] + len(sents[si]))))
                    urows.append(row + p)
                passage_tok.append([tid for si in range(a, b + 1) for tid in pool_ids[src[si]]])
                a = b
            for si in range(n_s):
                unit_tok.append(pool_ids[src[si]])
            if j % 50 == 0:  # check on a sample that the splitter cuts the units we stored
                from corpus import sentence_spans

                stored = {(u[2], u[3]) for u in units}
                for p in passages[:5]:
                    got = {(p.start + a, p.start + b) for a, b in sentence_spans(p.text)}
                    agree[0] += len(got & stored)
                    agree[1] += len(got)
            row = db.insert_passages(con, row, passages)
            unit = db.insert_units(con, unit, [u for u in units])
            db.set_passage_count(con, doc.doc_id, len(passages))
            v = pool_vecs[src] + rng.standard_normal((n_s, dim), dtype=np.float32) * sigma
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            vec_fh.write(v.astype(np.float32).tobytes())
            unit_rows.append(np.asarray(urows, np.int32))
            j += 1
            if progress and j % 1000 == 0:
                progress("synthetic documents", row, n_passages)
        con.commit()
        con.close()
        vec_fh.close()
        np.save(gen / UNIT_ROWS_FILE, np.concatenate(unit_rows))
        t["tables"] = time.perf_counter()
        store = FaissStore.build(open_vectors(gen, unit, dim), seed=seed)
        store.save(gen)
        t["faiss"] = time.perf_counter()
        _bm25_save(passage_tok, vocab, row, gen, "bm25")
        del passage_tok
        _bm25_save(unit_tok, vocab, unit, gen, "bm25_units")
        t["bm25"] = time.perf_counter()
        man = dict(src_man.data)
        man.update({
            "model": model or src_man.model, "dim": dim, "vector_index": store.describe(), "n_passages": row,
            "n_units": unit, "n_documents": j, "documents": documents,
            "synthetic": {"source": str(source), "pool_units": len(pool_texts), "sigma": sigma, "seed": seed},
        })
        Manifest(man).write(gen)
        idx.commit(gen)
        t["commit"] = time.perf_counter()
    names = list(t)
    secs = {names[i]: round(t[names[i]] - t[names[i - 1]], 1) for i in range(1, len(names))}
    return SynthReport(j, row, unit, secs, store.describe(), round(agree[0] / max(1, agree[1]), 4))


def main() -> None:
    """CLI: python -m bench.synth SOURCE_INDEX OUT_INDEX N_PASSAGES"""
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("out")
    ap.add_argument("n", type=int)
    ap.add_argument("--sigma", type=float, default=SIGMA)
    a = ap.parse_args()
    print(json.dumps(write_synthetic(a.source, a.out, a.n, a.sigma).__dict__, indent=2))


if __name__ == "__main__":
    main()
