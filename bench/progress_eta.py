"""How true the index job's time-left estimate is: run `groundqa index` on PDFs with plain progress lines,
note when each line came, and compare each line's "~X left" with the time that was really left.

    python -m bench.progress_eta [--docs DIR] [--n 5] [--model MODEL] [--interval 2]

Prints, for every line after 20 % of the job, the estimate, the real remainder and their ratio, then the
share of those lines within ±30 %.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.pdf_read import DOCS, ROOT


def _seconds(text: str) -> int:
    return sum(int(v) * {"h": 3600, "min": 60, "s": 1}[u] for v, u in re.findall(r"(\d+)\s*(h|min|s)\b", text))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", default=str(DOCS))
    ap.add_argument("--n", type=int, default=5, help="how many of the PDFs (smallest first)")
    ap.add_argument("--model", default=None, help="default: the packaged model (int8 ONNX)")
    ap.add_argument("--interval", type=float, default=2.0)
    args = ap.parse_args()
    files = sorted(Path(args.docs).glob("*.pdf"), key=lambda f: f.stat().st_size)[: args.n]
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        for f in files:
            shutil.copy(f, docs / f.name)
        cmd = [sys.executable, "-m", "app.cli", "index", str(docs), "--index", str(Path(tmp) / "idx")]
        if args.model:
            cmd += ["--model", args.model]
        env = dict(os.environ, PYTHONPATH=str(ROOT), GROUNDQA_PROGRESS_INTERVAL=str(args.interval))
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        lines = [(time.monotonic() - t0, ln.rstrip()) for ln in proc.stderr]  # type: ignore[union-attr]
        proc.wait()
        total = time.monotonic() - t0
    print(f"{len(files)} PDFs ({', '.join(f.name for f in files)}), {total:.1f} s, load {os.getloadavg()[0]:.1f}")
    within = n = 0
    for t, ln in lines:
        m = re.search(r"~(.+?) left", ln)
        if not m or t < 0.2 * total:
            continue
        est, real = _seconds(m.group(1)), total - t
        n += 1
        within += abs(est - real) <= 0.3 * real
        print(f"  at {t:6.1f} s ({100 * t / total:3.0f} %): estimate {est:4d} s, really {real:6.1f} s, "
              f"ratio {est / real if real else 0:.2f}")
    print(f"within ±30 %: {within}/{n} lines after 20 % of the job")
    print(lines[-1][1] if lines else "(no lines)")


if __name__ == "__main__":
    main()
