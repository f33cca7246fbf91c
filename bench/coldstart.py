"""Cold start: wall time of fresh `groundqa ask | search | cite` processes on an existing index, and the
time until a fresh `groundqa serve` prints its URL (and until its page answers).

Every timed call is a new process, end to end: interpreter start, imports, opening the index (FAISS,
BM25 memory-mapped, SQLite), loading the query encoder (with the default backend: the cached int8
ONNX export, onnxruntime + tokenizers, no torch), the work, printing. Each command runs REPEATS times
per index; wall p50 and p95 are the 50th/95th percentiles with linear interpolation (with 10 runs, p95
lies between the two slowest); `cpu_p50_s` is the median user + system CPU time of the child, which a
busy shared machine inflates far less than the wall time. The `groundqa` that runs is the one next to
`--python` (default: this interpreter), so the same script times any venv — e.g. a fresh README install:

    python -m bench.coldstart --index /tmp/sample-index --index /tmp/covid-index --repeats 10 --serve \\
        --python /tmp/fastvenv/bin/python --out /tmp/coldstart.json

`--pythonpath DIR` puts DIR first on the children's PYTHONPATH (to time another source tree, e.g. an
export of the main branch, with the same venv). The script imports nothing from groundqa.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

QUESTIONS = {  # one question per known index; any other index gets the generic one
    "sample": "Where was the second summit held?",
    "covid": "What is the main cause of HIV-1 infection in children?",
}
GENERIC = "What is the main finding?"
REPEATS = 10


def _pct(xs: list[float], q: float) -> float:
    """Percentile with linear interpolation between closest ranks (numpy's default)."""
    s = sorted(xs)
    if len(s) == 1:
        return s[0]
    pos = (len(s) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _stats(xs: list[float]) -> dict:
    return {"runs_s": [round(x, 3) for x in xs], "p50_s": round(_pct(xs, 0.5), 3),
            "p95_s": round(_pct(xs, 0.95), 3), "best_s": round(min(xs), 3)}


def _env(pythonpath: str | None) -> dict:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _question(index: Path) -> str:
    return next((q for key, q in QUESTIONS.items() if key in index.name.lower()), GENERIC)


def _time_cmd(cmd: list[str], env: dict, repeats: int) -> tuple[list[float], list[float], str, str]:
    """Wall seconds and CPU seconds (user + system of the child) of `repeats` fresh runs of `cmd`."""
    times, cpu, out, err = [], [], "", ""
    for _ in range(repeats):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd="/tmp")
        times.append(time.perf_counter() - t)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-800:]}")
        out, err = p.stdout, p.stderr
    return times, cpu, out, err


def time_queries(exe: str, index: Path, env: dict, repeats: int) -> dict:
    """p50/p95 of fresh `ask`, `search`, `cite` processes on one index."""
    q = _question(index)
    base = ["--index", str(index)]
    probe = subprocess.run([exe, "search", q, "-k", "1", "--json", *base], capture_output=True, text=True,
                           env=env, cwd="/tmp")
    if probe.returncode != 0:
        raise RuntimeError(f"search probe failed: {probe.stderr[-800:]}")
    cid = json.loads(probe.stdout)[0]["citation"]
    res: dict = {"index": str(index), "question": q, "citation": cid}
    for name, cmd in (("ask", [exe, "ask", q, *base]), ("search", [exe, "search", q, *base]),
                      ("cite", [exe, "cite", cid, *base])):
        times, cpu, out, err = _time_cmd(cmd, env, repeats)
        res[name] = _stats(times)
        res[name]["cpu_p50_s"] = round(_pct(cpu, 0.5), 3)  # load-independent: what one call costs the CPU
        res[name]["stderr_last"] = err.strip().splitlines()[-1][:200] if err.strip() else ""
        if name == "ask":
            res[name]["answer_head"] = out.strip().splitlines()[0][:160] if out.strip() else ""
    return res


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_serve(exe: str, index: Path, env: dict, repeats: int = 3, timeout_s: float = 120.0) -> dict:
    """Seconds from starting `groundqa serve` to its URL line on stdout, and to the first 200 on GET /."""
    to_url, to_page = [], []
    for _ in range(repeats):
        port = _free_port()
        t0 = time.perf_counter()
        p = subprocess.Popen([exe, "serve", "--index", str(index), "--port", str(port)], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, env=env, cwd="/tmp")
        try:
            url = None
            assert p.stdout is not None
            for line in p.stdout:
                m = re.search(r"http://\S+", line)
                if m:
                    url = m.group(0)
                    to_url.append(time.perf_counter() - t0)
                    break
                if time.perf_counter() - t0 > timeout_s:
                    break
            if url is None:
                raise RuntimeError("serve printed no URL")
            while time.perf_counter() - t0 < timeout_s:
                try:
                    with urllib.request.urlopen(url, timeout=timeout_s) as r:
                        if r.status == 200:
                            to_page.append(time.perf_counter() - t0)
                            break
                except OSError:
                    time.sleep(0.1)
        finally:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    return {"index": str(index), "url": _stats(to_url), "page_200": _stats(to_page) if to_page else None}


def _versions(python: str, env: dict) -> dict:
    code = ("import importlib.metadata as m, json\n"
            "out = {}\n"
            "for n in ('groundqa', 'torch', 'onnxruntime', 'onnx', 'sentence-transformers', 'gradio'):\n"
            "    try: out[n] = m.version(n)\n"
            "    except m.PackageNotFoundError: out[n] = None\n"
            "print(json.dumps(out))")
    p = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env)
    return json.loads(p.stdout) if p.returncode == 0 else {"error": p.stderr[-300:]}


def _loadavg() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def run(index: Path | list[Path], repeats: int = REPEATS, python: str | None = None, pythonpath: str | None = None,
        serve: bool = True) -> dict:
    """Time the cold commands on each index (and `serve` on the first); returns the figures."""
    indexes = [Path(index)] if isinstance(index, (str, Path)) else [Path(i) for i in index]
    python = python or sys.executable
    exe = str(Path(python).with_name("groundqa"))
    env = _env(pythonpath)
    floor = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([python, "-c", "pass"], check=True, env=env)
        floor.append(time.perf_counter() - t)
    out: dict = {"python": python, "pythonpath": pythonpath, "versions": _versions(python, env),
                 "python_startup_s": round(min(floor), 3), "load_before": _loadavg(), "repeats": repeats,
                 "queries": [time_queries(exe, i, env, repeats) for i in indexes]}
    if serve:
        out["serve"] = time_serve(exe, indexes[0], env)
    out["load_after"] = _loadavg()
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", action="append", required=True, help="an existing index (repeatable)")
    ap.add_argument("--repeats", type=int, default=REPEATS)
    ap.add_argument("--python", default=None, help="interpreter of the venv to time (its groundqa runs)")
    ap.add_argument("--pythonpath", default=None, help="source tree to put first on the children's PYTHONPATH")
    ap.add_argument("--serve", action="store_true", help="also time `groundqa serve` on the first index")
    ap.add_argument("--out", default=None, help="write the JSON here too")
    a = ap.parse_args(argv)
    res = run(a.index, a.repeats, a.python, a.pythonpath, a.serve)
    text = json.dumps(res, indent=2, ensure_ascii=False)
    print(text)
    if a.out:
        Path(a.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
