"""Milvus Lite server vs the embedded backend at 10k and 100k passages: ingest rate and warm ask latency.

    nice -n 10 python -m bench.milvus_bench SOURCE_INDEX [--sizes 10000 100000] [--work /tmp/gq-milvus-bench]

SOURCE_INDEX is a real embedded index (covid-qa-dev with the default model, e.g. the one bench.milvus_parity
builds); bench/synth.py recombines its sentences and real vectors into a synthetic generation of each size
(see its docstring). Then, per size:
- embedded ingest: the synthetic writer's table + FAISS + BM25 stages (vectors given, no embedding);
- Milvus ingest: `publish` of that same generation into a Milvus Lite server on 127.0.0.1 (collections,
  rows, vectors, BM25 function, term statistics) plus claim and alias switch;
- warm `ask`: 5 warm-up questions, then the first N covid-qa-dev questions, p50/p95, default embedder, one
  process, the two backends one after the other;
- then adding one small file with `groundqa index` (default model) to each — on Milvus this reads the live
  generation back (checkout), runs the builder and publishes a whole new generation.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pct(xs: list[float]) -> dict[str, float]:
    """p50/p95 in ms."""
    xs = sorted(xs)
    return {"p50": round(1000 * xs[len(xs) // 2], 1), "p95": round(1000 * xs[min(len(xs) - 1, int(len(xs) * 0.95))], 1)}


def warm_asks(api, questions: list[str]) -> dict[str, float]:
    """p50/p95 of ask over `questions` after 5 warm-up asks."""
    for q in questions[:5]:
        api.ask(q)
    lat = []
    for q in questions:
        t = time.perf_counter()
        api.ask(q)
        lat.append(time.perf_counter() - t)
    return pct(lat)


def _give_sources(index_dir: Path) -> None:
    """bench/synth.py leaves every document's source empty; the builder keys documents by source, so give each
    its own (a path that does not exist) or an incremental add would see one document instead of all."""
    import sqlite3

    from index.store import IndexDir

    con = sqlite3.connect(IndexDir(index_dir).current() / "passages.sqlite")
    con.execute("UPDATE documents SET source = '/nonexistent/synthetic/' || path")
    con.commit()
    con.close()


def main() -> None:
    """CLI entry."""
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("--sizes", nargs="*", type=int, default=[10_000, 100_000])
    ap.add_argument("--work", default="/tmp/gq-milvus-bench")
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--out", default=None)
    ap.add_argument("--quick", action="store_true", help="skip `check` and the one-file add (each reads the whole "
                    "store back through Milvus Lite's Python iterator: tens of minutes at 100k)")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import shutil

    from app.api import GroundQA
    from bench.common import COVID_QUESTIONS
    from bench.milvus_parity import publish_embedded
    from bench.synth import write_synthetic
    from index.embed import load_embedder
    from index.store.milvus_check import check_milvus
    from tests.milvus_server import MilvusLiteServer

    work = Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    qs = [json.loads(x)["question"] for x in COVID_QUESTIONS.read_text().splitlines()[: a.questions]]
    emb = load_embedder()
    results = []
    with MilvusLiteServer(work / "milvus-data") as srv:
        for n in a.sizes:
            row: dict[str, object] = {"passages": n}
            rep = write_synthetic(a.source, work / f"synth-{n}", n)
            _give_sources(work / f"synth-{n}")
            secs = {k: v for k, v in rep.seconds.items() if k != "pool"}
            row.update({"units": rep.n_units, "embedded_stages_s": secs, "embedded_vector_index": rep.vector_index})
            row["embedded_ingest_s"] = round(sum(secs.values()), 1)
            store = f"milvus://{srv.address}/bench{n}"
            row["milvus_ingest_s"] = round(publish_embedded(GroundQA(work / f"synth-{n}"), store), 1)
            for k in ("embedded", "milvus"):
                row[f"{k}_passages_per_s"] = round(n / max(1e-9, float(row[f"{k}_ingest_s"])))  # type: ignore[arg-type]
            e_api = GroundQA(work / f"synth-{n}", embedder=emb)
            m_api = GroundQA(work / f"client-{n}", embedder=emb, store=store)
            # The synthetic documents' sources name no file: `check` lists them as missing, nothing else may show.
            if not a.quick:
                row["milvus_check_problems"] = [p for p in check_milvus(store) if "source file" not in p
                                                and "more indexed documents" not in p]
            for name, api in (("embedded", e_api), ("milvus", m_api)):
                row[f"{name}_ask_ms"] = warm_asks(api, qs)
            same = sum(1 for q in qs[:20] if [e.citation for e in e_api.search(q, k=5)] ==
                       [e.citation for e in m_api.search(q, k=5)])
            row["same_top5_of_20"] = same
            extra = work / f"extra-{n}"
            extra.mkdir()
            (extra / "note.txt").write_text("Bench note\n\nThe isolation ward reopened after ventilation checks in "
                                            "March. Masks were fitted to every visitor at the door.\n")
            for name, api in (("embedded", e_api), ("milvus", m_api)) if not a.quick else ():
                t = time.perf_counter()
                r = api.index([extra])
                row[f"{name}_add_one_file_s"] = round(time.perf_counter() - t, 1)
                row[f"{name}_passages_after_add"] = r.n_passages
            print(json.dumps(row), flush=True)
            results.append(row)
            shutil.rmtree(work / f"synth-{n}", ignore_errors=True)
    print(json.dumps(results, indent=1))
    if a.out:
        Path(a.out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
