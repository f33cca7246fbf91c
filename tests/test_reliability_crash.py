"""Crash safety: `groundqa index` killed with SIGKILL at several points never loses or damages the
live index; a rerun completes the work; a second concurrent writer is refused, not interleaved.

Kill points are events the test observes (time since start, files appearing in the build folder),
not timed assertions: nothing here asserts how long anything takes.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

import pytest

from badinputs import cli_env, groundqa_cmd, write_many_docs

N_DOCS = 3000
SAMPLE_Q = "When did North Korea break off working-level talks?"
POLL_S = 0.002
HANG_S = 300.0  # hang guard only


def _tmp_file(index: Path, name: str, pid: int) -> Path | None:
    """`name` in the build folder of process `pid` (never a stale folder an earlier killed run left)."""
    p = index / f"tmp-{pid}" / name
    return p if p.exists() else None


def _size(p: Path | None) -> int:
    try:
        return p.stat().st_size if p is not None else 0
    except FileNotFoundError:
        return 0


Cond = Callable[[Path, float, int], bool]  # (index dir, start time, writer pid) -> kill now?


def after(seconds: float) -> Cond:
    return lambda index, t0, pid: time.monotonic() - t0 >= seconds


def when_file(name: str, min_bytes: int = 0) -> Cond:
    return lambda index, t0, pid: (p := _tmp_file(index, name, pid)) is not None and _size(p) >= min_bytes


KILL_POINTS: list[tuple[str, Cond, bool]] = [
    # (label, when to kill, whether the new generation may already be live)
    ("0.3 s after start (interpreter start-up and imports)", after(0.3), False),
    ("1 s after start", after(1.0), False),
    ("2 s after start", after(2.0), False),
    ("build folder created (hashing done, loading starts)", when_file("passages.sqlite"), False),
    ("mid-embedding (2 MB of vectors written)", when_file("vectors.f32", 2 << 20), False),
    ("final index build (unit_rows.npy written, FAISS/BM25 being built)", when_file("unit_rows.npy"), False),
    ("commit (manifest written: fsync, rename, CURRENT swap)", when_file("manifest.json"), True),
]


def start_index(paths: list[Path], index: Path) -> subprocess.Popen:
    return subprocess.Popen(groundqa_cmd("index", *map(str, paths), "--index", str(index), "--model", "fake"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env())


def kill_at(proc: subprocess.Popen, index: Path, cond: Cond) -> tuple[int, str]:
    """SIGKILL `proc` as soon as `cond` holds; returns (exit code, stderr). Fails if it ended first."""
    t0 = time.monotonic()
    while proc.poll() is None and not cond(index, t0, proc.pid):
        if time.monotonic() - t0 > HANG_S:
            break
        time.sleep(POLL_S)
    ended_first = proc.poll() is not None
    proc.send_signal(signal.SIGKILL) if not ended_first else None
    out, err = proc.communicate(timeout=HANG_S)
    assert not ended_first, f"indexing ended (rc {proc.returncode}) before the kill point: {out!r} {err!r}"
    return proc.returncode, err.decode(errors="replace")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from corpus import SAMPLE_DIR

    base = tmp_path_factory.mktemp("crash")
    many = base / "many"
    write_many_docs(many, N_DOCS)
    return base, Path(SAMPLE_DIR), many


def _baseline(index: Path, sample: Path) -> str:
    r = subprocess.run(groundqa_cmd("index", str(sample), "--index", str(index), "--model", "fake"),
                       capture_output=True, text=True, env=cli_env(), timeout=HANG_S)
    assert r.returncode == 0, r.stderr
    from app.api import GroundQA

    ans = GroundQA(index).ask(SAMPLE_Q)
    assert not ans.abstained
    return ans.citations[0].citation


def _assert_sound(index: Path, cite0: str, allow_new: bool) -> str:
    """The live index loads, checks clean and answers the sample question as before."""
    from app.api import GroundQA
    from index.store.local.check import check_index
    from index.store import IndexDir

    live = IndexDir(index).current()
    assert live is not None, f"no live generation after the kill: {sorted(os.listdir(index))}"
    if not allow_new:
        assert live.name == "gen-000001", (live.name, sorted(os.listdir(index)))
    assert check_index(index) == []
    api = GroundQA(index)
    ans = api.ask(SAMPLE_Q)
    assert not ans.abstained and ans.citations[0].citation == cite0
    n_docs = len(api.documents())
    assert n_docs in ((1, N_DOCS + 1) if allow_new else (1,)), n_docs
    # The killed writer's lock died with it: a new writer gets it at once.
    with IndexDir(index).writer_lock():
        pass
    return live.name


def test_sigkill_at_each_point_keeps_previous_index(corpus):
    base, sample, many = corpus
    index = base / "index-kill"
    cite0 = _baseline(index, sample)
    log = []
    for label, cond, may_be_live in KILL_POINTS:
        rc, err = kill_at(start_index([sample, many], index), index, cond)
        # At the commit point the run may just have finished on its own: also fine.
        assert rc == -signal.SIGKILL or (may_be_live and rc == 0), (label, rc, err)
        live = _assert_sound(index, cite0, allow_new=may_be_live)
        log.append(f"killed at {label}: live generation {live}, check clean, sample answer unchanged; "
                   f"left over: {sorted(p.name for p in index.iterdir() if p.name.startswith(('tmp-', 'gen-')))}")
    # A rerun completes the work and clears what the killed runs left behind.
    r = subprocess.run(groundqa_cmd("index", str(sample), str(many), "--index", str(index), "--model", "fake"),
                       capture_output=True, text=True, env=cli_env(), timeout=HANG_S)
    assert r.returncode == 0, r.stderr
    from app.api import GroundQA
    from index.store.local.check import check_index

    api = GroundQA(index)
    docs = {d.path for d in api.documents()}
    assert len(docs) == N_DOCS + 1 and "doc-01234.txt" in docs and "pursuing-stable-coexistence.txt" in docs
    assert check_index(index) == []
    assert not list(index.glob("tmp-*")) and len(list(index.glob("gen-*"))) == 1
    assert api.ask(SAMPLE_Q).citations[0].citation == cite0
    hits = api.search("Survey 1234 of the", k=3)
    assert any(h.doc == "doc-01234.txt" for h in hits)
    chk = subprocess.run(groundqa_cmd("check", "--index", str(index)), capture_output=True, text=True,
                         env=cli_env(), timeout=HANG_S)
    assert chk.returncode == 0 and "index OK" in chk.stdout
    log.append(f"rerun: {r.stdout.strip()}")
    print("\n" + "\n".join(log))
    (Path(__file__).resolve().parent / "artifacts").mkdir(exist_ok=True)
    (Path(__file__).resolve().parent / "artifacts" / "crash.txt").write_text("\n".join(log) + "\n")


@pytest.mark.parametrize("leftover", ["tmp", "orphan-gen", "pointer-tmp", "half-deleted-old-gen"])
def test_leftovers_of_a_crash_do_not_block_the_next_run(tmp_path, sample_dir, leftover):
    """Each state a crash can leave on disk (built deterministically) loads, and the next writer commits."""
    import shutil

    from app.api import GroundQA
    from index.store.local.check import check_index

    index = tmp_path / "index"
    cite0 = _baseline(index, sample_dir)
    gen1 = index / "gen-000001"
    if leftover == "tmp":  # killed while building
        shutil.copytree(gen1, index / "tmp-99999")
        (index / "tmp-99999" / "manifest.json").write_text("{half")
    elif leftover == "orphan-gen":  # killed after rename(tmp, gen-N+1), before the CURRENT swap
        shutil.copytree(gen1, index / "gen-000002")
    elif leftover == "pointer-tmp":  # killed after writing CURRENT.tmp, before os.replace
        (index / "CURRENT.tmp").write_text("gen-0000")
    else:  # killed while deleting the previous generation after a commit
        shutil.copytree(gen1, index / "gen-000000")
        (index / "gen-000000" / "vectors.f32").unlink()
    _assert_sound(index, cite0, allow_new=False)
    (sample_dir / "extra.txt").write_text("The harbour master logged forty ships in March.\n")
    r = subprocess.run(groundqa_cmd("index", str(sample_dir), "--index", str(index), "--model", "fake"),
                       capture_output=True, text=True, env=cli_env(), timeout=HANG_S)
    assert r.returncode == 0, r.stderr
    assert check_index(index) == []
    api = GroundQA(index)
    assert {d.path for d in api.documents()} == {"pursuing-stable-coexistence.txt", "extra.txt"}
    assert api.ask(SAMPLE_Q).citations[0].citation == cite0
    assert sorted(p.name for p in index.iterdir() if p.name.startswith(("gen-", "tmp-"))) == \
        [(index / (index / "CURRENT").read_text().strip()).name]


def test_concurrent_writer_is_refused_and_readers_keep_answering(corpus):
    base, sample, many = corpus
    index = base / "index-lock"
    cite0 = _baseline(index, sample)
    first = start_index([sample, many], index)
    t0 = time.monotonic()
    while first.poll() is None and _tmp_file(index, "passages.sqlite", first.pid) is None \
            and time.monotonic() - t0 < HANG_S:
        time.sleep(POLL_S)
    assert first.poll() is None, "the first writer ended before the second could start"
    extra = base / "extra"
    extra.mkdir(exist_ok=True)
    (extra / "intruder.txt").write_text("The intruder document must not be interleaved.\n")
    second = subprocess.run(groundqa_cmd("index", str(extra), "--index", str(index), "--model", "fake"),
                            capture_output=True, text=True, env=cli_env(), timeout=HANG_S)
    # A reader in another process is never blocked by the writer and sees the previous generation.
    reader = subprocess.run(groundqa_cmd("ask", SAMPLE_Q, "--index", str(index), "--json"),
                            capture_output=True, text=True, env=cli_env(), timeout=HANG_S)
    still_running = first.poll() is None
    out, err = first.communicate(timeout=HANG_S)
    assert still_running, "the first writer finished while the second ran; the lock was not exercised"
    assert second.returncode == 2, (second.returncode, second.stdout, second.stderr)
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "being written by another groundqa process" in lines[0] \
        and f"pid {first.pid}" in lines[0], lines
    assert second.stdout == ""
    assert reader.returncode == 0 and cite0 in reader.stdout, reader.stderr
    assert first.returncode == 0, err
    from app.api import GroundQA
    from index.store.local.check import check_index

    docs = {d.path for d in GroundQA(index).documents()}
    assert len(docs) == N_DOCS + 1 and "intruder.txt" not in docs
    assert check_index(index) == []


# --------------------------------------------------------------------------- readers during commits


def test_reader_of_a_superseded_generation_keeps_working(tmp_path, sample_dir, fake_embedder):
    """A loaded view whose folder a commit deleted still reads, from any thread (open files survive)."""
    import threading

    from app.api import GroundQA

    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([sample_dir])
    old = api.loaded()  # nothing read from it yet in any thread
    (sample_dir / "x.txt").write_text("The harbour master counted forty ships.\n")
    api.index([sample_dir])
    assert not old.gen.exists()
    got: dict[str, object] = {}

    def read() -> None:
        try:
            got["rows"] = old.con.execute("SELECT count(*) FROM passages").fetchone()[0]
            got["units"] = len(old.unit_rows())
        except Exception as exc:  # noqa: BLE001
            got["error"] = repr(exc)

    t = threading.Thread(target=read)
    t.start()
    t.join()
    assert got == {"rows": len(old), "units": old.manifest.n_units}
    assert len(api.loaded()) > len(old)


def test_answer_is_verified_against_its_own_generation(tmp_path, sample_dir, fake_embedder, monkeypatch):
    from app.answer.extractive import Answerer
    from app.api import GroundQA

    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([sample_dir])
    doc = sample_dir / "pursuing-stable-coexistence.txt"
    answer = Answerer.answer

    def answer_then_reindex(self, *args, **kwargs):
        ans = answer(self, *args, **kwargs)
        doc.write_text(doc.read_text() + "\nAppended line.\n")  # another process changes the document
        GroundQA(tmp_path / "index", embedder=fake_embedder).index([sample_dir])
        return ans

    monkeypatch.setattr(Answerer, "answer", answer_then_reindex)
    ans = api.ask(SAMPLE_Q)  # must not raise: a grounded answer from the generation it read, or an abstention
    assert ans.abstained or ans.citations
