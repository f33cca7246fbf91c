"""PDF files: per-page text in reading order (see pdf_layout), with a page map; OCR for pages without text.

Reading is bounded whatever the file holds: at most MAX_PDF_PAGES pages, MAX_PAGE_CONTENT_BYTES of drawing
instructions and MAX_PAGE_CHARS characters of text on a page, and the per-file read budget
(corpus/loaders/budget.py) checked at every page; a file over any of them is skipped with a one-line reason.
"""
from __future__ import annotations

import io
import logging
from pathlib import Path

from corpus.loaders.budget import ReadBudget
from corpus.loaders.errors import LoadError
from corpus.loaders.pdf_layout import furniture_keys, layout_page, page_lines
from corpus.loaders.pdf_ocr import OCR_DPI, ocr_available, ocr_blank_pages
from corpus.loaders.titles import document_title
from corpus.loaders.types import Loaded
from corpus.normalize import join_hyphenated, normalize_text

__all__ = ["MAX_PAGE_CHARS", "MAX_PAGE_CONTENT_BYTES", "MAX_PDF_PAGES", "OCR_DPI", "load_pdf", "ocr_available"]

MAX_PDF_PAGES = 2_000
"""Most pages read from one PDF (SEC 10-Ks run to ~300); a longer file is refused (split it)."""
MAX_PAGE_CONTENT_BYTES = 4 * 1024 * 1024
"""Most drawing instructions (decompressed content stream) read on one page: pypdf's layout reading costs
~2-5 µs a byte, so this bounds one page to well under a minute even on a busy machine. The densest financebench page measured
363 KB (3M 2018 10-K; all pages of the 22 dev filings, 2026-12-05)."""
MAX_PAGE_CHARS = 200_000
"""Most characters of layout text on one page. The densest financebench page measured 10,265 (Best Buy 2017
10-K, every 4th page of the 22 dev filings); 5 MB on one page is no document a person reads."""
_MB = 1024 * 1024
log = logging.getLogger("groundqa")


def _open(raw: bytes, shown: str):  # noqa: ANN202 - pypdf is imported lazily
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    reader = PdfReader(io.BytesIO(raw))
    if reader.is_encrypted:
        # An empty user password (owner-only restrictions, common in SEC filings) opens in any viewer.
        try:
            opened = reader.decrypt("")
        except DependencyError as e:
            raise LoadError(shown, "PDF is AES-encrypted and the `cryptography` package is missing",
                            "pip install cryptography") from e
        except Exception:  # noqa: BLE001 - broken encryption dictionaries raise assorted errors
            opened = 0
        if not opened:
            raise LoadError(shown, "PDF is encrypted and needs a password to open", "save an unprotected copy and index that")
    return reader


def _content_bytes(page) -> int:  # noqa: ANN001 - a pypdf page
    """Size of a page's decompressed drawing instructions (0 when it has none)."""
    contents = page.get_contents()
    return len(contents.get_data()) if contents is not None else 0


def _read_pages(reader, shown: str, budget: ReadBudget) -> list[list[str]]:  # noqa: ANN001 - a pypdf reader
    """Every page's layout lines, within the page count, content, text and time limits."""
    total = len(reader.pages)
    if total > MAX_PDF_PAGES:
        raise LoadError(shown, f"PDF has {total:,} pages, over the {MAX_PDF_PAGES:,}-page limit",
                        "split it into parts and index those")
    pages = []
    for i, page in enumerate(reader.pages):
        where = f"page {i + 1:,} of {total:,}"
        budget.check(where)
        size = _content_bytes(page)
        if size > MAX_PAGE_CONTENT_BYTES:
            raise LoadError(shown, f"{where} holds {size / _MB:,.0f} MB of drawing instructions, over the "
                            f"{MAX_PAGE_CONTENT_BYTES // _MB} MB limit for one page", "re-export or split the file")
        lines = page_lines(page)
        chars = sum(len(ln) for ln in lines)
        if chars > MAX_PAGE_CHARS:
            raise LoadError(shown, f"{where} holds {chars:,} characters of text, over the {MAX_PAGE_CHARS:,} "
                            "limit for one page (a dense page holds ~10,000)", "re-export or split the file")
        pages.append(lines)
    return pages


def load_pdf(raw: bytes, path: Path, shown: str) -> Loaded:
    """PDF: per-page reading-order text (paragraphs reflowed, tables as ` | ` rows, headers/footers
    dropped), pages separated by a blank line; pages without a text layer are OCRed when tesseract is there
    (pdf_ocr: drawn pages only, sampled first, capped). Within the limits of the module docstring.
    Returns (text, title, page starts, OCRed page numbers)."""
    budget = ReadBudget(shown)
    try:
        reader = _open(raw, shown)
        pages = _read_pages(reader, shown, budget)
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

    ocr_pages: list[int] = []
    note = ""
    blank = [i for i, p in enumerate(pages) if not any(ln.strip() for ln in p)]
    if blank and ocr_available():
        ocr_pages, note = ocr_blank_pages(raw, pages, blank, budget, shown)
    furniture = furniture_keys(pages)

    parts: list[str] = []
    starts: list[int] = []
    length = 0
    for lines in pages:
        page = join_hyphenated(normalize_text(layout_page(lines, furniture)))
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
        if blank and not ocr_available():
            raise LoadError(shown, "PDF has no text layer (scanned images?) and no OCR engine is installed",
                            "install tesseract-ocr and pytesseract, or run OCR first")
        if note:
            raise LoadError(shown, f"PDF has no text layer, and {note}", "check that it is the right file")
        raise LoadError(shown, "PDF has no text layer (scanned images?)", "run OCR first")
    if note:
        log.info("%s: %s", shown, note)
    return text, document_title(meta_title, text, path), tuple(starts), tuple(ocr_pages)
