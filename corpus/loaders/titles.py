"""Document titles: what a reader would call the document.

In order: for an SEC filing, company + form + period from its cover page (see cover.py) — the filing's own words
beat any metadata; for a press release, company + quarter of the results it reports, or company + date; the
file's own title metadata when it is meaningful; a filer's or filing service's label ("10-K - 02/07/2019 - 3M
Company", "ADBE 10-K FY22", "MGM Exhibit 99.1 Q4 2022 ER") only when nothing better is found; else the first
real heading.
"""
from __future__ import annotations

import re
from pathlib import Path

from corpus.loaders.cover import earnings_title, sec_cover_title

__all__ = ["TITLE_MAX_CHARS", "document_title", "is_boilerplate_title", "is_filing_label", "stem_title",
           "title_from_lines"]

TITLE_MAX_CHARS = 120
"""A candidate title at least this long is not a title."""

_DATE_LINE = re.compile(
    r"\W*(?:\d{1,2}\s+[A-Za-z]+\.?,?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})\W*"
)
ACCESSION = re.compile(r"\b\d{10}-\d{2}-\d{6}\b")
"""An SEC accession number ("0000764478-23-000041"): a filing's id, never its title."""
# Lines that open a filing but name nothing: the SEC's letterhead, a bare form heading, a release stamp.
_BOILERPLATE = re.compile(
    r"(?:united\s+states\s*)?(?:securities\s+and\s+exchange\s+commission)?\s*(?:washington,?\s+d\.?\s*c\.?\s*\d*)?"
    r"|(?:form\s+)?(?:10-kt?|10-q|8-k|20-f|40-f|6-k)(?:/a)?|united\s+states|for\s+immediate\s+release"
    r"|table\s+of\s+contents|contents|untitled(?:\s+document)?|document\d*"
    r"|title|page\s*\d*|slide\s*\d*|powerpoint\s+presentation|microsoft\s+word\s+-.*|\(mark\s+one\)",
    re.I,
)
_FILE_NAME = re.compile(r"\S+\.(?:pdf|docx?|html?|txt|md|rtf|xlsx?|pptx?|indd|qxd)", re.I)
# Labels that filers and filing services put in the metadata: a form code ("10-K", "10K"), an exhibit number,
# a filing date or a shorthand period ("FY22", "4Q 2023") — not what a reader calls the document. A cover page
# or release says more, so these are used only when neither is read.
_FORM_CODE = re.compile(r"\b(?:10-?KT?|10-?Q|8-?K|20-?F|40-?F|6-?K)\b", re.I)
_LABEL_MARK = re.compile(r"\bfiled\b|\d{1,2}/\d{1,2}/\d{4}|\bexhibit\s+99|\bFY\s?\d{2,4}\b|\b[1-4]Q\s?\d{2,4}\b"
                         r"|\bQ[1-4]\s?(?:FY)?\s?\d{2,4}\b", re.I)
_SEC_LETTERHEAD = re.compile(r"(?:united\s+states\s+)?securities\s+and\s+exchange\s+commission\b", re.I)
_GAP = re.compile(r"(\w+)  +(\w+)")


def is_boilerplate_title(line: str) -> bool:
    """True for text that is no title: an accession number, a bare form heading, the SEC's letterhead,
    a file name, "Microsoft Word - x.doc", or a placeholder such as "Untitled"."""
    s = " ".join(line.split())
    return (
        not s
        or bool(ACCESSION.search(s))
        or bool(_BOILERPLATE.fullmatch(s))
        or bool(_SEC_LETTERHEAD.match(s))
        or bool(_FILE_NAME.fullmatch(s))
        or not any(ch.isalpha() for ch in s)
    )


def title_from_lines(text: str) -> str | None:
    """First non-empty line if short, skipping bare date lines ("8 May 2025"), letterless lines and
    boilerplate (an SEC letterhead, a bare "FORM 10-K", an accession number)."""
    # A title sits near the top; don't split a 100 MB text into lines to find it.
    for line in text[:20_000].split("\n"):
        line = line.strip()
        if not line:
            continue
        # Reports often open with a date; it is a poor title, so look at the next line.
        if _DATE_LINE.fullmatch(line) or is_boilerplate_title(line):
            continue
        return line if len(line) < TITLE_MAX_CHARS else None
    return None


def _restore_symbols(title: str, text: str) -> str:
    """Put back symbols a PDF producer dropped from the metadata ("Johnson  Johnson" → "Johnson & Johnson"):
    a double space between two words is filled with what stands there in the document's own text."""
    def fill(m: re.Match[str]) -> str:
        found = re.search(rf"\b{re.escape(m.group(1))} ?([&+/@]) ?{re.escape(m.group(2))}\b", text[:200_000])
        return f"{m.group(1)} {found.group(1)} {m.group(2)}" if found else m.group(0)

    return " ".join(_GAP.sub(fill, title).split())


def is_filing_label(title: str) -> bool:
    """A filer's or filing service's label ("Form 10-K for Microsoft Corp filed 07/27/2023", "Q1 2023 8-K -
    Exhibit 99.1", "ADBE 10K FY15", "MGM Exhibit 99.1 Q4 2022 ER")."""
    return bool(_FORM_CODE.search(title) or _LABEL_MARK.search(title))


def _usable(title: str) -> bool:
    return 0 < len(title) < TITLE_MAX_CHARS and not is_boilerplate_title(title)


def document_title(meta_title: str | None, text: str, path: Path | None = None, *, from_lines: bool = True) -> str | None:
    """The title a reader would use, from the file's metadata title (may be empty) and its canonical text;
    None when neither names the document (the caller then falls back to the file name). `from_lines=False`
    skips the first-line fallback (HTML: a page without <title> or <h1> is better named by its file)."""
    meta = _restore_symbols((meta_title or "").strip(), text)
    if path is not None and meta.lower() in (path.stem.lower(), path.name.lower()):
        meta = ""  # the metadata only repeats the file name
    for found in (sec_cover_title(text), earnings_title(text, meta)):
        if found and len(found) < TITLE_MAX_CHARS:
            return found
    if _usable(meta) and not is_filing_label(meta):
        return meta
    if _usable(meta):
        return meta
    return title_from_lines(text) if from_lines else None


def stem_title(path: Path) -> str:
    """Fallback title: the file stem with _ and - read as spaces."""
    return " ".join(re.split(r"[_\-\s]+", path.stem)).strip() or path.name
