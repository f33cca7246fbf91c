"""`groundqa bench [NAME ...]`: the speed benchmarks of bench/ in one run, with their ratios and targets.

Names (default: all, in this order): throughput, quality, reindex, latency, coldstart, llamaindex.
Options come from the environment (the command line stays `groundqa bench [NAME ...]`):
    GROUNDQA_BENCH_WORK   scratch folder (default /tmp/groundqa-bench; synthetic 1M index ≈ 9 GB)
    GROUNDQA_BENCH_SIZES  passage counts for latency (default 10000,100000,1000000)
    GROUNDQA_BENCH_QUESTIONS  questions per latency size (default 100)
    GROUNDQA_LLAMA_PYTHON interpreter of the LlamaIndex venv (default /tmp/llama-venv/bin/python)
Results: printed, and written as JSON to WORK/results-<time>.json. The bench/ folder of a source
checkout is needed (it is not part of the installed package).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

NAMES = ["throughput", "quality", "reindex", "latency", "coldstart", "llamaindex"]


def _source_index(results: dict) -> Path:
    """A real covid-qa-dev index built with the default embedder (the latency pool, the cold-start index)."""
    from bench.common import COVID_DOCS, work_dir
    from index.builder import build_index
    from index.embed import AUTO_CPU_BACKEND, load_embedder

    q = work_dir() / f"quality-{AUTO_CPU_BACKEND}"
    if q.exists() and (q / "CURRENT").exists():
        return q
    d = work_dir() / "covid-default"
    build_index([COVID_DOCS], d, load_embedder())
    return d


def summary(results: dict) -> list[str]:
    """One line per target: the measured figure, the target, and whether it is met."""
    lines = []

    def line(name: str, value: str, ok: bool | None) -> None:
        mark = "n/a " if ok is None else ("PASS" if ok else "MISS")
        lines.append(f"[{mark}] {name}: {value}")

    t = results.get("throughput")
    if t:
        o = t["index_overhead_vs_bare_default_encode"]["median_round"]
        runs = t["runs"]
        idx = runs["index (default backend)"]
        stp = runs["bare SentenceTransformer.encode of the passages (torch fp32)"]
        line("1 index overhead vs bare encode of the same units (default backend)",
             f"{o:+.1%} (target ≤ +10%); index {idx['passages_per_s']} passages/s, {idx['units_per_s']} units/s; "
             f"bare SentenceTransformer.encode of the passages {stp['passages_per_s']} passages/s", o <= 0.10)
        s = t["default_backend_vs_torch_speed_units"]["median_round_ratio"]
        sp = t["default_backend_vs_torch_speed_passages"]["median_round_ratio"]
        line("2a default backend vs torch fp32, bare encode", f"{s}x on units, {sp}x on passages (target ≥ 2x)",
             s >= 2.0)
    q = results.get("quality")
    if q and "speedup" in q:
        d = q["hybrid_hit@5_delta_points"]
        line("2b int8 vs fp32 on covid-qa-dev", f"full index {q['speedup']}x faster; hit@5 hybrid "
             f"{q['onnx-int8']['hybrid hit@5']} vs {q['torch']['hybrid hit@5']} ({d:+.2f} points), dense "
             f"{q['onnx-int8']['dense hit@5']} vs {q['torch']['dense hit@5']} (target within 1 point)",
             q["speedup"] >= 2.0 and d >= -1.0 and q["dense_hit@5_delta_points"] >= -1.0)
    r = results.get("reindex")
    if r:
        line("3 unchanged re-index / first index", f"{r['ratio_in_process']:.2%} in-process, "
             f"{r['ratio_cli_process']:.2%} as a fresh CLI process ({r['reindex_cli_process_s']} s vs "
             f"{r['first_index_s']} s; target ≤ 2%)", r["ratio_cli_process"] <= 0.02)
    lat = results.get("latency")
    if lat:
        for n, target in (("10000", None), ("100000", 50.0), ("1000000", 150.0)):
            x = lat.get(n)
            if x:
                p = x["ask_ms"]
                line(f"4 warm ask at {int(n):,} passages ({x['units']:,} vectors, {x['vector_index']})",
                     f"p50 {p['p50']} ms, p95 {p['p95']} ms; search p50 {x['search_ms']['p50']} ms; "
                     f"recall@10 {x['recall@10']}" + (f" (target p50 ≤ {target:.0f} ms, recall ≥ 0.95)"
                                                      if target else ""),
                     None if target is None else (p["p50"] <= target and x["recall@10"] >= 0.95))
        x = lat.get("1000000")
        if x:
            m = x["rss_after_queries_mib"]
            line("5 resident memory, 1M-passage index loaded and queried",
                 f"{m.get('VmRSS')} MiB (anon {m.get('RssAnon')}, files {m.get('RssFile')}; target ≤ 1024 MiB)",
                 m.get("VmRSS", 1 << 30) <= 1024)
    c = results.get("coldstart")
    if c and "queries" not in c:  # results written before the per-command cold-start bench
        line("6 cold start, fresh `groundqa ask` process", f"median {c['median_s']} s, best {c['best_s']} s "
             "(target p50 ≤ 1.5 s)", c["median_s"] <= 1.5)
    elif c:
        q = c["queries"][0]
        line("6 cold start, fresh `groundqa ask` / `search` process", f"p50 {q['ask']['p50_s']} / "
             f"{q['search']['p50_s']} s, p95 {q['ask']['p95_s']} / {q['search']['p95_s']} s (target p50 ≤ 1.5 s)",
             max(q["ask"]["p50_s"], q["search"]["p50_s"]) <= 1.5)
        if c.get("serve"):
            line("6 `groundqa serve` on an existing index: time to URL", f"p50 {c['serve']['url']['p50_s']} s "
                 "(target ≤ 5 s)", c["serve"]["url"]["p50_s"] <= 5.0)
    v = results.get("llamaindex")
    if v and "skipped" not in v:
        d, f, g = v["llamaindex"]["defaults"], v["llamaindex"]["chunk_size=256"], v["groundqa"]
        line("LlamaIndex side by side (covid-qa-dev)",
             f"ingest: LlamaIndex defaults {d['ingest_s']} s ({d['nodes']} chunks of 1,024 tokens, truncated to the "
             f"model's 256), LlamaIndex chunk_size=256 {f['ingest_s']} s, groundqa {g['ingest_s']} s "
             f"(ratios {v['ingest_time_ratio_llama_over_groundqa']}x, "
             f"{v['ingest_time_ratio_llama256_over_groundqa']}x); "
             f"query p50 {d['retrieve_top5_ms']['p50']} ms retrieve vs {g['search_top5_ms']['p50']} ms search "
             f"({v['query_latency_ratio_llama_retrieve_over_groundqa_search_p50']}x), {g['ask_ms']['p50']} ms ask; "
             f"gold-sentence hit@5 {d['gold_sentence_hit@5']} / {f['gold_sentence_hit@5']} vs "
             f"{g['gold_sentence_hit@5']}",
             None)
    elif v:
        line("LlamaIndex side by side", v["skipped"], None)
    return lines


def run(names: list[str]) -> dict:
    """Run the named benchmarks in one process; returns all results."""
    from bench.common import machine, say, work_dir

    results: dict[str, object] = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                                  "command": "groundqa bench " + " ".join(names)}
    t0 = time.perf_counter()
    for name in names:
        t = time.perf_counter()
        say(f"== {name}")
        if name == "throughput":
            from bench import throughput

            results[name] = throughput.run()
        elif name == "quality":
            from bench import quality

            results[name] = quality.run()
        elif name == "reindex":
            from bench import reindex

            results[name] = reindex.run()
        elif name == "latency":
            from bench import latency

            sizes = [int(x) for x in os.environ.get("GROUNDQA_BENCH_SIZES", "10000,100000,1000000").split(",")]
            results[name] = latency.run(_source_index(results), sizes=sizes,
                                        n_questions=int(os.environ.get("GROUNDQA_BENCH_QUESTIONS", "100")))
        elif name == "coldstart":
            from bench import coldstart

            results[name] = coldstart.run(_source_index(results))
        elif name == "llamaindex":
            from bench import vs_llamaindex

            results[name] = vs_llamaindex.compare(
                work_dir(), os.environ.get("GROUNDQA_LLAMA_PYTHON", vs_llamaindex.LLAMA_PYTHON))
        else:
            raise SystemExit(f"unknown benchmark {name!r} — choose from {', '.join(NAMES)}")
        results.setdefault("seconds", {})[name] = round(time.perf_counter() - t, 1)  # type: ignore[union-attr]
    results["total_seconds"] = round(time.perf_counter() - t0, 1)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m bench.run [NAME ...]` (what `groundqa bench` runs in a checkout)."""
    parser = argparse.ArgumentParser(prog="groundqa bench", description=__doc__)
    parser.add_argument("what", nargs="*", default=[], help="which benchmarks (default: all): " + ", ".join(NAMES))
    names = list(parser.parse_args(argv).what or NAMES)
    if names == ["all"]:
        names = NAMES
    results = run(names)
    from bench.common import work_dir

    out = work_dir() / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print()
    print("\n".join(summary(results)))
    print(f"\n(results written to {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
