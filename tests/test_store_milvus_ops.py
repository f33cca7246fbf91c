"""Milvus store end to end: the CLI with --store, `serve` on a store, two concurrent writer processes with
readers, and a writer SIGKILLed mid-ingest. Fake embedder; the Milvus Lite server binds 127.0.0.1 only."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.store_corpus import write_corpus
from tests.test_store_contract import check, make_api, milvus_server  # noqa: F401  (fixture)

pytest.importorskip("milvus_lite")

ROOT = Path(__file__).resolve().parents[1]
WRITER = """
import sys
from app.api import GroundQA
from index.embed import FakeEmbedder
r = GroundQA(sys.argv[1], embedder=FakeEmbedder(64), store=sys.argv[2]).index(sys.argv[3:])
print(r.n_documents, r.embedded, flush=True)
"""


def _store(srv) -> str:
    return f"milvus://{srv.address}/t_{uuid.uuid4().hex[:12]}"


def _writer(tmp: Path, name: str, store: str, *paths: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-c", WRITER, str(tmp / name), store, *map(str, paths)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _folder(root: Path, name: str, n: int, words: str) -> Path:
    d = root / name
    d.mkdir(parents=True)
    for i in range(n):
        (d / f"{name}-{i}.txt").write_text(f"{name} note {i}\n\nThe {words} of record {name}-{i} was checked on day "
                                           f"{i}. Its keeper signed the {words} ledger in ink number {i * 7}.\n")
    return d


def test_cli_index_ask_cite_check_on_a_milvus_lite_file(tmp_path, capsys):
    from app.cli.main import main

    docs = write_corpus(tmp_path, long_doc=False)
    idx = tmp_path / "index"
    store = f"milvus:{tmp_path / 'gq.db'}"
    assert main(["index", str(docs), "--index", str(idx), "--store", store, "--model", "fake"]) == 0
    assert "in milvus:" in capsys.readouterr().out
    assert (idx / "STORE").read_text().strip() == f"milvus:{tmp_path / 'gq.db'}"  # recorded: later commands find it
    assert main(["search", "When does the pear harvest begin?", "--index", str(idx), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    first = hits[0] if isinstance(hits, list) else hits["results"][0]
    assert "pear harvest" in first["text"]
    assert main(["cite", first["citation"], "--index", str(idx), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["text"] == first["text"]
    assert main(["check", "--index", str(idx)]) == 0
    assert "index OK" in capsys.readouterr().out
    assert main(["docs", "--index", str(idx)]) == 0
    assert "harbour.txt" in capsys.readouterr().out
    from index.store.milvus.store import live_manifest

    man = live_manifest(store)
    assert man is not None and man.data["store"] == store and man.data["vector_backend"] == "milvus"
    assert main(["remove", "harbour.txt", "--index", str(idx)]) == 0
    capsys.readouterr()
    assert main(["docs", "--index", str(idx)]) == 0
    assert "harbour.txt" not in capsys.readouterr().out


def test_serve_answers_from_a_milvus_server_store(tmp_path, milvus_server):  # noqa: F811
    httpx = pytest.importorskip("httpx")
    from app.web.server import BackgroundServer, make_app

    store = _store(milvus_server)
    make_api(tmp_path / "writer", store).index([write_corpus(tmp_path, long_doc=False)])
    api = make_api(tmp_path / "stateless-app-server", store)  # no local index at all
    srv = BackgroundServer(make_app(api))
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            r = c.post("/api/ask", json={"question": "Who funded the mobile library van?"})
            assert r.status_code == 200, r.text
            ans = r.json()
            assert not ans["abstained"] and "bequest" in ans["answer"]
            cid = ans["citations"][0]["citation"]
            r = c.get(f"/api/cite/{cid}")
            assert r.status_code == 200 and r.json()["text"] == ans["citations"][0]["text"]
    finally:
        srv.stop()
    assert not (tmp_path / "stateless-app-server").exists()


def test_two_writer_processes_and_readers(tmp_path, milvus_server):  # noqa: F811
    store = _store(milvus_server)
    a = _folder(tmp_path, "alder", 6, "copper")
    b = _folder(tmp_path, "birch", 6, "silver")
    make_api(tmp_path / "seed", store).index([write_corpus(tmp_path, with_sample=False, long_doc=False)])
    reader = make_api(tmp_path / "reader", store)
    errors: list[str] = []
    stop = threading.Event()
    seen = []

    def read() -> None:
        while not stop.is_set():
            try:
                ans = reader.ask("Who funded the mobile library van?")
                for cit in ans.citations:  # every answer verifiable from the store
                    if reader.cite(cit.citation).text != cit.text:
                        errors.append(f"citation {cit.citation} does not resolve to its text")
                seen.append(len(reader.documents()))
            except Exception as exc:  # noqa: BLE001  (any failure of a reader fails the test)
                errors.append(f"{type(exc).__name__}: {exc}")
    compactions: list[object] = []

    def compact_loop() -> None:  # a compaction publishing while the writers commit and the readers read
        from index.store.milvus.commit import compact

        while not stop.is_set():
            try:
                compactions.append(compact(store, full=True))
            except Exception as exc:  # noqa: BLE001  (any failure fails the test)
                errors.append(f"compaction: {type(exc).__name__}: {exc}")
            time.sleep(0.2)
    threads = [threading.Thread(target=read) for _ in range(3)] + [threading.Thread(target=compact_loop)]
    for t in threads:
        t.start()
    wa, wb = _writer(tmp_path, "ia", store, a), _writer(tmp_path, "ib", store, b)
    outs = [w.communicate(timeout=240) for w in (wa, wb)]
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert wa.returncode == 0 and wb.returncode == 0, outs
    assert not errors, errors[:3]
    paths = {d.path for d in make_api(tmp_path / "after", store).documents()}
    assert {f"alder-{i}.txt" for i in range(6)} | {f"birch-{i}.txt" for i in range(6)} <= paths
    assert len(paths) == 4 + 12
    assert set(seen) <= {4, 10, 16} and seen  # readers only ever saw whole generations
    assert any(compactions), "no compaction published while the writers ran"
    assert check(reader) == []


def test_sigkilled_writer_leaves_the_previous_generation_live(tmp_path, milvus_server):  # noqa: F811
    from index.store.milvus.schema import PREFIX, client, parse_store
    from index.store.milvus.store import live_token

    store = _store(milvus_server)
    api = make_api(tmp_path / "index", store)
    api.index([write_corpus(tmp_path, with_sample=False, long_doc=False)])
    before_token, before_docs = live_token(parse_store(store)), [d.doc_id for d in api.documents()]
    big = tmp_path / "big"
    big.mkdir()
    for i in range(12):  # enough to be caught while writing collections
        write_corpus(big / f"part{i}", with_sample=False, long_doc=True)
    c = client(parse_store(store))
    known = set(c.list_collections())
    w = _writer(tmp_path, "killed", store, big)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and w.poll() is None:
        if any(n.startswith(PREFIX) and n not in known for n in c.list_collections()):
            time.sleep(0.3)  # inside publish: collections exist, rows are being written
            break
        time.sleep(0.05)
    assert w.poll() is None, "the writer finished before it could be killed — give it more to write"
    os.kill(w.pid, signal.SIGKILL)
    w.wait(timeout=30)
    assert live_token(parse_store(store)) == before_token
    fresh = make_api(tmp_path / "reader", store)
    assert [d.doc_id for d in fresh.documents()] == before_docs
    assert "bequest" in fresh.ask("Who funded the mobile library van?").answer
    assert check(fresh) == []
    again = make_api(tmp_path / "index", store).index([tmp_path / "docs"])  # the store takes writes again
    assert again.n_documents == len(before_docs)


def test_eval_scores_the_same_on_a_milvus_store(tmp_path, fake_api):
    from app.cli.evaluate import evaluate
    from conftest import shared_path
    from corpus import SAMPLE_DIR

    questions = shared_path("eval-data", "seed-report", "questions.jsonl")
    api = make_api(tmp_path / "index", f"milvus:{tmp_path / 'eval.db'}")
    api.settings = fake_api.settings
    api.index([SAMPLE_DIR])
    on_milvus, errors = evaluate(api, questions, tmp_path / "milvus-run", progress=False)
    embedded, _ = evaluate(fake_api, questions, tmp_path / "embedded-run", progress=False)
    assert errors == [] and on_milvus.n_errors == 0 and on_milvus.n_questions == 16
    assert on_milvus.metrics == embedded.metrics
