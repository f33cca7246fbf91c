"""The vectors of a generation's units, written in unit order, each distinct text embedded once.

Units arrive in order, each as a text to embed or a vector to copy (an unchanged unit of the previous
generation). A text already embedded in this generation (a running head, a repeated heading or caption, the
same table row in two statements: 15 % of the units of the 22 financebench-dev filings, 10 % of their tokens) gets
the first one's vector instead of a second pass through the model. Texts wait in a batch of EMBED_BATCH * 16 so
the embedder can sort them by length; vectors are appended to the file as batches finish (bounded memory).

It also keeps the job's progress in pages: `mark_document(pages)` after a document's units, and `pages_done()`
is the pages of the documents whose vectors are all written, plus the written share of the one under way — a
count that only rises, over a total known before reading.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["EMBED_BATCH", "UnitVectors"]

EMBED_BATCH = 64
_PENDING = EMBED_BATCH * 16  # 1,024 texts per encode call: length-sorting cuts padding


class UnitVectors:
    """Appends unit vectors to `path` in unit order; `embed(texts)` returns one row per text."""

    def __init__(self, path: Path, dim: int, embed: Callable[[list[str]], np.ndarray],
                 on_flush: Callable[[], None] | None = None) -> None:
        self._fh = open(path, "wb")
        self._reader = open(path, "rb")
        self.dim = dim
        self.rows = 0  # vectors written
        self.embedded = 0  # texts the model encoded
        self.copied = 0  # units that took an earlier unit's vector (same text)
        self._embed = embed
        self._on_flush = on_flush
        self._first: dict[bytes, int] = {}  # text key -> the unit that holds its vector
        self._queue: list[tuple[str, object]] = []  # ("text", str) | ("row", int) | ("vec", ndarray), in order
        self._texts = 0  # texts to encode in the queue
        self._docs: list[tuple[int, int]] = []  # (units queued at the end of a document, its pages)
        self._pages_before = 0  # pages of documents whose vectors are all written
        self._doc_start = 0  # units queued before the first document not yet all written

    @property
    def queued(self) -> int:
        """Units given so far (written or waiting)."""
        return self.rows + len(self._queue)

    def add_text(self, text: str) -> None:
        """A unit whose vector is the embedding of `text` (once per distinct text in this generation)."""
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        row = self._first.get(key)
        if row is not None:
            self._queue.append(("row", row))
            self.copied += 1
            return
        self._first[key] = self.queued
        self._queue.append(("text", text))
        self._texts += 1
        if self._texts >= _PENDING:
            self.flush()

    def add_vector(self, vec: np.ndarray) -> None:
        """A unit whose vector is given (carried from the previous generation)."""
        self._queue.append(("vec", np.asarray(vec, dtype=np.float32).reshape(self.dim)))
        if not self._texts:
            self.flush()

    def add_vectors(self, vecs: np.ndarray) -> None:
        """Units whose vectors are given, in order (a document carried whole from the previous generation)."""
        self.flush()
        if len(vecs):
            self._fh.write(np.ascontiguousarray(vecs, dtype=np.float32).tobytes())
            self.rows += len(vecs)

    def start_documents(self) -> None:
        """From here on units come document by document (those before were carried): progress counts from here."""
        self._doc_start = self.queued

    def mark_document(self, pages: int) -> None:
        """The units of one more document are all given; it counts `pages` toward the job's progress."""
        self._docs.append((self.queued, pages))

    def pages_done(self) -> float:
        """Pages of the documents whose vectors are written, and the written share of the next one."""
        while self._docs and self._docs[0][0] <= self.rows:
            end, pages = self._docs.pop(0)
            self._pages_before += pages
            self._doc_start = end
        if not self._docs:
            return float(self._pages_before)
        end, pages = self._docs[0]
        share = (self.rows - self._doc_start) / max(1, end - self._doc_start)
        return self._pages_before + pages * share

    def flush(self) -> None:
        """Embed what waits and write every waiting vector, in order."""
        if not self._queue:
            return
        texts = [t for kind, t in self._queue if kind == "text"]
        new = self._embed(texts) if texts else np.zeros((0, self.dim), np.float32)
        self.embedded += len(texts)
        out = np.empty((len(self._queue), self.dim), np.float32)
        k = 0
        first = self.rows
        for i, (kind, x) in enumerate(self._queue):
            if kind == "text":
                out[i] = new[k]
                k += 1
            elif kind == "vec":
                out[i] = x
            elif x >= first:  # a text embedded in this batch
                out[i] = out[x - first]
            else:
                out[i] = self._read(x)
        self._fh.write(out.tobytes())
        self.rows += len(out)
        self._queue.clear()
        self._texts = 0
        if self._on_flush:
            self._on_flush()

    def _read(self, row: int) -> np.ndarray:
        """A vector already written (the file is flushed first, so the reader sees it)."""
        self._fh.flush()
        size = self.dim * 4
        return np.frombuffer(os.pread(self._reader.fileno(), size, row * size), np.float32)

    def close(self) -> None:
        """Write what waits, sync the file to disk and close it."""
        self.flush()
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._reader.close()
