"""PDF files, read with pdfium: per-page text in reading order (pdf_chars, pdf_layout), with a page map;
OCR for pages without text."""
from __future__ import annotations

from pathlib import Path

from corpus.loaders.errors import LoadError
from corpus.loaders.pdf_chars import Line, lines_of_text, page_lines
from corpus.loaders.pdf_layout import furniture_keys, layout_page
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


def _ocr_page(page) -> str:  # noqa: ANN001 - a pypdfium2 PdfPage
    """Text of one page rendered to an image and read by tesseract."""
    import pytesseract

    return pytesseract.image_to_string(page.render(scale=OCR_DPI / 72).to_pil())


_PASSWORD_ERROR = 4  # pdfium's FPDF_ERR_PASSWORD


def _open(raw: bytes, shown: str):  # noqa: ANN202 - pypdfium2 is imported lazily
    """The document opened by pdfium; an empty user password (owner-only restrictions, common in SEC
    filings, AES included) opens as in any viewer."""
    import pypdfium2 as pdfium

    if not raw.lstrip()[:1024].startswith(b"%PDF") and b"%PDF" not in raw[:1024]:
        raise LoadError(shown, "PDF is damaged or not a PDF (no %PDF header)", "re-export or re-download it")
    # pdfium repairs a cut-off file silently and reads what is left; a file cut short is reported instead,
    # so a half-downloaded filing is not indexed as if whole.
    if b"%%EOF" not in raw[-2048:]:
        raise LoadError(shown, "PDF is damaged or truncated (no end-of-file marker)", "re-export or re-download it")
    try:
        return pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as e:
        if getattr(e, "err_code", None) == _PASSWORD_ERROR:
            raise LoadError(shown, "PDF is encrypted and needs a password to open",
                            "save an unprotected copy and index that") from e
        raise


def _meta_title(pdf) -> str:  # noqa: ANN001 - a pypdfium2 PdfDocument
    try:
        return str(pdf.get_metadata_value("Title") or "").strip()
    except Exception:  # noqa: BLE001 - a broken info dict should not lose the text
        return ""


def load_pdf(raw: bytes, path: Path, shown: str) -> Loaded:
    """PDF: per-page reading-order text (paragraphs reflowed, tables as ` | ` rows, headings on their own
    lines, headers/footers dropped), pages separated by a blank line; pages without a text layer are OCRed
    when tesseract is there. Returns (text, title, page starts, OCRed page numbers)."""
    pdf = None
    try:
        pdf = _open(raw, shown)
        pages: list[list[Line]] = []
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                pages.append(page_lines(page))
            finally:
                page.close()
        meta_title = _meta_title(pdf)
        ocr_pages: list[int] = []
        blank = [i for i, p in enumerate(pages) if not p]
        if blank and ocr_available():
            for i in blank:
                try:
                    page = pdf[i]
                    try:
                        pages[i] = lines_of_text(_ocr_page(page))
                    finally:
                        page.close()
                except Exception:  # noqa: BLE001 - a page that will not render stays empty
                    continue
                if pages[i]:
                    ocr_pages.append(i + 1)
    except LoadError:
        raise
    except Exception as e:  # noqa: BLE001 - damaged PDFs fail deep inside pdfium with any error type
        raise LoadError(
            shown, f"PDF is damaged or truncated ({type(e).__name__}: {e})", "re-export or re-download it"
        ) from e
    finally:
        if pdf is not None:
            pdf.close()
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
