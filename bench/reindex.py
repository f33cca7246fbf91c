"""Re-index of an unchanged 1,000-document corpus against its first index, with the real model.

The corpus: the 98 covid-qa-dev documents cut into ~1,000 files of similar size at line ends or full stops
(every character of the originals is kept, so it is the whole covid-qa-dev text, ~13k sentence units).
First index: build_index with the default embedder into a fresh folder. Re-index: the same call again
(nothing changed: every file is hashed, nothing is loaded or embedded), timed in-process and as a
fresh `groundqa index` process (interpreter start-up and imports included).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import COVID_DOCS, ROOT, say, work_dir


def split_corpus(out: Path, n_files: int = 1000) -> int:
    """Write the covid-qa-dev documents cut into about n_files pieces of similar size.

    Each document gets pieces in proportion to its length, cut just after a line end or a sentence's
    full stop once the piece reaches its target size; the pieces concatenate back to the original.
    """
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    docs = sorted(COVID_DOCS.glob("*"))
    texts = [f.read_text(encoding="utf-8", errors="replace") for f in docs]
    total = sum(len(t) for t in texts)
    written = 0
    for f, t in zip(docs, texts):
        pieces = max(1, round(n_files * len(t) / total))
        target = len(t) / pieces
        pos, k = 0, 0
        while k < pieces - 1:
            cuts = [i + len(sep) for sep in ("\n", ". ") if (i := t.find(sep, int(pos + target))) >= 0]
            if not cuts or min(cuts) >= len(t):
                break
            cut = min(cuts)
            (out / f"{f.stem}-{k:03d}.txt").write_text(t[pos:cut], encoding="utf-8")
            written, k, pos = written + 1, k + 1, cut
        (out / f"{f.stem}-{k:03d}.txt").write_text(t[pos:], encoding="utf-8")
        written += 1
    return written


def run(n_files: int = 1000) -> dict:
    """First index, then unchanged re-index (in-process and fresh CLI process); returns the times."""
    from index.builder import build_index
    from index.embed import load_embedder

    docs = work_dir() / "reindex-docs"
    n = split_corpus(docs, n_files)
    idx = work_dir() / "reindex-index"
    shutil.rmtree(idx, ignore_errors=True)
    emb = load_embedder()
    emb.encode(["warm up"])
    say(f"reindex: first index of {n} files ...")
    t = time.perf_counter()
    first = build_index([docs], idx, emb)
    t_first = time.perf_counter() - t
    t = time.perf_counter()
    again = build_index([docs], idx, emb)
    t_again = time.perf_counter() - t
    assert not again.changed and again.unchanged == first.n_documents, again.summary()
    cmd = [str(Path(sys.executable).with_name("groundqa")), "index", str(docs), "--index", str(idx)]
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT))
    t_cli = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-1000:])
    return {
        "files": n, "documents": first.n_documents, "passages": first.n_passages,
        "units_embedded": first.embedded, "first_index_s": round(t_first, 1),
        "reindex_in_process_s": round(t_again, 3), "reindex_cli_process_s": round(t_cli, 2),
        "ratio_in_process": round(t_again / t_first, 4), "ratio_cli_process": round(t_cli / t_first, 4),
        "cli_output": p.stdout.strip().splitlines()[-1][:200] if p.stdout.strip() else "",
    }
