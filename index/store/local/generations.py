"""The local backend's index directory: atomic generations, the writer lock, and the loaded read side.

Layout of an index directory:
    CURRENT            name of the live generation (replaced atomically with os.replace)
    gen-000007/        manifest.json, passages.sqlite, vectors.f32, faiss.index, bm25/
    lock               held (flock) by the one writer
A writer builds a complete new generation in a temporary folder, fsyncs it, renames it, then swaps
CURRENT; a crash at any point leaves the previous generation live and loadable.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np

from corpus.statements import Statement, statements_from_json
from index.store import tables as db
from index.store.errors import IndexFailure, IndexLocked, NoIndex
from index.store.lexical import LexicalIndex
from index.store.local.subset import DocSubsets
from index.store.manifest import Manifest
from index.store.local.vectors import VectorStore, open_vector_store

DEFAULT_INDEX_DIR = Path(".groundqa") / "index"
VECTORS_FILE = "vectors.f32"
UNIT_ROWS_FILE = "unit_rows.npy"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    """Flush every file under `path` to disk so a rename after it cannot expose partial files."""
    for dirpath, _, files in os.walk(path):
        for f in files:
            fd = os.open(os.path.join(dirpath, f), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


class IndexDir:
    """An index directory on disk (see module docstring)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def current(self) -> Path | None:
        """The live generation folder, or None when nothing was ever committed."""
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        gen = self.root / name
        return gen if name.startswith("gen-") and gen.is_dir() else None

    def current_token(self) -> str:
        """A cheap token that changes whenever a new generation goes live (readers poll it)."""
        try:
            return (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return ""

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Hold the single-writer lock, or raise IndexLocked at once."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    raise IndexLocked(
                        f"index {self.root} is being written by another groundqa process (pid {holder}) — "
                        "wait for it to finish, then run again") from None
                raise
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def new_generation(self) -> Path:
        """A fresh temporary folder for a generation being built (cleans up crashed builds first)."""
        self.root.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob("tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = self.root / f"tmp-{os.getpid()}"
        tmp.mkdir()
        return tmp

    def commit(self, tmp: Path) -> Path:
        """Make a fully written temporary generation live, atomically; drop older generations."""
        cur = self.current()
        # Number past every gen-* folder, not just the live one: a crash between the rename below and
        # the CURRENT swap leaves an orphan gen-(N+1) that would otherwise block every later commit.
        numbers = [int(p.name[4:]) for p in self.root.glob("gen-*") if p.name[4:].isdigit()]
        n = max([int(cur.name.split("-")[1]) if cur else 0, *numbers]) + 1
        gen = self.root / f"gen-{n:06d}"
        fsync_tree(tmp)
        os.rename(tmp, gen)
        pointer = self.root / "CURRENT.tmp"
        pointer.write_text(gen.name + "\n")
        with open(pointer, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(pointer, self.root / "CURRENT")
        _fsync_dir(self.root)
        for old in self.root.glob("gen-*"):
            # Readers that opened the previous generation keep their open files (POSIX semantics).
            if old.name != gen.name:
                shutil.rmtree(old, ignore_errors=True)
        return gen


def open_vectors(gen: Path, n: int, dim: int) -> np.ndarray:
    """The float32 passage vectors of a generation, memory-mapped read-only."""
    path = gen / VECTORS_FILE
    if n == 0:
        return np.zeros((0, dim), np.float32)
    expected = n * dim * 4
    size = path.stat().st_size if path.exists() else -1
    if size != expected:
        raise IndexFailure(f"{path} holds {size} bytes, expected {expected} for {n}×{dim} vectors — "
                          "the index is damaged; rebuild with `groundqa index --rebuild`")
    return np.memmap(path, dtype=np.float32, mode="r", shape=(n, dim))


class LoadedIndex:
    """A read-only view of one generation: manifest, passage table, unit vectors, FAISS and BM25."""

    def __init__(self, gen: Path) -> None:
        self.gen = gen
        self.manifest = Manifest.read(gen)
        self._local = threading.local()
        self.vectors = open_vectors(gen, self.manifest.n_units, self.manifest.dim)
        self.vector_store: VectorStore = open_vector_store(gen, str(self.manifest.data.get("vector_backend", "faiss")),
                                                           self.vectors)
        self.lexical = LexicalIndex.load(gen, self.manifest.n_passages, "bm25")
        self.unit_lexical = LexicalIndex.load(gen, self.manifest.n_units, "bm25_units")
        # Everything is opened now, not on first use: a writer deletes this folder once a newer
        # generation is live, and only files already open survive that (POSIX semantics). A thread
        # that first reads this view after the deletion shares `_con0` (see `con`).
        path = gen / UNIT_ROWS_FILE
        self._unit_rows: np.ndarray = np.load(path, mmap_mode="r") if path.exists() else np.zeros(0, np.int32)
        self._con0 = db.connect(gen / db.DB_FILE, readonly=True)
        self._subsets = DocSubsets()
        self._statements: dict[str, list[Statement]] = {}

    def unit_rows(self) -> np.ndarray:
        """Passage row of every unit id (memory-mapped; 4 bytes per unit)."""
        return self._unit_rows

    @property
    def con(self):  # one SQLite connection per thread: sqlite3 objects are best not shared across threads
        """This thread's read-only connection to the passage table."""
        con = getattr(self._local, "con", None)
        if con is None:
            try:
                con = db.connect(self.gen / db.DB_FILE, readonly=True)
            except sqlite3.OperationalError:
                if (self.gen / db.DB_FILE).exists():
                    raise
                con = self._con0  # this generation was superseded and deleted meanwhile
            self._local.con = con
        return con

    def __len__(self) -> int:
        return self.manifest.n_passages

    # -- the read interface shared with the Milvus backend (index/store/view.py) ---------------------
    store = ""
    """Where the index lives: '' for this directory (a Milvus view holds its store URI)."""

    def dense_passages(self, qvec: np.ndarray, c: int, docs: Sequence[str] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Up to c passage rows ranked by their best sentence's inner product with `qvec`, and those scores
        (of the documents `docs` only, scored exactly, when given)."""
        from index.store.view import best_per_passage

        if docs:
            ids = self._subsets.ids(self.con, docs)[0]
            s = np.asarray(self.vectors[ids], np.float32) @ np.asarray(qvec, np.float32)
            top = np.lexsort((ids, -np.round(s, 6)))[:c * 4]
            return best_per_passage(ids[top], s[top], self.unit_rows(), c)
        s, ids = self.vector_store.search(qvec[None, :], c * 4)
        # Scores equal to 6 decimals in id order, as the Milvus backend ranks them: FAISS leaves ties in heap
        # order, and two engines' float rounding (~1e-7) must not reorder equal similarities.
        order = np.lexsort((ids[0], -np.round(s[0], 6)))
        return best_per_passage(ids[0][order], s[0][order], self.unit_rows(), c)

    def lexical_search(self, query: str, k: int, docs: Sequence[str] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Passage BM25: top-k (scores, rows), best first, ties by row (of the documents `docs` only)."""
        return self.lexical.search(query, k, within=self._subsets.ids(self.con, docs)[1] if docs else None)

    def unit_lexical_passages(self, query: str, c: int, docs: Sequence[str] | None = None
                              ) -> tuple[np.ndarray, np.ndarray]:
        """Up to c passage rows ranked by their best sentence's BM25 score, and those scores (of the
        documents `docs` only)."""
        from index.store.view import best_per_passage

        within = self._subsets.ids(self.con, docs)[0] if docs else None
        s_u, ids_u = self.unit_lexical.search(query, c * 4, within=within)
        return best_per_passage(ids_u, s_u, self.unit_rows(), c)

    def passages_using(self, token: str) -> dict[str, int] | None:
        """How many passages of each document use `token`; None for a stop word (the routing test)."""
        return self._subsets.passages_using(self.con, self.lexical, token)

    def doc_freqs(self, tokens: list[str]) -> dict[str, int]:
        """How many passages contain each (tokenized) term."""
        from index.store.lexical import doc_freqs

        return doc_freqs(self.lexical, tokens)

    def passage_rows(self, rows: list[int]) -> dict[int, Mapping[str, object]]:
        """Passages with their document's path, title and OCR pages, keyed by row."""
        return db.passage_rows(self.con, rows)

    def get_document(self, doc_id: str) -> db.StoredDoc | None:
        """The current document with this id, or None."""
        return db.get_document(self.con, doc_id)

    def find_document_by_prefix(self, prefix: str) -> db.StoredDoc | None:
        """Current or archived document whose id starts with `prefix`."""
        return db.find_document_by_prefix(self.con, prefix)

    def list_documents(self) -> list[db.DocInfo]:
        """All current documents, by path."""
        return db.list_documents(self.con)

    def document_text(self, doc_id: str) -> str | None:
        """Canonical text of a current document, or None."""
        r = self.con.execute("SELECT text FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return r[0] if r else None

    def page_starts(self, doc_id: str) -> list[int]:
        """Page start offsets of a current document ([] without pages)."""
        r = self.con.execute("SELECT page_starts FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return json.loads(r[0]) if r and r[0] else []

    def documents_containing(self, text: str, limit: int) -> list[str]:
        """Ids of up to `limit` current documents whose text contains `text` verbatim."""
        return [r[0] for r in self.con.execute("SELECT doc_id FROM documents WHERE instr(text, ?) > 0 LIMIT ?",
                                               (text, limit))]

    def statements(self, doc_id: str) -> list[Statement]:
        """A current document's statement map (corpus/statements.py), as stored at index time (found from the
        text for an index built before the map); [] for an unknown id. The last few documents' maps are kept."""
        hit = self._statements.get(doc_id)
        if hit is None:
            stored = self.get_document(doc_id)
            if stored is None:
                return []
            hit = statements_from_json(db.get_statements(self.con, doc_id), stored.doc.text, stored.doc.page_starts)
            if len(self._statements) >= 32:
                self._statements.pop(next(iter(self._statements)))
            self._statements[doc_id] = hit
        return hit

    def unit_vectors(self, doc_id: str, spans: list[tuple[int, int]]) -> dict[tuple[int, int], np.ndarray]:
        """Stored vectors of sentence units by (start, end) in a document (missing spans are left out)."""
        if not spans:
            return {}
        lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
        found = self.con.execute(
            "SELECT id, start, end FROM units WHERE doc_id=? AND start>=? AND start<?", (doc_id, lo, hi)).fetchall()
        want = set(spans)
        hits = [(u["id"], (u["start"], u["end"])) for u in found if (u["start"], u["end"]) in want]
        if not hits:
            return {}
        ids = sorted(h[0] for h in hits)
        vecs = np.asarray(self.vectors[ids], dtype=np.float32)
        order = {uid: i for i, uid in enumerate(ids)}
        return {span: vecs[order[uid]] for uid, span in hits}


def load_index(root: Path | str) -> LoadedIndex:
    """Open the live generation of an index directory, or raise NoIndex with the fix."""
    gen = IndexDir(root).current()
    if gen is None:
        raise NoIndex(f"no index in {root} yet — run `groundqa index PATH --index {root}` first")
    return LoadedIndex(gen)
