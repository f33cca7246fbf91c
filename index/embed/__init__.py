"""Embedding: the embedder interface and its backends (torch, int8 ONNX, a fake for tests), the local ONNX
export, lazy loading for fast cold starts, and label-free adaptation of the model to a corpus (`adapt`).

`load_embedder(model, device, backend)` is the one way to get an embedder.
"""
from index.embed.base import DEFAULT_MODEL, Embedder, ModelUnavailable, packaged_model_path
from index.embed.fake import FakeEmbedder
from index.embed.load import (
    AUTO_CPU_BACKEND,
    BACKENDS,
    _path_tag,
    drop_onnx_exports,
    load_embedder,
    model_source,
    onnx_embedder,
)
from index.embed.torch_backend import PipelinedTorchEmbedder, SentenceTransformerEmbedder

__all__ = [
    "AUTO_CPU_BACKEND",
    "BACKENDS",
    "DEFAULT_MODEL",
    "Embedder",
    "FakeEmbedder",
    "ModelUnavailable",
    "PipelinedTorchEmbedder",
    "SentenceTransformerEmbedder",
    "drop_onnx_exports",
    "load_embedder",
    "model_source",
    "onnx_embedder",
    "packaged_model_path",
]
