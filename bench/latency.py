"""Warm `ask`/search latency, ANN recall@10 and resident memory at 10k, 100k and 1M passages.

Each size is a synthetic generation written by bench/synth.py from the real covid-qa-dev index
(real sentences recombined, real vectors plus small Gaussian noise; see that module). Per size:
- a fresh child process opens the index with the default embedder, answers WARMUP questions, then
  times `GroundQA.ask` and `GroundQA.search` (hybrid) on covid-qa-dev questions: p50/p95; it reports
  its resident memory (VmRSS, split into anonymous and file-backed) after loading and after the run;
- ANN recall@10: the FAISS store's top 10 against exact inner-product search over all float vectors,
  for the same questions' query vectors.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from bench.common import COVID_QUESTIONS, percentile, run_python, say, work_dir

WARMUP = 5


def questions(n: int) -> list[str]:
    """The first n covid-qa-dev questions (answerable or not)."""
    out = []
    with open(COVID_QUESTIONS) as fh:
        for line in fh:
            out.append(json.loads(line)["question"])
    return out[:n]


def child(index: str, n_questions: int) -> None:
    """Run in a fresh interpreter: load, warm up, time ask and search, print one JSON line."""
    from bench.common import rss

    t0 = time.perf_counter()
    from app.api import GroundQA
    from index.embed import load_embedder

    api = GroundQA(index, embedder=load_embedder())
    api.loaded()
    api.answerer()
    api.embedder.encode_query("warm up")
    t_load = time.perf_counter() - t0
    mem_loaded = rss()
    qs = questions(n_questions)
    for q in qs[:WARMUP]:
        api.ask(q)
    ask_ms, search_ms, dense_ms, embed_ms = [], [], [], []
    store = api.loaded().vector_store
    for q in qs:
        t = time.perf_counter()
        api.ask(q)
        ask_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        api.search(q, k=5)
        search_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        v = api.embedder.encode_query(q)
        embed_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        store.search(v[None, :], 200)
        dense_ms.append((time.perf_counter() - t) * 1000)

    def pct(xs: list[float]) -> dict[str, float]:
        return {"p50": round(percentile(xs, 50), 1), "p95": round(percentile(xs, 95), 1)}

    print(json.dumps({"load_s": round(t_load, 2), "questions": len(qs), "ask_ms": pct(ask_ms),
                      "search_ms": pct(search_ms), "query_embed_ms": pct(embed_ms),
                      "dense_top200_ms": pct(dense_ms), "rss_after_load_mib": mem_loaded,
                      "rss_after_queries_mib": rss(), "vector_index": store.describe()}))


def recall_at_10(index: Path, n_questions: int) -> dict[str, float]:
    """Mean overlap of the ANN top 10 with the exact top 10 over the question vectors."""
    from index.embed import load_embedder
    from index.store import load_index

    idx = load_index(index)
    emb = load_embedder()
    q = np.stack([emb.encode_query(x) for x in questions(n_questions)])
    _, ann = idx.vector_store.search(q, 10)
    vecs = idx.vectors
    best = np.full((len(q), 10), -np.inf, np.float32)
    best_ids = np.zeros((len(q), 10), np.int64)
    step = 262_144
    for lo in range(0, len(vecs), step):
        s = np.asarray(vecs[lo:lo + step]) @ q.T  # (chunk, nq)
        top = np.argpartition(-s, min(10, len(s) - 1), axis=0)[:10].T  # (nq, 10)
        cand_s = np.concatenate([best, np.take_along_axis(s.T, top, axis=1)], axis=1)
        cand_i = np.concatenate([best_ids, top + lo], axis=1)
        keep = np.argsort(-cand_s, axis=1)[:, :10]
        best = np.take_along_axis(cand_s, keep, axis=1)
        best_ids = np.take_along_axis(cand_i, keep, axis=1)
    rec = [len(set(a.tolist()) & set(b.tolist())) / 10 for a, b in zip(ann, best_ids)]
    return {"recall@10": round(float(np.mean(rec)), 4), "min": round(float(np.min(rec)), 2),
            "queries": len(q), "vectors": len(vecs)}


def run(source: Path, sizes=(10_000, 100_000, 1_000_000), n_questions: int = 100, check: bool = True) -> dict:
    """Build (or reuse) the synthetic generations and measure each."""
    from bench.synth import SIGMA, write_synthetic
    from index.store import IndexDir, Manifest

    out: dict[str, dict] = {}
    for n in sizes:
        d = work_dir() / f"synth-{n}"
        gen = IndexDir(d).current()
        r: dict[str, object] = {}
        syn = Manifest.read(gen).data.get("synthetic") if gen else None
        if not (syn and syn.get("sigma") == SIGMA and Manifest.read(gen).n_passages >= n):
            say(f"latency: writing a synthetic {n:,}-passage generation ...")
            rep = write_synthetic(source, d, n)
            r["build"] = rep.__dict__
        man = Manifest.read(IndexDir(d).current())
        r.update({"passages": man.n_passages, "units": man.n_units, "documents": man.data["n_documents"]})
        if check:
            from index.store.local.check import check_index

            t = time.perf_counter()
            problems = check_index(d)
            r["check_index"] = problems[:3] or "OK"
            r["check_s"] = round(time.perf_counter() - t, 1)
        say(f"latency: measuring {n:,} passages ...")
        r.update(run_python(f"from bench.latency import child; child({str(d)!r}, {n_questions})", timeout=1800))
        r.update(recall_at_10(d, n_questions))
        out[str(n)] = r
        say(f"latency: {n:,}: {json.dumps(r)[:600]}")
    return out
