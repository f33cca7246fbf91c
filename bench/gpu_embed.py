"""Throughput of the `--device cuda` embedder alone (PipelinedTorchEmbedder) on an index's own texts.

    python -m bench.gpu_embed GEN/passages.sqlite MODEL_DIR [--device cuda]

Reads passages and sentence units from one generation's passage table (so it needs neither FAISS nor BM25:
it runs on a bare GPU image), repeats them (passages ×10, units ×4), and times one pass after a warm-up,
as one `encode` call and in the 1,024-text calls the index builder makes.
"""
from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

import numpy as np


def main() -> None:
    """CLI entry."""
    ap = argparse.ArgumentParser()
    ap.add_argument("sqlite")
    ap.add_argument("model")
    ap.add_argument("--device", default="cuda")
    a = ap.parse_args()
    import torch

    from index.embed import PipelinedTorchEmbedder

    con = sqlite3.connect(f"file:{a.sqlite}?mode=ro", uri=True)
    docs = dict(con.execute("SELECT doc_id, text FROM documents"))
    passages = [docs[d][s:e] for d, s, e in con.execute("SELECT doc_id, start, end FROM passages ORDER BY row")]
    units = [docs[d][s:e] for d, s, e in con.execute("SELECT doc_id, start, end FROM units ORDER BY id")]
    sync = torch.cuda.synchronize if a.device.startswith("cuda") else (lambda: None)
    emb = PipelinedTorchEmbedder(Path(a.model), "bench", device=a.device)
    ref = emb.encode(passages[:256])
    sync()
    for name, texts in [("passages", passages * 10), ("sentence units", units * 4)]:
        for call in (None, 1024):
            sync()
            t = time.perf_counter()
            if call is None:
                emb.encode(texts)
            else:
                np.concatenate([emb.encode(texts[i:i + call]) for i in range(0, len(texts), call)])
            sync()
            dt = time.perf_counter() - t
            how = "one call" if call is None else f"{call} per call"
            print(f"{name}: {len(texts)} texts, {how}: {len(texts) / dt:,.0f} texts/s ({dt:.2f} s)", flush=True)
    print("repeat cosine min", float((emb.encode(passages[:256]) * ref).sum(1).min()))


if __name__ == "__main__":
    main()
