"""Data integrity: `groundqa check` (index.store.local.check.check_index) reports every kind of damage to an index.

A small index is built once; each case corrupts one part of a copy and expects a matching problem
line from check_index (never an exception) and exit code 1 from `groundqa check`.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from badinputs import cli_env, groundqa_cmd


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Sample corpus plus two more documents, indexed with the fake embedder."""
    from app.api import GroundQA
    from corpus import SAMPLE_DIR
    from index.store.local.check import check_index
    from index.embed import FakeEmbedder

    base = tmp_path_factory.mktemp("integrity")
    docs = base / "docs"
    shutil.copytree(SAMPLE_DIR, docs)
    (docs / "harbour.txt").write_text("Harbour log.\n\nThe harbour master counted forty ships in March. "
                                      "Ten of them carried granite. The rest carried grain.\n")
    (docs / "orchard.md").write_text("# Orchard\n\nThe orchard produced nine tonnes of apples. Frost came late.\n")
    index = base / "index"
    GroundQA(index, embedder=FakeEmbedder(64)).index([docs])
    assert check_index(index) == []
    return index


def _gen(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


def _manifest(gen: Path, change: Callable[[dict], None]) -> None:
    data = json.loads((gen / "manifest.json").read_text())
    change(data)
    (gen / "manifest.json").write_text(json.dumps(data))


def _sql(gen: Path, *statements: str) -> None:
    con = sqlite3.connect(gen / "passages.sqlite")
    for s in statements:
        con.execute(s)
    con.commit()
    con.close()


def _vectors(gen: Path, change: Callable[[np.ndarray], None]) -> None:
    data = json.loads((gen / "manifest.json").read_text())
    v = np.fromfile(gen / "vectors.f32", dtype=np.float32).reshape(-1, data["dim"])
    change(v)
    v.tofile(gen / "vectors.f32")


def _truncate(path: Path, keep: int) -> None:
    path.write_bytes(path.read_bytes()[:keep])


def _garbage(path: Path, n: int = 4096) -> None:
    path.write_bytes(np.random.default_rng(1).integers(0, 256, n, dtype=np.uint8).tobytes())


def _swap_distinct_rows(v: np.ndarray) -> None:
    j = next(j for j in range(1, len(v)) if not np.allclose(v[0], v[j]))
    v[[0, j]] = v[[j, 0]]


def _faiss_short(gen: Path) -> None:
    import faiss

    data = json.loads((gen / "manifest.json").read_text())
    v = np.fromfile(gen / "vectors.f32", dtype=np.float32).reshape(-1, data["dim"])
    idx = faiss.IndexFlatIP(data["dim"])
    idx.add(v[:-1])
    faiss.write_index(idx, str(gen / "faiss.index"))


def _faiss_other_vectors(gen: Path) -> None:
    """A valid index with the right count whose vectors are not the generation's (ids map elsewhere)."""
    import faiss

    data = json.loads((gen / "manifest.json").read_text())
    v = np.fromfile(gen / "vectors.f32", dtype=np.float32).reshape(-1, data["dim"])
    idx = faiss.IndexFlatIP(data["dim"])
    idx.add(np.ascontiguousarray(v[::-1]))
    faiss.write_index(idx, str(gen / "faiss.index"))


def _unit_rows(gen: Path, change: Callable[[np.ndarray], np.ndarray]) -> None:
    rows = np.load(gen / "unit_rows.npy")
    np.save(gen / "unit_rows.npy", change(rows.copy()))


def _shift_rows(r: np.ndarray) -> np.ndarray:
    r[-1] = r[0] if r[-1] != r[0] else r[-1] + 1
    return r


CASES: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    # name: (corrupt(index root, live generation), a phrase the problem line must contain)
    "manifest bad JSON": (lambda root, g: (g / "manifest.json").write_text("{not json"), "manifest"),
    "manifest missing": (lambda root, g: (g / "manifest.json").unlink(), "manifest"),
    "manifest wrong n_passages": (lambda root, g: _manifest(g, lambda d: d.update(n_passages=d["n_passages"] + 1)),
                                  "manifest says"),
    "manifest wrong n_units": (lambda root, g: _manifest(g, lambda d: d.update(n_units=d["n_units"] - 1)),
                               "manifest says"),
    "manifest without dim": (lambda root, g: _manifest(g, lambda d: d.pop("dim")), "manifest"),
    "manifest n_passages not a number": (lambda root, g: _manifest(g, lambda d: d.update(n_passages="many")),
                                         "manifest"),
    "manifest other format": (lambda root, g: _manifest(g, lambda d: d.update(format=99)), "format"),
    "manifest drops a document": (lambda root, g: _manifest(g, lambda d: d["documents"].popitem()), "manifest lists"),
    "vectors.f32 truncated": (lambda root, g: _truncate(g / "vectors.f32", 1000), "vectors.f32"),
    "vectors.f32 missing": (lambda root, g: (g / "vectors.f32").unlink(), "vectors.f32"),
    "vectors.f32 NaNs": (lambda root, g: _vectors(g, lambda v: v.__setitem__(3, np.nan)), "not finite"),
    "vectors.f32 rows swapped": (lambda root, g: _vectors(g, _swap_distinct_rows), "FAISS"),
    "faiss.index garbage": (lambda root, g: _garbage(g / "faiss.index"), "FAISS index unreadable"),
    "faiss.index missing": (lambda root, g: (g / "faiss.index").unlink(), "FAISS index unreadable"),
    "faiss.index one vector short": (lambda root, g: _faiss_short(g), "FAISS index holds"),
    "faiss.index other vectors": (lambda root, g: _faiss_other_vectors(g), "FAISS"),
    "passages.sqlite passage text changed": (
        lambda root, g: _sql(g, "UPDATE passages SET text = 'The answer is 42.' WHERE row = 1"), "differs"),
    "passages.sqlite passage row deleted": (lambda root, g: _sql(g, "DELETE FROM passages WHERE row = 1"), "rows"),
    "passages.sqlite passage offsets shifted": (
        lambda root, g: _sql(g, "UPDATE passages SET start = start + 1, end = end + 1 WHERE row = 0"), "differs"),
    "passages.sqlite document text changed": (
        lambda root, g: _sql(g, "UPDATE documents SET text = text || ' Appended.' WHERE path = 'harbour.txt'"),
        "hash"),
    "passages.sqlite unit row deleted": (lambda root, g: _sql(g, "DELETE FROM units WHERE id = 2"), "unit"),
    "passages.sqlite units table dropped": (lambda root, g: _sql(g, "DROP TABLE units"), "passage table"),
    "passages.sqlite garbage": (lambda root, g: _garbage(g / "passages.sqlite", 8192), "passage table"),
    "passages.sqlite missing": (lambda root, g: (g / "passages.sqlite").unlink(), "passage table"),
    "unit_rows.npy truncated": (lambda root, g: _truncate(g / "unit_rows.npy", 100), "unit_rows.npy"),
    "unit_rows.npy garbage": (lambda root, g: _garbage(g / "unit_rows.npy", 300), "unit_rows.npy"),
    "unit_rows.npy missing": (lambda root, g: (g / "unit_rows.npy").unlink(), "unit_rows.npy"),
    "unit_rows.npy one entry short": (lambda root, g: _unit_rows(g, lambda r: r[:-1]), "unit_rows.npy"),
    "unit_rows.npy maps a unit to the wrong passage": (lambda root, g: _unit_rows(g, _shift_rows), "unit_rows.npy"),
    "bm25 params garbage": (lambda root, g: (g / "bm25" / "params.index.json").write_text("{oops"), "BM25"),
    "bm25 data truncated": (lambda root, g: _truncate(g / "bm25" / "data.csc.index.npy", 60), "BM25"),
    "bm25 folder missing": (lambda root, g: shutil.rmtree(g / "bm25"), "BM25"),
    "bm25_units vocab garbage": (lambda root, g: (g / "bm25_units" / "vocab.index.json").write_text("[[["), "BM25"),
    "bm25_units folder missing": (lambda root, g: shutil.rmtree(g / "bm25_units"), "BM25"),
    "CURRENT points nowhere": (lambda root, g: (root / "CURRENT").write_text("gen-999999\n"), "no live generation"),
    "CURRENT missing": (lambda root, g: (root / "CURRENT").unlink(), "no live generation"),
    "CURRENT points outside": (lambda root, g: (root / "CURRENT").write_text("../../etc\n"), "no live generation"),
    "live generation deleted": (lambda root, g: shutil.rmtree(g), "no live generation"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_check_reports_each_corruption(built, tmp_path, case, capsys):
    from app.cli import main
    from index.store.local.check import check_index

    corrupt, phrase = CASES[case]
    copy = tmp_path / "index"
    shutil.copytree(built, copy)
    corrupt(copy, _gen(copy))
    problems = check_index(copy)
    assert problems, f"{case}: not reported"
    assert all(isinstance(p, str) and "\n" not in p for p in problems)
    assert any(phrase.lower() in p.lower() for p in problems), (case, problems)
    capsys.readouterr()
    assert main(["check", "--index", str(copy)]) == 1
    out = capsys.readouterr()
    assert "problem(s) found" in out.out and "Traceback" not in out.out + out.err


def test_check_passes_on_sound_index_and_cli_exit_codes(built, tmp_path):
    from index.store.local.check import check_index

    assert check_index(built) == []
    ok = subprocess.run(groundqa_cmd("check", "--index", str(built)), capture_output=True, text=True,
                        env=cli_env(), timeout=120)
    assert ok.returncode == 0 and "index OK" in ok.stdout, ok.stderr
    copy = tmp_path / "index"
    shutil.copytree(built, copy)
    _sql(_gen(copy), "UPDATE passages SET text = 'The answer is 42.' WHERE row = 1")
    bad = subprocess.run(groundqa_cmd("check", "--index", str(copy)), capture_output=True, text=True,
                         env=cli_env(), timeout=120)
    assert bad.returncode == 1 and "problem: passage 1" in bad.stdout and bad.stderr == "", (bad.stdout, bad.stderr)


def test_damaged_index_never_answers_from_damaged_text(built, tmp_path):
    """A tampered passage is not quoted as the document's text: the answer verifies against the document."""
    from app.api import GroundQA
    from index.embed import FakeEmbedder

    copy = tmp_path / "index"
    shutil.copytree(built, copy)
    gen = _gen(copy)
    con = sqlite3.connect(gen / "passages.sqlite")
    row = con.execute("SELECT row FROM passages WHERE text LIKE '%forty ships%'").fetchone()[0]
    con.close()
    _sql(gen, f"UPDATE passages SET text = 'The harbour master counted 42 ships.' WHERE row = {row}")
    ans = GroundQA(copy, embedder=FakeEmbedder(64)).ask("How many ships did the harbour master count?")
    assert "42" not in ans.answer
    for c in ans.citations:
        assert "42" not in c.text
