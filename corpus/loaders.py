"""Turn files (.txt, .md, .html, .pdf, .docx) into `Document`s with canonical text, or say why not."""
from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from corpus.normalize import join_hyphenated, normalize_text
from corpus.types import Document

MAX_FILE_BYTES = 100 * 1024 * 1024
"""Largest file `load_file` accepts; bigger files are refused rather than risking memory."""
DOCX_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
"""A .docx whose zip members expand past this is refused (zip bomb guard)."""
DOCX_MAX_RATIO = 100
"""A .docx whose members expand more than this many times their compressed size is refused."""
SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".docx"})
"""File name suffixes (lowercase) that `load_file` can read."""

_MB = 1024 * 1024
_TITLE_MAX_CHARS = 120
_BINARY_SAMPLE = 8192
_BINARY_NONPRINTABLE_SHARE = 0.30


class LoadError(Exception):
    """A file could not be turned into a Document; `str()` is one line: path, reason, and a fix."""

    def __init__(self, path: str | Path, reason: str, fix: str = "") -> None:
        self.path = str(path)
        self.reason = _one_line(reason)
        self.fix = _one_line(fix)
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}: {self.reason} — {self.fix}" if self.fix else f"{self.path}: {self.reason}"


def _one_line(s: str) -> str:
    """Collapse whitespace so messages stay on one line even when they quote library errors."""
    return " ".join(s.split())


# --------------------------------------------------------------------------- text decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _looks_binary(text: str) -> bool:
    """True when a decoded sample holds NULs or mostly non-printable characters."""
    sample = text[:_BINARY_SAMPLE]
    if "\x00" in sample:
        return True
    if not sample:
        return False
    bad = sum(
        1 for ch in sample if ch not in "\n\r\t\f" and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")
    )
    return bad / len(sample) > _BINARY_NONPRINTABLE_SHARE


def decode_text(raw: bytes, path: str | Path = "<bytes>") -> str:
    """Decode a text file's bytes: BOM-marked UTF-8/16/32, else UTF-8, else cp1252, else Latin-1."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw[len(bom) :].decode(encoding)
            except UnicodeDecodeError as e:
                raise LoadError(path, f"invalid {encoding} text ({e.reason})", "re-save it as UTF-8") from e
            break
    else:
        # NUL bytes never occur in text in the 8-bit encodings tried below.
        if b"\x00" in raw[:_BINARY_SAMPLE]:
            raise _binary_error(path)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                # Latin-1 maps every byte, so this is the last resort that never fails.
                text = raw.decode("latin-1")
    if _looks_binary(text):
        raise _binary_error(path)
    return text


def _binary_error(path: str | Path) -> LoadError:
    """The one error for binary content in a text-typed file."""
    return LoadError(path, "looks like a binary file, not text", "check the file type or convert it to text")


# --------------------------------------------------------------------------- titles

_DATE_LINE = re.compile(
    r"\W*(?:\d{1,2}\s+[A-Za-z]+\.?,?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})\W*"
)


def _title_from_lines(text: str) -> str | None:
    """First non-empty line if short, skipping bare date lines ("8 May 2025") and letterless lines."""
    # A title sits near the top; don't split a 100 MB text into lines to find it.
    for line in text[:20_000].split("\n"):
        line = line.strip()
        if not line:
            continue
        # Reports often open with a date; it is a poor title, so look at the next line.
        if _DATE_LINE.fullmatch(line) or not any(ch.isalpha() for ch in line):
            continue
        return line if len(line) < _TITLE_MAX_CHARS else None
    return None


def _stem_title(path: Path) -> str:
    """Fallback title: the file stem with _ and - read as spaces."""
    return " ".join(re.split(r"[_\-\s]+", path.stem)).strip() or path.name


_MD_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


# --------------------------------------------------------------------------- html

# Not <head> itself: html.parser does not close an unclosed <head>, so skipping it could drop
# the whole body; everything that normally lives in <head> is skipped (or textless) anyway.
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "title", "meta", "link"})
_BLOCK_TAGS = frozenset(
    """
    address article aside blockquote body caption center dd details dialog dir div dl dt fieldset
    figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main
    menu nav ol p pre section summary table tbody td tfoot th thead tr ul
    """.split()
)
# Private-use sentinels survive whitespace collapsing; they become newlines at the end.
_PARA = "\ue000"
_LINE = "\ue001"
_SENTINELS = re.compile(f"[{_PARA}{_LINE}]")
_END_BLOCK = object()


def _finish_html_text(pieces: list[str]) -> str:
    """Collapse HTML whitespace, then turn the break sentinels into newlines."""
    text = re.sub(r"\s+", " ", "".join(pieces))
    text = re.sub(rf" *([{_PARA}{_LINE}]) *", r"\1", text)
    text = re.sub(f"{_LINE}*{_PARA}[{_PARA}{_LINE}]*", "\n\n", text)
    return text.replace(_LINE, "\n")


def _html_text_bs4(markup: str) -> tuple[str, str | None]:
    """Extract (text, title) with BeautifulSoup; iterative walk, so deep nesting is fine."""
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    soup = BeautifulSoup(markup, "html.parser")
    title = None
    if soup.title is not None and soup.title.get_text(strip=True):
        title = " ".join(soup.title.get_text().split())
    else:
        h1 = soup.find("h1")
        if h1 is not None and h1.get_text(strip=True):
            title = " ".join(h1.get_text().split())

    pieces: list[str] = []
    # Explicit stack instead of recursion: thousands of nested <div>s must not overflow.
    stack: list[object] = [soup]
    while stack:
        node = stack.pop()
        if node is _END_BLOCK:
            pieces.append(_PARA)
        elif isinstance(node, NavigableString):
            if not isinstance(node, (Comment, Declaration, Doctype, ProcessingInstruction)):
                pieces.append(_SENTINELS.sub("", str(node)))
        elif isinstance(node, Tag):
            name = (node.name or "").lower()
            if name in _SKIP_TAGS:
                continue
            if name == "br":
                pieces.append(_LINE)
                continue
            if name == "pre":
                # Preformatted text keeps its line breaks.
                pieces.append(_PARA + _SENTINELS.sub("", node.get_text()).replace("\n", _LINE) + _PARA)
                continue
            if name in _BLOCK_TAGS:
                pieces.append(_PARA)
                stack.append(_END_BLOCK)
            stack.extend(reversed(node.contents))
    return _finish_html_text(pieces), title


class _FlatHTMLText(HTMLParser):
    """Stdlib fallback: a flat event stream, so no nesting depth can recurse."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.skip_depth = 0
        self.title: str | None = None
        self._in_title = False
        self._h1: list[str] | None = None
        self.h1: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "h1" and self.h1 is None:
            self._h1 = []
        if tag in _SKIP_TAGS and tag not in ("meta", "link"):  # void tags never close
            self.skip_depth += 1
        elif tag == "br":
            self.pieces.append(_LINE)
        elif tag in _BLOCK_TAGS:
            self.pieces.append(_PARA)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "h1" and self._h1 is not None:
            self.h1 = " ".join("".join(self._h1).split()) or None
            self._h1 = None
        if tag in _SKIP_TAGS and tag not in ("meta", "link"):
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.pieces.append(_PARA)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = " ".join(((self.title or "") + " " + data).split())
        if self._h1 is not None:
            self._h1.append(data)
        if self.skip_depth == 0:
            self.pieces.append(_SENTINELS.sub("", data))


def _html_text_flat(markup: str) -> tuple[str, str | None]:
    """Extract (text, title) with the stdlib parser; used when BeautifulSoup recurses too deep."""
    parser = _FlatHTMLText()
    parser.feed(markup)
    parser.close()
    return _finish_html_text(parser.pieces), parser.title or parser.h1


def html_to_text(markup: str) -> tuple[str, str | None]:
    """Visible text of an HTML page (blocks as paragraphs) and its title, if any."""
    try:
        return _html_text_bs4(markup)
    except RecursionError:
        return _html_text_flat(markup)


# --------------------------------------------------------------------------- per-format loaders

_Loaded = tuple[str, str | None, tuple[int, ...]]  # canonical text, title, page starts
if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import _Cell

    DocxContainer = DocxDocument | _Cell


def _load_txt(raw: bytes, path: Path, shown: str) -> _Loaded:
    """Plain text: decode and normalise; title from the first short line."""
    text = normalize_text(decode_text(raw, shown))
    return text, _title_from_lines(text), ()


def _load_md(raw: bytes, path: Path, shown: str) -> _Loaded:
    """Markdown kept as written (it reads fine as text); title from the first `# ` heading."""
    text = normalize_text(decode_text(raw, shown))
    m = _MD_HEADING.search(text)
    return text, (m.group(1).strip() if m else _title_from_lines(text)), ()


def _load_html(raw: bytes, path: Path, shown: str) -> _Loaded:
    """HTML: visible text only, block elements as paragraph breaks."""
    body, title = html_to_text(decode_text(raw, shown))
    return normalize_text(body), title, ()


def _load_pdf(raw: bytes, path: Path, shown: str) -> _Loaded:
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
    title = meta_title if 0 < len(meta_title) < _TITLE_MAX_CHARS else _title_from_lines(text)
    return text, title, tuple(starts)


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


def _load_docx(raw: bytes, path: Path, shown: str) -> _Loaded:
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
    text = normalize_text("\n\n".join(b for b in blocks if b))
    title = next((t for t in (core_title, styled_title) if 0 < len(t) < _TITLE_MAX_CHARS), None)
    return text, title or _title_from_lines(text), ()


_LOADERS: dict[str, Callable[[bytes, Path, str], _Loaded]] = {
    ".txt": _load_txt,
    ".md": _load_md,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
}


# --------------------------------------------------------------------------- public API


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
    text, title, page_starts = loader(raw, p, shown)
    if not text:
        raise LoadError(shown, "no text found", "check that it is the right file")
    return Document(
        path=shown,
        title=title or _stem_title(p),
        text=text,
        page_starts=page_starts,
        file_hash=hashlib.sha256(raw).hexdigest(),
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
