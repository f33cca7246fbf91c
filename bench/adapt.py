"""Corpus adaptation (`groundqa adapt`) on covid-qa-dev: retrieval and answers before and after, time, memory.

    python -m bench.adapt [--work DIR]

Indexes the 98 covid-qa-dev documents into WORK/adapt (default backend), measures hit@1/hit@5 (dense,
BM25, hybrid) and answer contains-reference, then runs `groundqa adapt` on that index in a child
process (wall time and peak resident memory of that process) and measures again on the same questions.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import COVID_DOCS, machine, work_dir


def measure(index: Path) -> dict[str, float]:
    """Retrieval and answer metrics of covid-qa-dev on an index (bench.devsets.run on its folder)."""
    from bench.devsets import run

    return run("covid-qa-dev", index.parent)


def main() -> None:
    """CLI entry."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=None, help="scratch folder (default $GROUNDQA_BENCH_WORK)")
    a = ap.parse_args()
    root = Path(a.work) if a.work else work_dir()
    index = root / "covid-qa-dev"
    shutil.rmtree(index, ignore_errors=True)
    from app.api import GroundQA

    GroundQA(index).index([COVID_DOCS])
    before = measure(index)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "app.cli", "adapt", "--index", str(index)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"groundqa adapt failed: {proc.stderr.strip()}")
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    after = measure(index)
    out = {"machine": machine(), "adapt_wall_s": round(wall, 1), "adapt_peak_rss_mib": peak_mib,
           "adapt_output": proc.stdout.strip().splitlines(), "before": before, "after": after}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
