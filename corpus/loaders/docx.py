"""DOCX files: paragraphs and table rows, after a zip-bomb check."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from corpus.loaders.errors import LoadError
from corpus.loaders.titles import document_title, is_boilerplate_title
from corpus.loaders.types import Loaded
from corpus.normalize import normalize_text

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import _Cell

    DocxContainer = DocxDocument | _Cell

__all__ = ["DOCX_MAX_RATIO", "DOCX_MAX_UNCOMPRESSED_BYTES", "load_docx"]

DOCX_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
"""A .docx whose zip members expand past this is refused (zip bomb guard)."""
DOCX_MAX_RATIO = 100
"""A .docx whose members expand more than this many times their compressed size is refused."""
_MB = 1024 * 1024


def _check_docx_zip(raw: bytes, shown: str) -> None:
    """Refuse a .docx that is not a zip, or whose members would expand suspiciously (zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise LoadError(shown, "not a valid .docx (it is not a zip archive)", "re-save it from Word") from e
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > DOCX_MAX_UNCOMPRESSED_BYTES:
        raise LoadError(
            shown,
            f".docx expands to {total / _MB:.0f} MB, over the {DOCX_MAX_UNCOMPRESSED_BYTES // _MB} MB limit",
            "this looks like a zip bomb; re-save it from Word or export it as text",
        )
    if total > _MB and total > DOCX_MAX_RATIO * max(packed, 1):
        raise LoadError(
            shown,
            f".docx compresses {total / max(packed, 1):.0f}:1, over the {DOCX_MAX_RATIO}:1 limit",
            "this looks like a zip bomb; re-save it from Word or export it as text",
        )


def _docx_blocks(container: DocxContainer, depth: int = 0) -> Iterator[str]:
    """Paragraph texts and table rows (cells joined by ' | ') of a body or cell, in document order."""
    from docx.text.paragraph import Paragraph

    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            yield block.text
        elif depth < 5:  # tables nested deeper than this are layout noise, not content
            for row in block.rows:
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell is repeated once per grid column
                        continue
                    seen.add(id(cell._tc))
                    cell_text = " ".join(" ".join(b.split()) for b in _docx_blocks(cell, depth + 1)).strip()
                    if cell_text:
                        cells.append(" ".join(cell_text.split()))
                if cells:
                    yield " | ".join(cells)


def load_docx(raw: bytes, path: Path, shown: str) -> Loaded:
    """DOCX: paragraphs and table rows as paragraphs, after the zip-bomb check."""
    _check_docx_zip(raw, shown)
    import docx

    try:
        d = docx.Document(io.BytesIO(raw))
        blocks = [b.strip() for b in _docx_blocks(d)]
        core_title = (d.core_properties.title or "").strip()
        styled_title = next(
            (
                p.text.strip()
                for p in d.paragraphs
                if p.text.strip() and p.style is not None and (p.style.name or "") in ("Title", "Heading 1")
            ),
            "",
        )
    except LoadError:
        raise
    except Exception as e:  # noqa: BLE001 - python-docx surfaces malformed parts as many error types
        reason = f"could not read .docx ({type(e).__name__}: {e})"
        raise LoadError(shown, reason, "re-save it from Word") from e
    # Rows of one table are consecutive lines (one block); paragraphs are separated by blank lines.
    out: list[str] = []
    for b in blocks:
        if b:
            sep = "\n" if out and " | " in b and " | " in out[-1] else "\n\n"
            out.append(sep + b if out else b)
    text = normalize_text("".join(out))
    given = next((t for t in (core_title, styled_title) if t and not is_boilerplate_title(t)), "")
    return text, document_title(given, text, path), ()
