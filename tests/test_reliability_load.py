"""Load test: 50 concurrent clients ask questions through the HTTP API of `groundqa serve` (loopback)
for 60 s while documents are being added by `groundqa index`; 0 errors, answers stay correct,
p50/p95 latency written to tests/artifacts/load.txt.

Bounded: LOAD_SECONDS of asking (env GROUNDQA_LOAD_SECONDS overrides, for quick local runs), at most
MAX_REQUESTS requests, a per-request timeout, and the server process is always stopped.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from badinputs import cli_env, groundqa_cmd

httpx = pytest.importorskip("httpx")

CLIENTS = 50
LOAD_SECONDS = float(os.environ.get("GROUNDQA_LOAD_SECONDS", "60"))
MAX_REQUESTS = 200_000
REQUEST_TIMEOUT_S = 60.0
ADD_AT = (0.25, 0.6)  # fractions of the run at which a document is added
QUESTIONS = [
    "When did North Korea break off working-level talks?",
    "Where was the second leader-level summit held?",
    "How many North Korean forces has Kim reportedly sent to fight alongside Russian troops?",
    "What did North Korea articulate in 2021?",
]
NEW_DOCS = [
    ("harbour.txt", "Harbour log\n\nThe harbour master counted forty ships in the storm of March 1998.\n",
     "How many ships did the harbour master count in the storm?", "forty ships"),
    ("orchard.txt", "Orchard notes\n\nThe old orchard produced nine tonnes of quinces in 2003.\n",
     "How many tonnes of quinces did the old orchard produce?", "nine tonnes"),
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))] if s else float("nan")


def _key(ans: dict) -> tuple:
    return ans["answer"], tuple(c["citation"] for c in ans["citations"])


@pytest.mark.load
def test_fifty_clients_while_documents_are_added(tmp_path):
    from corpus import SAMPLE_DIR

    docs = tmp_path / "docs"
    shutil.copytree(SAMPLE_DIR, docs)
    index = tmp_path / "index"
    r = subprocess.run(groundqa_cmd("index", str(docs), "--index", str(index), "--model", "fake"),
                       capture_output=True, text=True, env=cli_env(), timeout=300)
    assert r.returncode == 0, r.stderr
    port = _free_port()
    log = open(tmp_path / "server.log", "wb")
    server = subprocess.Popen(groundqa_cmd("serve", "--index", str(index), "--port", str(port)),
                              stdout=log, stderr=subprocess.STDOUT, env=cli_env())
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{base}/api/documents", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT_S) as c:
            expected = {q: _key(c.post("/api/ask", json={"question": q}).json()) for q in QUESTIONS}
        assert all(exp[1] for exp in expected.values()), expected  # every baseline question is answered

        latencies: list[float] = []
        errors: list[str] = []
        wrong: list[str] = []
        count = [0]
        lock = threading.Lock()
        stop = threading.Event()
        t_end = time.monotonic() + LOAD_SECONDS

        def client(i: int) -> None:
            with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT_S) as c:
                n = i
                while not stop.is_set() and time.monotonic() < t_end:
                    with lock:
                        if count[0] >= MAX_REQUESTS:
                            return
                        count[0] += 1
                    q = QUESTIONS[n % len(QUESTIONS)]
                    n += 1
                    t0 = time.perf_counter()
                    try:
                        res = c.post("/api/ask", json={"question": q})
                        dt = time.perf_counter() - t0
                        if res.status_code != 200:
                            with lock:
                                errors.append(f"{res.status_code}: {res.text[:200]}")
                            continue
                        got = _key(res.json())
                    except Exception as exc:  # noqa: BLE001 - every failure counts as an error
                        with lock:
                            errors.append(f"{type(exc).__name__}: {exc}")
                        continue
                    with lock:
                        latencies.append(dt)
                        if got != expected[q]:
                            wrong.append(f"{q!r}: {got[0][:120]!r} {got[1]}")

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
        t_start = time.monotonic()
        for t in threads:
            t.start()
        adds = []
        for frac, (name, text, _, _) in zip(ADD_AT, NEW_DOCS):
            while time.monotonic() < t_start + frac * LOAD_SECONDS:
                time.sleep(0.05)
            (docs / name).write_text(text, encoding="utf-8")
            w = subprocess.run(groundqa_cmd("index", str(docs), "--index", str(index), "--model", "fake"),
                               capture_output=True, text=True, env=cli_env(), timeout=300)
            adds.append((name, w.returncode, w.stdout.strip(), w.stderr.strip()))
        for t in threads:
            t.join(timeout=LOAD_SECONDS + REQUEST_TIMEOUT_S + 30)
        stop.set()
        wall = time.monotonic() - t_start

        # The server picked up the added documents and answers from them.
        with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT_S) as c:
            served = {d["path"] for d in c.get("/api/documents").json()["documents"]}
            new_answers = [c.post("/api/ask", json={"question": q}).json() for _, _, q, _ in NEW_DOCS]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()

    n = len(latencies)
    p50, p95 = _pct(latencies, 50) * 1000, _pct(latencies, 95) * 1000
    report = (f"{CLIENTS} clients, {wall:.1f} s, {n} answered requests ({n / wall:.1f}/s), "
              f"{len(errors)} errors, {len(wrong)} wrong answers; latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
              f"max {max(latencies, default=0) * 1000:.1f} ms\n"
              + "".join(f"added {name} during the run: exit {rc}; {out}\n" for name, rc, out, _ in adds))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.txt").write_text(report, encoding="utf-8")
    print("\n" + report)
    assert not errors, errors[:10]
    assert not wrong, wrong[:10]
    assert all(rc == 0 for _, rc, _, _ in adds), adds
    assert n > CLIENTS  # every client got answers
    assert {name for name, *_ in NEW_DOCS} <= served, served
    for ans, (name, _, _, words) in zip(new_answers, NEW_DOCS):
        assert not ans["abstained"] and ans["citations"][0]["doc"] == name and words in ans["answer"], ans
    log_text = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in log_text, log_text[-3000:]
