"""Benchmark helpers: the synthetic generation writer, the corpus splitter, the summary lines."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def test_synthetic_generation_is_a_valid_index(tmp_path, fake_api):
    from app.api import GroundQA
    from bench.synth import write_synthetic
    from index.store.local.check import check_index
    from index.store import load_index

    rep = write_synthetic(fake_api.index_dir, tmp_path / "synth", 400, seed=3)
    assert rep.n_passages == 400 and rep.n_units >= 400 * 3
    assert rep.splitter_agreement == 1.0
    assert check_index(tmp_path / "synth") == []
    idx = load_index(tmp_path / "synth")
    assert idx.manifest.n_passages == 400 and idx.manifest.data["synthetic"]["sigma"] > 0
    norms = np.linalg.norm(np.asarray(idx.vectors), axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-4)
    api = GroundQA(tmp_path / "synth", embedder=fake_api.embedder)
    pool_sentence = idx.con.execute("SELECT text FROM passages LIMIT 1").fetchone()[0].split(". ")[0]
    hits = api.search(pool_sentence, k=5)
    assert hits and all(h.text for h in hits)
    ans = api.ask(pool_sentence)
    assert ans.abstained or ans.citations


def test_split_corpus_keeps_all_text(tmp_path, monkeypatch):
    import bench.reindex as r

    src = tmp_path / "docs"
    src.mkdir()
    texts = {f"d{i}.txt": "\n\n".join(f"Paragraph {i}.{j} has some words." for j in range(40)) for i in range(3)}
    for name, t in texts.items():
        (src / name).write_text(t)
    monkeypatch.setattr(r, "COVID_DOCS", src)
    n = r.split_corpus(tmp_path / "out", n_files=30)
    assert 25 <= n <= 33
    for name, t in texts.items():
        parts = sorted((tmp_path / "out").glob(f"{Path(name).stem}-*.txt"))
        assert "".join(p.read_text() for p in parts) == t


def test_summary_marks_targets():
    from bench.run import summary

    res = {
        "reindex": {"ratio_in_process": 0.001, "ratio_cli_process": 0.005, "reindex_cli_process_s": 1.0,
                    "first_index_s": 200.0},
        "coldstart": {"best_s": 1.1, "median_s": 3.5, "stages_s": "{}"},
        "latency": {"100000": {"ask_ms": {"p50": 30.0, "p95": 60.0}, "search_ms": {"p50": 20.0}, "units": 400000,
                               "vector_index": "IVF", "recall@10": 0.97}},
    }
    lines = summary(res)
    assert any(line.startswith("[PASS] 3") for line in lines)
    assert any(line.startswith("[MISS] 6") for line in lines)
    assert any(line.startswith("[PASS] 4") and "100,000" in line for line in lines)


def test_percentile_and_ratios():
    from bench.common import percentile, ratio_summary

    assert percentile([1, 2, 3, 4], 50) == 2.5 and percentile([5], 95) == 5
    r = ratio_summary([1.0, 2.0], [2.0, 6.0])
    assert r == {"median_round_ratio": 2.5, "best_of_ratio": 2.0}
