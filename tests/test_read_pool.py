"""Files read in worker processes (index/read_pool.py, index/reading.py): results in order, a broken or crashing
PDF is that file's one warning while the others index, and kill -9 of the indexer mid-read leaves the old
generation intact with no worker left behind."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.badinputs import cli_env, groundqa_cmd, make_pdf


def _pdfs(folder: Path, n: int, pages: int = 3) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        f = folder / f"survey-{i:02d}.pdf"
        f.write_bytes(make_pdf([[f"Survey {i} page {p}: the team counted {i * 10 + p} herons at pond {p}.",
                                 f"Water at pond {p} rose {p + i} centimetres in week {i}."] for p in range(pages)]))
        out.append(f)
    return out


def test_pool_returns_results_in_order_and_a_crashed_worker_is_that_files_one_error(tmp_path):
    from corpus import LoadError
    from index.read_pool import pool_ahead
    from tests.read_pool_helper import read_or_die

    files = _pdfs(tmp_path, 6)
    crash = tmp_path / "crash-01.pdf"
    crash.write_bytes(files[0].read_bytes())
    items = [(f, tmp_path, "") for f in files[:2] + [crash] + files[2:]]
    got = list(pool_ahead(items, 2, 60.0, lambda f: True, read_or_die, 2))
    assert len(got) == len(items)
    errors = [(i, g) for i, g in enumerate(got) if isinstance(g, LoadError)]
    assert [i for i, _ in errors] == [2] and "crash-01.pdf" in str(errors[0][1])
    assert "reader process stopped (exit code 7)" in str(errors[0][1])
    docs = [g for g in got if not isinstance(g, LoadError)]
    assert [Path(src).name for _, src, _ in docs] == [f.name for f in files]  # in the order given
    assert all(f"Survey {i} page 1" in d.text for i, (d, _, _) in enumerate(docs))


def test_broken_pdf_read_in_a_worker_is_one_warning_and_the_other_files_index(tmp_path, fake_embedder, monkeypatch):
    import index.read_pool as rp
    from app.api import GroundQA
    from index.builder import build_index

    used = []
    real = rp.pool_ahead
    monkeypatch.setattr(rp, "pool_ahead", lambda *a, **k: (used.append(a[1]), real(*a, **k))[1])
    docs = tmp_path / "docs"
    _pdfs(docs, 4)
    head = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    (docs / "broken.pdf").write_bytes(head + os.urandom(4000))
    report = build_index([docs], tmp_path / "idx", fake_embedder, workers=2)
    assert used == [2]  # the files went to two worker processes
    assert len(report.skipped) == 1 and "broken.pdf" in report.skipped[0], report.skipped
    names = sorted(Path(d.path).name for d in GroundQA(tmp_path / "idx", embedder=fake_embedder).documents())
    assert names == [f"survey-{i:02d}.pdf" for i in range(4)]


def _workers_of(pid: int) -> list[int]:
    """Live worker processes (python -m index.read_pool PID ...) started by indexer `pid`."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            argv = (d / "cmdline").read_bytes().split(b"\0")
            state = next((x for x in (d / "status").read_text().splitlines() if x.startswith("State:")), "")
        except OSError:
            continue
        if b"index.read_pool" in argv and str(pid).encode() in argv and "zombie" not in state:
            out.append(int(d.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="finds the workers through /proc")
def test_kill_9_during_a_parallel_index_leaves_the_old_generation_and_no_workers(tmp_path, sample_dir):
    from app.api import GroundQA
    from index.store.local.check import check_index
    from index.store import IndexDir

    index = tmp_path / "idx"
    r = subprocess.run(groundqa_cmd("index", str(sample_dir), "--index", str(index), "--model", "fake"),
                       capture_output=True, text=True, env=cli_env(), timeout=300)
    assert r.returncode == 0, r.stderr
    before = GroundQA(index).ask("When did North Korea break off working-level talks?").citations[0].citation
    docs = tmp_path / "pdfs"
    _pdfs(docs, 40, pages=12)
    proc = subprocess.Popen(groundqa_cmd("index", str(sample_dir), str(docs), "--index", str(index), "--model",
                                         "fake"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env())
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while proc.poll() is None and time.monotonic() < deadline:
        workers = _workers_of(proc.pid)
        if len(workers) >= 2 and list(index.glob(f"tmp-{proc.pid}/passages.sqlite")):
            break  # reading in parallel into the new generation's build folder
        time.sleep(0.01)
    assert proc.poll() is None and len(workers) >= 2, "the index ended (or never used workers) before the kill"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    gone = time.monotonic() + 15
    while _workers_of(proc.pid) and time.monotonic() < gone:
        time.sleep(0.1)
    assert _workers_of(proc.pid) == []  # the workers died with the indexer
    live = IndexDir(index).current()
    assert live is not None and live.name == "gen-000001"
    assert check_index(index) == []
    api = GroundQA(index)
    assert [d.path for d in api.documents()] == ["pursuing-stable-coexistence.txt"]
    assert api.ask("When did North Korea break off working-level talks?").citations[0].citation == before
    r = subprocess.run(groundqa_cmd("index", str(sample_dir), str(docs), "--index", str(index), "--model", "fake"),
                       capture_output=True, text=True, env=cli_env(), timeout=300)
    assert r.returncode == 0, r.stderr  # the next run is not blocked by what the killed one left
    assert len(GroundQA(index).documents()) == 41 and not list(index.glob("tmp-*"))
