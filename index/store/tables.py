"""The passage table: SQLite holding canonical document texts, passages and superseded versions."""
from __future__ import annotations

import json
import sqlite3
from urllib.parse import quote
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from corpus.types import Document, Passage

DB_FILE = "passages.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, source TEXT NOT NULL, title TEXT NOT NULL,
    text TEXT NOT NULL, page_starts TEXT NOT NULL, file_hash TEXT NOT NULL, size INTEGER NOT NULL,
    indexed_at TEXT NOT NULL, n_passages INTEGER NOT NULL DEFAULT 0, ocr_pages TEXT NOT NULL DEFAULT '[]');
CREATE INDEX IF NOT EXISTS documents_source ON documents(source);
CREATE TABLE IF NOT EXISTS passages (
    row INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    page_start INTEGER, page_end INTEGER, text TEXT NOT NULL, section TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, start);
CREATE TABLE IF NOT EXISTS units (
    id INTEGER PRIMARY KEY, row INTEGER NOT NULL, doc_id TEXT NOT NULL, start INTEGER NOT NULL,
    end INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS units_row ON units(row);
CREATE INDEX IF NOT EXISTS units_doc ON units(doc_id, start);
CREATE TABLE IF NOT EXISTS statements (
    doc_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS doc_versions (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, source TEXT NOT NULL, title TEXT NOT NULL,
    text TEXT NOT NULL, page_starts TEXT NOT NULL, superseded_at TEXT NOT NULL,
    successor TEXT);
"""


@dataclass(frozen=True)
class DocInfo:
    """What the Documents tab and `groundqa docs` list about one indexed document."""

    doc_id: str
    path: str
    source: str
    title: str
    size: int
    n_chars: int
    n_pages: int
    n_passages: int
    indexed_at: str
    file_hash: str
    statements: tuple[dict, ...] = ()
    """The document's primary financial statements (corpus/statements.py): {"kind", "name", "pages"} each."""


@dataclass(frozen=True)
class StoredDoc:
    """A document as stored: current (`superseded_at` empty) or an archived earlier version."""

    doc: Document
    source: str
    superseded_at: str = ""
    successor: str | None = None


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    """Open the passage table; read-only connections use SQLite's URI mode so nothing can write."""
    if readonly:
        # Quote the path: '#', '?' or '%' in a folder name would otherwise change which file opens.
        con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, check_same_thread=False)
    else:
        con = sqlite3.connect(str(path), check_same_thread=False)
        con.executescript(SCHEMA)
    con.row_factory = sqlite3.Row
    return con


def _doc_from_row(r: sqlite3.Row) -> Document:
    return Document(path=r["path"], title=r["title"], text=r["text"],
                    page_starts=tuple(json.loads(r["page_starts"])),
                    file_hash=r["file_hash"] if "file_hash" in r.keys() else "", doc_id=r["doc_id"],
                    ocr_pages=tuple(json.loads(r["ocr_pages"])) if "ocr_pages" in r.keys() else ())


def insert_document(con: sqlite3.Connection, doc: Document, source: str, size: int, indexed_at: str) -> None:
    """Store a document's canonical text and metadata."""
    con.execute(
        "INSERT INTO documents(doc_id, path, source, title, text, page_starts, file_hash, size, indexed_at,"
        " ocr_pages) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (doc.doc_id, doc.path, source, doc.title, doc.text, json.dumps(list(doc.page_starts)),
         doc.file_hash, size, indexed_at, json.dumps(list(doc.ocr_pages))))


def insert_passages(con: sqlite3.Connection, first_row: int, passages: Iterable[Passage]) -> int:
    """Store passages with consecutive row ids from `first_row`; returns the next free row id."""
    row = first_row
    batch = []
    for p in passages:
        ps, pe = p.pages if p.pages else (None, None)
        batch.append((row, p.doc_id, p.start, p.end, ps, pe, p.text, p.section))
        row += 1
    con.executemany("INSERT INTO passages(row, doc_id, start, end, page_start, page_end, text, section)"
                    " VALUES (?,?,?,?,?,?,?,?)", batch)
    return row


def insert_units(con: sqlite3.Connection, first_id: int, units: Iterable[tuple[int, str, int, int]]) -> int:
    """Store embedding units (passage row, doc id, start, end) with consecutive ids; returns the next id."""
    batch = [(first_id + i, r, d, s, e) for i, (r, d, s, e) in enumerate(units)]
    con.executemany("INSERT INTO units(id, row, doc_id, start, end) VALUES (?,?,?,?,?)", batch)
    return first_id + len(batch)


def set_passage_count(con: sqlite3.Connection, doc_id: str, n: int) -> None:
    """Record how many passages a document was cut into."""
    con.execute("UPDATE documents SET n_passages=? WHERE doc_id=?", (n, doc_id))


def archive_document(con: sqlite3.Connection, stored: StoredDoc, when: str, successor: str | None) -> None:
    """Keep a superseded or removed document's text so old citation ids still resolve."""
    d = stored.doc
    con.execute(
        "INSERT OR REPLACE INTO doc_versions(doc_id, path, source, title, text, page_starts, superseded_at,"
        " successor) VALUES (?,?,?,?,?,?,?,?)",
        (d.doc_id, d.path, stored.source, d.title, d.text, json.dumps(list(d.page_starts)), when, successor))


def get_document(con: sqlite3.Connection, doc_id: str) -> StoredDoc | None:
    """The current document with this id, or None."""
    r = con.execute("SELECT * FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
    return StoredDoc(_doc_from_row(r), r["source"]) if r else None


def find_document_by_prefix(con: sqlite3.Connection, prefix: str) -> StoredDoc | None:
    """Current or archived document whose id starts with `prefix` (citation ids hold a prefix)."""
    r = con.execute("SELECT * FROM documents WHERE doc_id >= ? AND doc_id < ? LIMIT 1",
                    (prefix, prefix + "g")).fetchone()
    if r:
        return StoredDoc(_doc_from_row(r), r["source"])
    r = con.execute("SELECT * FROM doc_versions WHERE doc_id >= ? AND doc_id < ? LIMIT 1",
                    (prefix, prefix + "g")).fetchone()
    if r:
        return StoredDoc(_doc_from_row(r), r["source"], r["superseded_at"], r["successor"])
    return None


def list_documents(con: sqlite3.Connection) -> list[DocInfo]:
    """All current documents, by path."""
    rows = con.execute(
        "SELECT doc_id, path, source, title, size, length(text) AS n_chars, page_starts, n_passages,"
        " indexed_at, file_hash FROM documents ORDER BY path").fetchall()
    maps = _statement_bodies(con)
    return [DocInfo(r["doc_id"], r["path"], r["source"], r["title"], r["size"], r["n_chars"],
                    len(json.loads(r["page_starts"])), r["n_passages"], r["indexed_at"], r["file_hash"],
                    statement_summary(json.loads(maps[r["doc_id"]])) if r["doc_id"] in maps else ())
            for r in rows]


def statement_summary(stored: list[dict]) -> tuple[dict, ...]:
    """What a document listing shows of a stored statement map: its primary statements' kind, name, pages."""
    return tuple({"kind": d["kind"], "name": d.get("name", ""), "pages": d.get("pages")} for d in stored
                 if d.get("primary"))


def _statement_bodies(con: sqlite3.Connection) -> dict[str, str]:
    try:
        return {r[0]: r[1] for r in con.execute("SELECT doc_id, body FROM statements")}
    except sqlite3.OperationalError:  # an index written before the statement map
        return {}


def insert_statements(con: sqlite3.Connection, doc_id: str, stored: list[dict]) -> None:
    """Store a document's statement map (`Statement.to_json()` of each, corpus/statements.py)."""
    con.execute("INSERT OR REPLACE INTO statements(doc_id, body) VALUES (?,?)", (doc_id, json.dumps(stored)))


def get_statements(con: sqlite3.Connection, doc_id: str) -> list[dict] | None:
    """A document's stored statement map, or None when the index holds none for it (built before the map)."""
    try:
        r = con.execute("SELECT body FROM statements WHERE doc_id=?", (doc_id,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return json.loads(r[0]) if r else None


def iter_passage_rows(con: sqlite3.Connection, doc_id: str | None = None) -> Iterator[sqlite3.Row]:
    """Passages in row order (all, or one document's)."""
    if doc_id is None:
        yield from con.execute("SELECT * FROM passages ORDER BY row")
    else:
        yield from con.execute("SELECT * FROM passages WHERE doc_id=? ORDER BY row", (doc_id,))


def passage_rows(con: sqlite3.Connection, rows: Iterable[int]) -> dict[int, sqlite3.Row]:
    """Passages joined with their document's path and title, keyed by row id."""
    rows = [int(r) for r in rows]
    if not rows:
        return {}
    q = ("SELECT p.*, d.path AS path, d.title AS title, d.ocr_pages AS ocr_pages FROM passages p JOIN documents d"
         f" ON d.doc_id = p.doc_id WHERE p.row IN ({','.join('?' * len(rows))})")
    return {r["row"]: r for r in con.execute(q, rows)}
