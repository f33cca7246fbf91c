"""PDF files: per-page text with a page map."""
from __future__ import annotations

import io
from pathlib import Path

from corpus.loaders.errors import LoadError
from corpus.loaders.titles import TITLE_MAX_CHARS, title_from_lines
from corpus.loaders.types import Loaded
from corpus.normalize import join_hyphenated, normalize_text

__all__ = ["load_pdf"]


def load_pdf(raw: bytes, path: Path, shown: str) -> Loaded:
    """PDF: per-page text (normalised, line-break hyphens joined), pages separated by a blank line."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            # An empty user password (owner-only restrictions) still opens in any viewer.
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 - missing crypto backends raise assorted errors
                opened = 0
            if not opened:
                raise LoadError(shown, "PDF is encrypted", "decrypt it or export it as text")
        page_texts = [page.extract_text() or "" for page in reader.pages]
        meta_title = ""
        try:
            meta_title = str((reader.metadata or {}).get("/Title") or "").strip()
        except Exception:  # noqa: BLE001 - a broken info dict should not lose the text
            meta_title = ""
    except LoadError:
        raise
    except Exception as e:  # noqa: BLE001 - damaged PDFs fail deep inside pypdf with any error type
        raise LoadError(
            shown, f"PDF is damaged or truncated ({type(e).__name__}: {e})", "re-export or re-download it"
        ) from e

    parts: list[str] = []
    starts: list[int] = []
    length = 0
    for page_text in page_texts:
        page = join_hyphenated(normalize_text(page_text))
        if parts and page:
            parts.append("\n\n")
            length += 2
        # Empty pages still get a start, so later pages keep their true numbers.
        starts.append(length)
        if page:
            parts.append(page)
            length += len(page)
    text = "".join(parts)
    if not text:
        raise LoadError(shown, "PDF has no text layer (scanned images?)", "run OCR first")
    title = meta_title if 0 < len(meta_title) < TITLE_MAX_CHARS else title_from_lines(text)
    return text, title, tuple(starts)
