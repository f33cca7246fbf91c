"""PDF files: per-page text in reading order (see pdf_layout), with a page map; OCR for pages without text."""
from __future__ import annotations

import io
from pathlib import Path

from corpus.loaders.errors import LoadError
from corpus.loaders.pdf_layout import furniture_keys, layout_page, page_lines
from corpus.loaders.titles import document_title
from corpus.loaders.types import Loaded
from corpus.normalize import join_hyphenated, normalize_text

__all__ = ["load_pdf", "ocr_available"]

OCR_DPI = 300
"""Resolution scanned pages are rendered at for OCR (tesseract reads 300 dpi best)."""


def ocr_available() -> bool:
    """True when pytesseract and the tesseract program are installed (scanned pages can be read)."""
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
        return True
    except Exception:  # noqa: BLE001 - missing module or binary
        return False


def _ocr_page(raw: bytes, index: int) -> str:
    """Text of one page rendered to an image and read by tesseract."""
    import pypdfium2 as pdfium
    import pytesseract

    pdf = pdfium.PdfDocument(raw)
    try:
        image = pdf[index].render(scale=OCR_DPI / 72).to_pil()
    finally:
        pdf.close()
    return pytesseract.image_to_string(image)


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


def load_pdf(raw: bytes, path: Path, shown: str) -> Loaded:
    """PDF: per-page reading-order text (paragraphs reflowed, tables as ` | ` rows, headers/footers
    dropped), pages separated by a blank line; pages without a text layer are OCRed when tesseract is there.
    Returns (text, title, page starts, OCRed page numbers)."""
    try:
        reader = _open(raw, shown)
        pages = [page_lines(page) for page in reader.pages]
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
    blank = [i for i, p in enumerate(pages) if not any(ln.strip() for ln in p)]
    if blank and ocr_available():
        for i in blank:
            try:
                pages[i] = [ln.rstrip() for ln in _ocr_page(raw, i).split("\n")]
            except Exception:  # noqa: BLE001 - a page that will not render stays empty
                continue
            if any(ln.strip() for ln in pages[i]):
                ocr_pages.append(i + 1)
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
        raise LoadError(shown, "PDF has no text layer (scanned images?)", "run OCR first")
    return text, document_title(meta_title, text, path), tuple(starts), tuple(ocr_pages)
