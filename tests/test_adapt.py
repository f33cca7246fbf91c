"""Corpus adaptation of the embedder: training pairs, settings, refusals, and (model tier) a real run."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from app.api import GroundQA
from index.embed.adapt import ADAPT_FILE, AdaptError, AdaptSettings, base_of, fine_tune, training_pairs


def test_training_pairs_are_sentence_and_the_rest_of_its_passage(fake_api):
    con = fake_api.loaded().con
    pairs = training_pairs(con, AdaptSettings(keep_sentence=0.0))
    n_multi = con.execute("SELECT COUNT(*) FROM (SELECT row FROM units GROUP BY row HAVING COUNT(*) > 1)").fetchone()[0]
    assert 0 < len(pairs) <= n_multi
    texts = [r[0] for r in con.execute("SELECT text FROM passages")]
    for sentence, context in pairs:
        assert sentence not in context  # the sentence is cut out of its context
        assert any(sentence in t and context[:40] in t or context[-40:] in t for t in texts)
    assert training_pairs(con, AdaptSettings(keep_sentence=0.0)) == pairs  # seeded
    assert len(training_pairs(con, AdaptSettings(max_pairs=5))) <= 5


@pytest.mark.parametrize("kw,word", [({"epochs": 0}, "epochs"), ({"batch_size": 1}, "batch_size"),
                                     ({"learning_rate": 2.0}, "learning_rate")])
def test_bad_settings_name_the_field(kw, word):
    with pytest.raises(AdaptError, match=word):
        AdaptSettings(**kw)


def test_fake_embedder_index_is_refused_and_left_alone(fake_api):
    before = fake_api.search("working-level talks", k=3)
    with pytest.raises(AdaptError, match="test embedder"):
        fake_api.adapt()
    assert fake_api.search("working-level talks", k=3) == before


def test_too_few_pairs_is_refused_before_loading_a_model(tmp_path):
    with pytest.raises(AdaptError, match="only 3 training pairs"):
        fine_tune("no-such-model", [("a b c", "d e f")] * 3, tmp_path / "m", AdaptSettings())
    assert not (tmp_path / "m").exists()


def test_cli_reports_refusal_in_one_line(tmp_path, sample_dir, capsys):
    from app.cli import main

    assert main(["index", str(sample_dir), "--index", str(tmp_path / "ix"), "--model", "fake"]) == 0
    capsys.readouterr()
    assert main(["adapt", "--index", str(tmp_path / "ix")]) != 0
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "test embedder" in err


@pytest.mark.model
def test_adapt_trains_saves_and_reembeds(tmp_path):
    from corpus import SAMPLE_DIR

    docs = tmp_path / "docs"
    shutil.copytree(SAMPLE_DIR, docs)
    api = GroundQA(tmp_path / "index", backend="torch")
    api.index([docs])
    old = np.array(api.loaded().vectors[:5])
    q = "When did North Korea break off working-level talks?"
    settings = AdaptSettings(batch_size=2, min_pairs=2)  # the sample report has only 4 passages
    report, index_report = api.adapt(settings)
    model_dir = Path(report.model_dir)
    meta = json.loads((model_dir / ADAPT_FILE).read_text())
    assert meta["base_model"] == "all-MiniLM-L6-v2" and report.steps == report.pairs // 2 > 0
    assert base_of(str(model_dir)) == "all-MiniLM-L6-v2"
    # The index now records and uses the adapted model; its vectors changed, its passages did not.
    fresh = GroundQA(tmp_path / "index", backend="torch")
    assert fresh.loaded().manifest.model == str(model_dir)
    assert not np.allclose(np.array(fresh.loaded().vectors[:5]), old)
    assert index_report.reused == 0 and index_report.n_passages == api.loaded().manifest.n_passages
    assert "October 2019" in " ".join(e.text for e in fresh.search(q, k=3))
    # Adapting again trains from the original base, not from the adapted copy.
    report2, _ = fresh.adapt(settings)
    assert json.loads((Path(report2.model_dir) / ADAPT_FILE).read_text())["base_model"] == "all-MiniLM-L6-v2"
    assert not model_dir.exists() and Path(report2.model_dir).is_dir()  # the replaced model is deleted
    assert "October 2019" in " ".join(e.text for e in GroundQA(tmp_path / "index", backend="torch").search(q, k=3))


def test_failed_adaptation_leaves_index_and_no_half_model(fake_api, monkeypatch):
    import app.api as api_mod

    def boom(base, pairs, out, settings, device="cpu", progress=None):
        out.mkdir(parents=True)
        (out / "model.safetensors").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(GroundQA, "_check_adaptable", lambda self, idx: None)
    monkeypatch.setattr(api_mod, "fine_tune", boom)
    gen = fake_api.loaded().gen
    with pytest.raises(KeyboardInterrupt):
        fake_api.adapt()
    assert list((fake_api.index_dir / "models").iterdir()) == []
    assert fake_api.loaded().gen == gen and fake_api.loaded().manifest.model == "fake-64"


def test_gone_files_are_refused_before_training(tmp_path, sample_dir, fake_embedder, monkeypatch):
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([sample_dir])
    for f in sample_dir.iterdir():
        f.unlink()
    monkeypatch.setattr("app.api.canonical_model_name", lambda m: "all-MiniLM-L6-v2")
    with pytest.raises(AdaptError, match="are gone"):
        api.adapt()


def test_dropping_a_model_drops_its_cached_onnx_exports(tmp_path, monkeypatch):
    from index.embed import _path_tag, drop_onnx_exports
    from index.embed.onnx_export import export_dir

    monkeypatch.setenv("GROUNDQA_CACHE", str(tmp_path / "cache"))
    model = tmp_path / "index" / "models" / "adapted-x"
    model.mkdir(parents=True)
    keep = export_dir("all-MiniLM-L6-v2", "int8")
    dirs = [export_dir(f"adapted-x-{_path_tag(model)}", p) for p in ("int8", "fp32")] + [keep]
    for d in dirs:
        d.mkdir(parents=True)
    drop_onnx_exports(str(model))
    assert [d.exists() for d in dirs] == [False, False, True]
