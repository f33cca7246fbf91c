"""Milvus store at ~4k, 10k and 100k passages: what one commit costs against the store's size, `check`, `docs`.

    nice -n 10 python -m bench.milvus_bench [--sizes 4000 10000 100000] [--work /tmp/gq-milvus-bench]

One process, one Milvus Lite gRPC server on 127.0.0.1, fake embedder of dimension 384 (the default model's;
no model is loaded — so the times are the store's, embedding one document costs ~nothing here):
- the ~4k store is covid-qa-dev's first 97 documents (3.8k passages), indexed embedded and copied into Milvus
  as one commit (index/store/milvus/from_local.py); 10k and 100k are bench/synth.py generations recombined from
  that index's sentences and vectors, copied likewise;
- `alone_s`: `groundqa index` of covid-qa-dev's 98th document into an empty store (fresh database);
- `add_s`: the same document added to the store of that size (one file, incremental: only it is embedded
  and written, as one new segment); `remove_s`: `groundqa remove` of it again (a tombstone); --rounds
  rounds of alone / add / remove, interleaved, medians reported (each round's add is a new segment, its
  remove a tombstone; past 8 segments or statistics layers the writer compacts the tail, which that round's
  time includes);
- `check_s` (sampled check with server-side counts) and `docs_s` (listing every document) at that size;
- warm `ask` p50 over the first N covid-qa-dev questions (fake embedder: lexical hits dominate), before the
  rounds below (so the collections are loaded when they start);
- at sizes ≤ 10k, `compact_full_s`: a full compaction (every row copied into one segment).
Ratios: add_s / alone_s and remove_s / alone_s (the issue's targets: ≤ 2× at 4k and 10k, ≤ 3× at 100k).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pct(xs: list[float]) -> dict[str, float]:
    """p50/p95 in ms."""
    xs = sorted(xs)
    return {"p50": round(1000 * xs[len(xs) // 2], 1), "p95": round(1000 * xs[min(len(xs) - 1, int(len(xs) * 0.95))], 1)}


def _give_sources(index_dir: Path) -> None:
    """bench/synth.py leaves every document's source empty; the builder keys documents by source, so give each
    its own (a path that does not exist) or an incremental add would see one document instead of all."""
    import sqlite3

    from index.store import IndexDir

    con = sqlite3.connect(IndexDir(index_dir).current() / "passages.sqlite")
    con.execute("UPDATE documents SET source = '/nonexistent/synthetic/' || path WHERE source = ''")
    con.commit()
    con.close()


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return round(time.perf_counter() - t, 2), out


def main() -> None:
    """CLI entry."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="*", type=int, default=[4_000, 10_000, 100_000])
    ap.add_argument("--work", default="/tmp/gq-milvus-bench")
    ap.add_argument("--questions", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5, help="alone / add / remove rounds (medians reported)")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from app.api import GroundQA
    from bench.common import COVID_DOCS, COVID_QUESTIONS
    from bench.synth import write_synthetic
    from index.embed import FakeEmbedder
    from index.store import IndexDir
    from index.store.milvus.check import check_milvus
    from index.store.milvus.commit import compact
    from index.store.milvus.from_local import import_generation
    from tests.milvus_server import MilvusLiteServer

    work = Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    emb = FakeEmbedder(384)
    files = sorted(COVID_DOCS.iterdir())
    base_docs = work / "covid-97"
    base_docs.mkdir()
    for f in files[:97]:
        shutil.copy(f, base_docs / f.name)
    one = work / "one"
    one.mkdir()
    shutil.copy(files[97], one / files[97].name)
    covid = GroundQA(work / "covid-index", embedder=emb)
    covid.index([base_docs])
    qs = [json.loads(x)["question"] for x in COVID_QUESTIONS.read_text().splitlines()[: a.questions]]

    def api(store: str, name: str):
        x = GroundQA(work / f"client-{name}", embedder=emb, store=store)
        x.settings = x.settings.with_(threshold=0.0)
        return x

    results = []
    with MilvusLiteServer(work / "milvus-data") as srv:
        for n in a.sizes:
            row: dict[str, object] = {"target_passages": n}
            if n <= 4_000:
                gen_dir = work / "covid-index"
            else:
                gen_dir = work / f"synth-{n}"
                write_synthetic(work / "covid-index", gen_dir, n)
                _give_sources(gen_dir)
            store = f"milvus://{srv.address}/bench{n}"
            secs, res = _timed(lambda: import_generation(store, IndexDir(gen_dir).current()))
            row.update({"passages": res.n_passages, "documents": res.n_documents, "import_s": secs})
            m = api(store, str(n))
            lat = []
            for q in qs[:3] + qs:  # warm asks first: they also load the collections into the server's memory
                t = time.perf_counter()
                m.ask(q)
                lat.append(time.perf_counter() - t)
            row["ask_ms"] = pct(lat[3:])
            times: dict[str, list[float]] = {"alone": [], "add": [], "remove": []}
            for k in range(a.rounds):  # interleaved, so the machine's load falls on all three alike
                alone = api(f"milvus://{srv.address}/alone{n}_{k}", f"alone{n}_{k}")
                secs, r = _timed(lambda: alone.index([one]))
                times["alone"].append(secs)
                row["one_doc_passages"] = r.n_passages
                secs, r = _timed(lambda: m.index([one]))
                times["add"].append(secs)
                assert r.added == [files[97].name] and r.n_passages == res.n_passages + row["one_doc_passages"], r
                if k == 0:
                    row["segments_after_add"] = len(m.loaded().manifest.data["segments"])
                    secs, _ = _timed(lambda: m.ask(qs[0]))
                    row["ask_ms_after_add"] = round(1000 * secs, 1)  # two segments searched
                secs, r = _timed(lambda: m.remove([files[97].name]))
                times["remove"].append(secs)
                assert r.removed == [files[97].name] and r.n_passages == res.n_passages, r
            for key, xs in times.items():
                row[f"{key}_s"] = sorted(xs)[len(xs) // 2]  # median
                row[f"{key}_s_all"] = xs
            row["segments_after_rounds"] = len(m.loaded().manifest.data["segments"])
            row["check_s"], problems = _timed(lambda: check_milvus(store))
            row["check_problems"] = [p for p in problems if "source file" not in p and "more indexed documents" not in p]
            row["docs_s"], listed = _timed(m.documents)
            row["docs_listed"] = len(listed)
            if n <= 10_000:
                row["compact_full_s"], _ = _timed(lambda: compact(store, full=True))
                row["check_after_compact"] = [p for p in check_milvus(store) if "source file" not in p
                                              and "more indexed documents" not in p]
            row["add_over_alone"] = round(float(row["add_s"]) / float(row["alone_s"]), 2)  # type: ignore[arg-type]
            row["remove_over_alone"] = round(float(row["remove_s"]) / float(row["alone_s"]), 2)  # type: ignore[arg-type]
            print(json.dumps(row), flush=True)
            results.append(row)
            if gen_dir != work / "covid-index":
                shutil.rmtree(gen_dir, ignore_errors=True)
    print(json.dumps(results, indent=1))
    if a.out:
        Path(a.out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
