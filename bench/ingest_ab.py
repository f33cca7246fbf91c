"""`groundqa index` of the same files by two checkouts (each with its own .venv), interleaved in one run.

    python -m bench.ingest_ab --a /work/main --b /work/i33 --docs F1.pdf F2.pdf ... [--rounds 2] [--out FILE.json]

Each round indexes the files into a fresh index folder with A, then B (the order alternates each round: A B, B A,
...), so the machine's load falls on both alike. Before every timed run each checkout indexes a one-line text file
(untimed), so a one-time model export never lands in a timed run. Per run: wall seconds, the load average before
and after, and the command's last output line (its summary). The speed ratio is the median of the per-round ratios;
the full-corpus time is extrapolated by pages (`--full-pages`), which says nothing about fixed costs and is marked
as an extrapolation wherever it is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def _pages(paths: list[Path]) -> int:
    import pypdfium2

    return sum(len(pypdfium2.PdfDocument(str(p))) for p in paths if p.suffix.lower() == ".pdf")


def _index(repo: Path, docs: list[Path], where: Path, env: dict[str, str]) -> tuple[float, str]:
    """(wall seconds, last output line) of `groundqa index` from `repo`'s venv into `where`."""
    exe = repo / ".venv/bin/groundqa"
    t = time.perf_counter()
    run = subprocess.run([str(exe), "index", "--index", str(where), *map(str, docs)], cwd=repo, env=env,
                         capture_output=True, text=True)
    took = time.perf_counter() - t
    if run.returncode:
        raise SystemExit(f"{repo}: groundqa index failed ({run.returncode}): {run.stderr[-400:]}")
    tail = [x for x in (run.stdout + run.stderr).splitlines() if x.strip()]
    return took, (tail[-1] if tail else "")


def main() -> None:
    """Run the interleaved rounds and print/write the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", type=Path, required=True, help="checkout A (the baseline)")
    ap.add_argument("--b", type=Path, required=True, help="checkout B (the new code)")
    ap.add_argument("--docs", type=Path, nargs="+", required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--full-pages", type=int, default=0, help="pages of the whole corpus, to extrapolate")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    pages = _pages(a.docs)
    work = Path(tempfile.mkdtemp(prefix="ingest-ab-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROUNDQA_INDEX", "VIRTUAL_ENV"))}
    warm = work / "warm.txt"
    warm.write_text("A one-line file indexed before each timed run so the model export is done.\n")
    runs: list[dict] = []
    try:
        for r in range(a.rounds):
            order = [("A", a.a), ("B", a.b)] if r % 2 == 0 else [("B", a.b), ("A", a.a)]
            for name, repo in order:
                _index(repo, [warm], work / f"warm-{name}-{r}", env)
                before = os.getloadavg()[0]
                took, last = _index(repo, a.docs, work / f"idx-{name}-{r}", env)
                after = os.getloadavg()[0]
                runs.append({"round": r, "code": name, "repo": str(repo), "seconds": round(took, 1),
                             "load_before": round(before, 2), "load_after": round(after, 2), "summary": last})
                print(f"round {r} {name} ({repo.name}): {took:.1f} s, {pages / took:.2f} pages/s, "
                      f"load {before:.1f} -> {after:.1f} | {last}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratios = []
    for r in range(a.rounds):
        t = {x["code"]: x["seconds"] for x in runs if x["round"] == r}
        ratios.append(t["A"] / t["B"])
    med = {k: statistics.median(x["seconds"] for x in runs if x["code"] == k) for k in ("A", "B")}
    out = {"docs": [p.name for p in a.docs], "pages": pages, "runs": runs, "ratio_per_round": ratios,
           "ratio_median": statistics.median(ratios), "median_seconds": med}
    print(f"{pages} pages; median A {med['A']:.1f} s, B {med['B']:.1f} s; A/B per round "
          + ", ".join(f"{x:.2f}" for x in ratios) + f"; median {out['ratio_median']:.2f}x")
    if a.full_pages:
        out["extrapolated_full_seconds"] = {k: round(v * a.full_pages / pages) for k, v in med.items()}
        print(f"extrapolated by pages to {a.full_pages} pages (not measured): "
              f"A ~{out['extrapolated_full_seconds']['A']} s, B ~{out['extrapolated_full_seconds']['B']} s")
    if a.out:
        a.out.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
