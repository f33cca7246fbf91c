"""A PDF's pages as layout lines, read within limits whatever the file holds.

The lines come from pdfium's character boxes (pdf_chars: ~10x faster) or, with $GROUNDQA_PDF_READER=pypdf, from
pypdf's layout mode (the reader before it, kept to compare them and as a fallback for a file pdfium cannot open).
pypdf opens the file either way: its encryption check, page count and per-page size limits come first.

pypdf's work is not bounded by the file's size: a 1.6 KB page that places 5,000 letters 50,000 points apart makes
its layout reading build 50 million characters of padding (197 s here, at load ~14), and a page that draws 5 MB of
text takes minutes. So the pages are read in a forked child process that sends each page's lines back as soon as
it is read, and the parent stops it (SIGKILL) when one page takes PAGE_BUDGET_S, the whole file its read budget
(corpus/loaders/budget.py), or it needs MAX_READ_MEMORY more memory. Limits on what a page may hold are checked
as each page is read; a file over any limit is refused with a one-line LoadError naming it.
"""
from __future__ import annotations

import io
import os
import pickle
import select
import signal
import struct
import time
from collections.abc import Callable
from typing import Any

from corpus.loaders.budget import BUDGET_ENV, ReadBudget
from corpus.loaders.errors import LoadError
from corpus.loaders.pdf_layout import page_lines

__all__ = ["MAX_PAGE_CHARS", "MAX_PAGE_CONTENT_BYTES", "MAX_PDF_PAGES", "PAGE_BUDGET_S", "READERS", "READER_ENV",
           "declared_pages", "pdf_reader", "read_pages"]

READER_ENV = "GROUNDQA_PDF_READER"
"""Environment variable choosing the PDF text reader: 'pdfium' (default) or 'pypdf'."""
READERS = ("pdfium", "pypdf")

MAX_PDF_PAGES = 2_000
"""Most pages read from one PDF (SEC 10-Ks run to ~300); a longer file is refused (split it)."""
MAX_PAGE_CONTENT_BYTES = 4 * 1024 * 1024
"""Most drawing instructions (decompressed content stream) on one page. The densest financebench page measured
652 KB (American Water Works 2022 10-K; every page of the 41 dev filings, 2026-12-05)."""
MAX_PAGE_CHARS = 200_000
"""Most characters of text (spaces aside) on one page. The densest financebench page holds ~10,000 (every 4th page
of the 41 dev filings measured); 5 MB on one page is no document a person reads."""
PAGE_BUDGET_S = 60.0
"""Seconds one page may take to read. The slowest financebench filings average ~1 s a page at load ~11
(JPMorgan 2022 Q2 10-Q, whose layout lines run to 8,800 characters, 0.7 s)."""
MAX_READ_MEMORY = 2 * 1024 ** 3
"""Memory the reading child may take on top of what it shares with the indexer (Linux address-space limit)."""
_MB = 1024 * 1024
_FRAME = struct.Struct("!Q")


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
            raise LoadError(shown, "PDF is encrypted and needs a password to open",
                            "save an unprotected copy and index that")
    return reader


def pdf_reader() -> str:
    """The PDF text reader in use: $GROUNDQA_PDF_READER when it names one of READERS, else 'pdfium'."""
    name = os.environ.get(READER_ENV, "").strip().lower()
    return name if name in READERS else READERS[0]


def _pdfium_pages(raw: bytes):  # noqa: ANN202 - pypdfium2 is imported lazily
    """The document opened by pdfium, or None where pdfium cannot open what pypdf did (read by pypdf then)."""
    try:
        import pypdfium2 as pdfium

        return pdfium.PdfDocument(raw)
    except Exception:  # noqa: BLE001 - any pdfium refusal: the pypdf reader still reads the file
        return None


def declared_pages(path: str | os.PathLike) -> int | None:
    """The page count a PDF declares in its page tree's root (/Count), read without reading any page (pypdf
    parses the cross-reference table and two objects: milliseconds); None when it cannot be read. For progress
    totals only: the pages actually read are counted as they are read."""
    import logging

    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # a damaged file's warnings are said once, when it is read
    try:
        from pypdf import PdfReader

        count = int(PdfReader(path, strict=False).trailer["/Root"]["/Pages"]["/Count"])
    except Exception:  # noqa: BLE001 - encrypted, damaged or odd files: the caller estimates instead
        return None
    finally:
        quiet.setLevel(level)
    return count if 0 <= count <= MAX_PDF_PAGES else None


def _content_bytes(page) -> int:  # noqa: ANN001 - a pypdf page
    """Size of a page's decompressed drawing instructions (0 when it has none)."""
    contents = page.get_contents()
    return len(contents.get_data()) if contents is not None else 0


def _walk(raw: bytes, shown: str, emit: Callable[[tuple], None], budget: ReadBudget | None) -> None:
    """Read the pages in order, emitting ("total", n), ("page", lines) for each and ("title", metadata title);
    raises LoadError over a limit. `budget` is checked between pages when reading in this process."""
    reader = _open(raw, shown)
    total = len(reader.pages)
    if total > MAX_PDF_PAGES:
        raise LoadError(shown, f"PDF has {total:,} pages, over the {MAX_PDF_PAGES:,}-page limit",
                        "split it into parts and index those")
    emit(("total", total))
    pdf = _pdfium_pages(raw) if pdf_reader() == "pdfium" else None
    if pdf is not None and len(pdf) != total:
        pdf = None  # the two libraries see different pages: keep page numbers as pypdf counts them
    for i, page in enumerate(reader.pages):
        where = f"page {i + 1:,} of {total:,}"
        if budget is not None:
            budget.check(where)
        size = _content_bytes(page)
        if size > MAX_PAGE_CONTENT_BYTES:
            raise LoadError(shown, f"{where} holds {size / _MB:,.0f} MB of drawing instructions, over the "
                            f"{MAX_PAGE_CONTENT_BYTES // _MB} MB limit for one page", "re-export or split the file")
        lines = page_lines(page) if pdf is None else _pdfium_page(pdf, i)
        chars = sum(len(ln) - ln.count(" ") for ln in lines)
        if chars > MAX_PAGE_CHARS:
            raise LoadError(shown, f"{where} holds {chars:,} characters of text, over the {MAX_PAGE_CHARS:,} "
                            "limit for one page (a dense page holds ~10,000)", "re-export or split the file")
        emit(("page", lines))
    if pdf is not None:
        pdf.close()
    try:
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except Exception:  # noqa: BLE001 - a broken info dict should not lose the text
        title = ""
    emit(("title", title))


def _pdfium_page(pdf, i: int) -> list[str]:  # noqa: ANN001 - a pypdfium2 PdfDocument
    from corpus.loaders.pdf_chars import pdfium_lines

    page = pdf[i]
    try:
        return pdfium_lines(page)
    finally:
        page.close()


def _damaged(shown: str, what: str) -> LoadError:
    return LoadError(shown, f"PDF is damaged or truncated ({what})", "re-export or re-download it")


def read_pages(raw: bytes, shown: str, budget: ReadBudget) -> tuple[list[list[str]], str]:
    """(every page's layout lines, the metadata title) within the limits of the module docstring; in a forked
    child where the platform can fork, else in this process (between-page budget checks only)."""
    pages: list[list[str]] = []
    title = ""

    def take(msg: tuple) -> None:
        nonlocal title
        if msg[0] == "page":
            pages.append(msg[1])
        elif msg[0] == "title":
            title = msg[1]

    if not hasattr(os, "fork"):
        try:
            _walk(raw, shown, take, budget)
        except LoadError:
            raise
        except Exception as e:  # noqa: BLE001 - damaged PDFs fail deep inside pypdf with any error type
            raise _damaged(shown, f"{type(e).__name__}: {e}") from e
        return pages, title
    _in_child(raw, shown, budget, take)
    return pages, title


def _in_child(raw: bytes, shown: str, budget: ReadBudget, take: Callable[[tuple], None]) -> None:
    """Run _walk in a forked child, handing its messages to `take`; stop it at a page or file limit."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, send, exit — never return into the caller's code
        code = 1
        try:
            os.close(r)
            _child(raw, shown, w)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    seen = {"pages": 0, "total": 0}

    def where() -> str:
        return f"page {seen['pages'] + 1:,}" + (f" of {seen['total']:,}" if seen["total"] else "")

    try:
        for msg in _frames(r, budget, where):
            if msg[0] == "error":
                raise LoadError(shown, msg[1], msg[2])
            if msg[0] == "damaged":
                raise _damaged(shown, msg[1])
            if msg[0] == "done":
                return
            if msg[0] == "total":
                seen["total"] = msg[1]
            elif msg[0] == "page":
                seen["pages"] += 1
            take(msg)
        raise LoadError(shown, f"reading stopped at {where()}: it needed more than "
                        f"{MAX_READ_MEMORY // 1024 ** 3} GB of memory, or its reader failed", "re-export or split the file")
    finally:
        os.close(r)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)


def _frames(fd: int, budget: ReadBudget, where: Callable[[], str]):  # noqa: ANN202 - a generator of messages
    """Messages from the child, each within PAGE_BUDGET_S of the last and all within the file's budget."""
    buf = bytearray()
    page_deadline = time.monotonic() + PAGE_BUDGET_S
    while True:
        now = time.monotonic()
        if now > budget.deadline:
            raise LoadError(budget.shown, f"reading stopped at {where()}: over the {budget.seconds:g} s per-file "
                            "limit", f"split the file, or raise ${BUDGET_ENV}")
        if now > page_deadline:
            raise LoadError(budget.shown, f"reading stopped at {where()}: one page took over {PAGE_BUDGET_S:g} s "
                            "(a page built to be slow to read?)", "re-export or split the file")
        ready, _, _ = select.select([fd], [], [], min(budget.deadline, page_deadline) - now)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return  # the child is gone
        buf += chunk
        while len(buf) >= _FRAME.size and len(buf) >= _FRAME.size + _FRAME.unpack_from(buf)[0]:
            n = _FRAME.unpack_from(buf)[0]
            msg = pickle.loads(bytes(buf[_FRAME.size:_FRAME.size + n]))
            del buf[:_FRAME.size + n]
            page_deadline = time.monotonic() + PAGE_BUDGET_S
            yield msg


def _child(raw: bytes, shown: str, w: int) -> None:
    """In the forked child: drop inherited descriptors (the index lock, server sockets), cap memory, read, send."""
    os.closerange(3, w)
    os.closerange(w + 1, 1 << 16)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C in a terminal reaches the child too: stop quietly
    _cap_memory()
    out = os.fdopen(w, "wb", buffering=0)

    def send(msg: Any) -> None:
        data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_FRAME.pack(len(data)) + data)

    try:
        _walk(raw, shown, send, None)
        send(("done",))
    except LoadError as e:
        send(("error", e.reason, e.fix))
    except MemoryError:
        send(("error", f"reading stopped: it needed more than {MAX_READ_MEMORY // 1024 ** 3} GB of memory",
              "re-export or split the file"))
    except Exception as e:  # noqa: BLE001 - damaged PDFs fail deep inside pypdf with any error type
        send(("damaged", f"{type(e).__name__}: {e}"))


def _cap_memory() -> None:
    """Limit the child's address space to what it has now plus MAX_READ_MEMORY (Linux; elsewhere a no-op)."""
    try:
        import resource

        with open("/proc/self/statm") as fh:
            now = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = now + MAX_READ_MEMORY
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    except (OSError, ValueError, ImportError):
        pass
