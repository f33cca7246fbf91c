"""Cold start: wall time of a fresh `groundqa ask "..."` process on an existing index, end to end.

The process starts the interpreter, imports groundqa, opens the index (FAISS, BM25 memory-mapped,
SQLite), loads the query encoder (the cached ONNX export: onnxruntime + tokenizers, no torch), embeds
the question, answers and prints. Run REPEATS times; the first run after a build also pays the disk
cache, so the best and the median are both reported, plus where the time of one run goes
(-X importtime is not used: it slows imports down).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT

QUESTION = "What is the main cause of HIV-1 infection in children?"
REPEATS = 5


def run(index: Path, repeats: int = REPEATS, question: str = QUESTION) -> dict:
    """Time `groundqa ask` in fresh processes; also `python -c pass` as the interpreter floor."""
    exe = str(Path(sys.executable).with_name("groundqa"))
    times, out = [], ""
    for _ in range(repeats):
        t = time.perf_counter()
        p = subprocess.run([exe, "ask", question, "--index", str(index)], capture_output=True, text=True,
                           cwd=str(ROOT))
        times.append(time.perf_counter() - t)
        if p.returncode != 0:
            raise RuntimeError(p.stderr[-1000:])
        out = p.stdout
    floor = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        floor.append(time.perf_counter() - t)
    probe = subprocess.run([sys.executable, "-c", _PROBE, str(index)], capture_output=True, text=True,
                           cwd=str(ROOT))
    return {"index": str(index), "runs_s": [round(x, 2) for x in times], "best_s": round(min(times), 2),
            "median_s": round(statistics.median(times), 2), "python_startup_s": round(min(floor), 2),
            "stages_s": probe.stdout.strip().splitlines()[-1] if probe.returncode == 0 else probe.stderr[-300:],
            "answer_head": out.strip().splitlines()[0][:160] if out.strip() else ""}


_PROBE = r"""
import sys, time, json
t0 = time.perf_counter()
from app.api import GroundQA
t1 = time.perf_counter()
api = GroundQA(sys.argv[1]); api.loaded()
t2 = time.perf_counter()
api.embedder.encode_query("warm")
t3 = time.perf_counter()
api.ask("What is the main cause of HIV-1 infection in children?")
t4 = time.perf_counter()
print(json.dumps({"import": round(t1-t0, 2), "open_index": round(t2-t1, 2), "load_encoder": round(t3-t2, 2),
                  "first_ask": round(t4-t3, 2), "torch_imported": "torch" in sys.modules}))
"""
