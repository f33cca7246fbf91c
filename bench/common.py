"""Shared helpers of the speed benchmarks: paths, the machine, timing, memory, interleaved rounds."""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
COVID = SHARED / "eval-data" / "covid-qa-dev"
COVID_DOCS = COVID / "docs"
COVID_QUESTIONS = COVID / "questions.jsonl"


def work_dir() -> Path:
    """Scratch folder for benchmark indexes ($GROUNDQA_BENCH_WORK, default /tmp/groundqa-bench)."""
    d = Path(os.environ.get("GROUNDQA_BENCH_WORK", "/tmp/groundqa-bench"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def machine() -> dict[str, object]:
    """CPU model, cores usable, RAM, load average, Python and key library versions."""
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    vers = {}
    for pkg in ("torch", "sentence-transformers", "onnxruntime", "faiss-cpu", "bm25s", "numpy"):
        try:
            vers[pkg] = version(pkg)
        except PackageNotFoundError:
            vers[pkg] = "-"
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "ram_mib": mem,
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()], "python": platform.python_version(),
            "versions": vers}


def rss() -> dict[str, int]:
    """This process's resident memory in MiB: total, anonymous (heap) and file-backed (mapped files)."""
    out = {}
    try:
        for line in open("/proc/self/status"):
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                out[k] = int(v.split()[0]) // 1024
    except OSError:
        pass
    return out


def percentile(xs: list[float], p: float) -> float:
    """p-th percentile (0-100) by linear interpolation."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    i = (len(s) - 1) * p / 100
    lo = int(i)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (i - lo)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """(seconds, result) of one call."""
    t = time.perf_counter()
    r = fn()
    return time.perf_counter() - t, r


def interleaved(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Run each function once per round, in rotating order, and collect wall times.

    On a shared, noisy machine a ratio is trustworthy only when both sides ran under the same load;
    interleaving and taking per-round ratios (or the best round of each) gives that.
    """
    names = list(fns)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for n in order:
            times[n].append(timed(fns[n])[0])
    return times


def ratio_summary(a: list[float], b: list[float]) -> dict[str, float]:
    """How many times faster a is than b: per-round median (b/a) and best-of ratio."""
    per_round = [y / x for x, y in zip(a, b)]
    return {"median_round_ratio": round(statistics.median(per_round), 3),
            "best_of_ratio": round(min(b) / min(a), 3)}


def run_python(code: str, env: dict[str, str] | None = None, timeout: float = 600,
               python: str | None = None) -> dict:
    """Run `code` in a fresh interpreter; it must print one JSON object on its last stdout line."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([python or sys.executable, "-c", code], capture_output=True, text=True, env=e,
                       timeout=timeout, cwd=str(ROOT))
    if p.returncode != 0:
        raise RuntimeError(f"child failed ({p.returncode}): {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def say(*parts: object) -> None:
    """Progress line on stderr (results go to stdout)."""
    print(*parts, file=sys.stderr, flush=True)
