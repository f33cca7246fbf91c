"""Corpus layer: load files into canonical text, split sentences, and cut citeable passages."""
from __future__ import annotations

from pathlib import Path

from corpus.chunking import ChunkParams, chunk_document
from corpus.loaders import LoadError, discover, iter_documents, load_file
from corpus.normalize import normalize_text
from corpus.sentences import sentence_spans
from corpus.types import Document, Passage

SAMPLE_DIR = Path(__file__).parent / "sample"
"""Folder holding the bundled sample report (works from an installed package too)."""

__all__ = [
    "SAMPLE_DIR",
    "ChunkParams",
    "Document",
    "LoadError",
    "Passage",
    "chunk_document",
    "discover",
    "iter_documents",
    "load_file",
    "normalize_text",
    "sentence_spans",
]
