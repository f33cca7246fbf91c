"""The ONNX backend: local export (fp32 and int8), the light runtime encoder, caching, backend choice."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

TEXTS = ["The virus binds to the ACE2 receptor.", "Masks reduce transmission.", "short",
         "A much longer sentence about incubation periods, serial intervals and the basic reproduction "
         "number R0 of the novel coronavirus in Wuhan, China, early in 2020." * 3, "", "Ünïcödé tëxt — ok?"]


REAL_SENTENCES = [
    "What is the main cause of HIV-1 infection in children?",
    "Mother-to-child transmission (MTCT) is the main cause of HIV-1 infection in children worldwide.",
    "The incubation period of COVID-19 was estimated at 5.2 days (95% CI, 4.1 to 7.0).",
    "How long does the virus survive on surfaces?",
    "Bats are the natural reservoir of a wide variety of coronaviruses, including SARS-like viruses.",
    "Household contacts had a secondary attack rate of 16.3%.",
    "Which receptor does SARS-CoV-2 use to enter cells?",
    "Neutralising antibodies were detected in most patients two weeks after the onset of symptoms.",
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny random BERT saved as a sentence-transformers folder (mean pooling + normalise)."""
    import torch
    from transformers import BertConfig, BertModel

    from index.embed import packaged_model_path

    d = tmp_path_factory.mktemp("tiny-st")
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512)
    BertModel(cfg).save_pretrained(d)
    shutil.copy2(packaged_model_path() / "tokenizer.json", d / "tokenizer.json")
    (d / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 128}))
    (d / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]))
    (d / "1_Pooling").mkdir()
    (d / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32,
                                                             "pooling_mode_mean_tokens": True}))
    return d


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUNDQA_CACHE", str(tmp_path / "cache"))


def _torch_reference(model_dir: Path, texts: list[str]) -> np.ndarray:
    """Mean-pooled, normalised vectors straight from the torch model (the truth the export must match)."""
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=128)
    m = AutoModel.from_pretrained(str(model_dir)).eval()
    out = []
    for t in texts:
        ids = torch.tensor([tok.encode(t).ids])
        with torch.no_grad():
            h = m(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state[0]
        v = h.mean(0).numpy()
        out.append(v / np.linalg.norm(v))
    return np.stack(out)


def test_export_matches_torch_and_is_cached(tiny_model):
    from index.embed.onnx import OnnxEmbedder
    from index.embed.onnx_export import cached_export, export_onnx

    ref = _torch_reference(tiny_model, TEXTS)
    d32 = export_onnx(tiny_model, "tiny", "fp32")
    d8 = export_onnx(tiny_model, "tiny", "int8")
    assert d32 != d8 and cached_export("tiny", tiny_model, "int8") == d8
    e32, e8 = OnnxEmbedder(d32), OnnxEmbedder(d8)
    v32, v8 = e32.encode(TEXTS), e8.encode(TEXTS)
    assert v32.shape == (len(TEXTS), 32) and v32.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v8, axis=1), 1.0, atol=1e-4)
    assert (v32 * ref).sum(1).min() > 0.9999
    assert (v8 * ref).sum(1).min() > 0.9
    np.testing.assert_allclose(e32.encode_query(TEXTS[0]), v32[0], atol=1e-5)
    # a second call reuses the cache; new file times alone change nothing; changed weights are exported again
    mtime = (d32 / "model.onnx").stat().st_mtime_ns
    assert export_onnx(tiny_model, "tiny", "fp32") == d32 and (d32 / "model.onnx").stat().st_mtime_ns == mtime
    os.utime(tiny_model / "config.json", (1, 1))
    assert cached_export("tiny", tiny_model, "fp32") == d32
    changed = Path(shutil.copytree(tiny_model, tiny_model.parent / "tiny-changed"))
    cfg = json.loads((changed / "config.json").read_text())
    (changed / "config.json").write_text(json.dumps({**cfg, "layer_norm_eps": 1e-6}))
    assert cached_export("tiny", changed, "fp32") is None


def test_batching_by_tokens_keeps_input_order(tiny_model, monkeypatch):
    import index.embed.onnx as oe
    from index.embed.onnx_export import export_onnx

    e = oe.OnnxEmbedder(export_onnx(tiny_model, "tiny", "fp32"))
    whole = e.encode(TEXTS * 3)
    monkeypatch.setattr(oe, "TOKENS_PER_BATCH", 40)  # forces many small batches
    np.testing.assert_allclose(e.encode(TEXTS * 3), whole, atol=1e-5)
    one_by_one = np.stack([e.encode([t])[0] for t in TEXTS])
    np.testing.assert_allclose(whole[: len(TEXTS)], one_by_one, atol=1e-5)
    assert e.encode([]).shape == (0, 32)


def test_load_embedder_backends(tiny_model):
    from index.embed import FakeEmbedder, ModelUnavailable, load_embedder
    from index.embed.onnx import OnnxEmbedder

    assert isinstance(load_embedder("fake-16", backend="auto"), FakeEmbedder)
    with pytest.raises(ModelUnavailable, match="unknown backend"):
        load_embedder(str(tiny_model), backend="tensorrt")
    e = load_embedder(str(tiny_model), backend="onnx-fp32")
    assert isinstance(e, OnnxEmbedder) and e.name == str(tiny_model) and e.dim == 32
    with pytest.raises(ModelUnavailable, match="not one"):
        load_embedder("no/such-model-here", backend="onnx")
    with pytest.raises(ModelUnavailable):
        load_embedder(str(tiny_model), device="cuda", backend="onnx")


@pytest.mark.parametrize("failure", [RuntimeError("exporter crashed"), KeyboardInterrupt()])
def test_failed_export_leaves_nothing_half_written(tiny_model, monkeypatch, failure):
    """An export that fails (or is interrupted) midway, after writing part of its files, leaves no
    trace in the cache: no target folder, no work folder, so no later process can load a partial model."""
    import index.embed.onnx_export as ox

    def half_then_fail(model_dir, out):
        out.write_bytes(b"partial onnx graph")  # a half-written file in the work folder
        raise failure

    monkeypatch.setattr(ox, "_export_fp32", half_then_fail)
    with pytest.raises(type(failure)):
        ox.export_onnx(tiny_model, "tiny", "int8")
    models = ox.cache_dir() / "models"
    assert list(models.iterdir()) == []
    assert ox.cached_export("tiny", tiny_model, "int8") is None


def test_auto_backend_falls_back_to_torch_with_one_warning(tiny_model, monkeypatch, caplog):
    """`auto` whose export fails: says so once (one line, naming the cause and the way out), uses torch,
    and leaves no partial export behind."""
    import logging

    import index.embed.load as load
    import index.embed.onnx_export as ox

    def half_then_fail(model_dir, out):
        out.write_bytes(b"partial")
        raise RuntimeError("onnx exporter\nexploded")

    monkeypatch.setattr(ox, "_export_fp32", half_then_fail)
    made = []

    class FakeTorch:  # stands in for sentence-transformers (importing it costs ~14 s)
        def __init__(self, name, device="cpu", backend="torch"):
            made.append((name, backend))
            self.name, self.dim = name, 32

    monkeypatch.setattr(load, "SentenceTransformerEmbedder", FakeTorch)
    with caplog.at_level(logging.INFO, logger="groundqa"):
        e = load.load_embedder(str(tiny_model))
    assert isinstance(e, FakeTorch) and made == [(str(tiny_model), "torch")]
    msgs = [r.getMessage() for r in caplog.records if r.name == "groundqa"]
    assert msgs[0] == load.EXPORT_NOTICE
    assert len(msgs) == 2 and "\n" not in msgs[1]
    assert "could not export" in msgs[1] and "exploded" in msgs[1] and "torch" in msgs[1]
    assert caplog.records[-1].levelno == logging.WARNING
    assert list((ox.cache_dir() / "models").iterdir()) == []


def test_stale_work_folders_of_killed_exports_are_cleaned(tiny_model):
    """A work folder left by a killed export (SIGKILL skips cleanup) is deleted by the next export once
    it is old; a young one (maybe another process exporting now) is left alone."""
    import index.embed.onnx_export as ox

    target = ox.export_dir("tiny", "fp32", ox.export_key(tiny_model, "fp32"))
    target.parent.mkdir(parents=True)
    old, young = target.parent / f".{target.name}-old1", target.parent / f".{target.name}-new1"
    for d in (old, young):
        d.mkdir()
        (d / "raw.onnx").write_bytes(b"x")
    os.utime(old, (1, 1))
    assert ox.export_onnx(tiny_model, "tiny", "fp32") == target
    assert not old.exists() and young.exists()


def test_cli_shows_the_export_notice_on_stderr(tiny_model, tmp_path):
    """The first command that needs the ONNX model says, in one stderr line, that it is exporting it."""
    from corpus import SAMPLE_DIR

    env = dict(os.environ, GROUNDQA_CACHE=str(tmp_path / "fresh-cache"))
    p = subprocess.run([sys.executable, "-m", "app.cli", "index", str(SAMPLE_DIR), "--index", str(tmp_path / "i"),
                        "--model", str(tiny_model)], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    lines = p.stderr.splitlines()
    assert "groundqa: exporting the embedding model to ONNX (one time, ~20 s)…" in lines
    assert (tmp_path / "fresh-cache" / "models").is_dir()
    again = subprocess.run([sys.executable, "-m", "app.cli", "search", "summit", "--index", str(tmp_path / "i")],
                           capture_output=True, text=True, env=env)
    assert again.returncode == 0 and "exporting" not in again.stderr  # cached for every later process


def test_cuda_request_without_gpu_is_a_clear_error():
    import torch

    from index.embed import ModelUnavailable, load_embedder

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ModelUnavailable, match="no CUDA GPU"):
        load_embedder(device="cuda")


@pytest.mark.model
def test_packaged_model_onnx_matches_torch_and_imports_no_torch(tmp_path):
    """int8 and fp32 exports of the packaged MiniLM agree with torch (cosine), and the query path
    of a fresh process imports neither torch nor sentence-transformers."""
    from index.embed import load_embedder

    torch_e = load_embedder(backend="torch")
    texts = TEXTS + REAL_SENTENCES
    ref = torch_e.encode(texts)
    for backend, floor in (("onnx-fp32", 0.9999), ("onnx-int8", 0.96)):
        v = load_embedder(backend=backend).encode(texts)
        cos = (v * ref).sum(1)
        assert cos.min() > floor, (backend, cos)
    # on real sentences (what is indexed and asked) the int8 vectors agree to a mean cosine ≥ 0.99
    real = load_embedder(backend="onnx-int8").encode(REAL_SENTENCES)
    assert float((real * ref[len(TEXTS):]).sum(1).mean()) >= 0.99
    code = ("import sys; from index.embed import load_embedder; e = load_embedder(); e.encode_query('q'); "
            "print(type(e).__name__, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ)).stdout.split()
    assert out == ["OnnxEmbedder", "False", "False"]


@pytest.mark.model
def test_pipelined_gpu_embedder_matches_sentence_transformers_on_cpu():
    """The GPU encoder's code path, run on the CPU in fp32, gives sentence-transformers' vectors."""
    from index.embed import DEFAULT_MODEL, PipelinedTorchEmbedder, load_embedder, packaged_model_path

    texts = TEXTS * 5 + ["What is the incubation period of COVID-19?"]
    ref = load_embedder(backend="torch").encode(texts)
    e = PipelinedTorchEmbedder(packaged_model_path(), DEFAULT_MODEL, device="cpu")
    e.TOKENS_PER_BATCH = 300  # many batches: exercises ordering across the producer thread
    v = e.encode(texts)
    assert v.shape == ref.shape and (v * ref).sum(1).min() > 0.9999


def test_two_environments_share_one_export_and_never_redo_each_others(tiny_model, tmp_path, monkeypatch):
    """Two virtual environments: the same model installed at another path and time (another copy of the wheel)
    finds the export the first one made; an environment with another onnxruntime gets an export of its own
    beside it, and neither ever re-exports after the other ran (the cache slot used to hold one export per
    model, keyed by file times, so each environment's first `ask` after the other's re-exported: 13.8 s)."""
    import index.embed.onnx_export as ox

    exports = []
    real = ox._export_fp32

    def counted(model_dir, out):
        exports.append(model_dir)
        return real(model_dir, out)

    monkeypatch.setattr(ox, "_export_fp32", counted)
    env_a = tiny_model
    env_b = Path(shutil.copytree(tiny_model, tmp_path / "other-venv" / "model"))
    for f in env_b.rglob("*"):
        os.utime(f, (2_000_000_000, 2_000_000_000))  # installed later: other file times, same bytes
    d_a = ox.export_onnx(env_a, "tiny", "fp32")
    assert ox.export_onnx(env_b, "tiny", "fp32") == d_a and len(exports) == 1  # shared, not redone
    runtime = {"version": ox.runtime_version()}
    monkeypatch.setattr(ox, "runtime_version", lambda: runtime["version"])
    real_version = runtime["version"]
    runtime["version"] = "9.99.0"  # environment C: another onnxruntime
    d_c = ox.export_onnx(env_b, "tiny", "fp32")
    assert d_c != d_a and len(exports) == 2 and json.loads((d_c / "groundqa-export.json").read_text())[
        "onnxruntime"] == "9.99.0"
    for _ in range(2):  # back and forth: each finds its own, nothing is exported again or overwritten
        runtime["version"] = "9.99.0"
        assert ox.export_onnx(env_b, "tiny", "fp32") == d_c
        runtime["version"] = real_version
        assert ox.export_onnx(env_a, "tiny", "fp32") == d_a and ox.export_onnx(env_b, "tiny", "fp32") == d_a
    assert len(exports) == 2 and (d_a / "model.onnx").exists() and (d_c / "model.onnx").exists()
