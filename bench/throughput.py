"""Indexing throughput: `groundqa index` (build_index) against bare encode loops, interleaved in one run.

What is compared, over the same documents (the first DOCS covid-qa-dev files):
- index: build_index into a fresh folder with the default embedder (loading, chunking, sentence units,
  SQLite, vectors, FAISS, both BM25 indexes — the whole command minus process start-up);
- bare default backend: the default embedder's `encode` over exactly the unit texts the index embeds
  (pipeline overhead = index time / this time − 1);
- bare SentenceTransformer.encode (torch fp32) over the same unit texts, and over the passages
  (what a plain "embed every chunk" pipeline does with the same model).
Passages/s divides the corpus's passage count by each time; units/s its unit count.
"""
from __future__ import annotations

import shutil
import statistics
from pathlib import Path

from bench.common import COVID_DOCS, interleaved, ratio_summary, say, work_dir


def corpus_texts(docs: list[Path]) -> tuple[list[str], list[str]]:
    """(passage texts, unit texts) exactly as build_index cuts them."""
    from corpus import ChunkParams, chunk_document, load_file
    from index.texts import units_of
    from index.texts import embed_text

    passages, units = [], []
    for f in docs:
        doc = load_file(f, root=f.parent)
        ps = chunk_document(doc, ChunkParams())
        passages += [p.text for p in ps]
        units += [embed_text(doc.title, u[-1], False) for u in units_of(ps, 0)]
    return passages, units


def run(n_docs: int = 8, rounds: int = 4) -> dict:
    """Measure and return the throughput figures (also printed by app.cli.bench)."""
    from index.builder import build_index
    from index.embed import load_embedder

    files = sorted(COVID_DOCS.glob("*"))[:n_docs]
    src = work_dir() / "throughput-docs"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir()
    for f in files:
        shutil.copy2(f, src / f.name)
    passages, units = corpus_texts(sorted(src.glob("*")))
    say(f"throughput: {len(files)} docs, {len(passages)} passages, {len(units)} units")
    default = load_embedder()  # what `groundqa index` uses
    torch_emb = load_embedder(backend="torch")
    st = torch_emb._model  # the bare SentenceTransformer
    for e in (default, torch_emb):  # warm both (first call allocates)
        e.encode(units[:16])
    out_dir = work_dir() / "throughput-index"

    def index() -> None:
        shutil.rmtree(out_dir, ignore_errors=True)
        build_index([src], out_dir, default)

    def st_encode(texts: list[str]):
        return lambda: st.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)

    fns = {
        "index (default backend)": index,
        "bare default-backend encode of the units": lambda: default.encode(units, batch_size=64),
        "bare SentenceTransformer.encode of the units (torch fp32)": st_encode(units),
        "bare SentenceTransformer.encode of the passages (torch fp32)": st_encode(passages),
        "bare default-backend encode of the passages": lambda: default.encode(passages, batch_size=64),
    }
    times = interleaved(fns, rounds)
    best = {k: min(v) for k, v in times.items()}
    med = {k: statistics.median(v) for k, v in times.items()}
    rows = {}
    for k in fns:
        rows[k] = {"seconds_best": round(best[k], 2), "seconds_all": [round(x, 2) for x in times[k]],
                   "passages_per_s": round(len(passages) / best[k], 1), "units_per_s": round(len(units) / best[k], 1)}
    names = list(fns)
    over = [a / b - 1 for a, b in zip(times[names[0]], times[names[1]])]
    res = {
        "docs": len(files), "passages": len(passages), "units": len(units),
        "default_backend": f"{type(default).__name__}({getattr(default, 'precision', '?')})",
        "rounds": rounds, "runs": rows,
        "index_overhead_vs_bare_default_encode": {"median_round": round(statistics.median(over), 3),
                                                  "best_of": round(best[names[0]] / best[names[1]] - 1, 3)},
        "index_vs_bare_st_passages_speed": ratio_summary(times[names[0]], times[names[3]]),
        "default_backend_vs_torch_speed_units": ratio_summary(times[names[1]], times[names[2]]),
        "default_backend_vs_torch_speed_passages": ratio_summary(times[names[4]], times[names[3]]),
        "median_seconds": {k: round(v, 2) for k, v in med.items()},
    }
    shutil.rmtree(out_dir, ignore_errors=True)
    return res
