"""Concurrency on one Milvus Lite server (127.0.0.1): two ingest processes and 20 reader clients for 60 s,
then a writer SIGKILLed mid-ingest.

    nice -n 10 python -m bench.milvus_concurrency [--seconds 60] [--readers 20] [--work /tmp/gq-milvus-conc]

Each writer process owns one folder and, round after round, adds 3 new files to it and runs the incremental
index of its folder into the shared store (fake embedder: this measures the storage protocol, not the model).
The readers are 20 threads, each with its own GroundQA (no local index), asking questions whose answers are in
the seed documents and resolving every citation of every answer from the store. Meanwhile a compaction thread
runs a full compaction every --compact-every seconds (each publishes by the same claim as the writers; the
writers also merge their own segments past 8). Afterwards: every file any
writer indexed must be in the store (0 lost), `check` must be clean. Then a third writer is SIGKILLed while it
writes its segment: the live manifest must stay the one before it, and `check` clean.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRITER = r"""
import sys, time, json
from pathlib import Path
from app.api import GroundQA
from index.embed import FakeEmbedder
folder, store, seconds = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
api = GroundQA(folder.parent / (folder.name + "-index"), embedder=FakeEmbedder(64), store=store)
t0, rounds, written = time.time(), 0, []
while time.time() - t0 < seconds:
    for i in range(3):
        name = f"{folder.name}-{rounds}-{i}.txt"
        (folder / name).write_text(f"{folder.name} round {rounds}\n\nRecord {rounds}.{i} of the {folder.name} "
                                   f"ledger lists {rounds * 3 + i} barrels of oil kept at the {folder.name} quay.\n")
        written.append(name)
    t = time.time()
    api.index([folder])
    print(json.dumps({"round": rounds, "s": round(time.time() - t, 2), "n": len(written)}), flush=True)
    rounds += 1
print(json.dumps({"done": written}), flush=True)
"""
QUESTIONS = ["Who funded the mobile library van?", "When does the pear harvest begin?",
             "What is the pilot boat called?", "What crossed the constellation Lyra?"]


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def main() -> None:
    """CLI entry."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--readers", type=int, default=20)
    ap.add_argument("--compact-every", type=float, default=5.0)
    ap.add_argument("--work", default="/tmp/gq-milvus-conc")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import shutil

    from app.api import GroundQA
    from index.embed import FakeEmbedder
    from index.store.milvus.check import check_milvus
    from index.store.milvus.manifest import heads
    from index.store.milvus.schema import PREFIX, client, parse_store
    from index.store.milvus.store import live_token
    from tests.milvus_server import MilvusLiteServer
    from tests.store_corpus import write_corpus

    work = Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out: dict[str, object] = {"seconds": a.seconds, "readers": a.readers, "writers": 2}
    with MilvusLiteServer(work / "milvus-data") as srv:
        store = f"milvus://{srv.address}/conc"
        seed = GroundQA(work / "seed-index", embedder=FakeEmbedder(64), store=store)
        seed.settings = seed.settings.with_(threshold=0.0)
        seed.index([write_corpus(work / "seed", with_sample=False, long_doc=False)])
        stop = threading.Event()
        lock = threading.Lock()
        stats = {"asks": 0, "answered": 0, "citations_verified": 0, "errors": [], "unverifiable": 0, "lat": []}

        def reader(i: int) -> None:
            api = GroundQA(work / f"reader-{i}", embedder=FakeEmbedder(64), store=store)
            api.settings = api.settings.with_(threshold=0.0)
            n = 0
            while not stop.is_set():
                q = QUESTIONS[(i + n) % len(QUESTIONS)]
                n += 1
                try:
                    t = time.perf_counter()
                    ans = api.ask(q)
                    ok = all(api.cite(c.citation).text == c.text for c in ans.citations)
                    with lock:
                        stats["lat"].append(time.perf_counter() - t)
                        stats["asks"] += 1
                        stats["answered"] += not ans.abstained
                        stats["citations_verified"] += len(ans.citations) if ok else 0
                        stats["unverifiable"] += not ok
                except Exception as exc:  # noqa: BLE001  (every failure is counted)
                    with lock:
                        stats["errors"].append(f"{type(exc).__name__}: {str(exc)[:200]}")
        folders = []
        for name in ("alder", "birch"):
            (work / name).mkdir()
            folders.append(work / name)
        compactions = {"published": 0, "nothing_or_lost": 0}

        def compactor() -> None:
            from index.store.milvus.commit import compact

            while not stop.wait(a.compact_every):
                try:
                    done = compact(store, full=True)
                    compactions["published" if done else "nothing_or_lost"] += 1
                except Exception as exc:  # noqa: BLE001  (every failure is counted)
                    with lock:
                        stats["errors"].append(f"compaction: {type(exc).__name__}: {str(exc)[:200]}")
        threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(a.readers)]
        threads.append(threading.Thread(target=compactor, daemon=True))
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(f), store, str(a.seconds)], env=_env(),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in folders]
        results = [w.communicate(timeout=a.seconds * 10 + 300) for w in writers]
        stop.set()
        for t in threads:
            t.join(timeout=120)
        out["wall_s"] = time.perf_counter() - t0
        written: list[str] = []
        rounds = []
        for w, (so, se) in zip(writers, results):
            lines = [json.loads(x) for x in so.splitlines() if x.startswith("{")]
            rounds.append([x for x in lines if "round" in x])
            done = [x["done"] for x in lines if "done" in x]
            written += done[0] if done else []
            if w.returncode != 0:
                stats["errors"].append(f"writer exited {w.returncode}: {se.strip().splitlines()[-1:]}")
        final = {d.path for d in GroundQA(work / "final", embedder=FakeEmbedder(64), store=store).documents()}
        lost = [p for p in written if p not in final]
        lat = sorted(stats.pop("lat"))
        out.update(stats)
        out.update({"writer_rounds": [len(r) for r in rounds], "files_written": len(written), "lost": len(lost),
                    "lost_examples": lost[:5], "index_round_s_median": [sorted(x["s"] for x in r)[len(r) // 2]
                                                                       for r in rounds if r],
                    "manifests_committed": max(heads(client(parse_store(store))), default=0),
                    "compactions": compactions,
                    "ask_p50_ms": 1000 * lat[len(lat) // 2] if lat else None,
                    "ask_p95_ms": 1000 * lat[int(len(lat) * 0.95)] if lat else None,
                    "check_after_writers": check_milvus(store)})
        out["errors"] = len(stats["errors"])
        out["error_examples"] = stats["errors"][:5]
        # A writer SIGKILLed mid-ingest.
        before = live_token(parse_store(store))
        before_docs = len(final)
        big = work / "big"
        for i in range(12):
            write_corpus(big / f"part{i}", with_sample=False, long_doc=True)
        c = client(parse_store(store))
        known = set(c.list_collections())
        w = subprocess.Popen([sys.executable, "-c", WRITER.replace("while time.time() - t0 < seconds:",
                                                                   "while rounds < 1:"), str(big), store, "0"],
                             env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        caught = False
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and w.poll() is None:
            if any(n.startswith(PREFIX) and n not in known for n in c.list_collections()):
                time.sleep(0.5)
                caught = w.poll() is None
                break
            time.sleep(0.05)
        os.kill(w.pid, signal.SIGKILL)
        w.wait(timeout=60)
        after = GroundQA(work / "after-kill", embedder=FakeEmbedder(64), store=store)
        out.update({"kill_caught_mid_publish": caught, "live_unchanged_after_kill": live_token(parse_store(store)) == before,
                    "docs_after_kill": len(after.documents()), "docs_before_kill": before_docs,
                    "check_after_kill": check_milvus(store)})
    print(json.dumps(out, indent=1))
    if a.out:
        Path(a.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
