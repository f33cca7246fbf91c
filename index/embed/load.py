"""Text embedders: the packaged MiniLM (default), any sentence-transformers model, and a fake for tests.

Backends (see `BACKENDS`): on a CPU the default 'auto' runs a local int8 ONNX export of the model with
onnxruntime (index/embed/onnx.py: ~2-3x torch fp32 throughput, and it imports in 0.2 s instead of
~14 s for sentence-transformers, which keeps `groundqa ask` cold starts short); 'torch' runs
sentence-transformers. On CUDA the model runs in torch fp16. Nothing is ever fetched from a hub.

The one-time export is announced on the "groundqa" logger (the CLI prints it as one stderr line), and
if it fails 'auto' falls back to torch with a one-line warning there.
"""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

from index.embed.base import _PACKAGED_ALIASES, DEFAULT_MODEL, Embedder, ModelUnavailable, packaged_model_path
from index.embed.fake import FakeEmbedder
from index.embed.torch_backend import PipelinedTorchEmbedder, SentenceTransformerEmbedder

__all__ = ["AUTO_CPU_BACKEND", "BACKENDS", "EXPORT_NOTICE", "drop_onnx_exports", "load_embedder", "model_source",
           "onnx_embedder"]

log = logging.getLogger("groundqa")
"""Notices for the user (the export, the torch fallback); the CLI shows them as `groundqa: …` on stderr.
Logged at WARNING so they show even where nobody configured logging (Python's last-resort handler)."""
EXPORT_NOTICE = "exporting the embedding model to ONNX (one time, ~20 s)…"


BACKENDS = ("auto", "torch", "onnx", "onnx-int8", "onnx-fp32", "openvino")
"""Embedding backends: 'auto' (the default) picks AUTO_CPU_BACKEND on a CPU when onnxruntime
(a core dependency) is importable and the model can be exported, else 'torch' (with a
one-line warning); on CUDA it is always torch fp16.
'onnx' = 'onnx-int8': our local int8 ONNX export run with onnxruntime (index/embed/onnx.py);
'onnx-fp32': the same export unquantised; 'openvino': sentence-transformers' OpenVINO backend."""
AUTO_CPU_BACKEND = "onnx-int8"
"""What 'auto' uses on a CPU: the int8 export met the targets in bench/RESULTS.md (≥2x torch fp32
throughput, covid-qa-dev hit@5 within 1 point), so it is the default there."""


def model_source(name: str) -> Path | None:
    """The local directory of a model name (packaged default or an existing path), else None."""
    if name == DEFAULT_MODEL:
        return packaged_model_path()
    p = Path(name).expanduser()
    return p if p.is_dir() else None


def onnx_embedder(name: str, precision: str = "int8", export: bool = True) -> Embedder:
    """The ONNX encoder of a local model (exported into the user cache first if needed and `export`)."""
    from index.embed.onnx import OnnxEmbedder, onnx_available

    if not onnx_available():
        raise ModelUnavailable("the ONNX backend needs onnxruntime — run: pip install onnxruntime onnx "
                               "(or use --backend torch)")
    src = model_source(name)
    if src is None:
        raise ModelUnavailable(f"the ONNX backend exports a local model directory; {name!r} is not one — "
                               "pass --model PATH or use --backend torch")
    from index.embed.onnx_export import cached_export, export_onnx

    cache_name = name if name == DEFAULT_MODEL else _export_name(src)
    d = cached_export(cache_name, src, precision)
    if d is None:
        if not export:
            raise ModelUnavailable(f"no ONNX export of {name!r} in the cache")
        log.warning(EXPORT_NOTICE)
        try:
            d = export_onnx(src, cache_name, precision)
        except Exception as exc:  # noqa: BLE001 - any exporter failure means: no ONNX model here
            why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            raise ModelUnavailable(f"could not export {name!r} to ONNX ({why}) — use --backend torch") from exc
    return OnnxEmbedder(d, name=name)


def drop_onnx_exports(name: str) -> None:
    """Delete the cached ONNX exports of a local model (called when that model folder is deleted)."""
    import shutil

    from index.embed.onnx_export import export_dirs

    src = Path(name).expanduser()
    for d in export_dirs(_export_name(src)):
        shutil.rmtree(d, ignore_errors=True)


def _export_name(src: Path) -> str:
    """Cache name of a model folder's ONNX exports: folder name plus a tag of its absolute path."""
    return f"{src.name}-{_path_tag(src)}"


def _path_tag(p: Path) -> str:
    return hashlib.blake2b(str(p.resolve()).encode(), digest_size=4).hexdigest()


def load_embedder(model: str = DEFAULT_MODEL, device: str = "cpu", backend: str = "auto") -> Embedder:
    """Embedder for a model name: 'fake' or 'fake-DIM' for tests, otherwise the real model (see BACKENDS).

    All backends of one model report the same `name` (their vectors agree to cosine ≥ 0.99), so an
    index built with one can be queried with another.
    """
    m = re.fullmatch(r"fake(?:-(\d+))?", model)
    if m:
        return FakeEmbedder(int(m.group(1) or 64))
    if backend not in BACKENDS:
        raise ModelUnavailable(f"unknown backend {backend!r} — use one of {', '.join(BACKENDS)}")
    name = DEFAULT_MODEL if model.lower() in _PACKAGED_ALIASES else model
    if device.startswith("cuda"):
        if backend not in ("auto", "torch"):
            raise ModelUnavailable(f"--device cuda runs the torch backend (fp16), not {backend!r}")
        import torch  # only on the CUDA path: CPU code never needs CUDA

        if not torch.cuda.is_available():
            raise ModelUnavailable("--device cuda was asked for but no CUDA GPU is visible — use --device cpu")
        src = model_source(name)
        if src is not None and (src / "tokenizer.json").exists():
            return PipelinedTorchEmbedder(src, name, device=device)
        return SentenceTransformerEmbedder(name, device=device, backend="torch")
    if backend == "auto":
        from index.embed.onnx import onnx_available

        if AUTO_CPU_BACKEND.startswith("onnx") and model_source(name) is not None:
            if not onnx_available():
                log.warning("onnxruntime is not installed: using the slower torch backend — "
                            "pip install onnxruntime onnx (or pass --backend torch to silence this)")
            else:
                try:
                    return onnx_embedder(name, "fp32" if AUTO_CPU_BACKEND == "onnx-fp32" else "int8")
                except ModelUnavailable as exc:
                    # e.g. an architecture the export does not handle: torch still works
                    log.warning(f"{str(exc).split(' — ')[0]}: using the slower torch backend "
                                "(--backend torch skips the export)")
        backend = "torch"
    if backend.startswith("onnx"):
        return onnx_embedder(name, "fp32" if backend == "onnx-fp32" else "int8")
    return SentenceTransformerEmbedder(name, device=device, backend=backend)
