"""A light sentence encoder: an ONNX export of the packaged MiniLM run with onnxruntime + tokenizers.

Why: `import sentence_transformers` costs ~14 s and `import torch` ~4 s on the target machines, while
`onnxruntime` and `tokenizers` import in ~0.15 s, so a fresh `groundqa ask` can answer in about a
second. The same export, quantised to int8, also embeds passages about 2-3x faster than torch fp32 on a
CPU (see bench/RESULTS.md).

The exported model (index/embed/onnx_export.py) includes mean pooling and L2 normalisation, so it takes
`input_ids` and `attention_mask` and returns unit vectors, exactly what the torch model returns.
Only this module's runtime half is imported on the query path: it needs numpy, onnxruntime, tokenizers.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

MODEL_FILE = "model.onnx"
META_FILE = "groundqa-export.json"
TOKENIZER_FILE = "tokenizer.json"
# Texts are cut into batches of about this many tokens (rows x padded length). Measured on 2 cores:
# 1,024 is as fast as larger batches on ~190-token passages and ~15% faster on ~40-token sentences
# (activations stay in cache), and a caller's small calls (the builder sends 256 texts) lose nothing.
TOKENS_PER_BATCH = 1024
MAX_BATCH = 256


def onnx_available() -> bool:
    """Whether onnxruntime and tokenizers can be imported (core dependencies; absent only in a trimmed install)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "tokenizers"))


def cpu_threads() -> int:
    """Cores this process may use (respects taskset/cgroup affinity)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class OnnxEmbedder:
    """Embeds with an exported ONNX model directory (model.onnx, tokenizer.json, groundqa-export.json).

    Texts are tokenised in parallel (Rust), sorted by length so each batch pads little, run through
    onnxruntime on all cores, and returned in input order as float32 unit vectors.
    """

    def __init__(self, directory: str | Path, name: str | None = None, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.directory = Path(directory)
        meta = json.loads((self.directory / META_FILE).read_text())
        self.meta = meta
        self.name = name or str(meta["name"])
        self.dim = int(meta["dim"])
        self.precision = str(meta.get("precision", "fp32"))
        self.max_seq_length = int(meta.get("max_seq_length", 256))
        tok = Tokenizer.from_file(str(self.directory / TOKENIZER_FILE))
        tok.no_padding()
        tok.enable_truncation(max_length=self.max_seq_length)
        self._tok = tok
        opts = ort.SessionOptions()
        n = threads or cpu_threads()
        opts.intra_op_num_threads = n
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # The export is already graph-optimised (fused attention/LayerNorm/GELU) and saved that way,
        # so basic optimisation is enough and session creation stays fast (~0.1 s).
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        opts.log_severity_level = 3
        self._sess = ort.InferenceSession(str(self.directory / MODEL_FILE), sess_options=opts,
                                          providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._sess.get_inputs()}
        self._lock = threading.Lock()

    def _run(self, ids: list[list[int]]) -> np.ndarray:
        width = max(len(x) for x in ids)
        input_ids = np.zeros((len(ids), width), np.int64)
        mask = np.zeros((len(ids), width), np.int64)
        for i, x in enumerate(ids):
            input_ids[i, : len(x)] = x
            mask[i, : len(x)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        (out,) = self._sess.run(None, feed)
        return np.asarray(out, dtype=np.float32)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed passages: (len(texts), dim) float32 unit vectors, in input order.

        `batch_size` is accepted for the Embedder protocol; batches are sized by tokens instead
        (TOKENS_PER_BATCH), which is what bounds padding waste and memory.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encs = self._tok.encode_batch(list(texts), add_special_tokens=True)
        ids = [e.ids for e in encs]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.empty((len(ids), self.dim), np.float32)
        with self._lock:
            lo = 0
            while lo < len(order):
                width = len(ids[order[min(len(order) - 1, lo)]])
                hi = lo + 1
                # grow the batch while (rows x longest length) stays within the token budget
                while hi < len(order) and hi - lo < MAX_BATCH and \
                        (hi - lo + 1) * max(width, len(ids[order[hi]])) <= TOKENS_PER_BATCH:
                    width = max(width, len(ids[order[hi]]))
                    hi += 1
                sel = order[lo:hi]
                out[sel] = self._run([ids[i] for i in sel])
                lo = hi
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query: (dim,) unit vector."""
        return self.encode([text])[0]
