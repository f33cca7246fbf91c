"""Retrieval parity of the Milvus store with the embedded backend on covid-qa-dev (same index, same vectors).

    nice -n 10 python -m bench.milvus_parity [--work /tmp/gq-milvus-dev] [--n 100] [--model NAME]

Indexes covid-qa-dev into WORK/covid-qa-dev (embedded, incremental; default model), publishes that very
generation into a Milvus Lite server started on 127.0.0.1 (no re-embedding: the vectors are the same), then
compares on the answerable questions: hit@1/hit@5 per mode on both backends, the top-10 overlap of hybrid
search on the first N questions, and — Milvus's own BM25 scores (GROUNDQA_MILVUS_RAW_BM25) against bm25s's —
the lexical top-10 overlap and the ratio of scores on the passages both return.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from bench.devsets import DATA, hit_rates, open_set
from eval.questions import load_questions

ROOT = Path(__file__).resolve().parents[1]


def publish_embedded(api, store: str) -> float:
    """Copy the embedded index's live generation into a Milvus store as one commit (vectors copied, nothing
    re-embedded) and make it live; seconds taken."""
    from index.store import IndexDir
    from index.store.milvus.from_local import import_generation

    t = time.perf_counter()
    import_generation(store, IndexDir(api.index_dir).current())
    return time.perf_counter() - t


def overlap(a: list[str], b: list[str]) -> float:
    """|a ∩ b| / max(len) (1.0 for two empty lists)."""
    return len(set(a) & set(b)) / max(1, len(a), len(b))


def main() -> None:
    """CLI entry."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/gq-milvus-dev")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--model", default=None)
    ap.add_argument("--out", default=None, help="write the figures as JSON here")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from app.api import GroundQA
    from tests.milvus_server import MilvusLiteServer

    work = Path(a.work)
    t = time.perf_counter()
    emb = open_set("covid-qa-dev", work, model=a.model)
    index_s = time.perf_counter() - t
    qs, _ = load_questions(DATA / "covid-qa-dev" / "questions.jsonl")
    ans_qs = [q for q in qs if q.answerable]
    out: dict[str, object] = {"passages": len(emb.loaded()), "units": emb.loaded().manifest.n_units,
                              "model": emb.loaded().manifest.model, "questions": len(ans_qs), "index_s": index_s}
    with MilvusLiteServer(work / "milvus-data") as srv:
        store = f"milvus://{srv.address}/parity"
        out["publish_s"] = publish_embedded(emb, store)
        mil = GroundQA(work / "milvus-client", store=store, embedder=emb.embedder)
        for mode in ("dense", "lexical", "hybrid"):
            for name, api in (("embedded", emb), ("milvus", mil)):
                t = time.perf_counter()
                h1, h5 = hit_rates(api, ans_qs, mode)
                out[f"{name} {mode} hit@1"], out[f"{name} {mode} hit@5"] = h1, h5
                out[f"{name} {mode} ms/search"] = (time.perf_counter() - t) * 1000 / len(ans_qs)
            print(mode, {k: round(v, 4) for k, v in out.items() if mode in k and isinstance(v, float)}, flush=True)
        sub = ans_qs[: a.n]
        ov = [overlap([e.citation for e in mil.search(q.question, k=10)],
                      [e.citation for e in emb.search(q.question, k=10)]) for q in sub]
        same = sum(1 for q in sub if [(e.citation, e.score) for e in mil.search(q.question, k=10)] ==
                   [(e.citation, e.score) for e in emb.search(q.question, k=10)])
        out.update({"hybrid top10 overlap": statistics.mean(ov), "hybrid top10 identical (ids and scores)": same,
                    "overlap questions": len(sub)})
        # Milvus's own BM25 (no re-scoring) against bm25s.
        view = mil.loaded()
        eview = emb.loaded()
        ratios, lov = [], []
        for q in sub:
            view.rescore = True
            s_exact, r_exact = view.lexical_search(q.question, 10)
            view.rescore = False
            s_raw, r_raw = view.lexical_search(q.question, 10)
            s_b, r_b = eview.lexical_search(q.question, 10)
            assert r_exact.tolist() == r_b.tolist() or overlap(r_exact.tolist(), r_b.tolist()) >= 0.9, q.question
            lov.append(overlap(r_raw.tolist(), r_b.tolist()))
            exact = dict(zip(r_b.tolist(), s_b.tolist()))
            ratios += [s / exact[r] for s, r in zip(s_raw.tolist(), r_raw.tolist()) if r in exact and exact[r] > 0]
        view.rescore = True
        rq = np.asarray(ratios)
        out.update({"raw milvus bm25 top10 overlap with bm25s": statistics.mean(lov),
                    "raw milvus/bm25s score ratio median": float(np.median(rq)),
                    "raw ratio p5": float(np.percentile(rq, 5)), "raw ratio p95": float(np.percentile(rq, 95))})
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}, indent=1))
    if a.out:
        Path(a.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
