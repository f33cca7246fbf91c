"""Loaders: one small module per file format behind one entry point, `load_file(path)`.

`discover` walks folders for supported files; `iter_documents` loads each one or yields its LoadError.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from corpus.loaders.decode import decode_text
from corpus.loaders.docx import DOCX_MAX_RATIO, DOCX_MAX_UNCOMPRESSED_BYTES, load_docx
from corpus.loaders.errors import LoadError
from corpus.loaders.html import html_to_text, load_html
from corpus.loaders.markdown import load_md
from corpus.loaders.pdf import load_pdf
from corpus.loaders.titles import stem_title
from corpus.loaders.txt import load_txt
from corpus.loaders.types import Loaded
from corpus.types import Document

__all__ = [
    "DOCX_MAX_RATIO",
    "DOCX_MAX_UNCOMPRESSED_BYTES",
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "LoadError",
    "decode_text",
    "discover",
    "html_to_text",
    "iter_documents",
    "load_file",
]

MAX_FILE_BYTES = 100 * 1024 * 1024
"""Largest file `load_file` accepts; bigger files are refused rather than risking memory."""
SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".docx"})
"""File name suffixes (lowercase) that `load_file` can read."""

_MB = 1024 * 1024

_LOADERS: dict[str, Callable[[bytes, Path, str], Loaded]] = {
    ".txt": load_txt,
    ".md": load_md,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}


def _shown_path(path: Path, given: str | Path, root: Path | None) -> str:
    """Document.path: relative to `root` (posix form) when given and possible, else as given."""
    if root is not None:
        try:
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return str(given)


def load_file(path: str | Path, root: Path | None = None) -> Document:
    """Load one file into a Document; raise LoadError with a one-line reason and fix otherwise."""
    p = Path(path)
    shown = _shown_path(p, path, root)
    suffix = p.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        raise LoadError(
            shown,
            f"unsupported file type '{p.suffix or '(none)'}'",
            "convert it to one of " + ", ".join(sorted(SUPPORTED_SUFFIXES)),
        )
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(
                shown, f"file is {size / _MB:.0f} MB, over the {MAX_FILE_BYTES // _MB} MB limit", "split it"
            )
        raw = p.read_bytes()
    except LoadError:
        raise
    except OSError as e:
        reason = f"cannot read file ({e.strerror or type(e).__name__})"
        raise LoadError(shown, reason, "check the path and permissions") from e
    if not raw.strip():
        raise LoadError(shown, "no text found (the file is empty)", "check that it is the right file")
    loaded = loader(raw, p, shown)
    text, title, page_starts = loaded[:3]
    # A fourth item, where a loader gives one, names the pages whose text came from OCR.
    ocr_pages = tuple(loaded[3]) if len(loaded) > 3 else ()
    if not text:
        raise LoadError(shown, "no text found", "check that it is the right file")
    return Document(
        path=shown,
        title=title or stem_title(p),
        text=text,
        page_starts=page_starts,
        file_hash=hashlib.sha256(raw).hexdigest(),
        ocr_pages=ocr_pages,
    )


def _is_hidden(name: str) -> bool:
    """Dot-files and dot-folders (.git, .venv, .DS_Store) are never part of a corpus."""
    return name.startswith(".")


def discover(paths: Sequence[str | Path]) -> list[tuple[Path, Path]]:
    """(file, root) pairs for the given files and, recursively, supported files in given folders."""
    found: list[tuple[Path, Path]] = []
    seen: set[Path] = set()
    for given in paths:
        p = Path(given)
        if not p.exists():
            raise FileNotFoundError(f"{given}: no such file or folder")
        if p.is_file():
            # An explicitly named file is kept whatever its type, so its problem is reported
            # by load_file rather than silently skipped.
            candidates = [(p, p.parent)]
        else:
            candidates = []
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames[:] = sorted(d for d in dirnames if not _is_hidden(d))
                for name in sorted(filenames):
                    if not _is_hidden(name) and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                        candidates.append((Path(dirpath) / name, p))
            candidates.sort(key=lambda fr: fr[0].relative_to(p).as_posix())
        for file, root in candidates:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                found.append((file, root))
    return found


def iter_documents(paths: Sequence[str | Path]) -> Iterator[Document | LoadError]:
    """Load every discovered file, yielding a Document or the LoadError that explains the failure."""
    for file, root in discover(paths):
        try:
            yield load_file(file, root)
        except LoadError as e:
            yield e
