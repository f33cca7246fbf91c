"""OCR of PDF pages that have no text layer: only pages with something drawn on them, a sample first, a cap.

A page without text is OCRed only if anything is drawn on it (a thumbnail that is not one flat colour): an
empty page costs a few milliseconds, not the ~0.8 s of an OCR pass. When more than OCR_SAMPLE_PAGES pages
need OCR, a sample spread over them is read first; if OCR finds no text on any of it, the rest is left
alone (photos, charts, blank scans: a 5,000-page file of them once took an hour to refuse). Over
MAX_OCR_PAGES pages the file is refused (run OCR first). Each page being OCRed is announced on the
"groundqa" logger, marked as a progress note (app.progress shows it as the status; the CLI prints no line each).
"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence

from corpus.loaders.budget import ReadBudget
from corpus.loaders.errors import LoadError

__all__ = ["MAX_OCR_PAGES", "OCR_DPI", "OCR_SAMPLE_PAGES", "ocr_available", "ocr_blank_pages"]

OCR_DPI = 300
"""Resolution scanned pages are rendered at for OCR (tesseract reads 300 dpi best)."""
OCR_SAMPLE_PAGES = 3
"""Pages OCRed first, spread over those that need it; when none of them yields text the rest are not OCRed."""
MAX_OCR_PAGES = 300
"""Most pages OCRed in one file (~0.8 s each here: ~4 min, inside the read budget); more is refused."""
MAX_OCR_PIXELS = 40_000_000
"""Largest image rendered for OCR (a letter page at 300 dpi is 8.4 million pixels); a bigger page is rendered
at a lower resolution, so a page declared 200 inches wide cannot take gigabytes."""
_THUMB_PIXELS = 40_000
"""Size of the thumbnail that tells an empty page from one with something drawn on it."""
_INK = 8
"""Grey levels between the darkest and lightest thumbnail pixel below which a page counts as empty."""

log = logging.getLogger("groundqa")


def ocr_available() -> bool:
    """True when pytesseract and the tesseract program are installed (scanned pages can be read)."""
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
        return True
    except Exception:  # noqa: BLE001 - missing module or binary
        return False


def _scale(page, pixels: int, most: float) -> float:  # noqa: ANN001 - a pypdfium2 page
    w, h = page.get_size()
    return min(most, math.sqrt(pixels / max(1.0, w * h)))


def _drawn(page) -> bool:  # noqa: ANN001
    """Whether anything is drawn on the page (its thumbnail is not one flat colour)."""
    grey = page.render(scale=_scale(page, _THUMB_PIXELS, 1.0), grayscale=True).to_numpy()
    return int(grey.max()) - int(grey.min()) > _INK


def _ocr(page, budget: ReadBudget) -> list[str]:  # noqa: ANN001
    """The page's lines as read by tesseract (never past the file's read budget)."""
    import pytesseract

    image = page.render(scale=_scale(page, MAX_OCR_PIXELS, OCR_DPI / 72)).to_pil()
    text = pytesseract.image_to_string(image, timeout=budget.left())
    return [ln.rstrip() for ln in text.split("\n")]


def _spread(items: Sequence[int], n: int) -> list[int]:
    """`n` items spread evenly over `items`, first and last included."""
    if len(items) <= n:
        return list(items)
    return [items[round(k * (len(items) - 1) / (n - 1))] for k in range(n)] if n > 1 else [items[0]]


def ocr_blank_pages(raw: bytes, pages: list[list[str]], blank: Sequence[int], budget: ReadBudget,
                    shown: str) -> tuple[list[int], str]:
    """OCR what can be read of the `blank` pages (0-based) into `pages`; (OCRed page numbers 1-based, a note
    saying what was not OCRed and why, or ""). Raises LoadError over MAX_OCR_PAGES or past the budget."""
    import pypdfium2 as pdfium

    total = len(pages)
    try:
        pdf = pdfium.PdfDocument(raw)
    except Exception:  # noqa: BLE001 - pdfium cannot open what pypdf could: its pages stay empty
        return [], ""
    try:
        drawn = []
        for i in blank:
            budget.check(f"page {i + 1:,} of {total:,} (looking for scanned pages)")
            try:
                if _drawn(pdf[i]):
                    drawn.append(i)
            except Exception:  # noqa: BLE001 - a page that will not render stays empty
                continue
        if not drawn:
            return [], ""
        if len(drawn) <= OCR_SAMPLE_PAGES:
            return sorted(i + 1 for i in _read(pdf, drawn, pages, budget, shown, total, "")), ""
        sample = _spread(drawn, OCR_SAMPLE_PAGES)
        read = _read(pdf, sample, pages, budget, shown, total, "sample")
        sampled = set(sample)
        rest = [i for i in drawn if i not in sampled]
        if not read:
            return [], (f"OCR found no text on {len(sample)} sampled pages of the {len(drawn):,} without a text "
                        "layer, so the others were not read")
        if len(drawn) > MAX_OCR_PAGES:
            raise LoadError(shown, f"{len(drawn):,} pages have no text layer, over the {MAX_OCR_PAGES}-page OCR limit",
                            "run OCR first (e.g. ocrmypdf) and index the result")
        read += _read(pdf, rest, pages, budget, shown, total, "")
        return sorted(i + 1 for i in read), ""
    finally:
        pdf.close()


def _read(pdf, todo: Sequence[int], pages: list[list[str]], budget: ReadBudget, shown: str, total: int,  # noqa: ANN001
          what: str) -> list[int]:
    """OCR the `todo` pages into `pages`, announcing each; the ones that yielded text."""
    got = []
    for k, i in enumerate(todo, start=1):
        budget.check(f"page {i + 1:,} of {total:,} (OCR)")
        log.info("OCR %s page %s of %s (%s%d of %d)", shown, f"{i + 1:,}", f"{total:,}", f"{what} " if what else "",
                 k, len(todo), extra={"progress_note": True})
        try:
            lines = _ocr(pdf[i], budget)
        except Exception:  # noqa: BLE001 - a page that will not render or read stays empty
            budget.check(f"page {i + 1:,} of {total:,} (OCR)")  # tesseract stopped by the budget says so
            continue
        if any(ln.strip() for ln in lines):
            pages[i] = lines
            got.append(i)
    return got
