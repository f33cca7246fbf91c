"""PDF files: per-page text in reading order (see pdf_layout), with a page map; OCR for pages without text.

Reading is bounded whatever the file holds (pdf_pages: pages, drawing instructions and text per page, time per
page and per file; pdf_ocr: which pages are OCRed, and how many); a file over a limit is skipped with a one-line
reason.
"""
from __future__ import annotations

import logging
from pathlib import Path

from corpus.loaders.budget import ReadBudget
from corpus.loaders.errors import LoadError
from corpus.loaders.pdf_layout import furniture_keys, layout_page
from corpus.loaders.pdf_ocr import OCR_DPI, ocr_available, ocr_blank_pages
from corpus.loaders.pdf_pages import MAX_PAGE_CHARS, MAX_PAGE_CONTENT_BYTES, MAX_PDF_PAGES, read_pages
from corpus.loaders.titles import document_title
from corpus.loaders.types import Loaded
from corpus.normalize import join_hyphenated, normalize_text

__all__ = ["MAX_PAGE_CHARS", "MAX_PAGE_CONTENT_BYTES", "MAX_PDF_PAGES", "OCR_DPI", "load_pdf", "ocr_available"]

log = logging.getLogger("groundqa")


def load_pdf(raw: bytes, path: Path, shown: str) -> Loaded:
    """PDF: per-page reading-order text (paragraphs reflowed, tables as ` | ` rows, headers/footers
    dropped), pages separated by a blank line; pages without a text layer are OCRed when tesseract is there
    (pdf_ocr: drawn pages only, sampled first, capped). Within the limits of the module docstring.
    Returns (text, title, page starts, OCRed page numbers)."""
    budget = ReadBudget(shown)
    pages, meta_title = read_pages(raw, shown, budget)

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
