"""Index building: incremental by content hash, removal, rebuild, model mismatch, atomic generations."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from app.api import GroundQA
from corpus import ChunkParams
from index.store.local.check import check_index
from index.store import IndexDir, IndexFailure, NoIndex, load_index


def _write(d: Path, name: str, text: str) -> Path:
    p = d / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


DOC_A = "Alpha report.\n\nThe alpha reactor was commissioned in 1987 near the northern lake. " * 3
DOC_B = "Beta memo.\n\nThe beta canal carries grain from the valley to the harbour every spring. " * 3


def test_second_run_embeds_nothing_and_keeps_generation(tmp_path, fake_embedder):
    docs = tmp_path / "docs"
    _write(docs, "a.txt", DOC_A)
    _write(docs, "b.txt", DOC_B)
    api = GroundQA(tmp_path / "idx", embedder=fake_embedder)
    first = api.index([docs])
    assert first.embedded > 0 and sorted(first.added) == ["a.txt", "b.txt"]
    gen = IndexDir(tmp_path / "idx").current()
    second = api.index([docs])
    assert second.embedded == 0 and not second.changed and second.unchanged == 2
    assert IndexDir(tmp_path / "idx").current() == gen  # nothing rewritten


def test_changed_and_removed_documents(tmp_path, fake_embedder):
    docs = tmp_path / "docs"
    _write(docs, "a.txt", DOC_A)
    b = _write(docs, "b.txt", DOC_B)
    api = GroundQA(tmp_path / "idx", embedder=fake_embedder)
    api.index([docs])
    old_hit = api.search("beta canal grain", k=1)[0]
    _write(docs, "a.txt", DOC_A + "\n\nA new paragraph about the alpha turbine maintenance schedule.")
    b.unlink()
    r = api.index([docs])
    assert r.updated == ["a.txt"] and r.removed == ["b.txt"]
    assert [d.path for d in api.documents()] == ["a.txt"]
    assert "turbine" in api.search("alpha turbine maintenance", k=1)[0].text
    # The removed document's citation still resolves from the archive, flagged as removed.
    res = api.cite(old_hit.citation)
    assert res.text == old_hit.text and res.status == "removed"
    assert check_index(tmp_path / "idx") == []


def test_changed_document_citation_relocates(tmp_path, fake_embedder):
    docs = tmp_path / "docs"
    a = _write(docs, "a.txt", DOC_A)
    api = GroundQA(tmp_path / "idx", embedder=fake_embedder)
    api.index([docs])
    hit = api.search("alpha reactor commissioned", k=1)[0]
    a.write_text("Preface added at the top.\n\n" + DOC_A, encoding="utf-8")
    api.index([docs])
    res = api.cite(hit.citation)
    assert res.status == "changed" and res.relocated
    moved = api.cite(res.relocated[0])
    assert moved.status == "current" and moved.text == hit.text and moved.start > hit.start


def test_rebuild_with_other_passage_size_keeps_ids_and_reuses_vectors(tmp_path, fake_api):
    hits = fake_api.search("North Korea working-level talks", k=3)
    r = fake_api.index([], rebuild=True, params=ChunkParams(max_chars=300, overlap_sentences=0))
    assert r.embedded == 0 and r.reused > 0  # identical sentences are never embedded twice
    assert load_index(fake_api.index_dir).manifest.chunking["max_chars"] == 300
    for h in hits:
        assert fake_api.cite(h.citation).text == h.text


def test_excerpt_text_equals_document_span(fake_api):
    for h in fake_api.search("nuclear weapons South Korea", k=5):
        assert fake_api.doc_text(h.doc_id)[h.start:h.end] == h.text


def test_model_mismatch_needs_rebuild(tmp_path, fake_api):
    from index.embed import FakeEmbedder

    other = GroundQA(fake_api.index_dir, embedder=FakeEmbedder(32))
    with pytest.raises(IndexFailure, match="--rebuild"):
        other.index([tmp_path / "docs"])


def test_no_index_yet_is_a_clear_error(tmp_path, fake_embedder):
    with pytest.raises(NoIndex, match="groundqa index"):
        GroundQA(tmp_path / "none", embedder=fake_embedder).search("anything")


def test_nothing_indexable_raises(tmp_path, fake_embedder):
    d = tmp_path / "empty"
    d.mkdir()
    (d / "x.txt").write_bytes(b"")
    with pytest.raises(IndexFailure):
        GroundQA(tmp_path / "idx", embedder=fake_embedder).index([d])


def test_failed_build_leaves_previous_generation(tmp_path, fake_api, monkeypatch):
    before = fake_api.search("Hanoi summit", k=1)[0]
    gen = IndexDir(fake_api.index_dir).current()
    import index.builder as builder

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(builder.LexicalIndex, "build", boom)
    extra = tmp_path / "docs" / "new.txt"
    extra.write_text("A new document about the river port and its cranes.", encoding="utf-8")
    with pytest.raises(RuntimeError):
        fake_api.index([tmp_path / "docs"])
    assert IndexDir(fake_api.index_dir).current() == gen
    assert not list(Path(fake_api.index_dir).glob("tmp-*"))
    assert fake_api.search("Hanoi summit", k=1)[0] == before


def test_unit_vectors_are_unit_length_and_rows_map_to_passages(fake_api):
    idx = load_index(fake_api.index_dir)
    norms = np.linalg.norm(np.asarray(idx.vectors), axis=1)
    assert np.allclose(norms, 1, atol=1e-5)
    assert idx.unit_rows().max() == len(idx) - 1


def test_index_without_paths_refreshes_what_is_indexed(tmp_path, fake_embedder):
    docs = tmp_path / "docs"
    a = _write(docs, "a.txt", DOC_A)
    b = _write(docs, "b.txt", DOC_B)
    api = GroundQA(tmp_path / "idx", embedder=fake_embedder)
    api.index([docs])
    assert api.index([]).unchanged == 2
    a.write_text(DOC_A + "\n\nA late note on the alpha cooling pond.", encoding="utf-8")
    b.unlink()
    r = api.index([])
    assert r.updated == ["a.txt"] and r.removed == ["b.txt"]
    assert "cooling pond" in api.search("alpha cooling pond", k=1)[0].text


def test_cli_index_without_paths_keeps_the_users_documents(tmp_path, capsys):
    from app.cli import main

    docs = tmp_path / "docs"
    _write(docs, "a.txt", DOC_A)
    idx = str(tmp_path / "idx")
    assert main(["index", str(docs), "--index", idx, "--model", "fake"]) == 0
    assert main(["index", "--index", idx]) == 0  # refresh: the sample report is not added
    assert main(["docs", "--index", idx]) == 0
    assert "pursuing-stable-coexistence" not in capsys.readouterr().out
    assert main(["index", "--index", idx, "--passage-chars", "300"]) == 2
    assert "--rebuild" in capsys.readouterr().err
    assert main(["index", "--index", idx, "--rebuild", "--passage-chars", "300"]) == 0
