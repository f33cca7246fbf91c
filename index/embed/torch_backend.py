"""Torch backends: sentence-transformers on CPU/GPU and a pipelined fp16 encoder for CUDA."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from index.embed.base import _PACKAGED_ALIASES, DEFAULT_MODEL, ModelUnavailable, packaged_model_path

__all__ = ["PipelinedTorchEmbedder", "SentenceTransformerEmbedder"]


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

        from index.embed.onnx_export import _st_config

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
