"""Backend quality and full-corpus speed: covid-qa-dev indexed with torch fp32 and with ONNX int8.

For each backend: index the 98 covid-qa-dev documents into a fresh folder (timed: units/s), then
gold hit@1/hit@5 of the answerable questions for dense-only and hybrid retrieval, querying with the
same backend. The int8 backend may become the default only if it is ≥ 2x faster and its hit@5 is
within 1 point of fp32 (see index.embed.AUTO_CPU_BACKEND).
"""
from __future__ import annotations

import shutil
import time

from bench.common import COVID_DOCS, COVID_QUESTIONS, say, work_dir


def hits(api, modes=("dense", "hybrid")) -> dict[str, float]:
    """hit@1 and hit@5 of covid-qa-dev's answerable questions per retrieval mode."""
    from bench.devsets import hit_rates
    from eval.questions import load_questions

    qs, _ = load_questions(COVID_QUESTIONS)
    qs = [q for q in qs if q.answerable]
    out: dict[str, float] = {"questions": len(qs)}
    for mode in modes:
        h1, h5 = hit_rates(api, qs, mode)
        out[f"{mode} hit@1"] = round(100 * h1, 2)
        out[f"{mode} hit@5"] = round(100 * h5, 2)
    return out


def run(backends=("torch", "onnx-int8")) -> dict:
    """Index covid-qa-dev with each backend; return times and hit rates."""
    from app.api import GroundQA
    from index.embed import load_embedder

    res: dict[str, dict] = {}
    for b in backends:
        emb = load_embedder(backend=b)
        emb.encode(["warm up"])
        d = work_dir() / f"quality-{b}"
        shutil.rmtree(d, ignore_errors=True)
        api = GroundQA(d, embedder=emb)
        say(f"quality: indexing covid-qa-dev with {b} ...")
        t = time.perf_counter()
        rep = api.index([COVID_DOCS])
        secs = time.perf_counter() - t
        n_units = api.loaded().manifest.n_units
        r = {"index_seconds": round(secs, 1), "passages": rep.n_passages, "units": n_units,
             "passages_per_s": round(rep.n_passages / secs, 1), "units_per_s": round(n_units / secs, 1)}
        r.update(hits(api))
        res[b] = r
        say(f"quality: {b}: {r}")
    if len(backends) == 2:
        a, b = backends
        res["speedup"] = round(res[a]["index_seconds"] / res[b]["index_seconds"], 2)
        res["hybrid_hit@5_delta_points"] = round(res[b]["hybrid hit@5"] - res[a]["hybrid hit@5"], 2)
        res["dense_hit@5_delta_points"] = round(res[b]["dense hit@5"] - res[a]["dense hit@5"], 2)
    return res
