"""Issue #34 rows M1 and M2: no small file may hold the index for long.

M1: reading a page is linear in its text (an 18 KB PDF drawing 5 MB of text on one page once held the index lock
for ~80 min), a page's text and drawing instructions are capped, a PDF's pages are capped, and every file has a
read budget after which it is skipped with a one-line reason — the read loop gives up on it even when its
loader does not check. M2: pages without a text layer are OCRed only when something is drawn on them, a sample
first, and progress names the page being OCRed.

Tests whose work was unbounded before run it in a child process with a timeout, so they fail instead of hanging.
"""
from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PROSE = "the quick brown fox jumps over the lazy dog and keeps running along the river bank until night "
needs_ocr = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr not installed")


def _text_flood_pdf(path: Path, nbytes: int) -> Path:
    """One page whose text runs on far below its bottom edge (PDF readers do not clip): `nbytes` of prose lines
    that all reach the right margin, so they reflow into one paragraph."""
    c = canvas.Canvas(str(path), pagesize=letter)
    t = c.beginText(36, 750)
    t.setFont("Helvetica", 8)
    t.setLeading(10)
    for _ in range(nbytes // len(PROSE)):
        t.textLine(PROSE)
    c.drawText(t)
    c.showPage()
    c.save()
    return path


def _pages_pdf(path: Path, n: int, draw=None) -> Path:  # noqa: ANN001
    """`n` pages, each drawn by draw(canvas, page index) (none: empty pages)."""
    c = canvas.Canvas(str(path), pagesize=letter)
    for i in range(n):
        if draw is not None:
            draw(c, i)
        c.showPage()
    c.save()
    return path


def _prose_page(c, i: int) -> None:  # noqa: ANN001
    c.setFont("Helvetica", 10)
    for k in range(40):
        c.drawString(72, 740 - 16 * k, f"Page {i} line {k}: revenue and cost figures were reviewed by the committee.")


def _bar_chart(c, i: int) -> None:  # noqa: ANN001
    for k in range(12):  # something drawn, and no letter in it
        c.rect(60 + 40 * k, 100, 25, 30 + 37 * ((k + i) % 12), fill=1)


def _refusal(path: Path) -> str:
    """Code that loads `path` (named relative to its folder) and prints its LoadError."""
    return ("from pathlib import Path\nfrom corpus import LoadError, load_file\n"
            f"try:\n    load_file({str(path)!r}, root=Path({str(path.parent)!r}))\n"
            "except LoadError as e:\n    print(e)\n")


def _run(code: str, timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Python `code` in a child process (this checkout first on the path), failing the test past `timeout` s."""
    try:
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout:g} s: the work is not bounded")


# ------------------------------------------------------------------------------------------- M1: linear


def test_reflowing_half_a_megabyte_paragraph_is_linear():
    # 5,000 prose lines of 100 characters that all reach the margin: one paragraph of 0.5 MB. Joining it
    # re-searched and re-copied the growing paragraph per line (quadratic: minutes); now ~0.1 s.
    code = ("import time\nfrom corpus.loaders.pdf_layout import layout_page\n"
            f"lines = [{PROSE!r}.strip() + f' {{i}}' for i in range(5000)]\n"
            "t = time.perf_counter()\nout = layout_page(lines, set())\nprint(time.perf_counter() - t)\n"
            "assert out == ' '.join(lines), 'not one paragraph'\n")
    r = _run(code, timeout=30)
    assert r.returncode == 0, r.stderr[-2000:]
    assert float(r.stdout) < 10, r.stdout


def test_wide_lines_do_not_make_the_column_search_quadratic():
    # 200,000 characters on 8 lines, with gaps of spaces all along them: every column position looked like a
    # gutter, and each cut and stripped every line (~50 s); now ~0.2 s.
    code = ("import time\nfrom corpus.loaders.pdf_layout import layout_page\n"
            "lines = [('alpha    beta    gamma    ' * 1000)[:25_000] for _ in range(8)]\n"
            "t = time.perf_counter()\nlayout_page(lines, set())\nprint(time.perf_counter() - t)\n")
    r = _run(code, timeout=30)
    assert r.returncode == 0, r.stderr[-2000:]
    assert float(r.stdout) < 5, r.stdout


def test_a_page_flooded_with_text_is_skipped_fast_and_the_index_stays_usable(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    _text_flood_pdf(docs / "flood.pdf", 1_000_000)
    assert (docs / "flood.pdf").stat().st_size < 20_000
    (docs / "note.txt").write_text("The harbour authority dredged the northern channel in March.\n")
    idx = tmp_path / "idx"
    code = ("import sys\nfrom app.cli.main import main\n"
            f"sys.exit(main(['index', {str(docs)!r}, '--index', {str(idx)!r}, '--model', 'fake']))\n")
    t0 = time.monotonic()
    r = _run(code, timeout=120)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr[-2000:]
    warnings = [ln for ln in r.stderr.splitlines() if ln.startswith("warning: ")]
    assert len(warnings) == 1 and "flood.pdf: page 1 of 1 holds" in warnings[0], r.stderr[-2000:]
    assert "characters of text, over the 200,000 limit for one page" in warnings[0]
    assert "1 documents" in r.stdout, r.stdout
    # The lock was released: the next run indexes at once.
    from app.api import GroundQA
    from index.embed import FakeEmbedder

    (docs / "flood.pdf").unlink()
    assert GroundQA(idx, embedder=FakeEmbedder(64)).index([docs]).n_documents == 1
    print(f"flood page skipped in {took:.1f} s")


def test_a_page_with_megabytes_of_drawing_instructions_is_refused_unread(tmp_path):
    path = _text_flood_pdf(tmp_path / "flood5.pdf", 5_000_000)  # the file: 5 MB of text, ~25 KB
    t0 = time.monotonic()
    r = _run(_refusal(path), timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == ("flood5.pdf: page 1 of 1 holds 5 MB of drawing instructions, over the 4 MB limit "
                                "for one page — re-export or split the file"), r.stdout
    assert time.monotonic() - t0 < 30


def test_a_page_built_to_be_slow_is_stopped_by_the_page_budget(tmp_path):
    # 1.6 KB: 5,000 letters 50,000 points apart on one line. pypdf's layout reading pads them into 50 million
    # characters (minutes); the child process reading it is stopped when the page passes its budget.
    c = canvas.Canvas(str(tmp_path / "spread.pdf"))
    t = c.beginText(10, 700)
    for _ in range(5000):
        t.textOut("x")
        t.moveCursor(50_000, 0)
    c.drawText(t)
    c.showPage()
    c.save()
    code = ("try:\n    import corpus.loaders.pdf_pages as pp\n    pp.PAGE_BUDGET_S = 3.0\nexcept ImportError:\n    pass\n"
            "import os, time\nt0 = time.monotonic()\n" + _refusal(tmp_path / "spread.pdf")
            + "print(round(time.monotonic() - t0, 1))\n"
            "try:\n    os.waitpid(-1, os.WNOHANG)\n    print('a child process is left')\n"
            "except ChildProcessError:\n    print('no child process left')\n")
    # The pypdf layout reader is the one this page holds up: the page budget stops it.
    r = _run(code, timeout=60, env={"GROUNDQA_PDF_READER": "pypdf"})
    assert r.returncode == 0, r.stderr[-2000:]
    message, took, children = r.stdout.strip().splitlines()
    assert message == ("spread.pdf: reading stopped at page 1 of 1: one page took over 3 s (a page built to be slow "
                       "to read?) — re-export or split the file"), message
    assert float(took) < 15 and children == "no child process left", (took, children)
    # The pdfium reader (the default) places the letters from their boxes, with no padding: it reads the page.
    r = _run(code, timeout=60, env={"GROUNDQA_PDF_READER": "pdfium"})
    assert r.returncode == 0, r.stderr[-2000:]
    took, children = r.stdout.strip().splitlines()
    assert float(took) < 15 and children == "no child process left", (took, children)


def test_a_file_over_the_read_budget_is_skipped_with_its_reason(tmp_path, monkeypatch):
    from app.api import GroundQA
    from index.embed import FakeEmbedder

    docs = tmp_path / "docs"
    docs.mkdir()
    _pages_pdf(docs / "long.pdf", 400, _prose_page)  # ~0.05-0.2 s a page: well over a 1 s budget
    (docs / "note.txt").write_text("The harbour authority dredged the northern channel in March.\n")
    monkeypatch.setenv("GROUNDQA_READ_BUDGET_S", "1")
    api = GroundQA(tmp_path / "idx", embedder=FakeEmbedder(64))
    t0 = time.monotonic()
    report = api.index([docs])
    took = time.monotonic() - t0
    assert report.n_documents == 1 and len(report.skipped) == 1, report.skipped
    line = report.skipped[0]
    assert line.startswith("long.pdf: reading stopped at page ") and " of 400: over the 1 s per-file limit" in line
    assert "\n" not in line and "GROUNDQA_READ_BUDGET_S" in line
    assert took < 15, took  # the lock is held for the budget (plus one page and the small file), not 400 pages


def test_a_pdf_over_the_page_limit_is_refused_before_any_page_is_read(tmp_path):
    path = _pages_pdf(tmp_path / "blank5000.pdf", 5000)  # the file: 5,000 blank pages
    code = _refusal(path)
    r = _run(code, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == ("blank5000.pdf: PDF has 5,000 pages, over the 2,000-page limit — split it into "
                                "parts and index those"), r.stdout


def test_the_read_loop_gives_up_on_a_file_stuck_past_its_budget(tmp_path, monkeypatch):
    import index.reading as reading
    from corpus import LoadError

    files = []
    for name in ("a.txt", "stuck.txt", "c.txt"):
        (tmp_path / name).write_text(f"The {name} file says something about harbours.\n")
        files.append((tmp_path / name, tmp_path, ""))
    release = threading.Event()
    real = reading.load_file

    def load(f, root=None):  # noqa: ANN001 - a parser stuck inside one file (no budget check of its own)
        if f.name == "stuck.txt":
            release.wait(60)
        return real(f, root=root)

    monkeypatch.setattr(reading, "load_file", load)
    monkeypatch.setattr(reading, "GRACE_S", 0.5)
    t0 = time.monotonic()
    try:
        out = list(reading.load_ahead(files, budget_s=1.0))
    finally:
        release.set()
    took = time.monotonic() - t0
    assert [type(x).__name__ for x in out] == ["tuple", "LoadError", "tuple"], out
    assert isinstance(out[1], LoadError) and "stuck.txt: reading took over 1.5 s" in str(out[1])
    assert out[2][0].path == "c.txt" and took < 5, took


# ------------------------------------------------------------------------------------------------ M2: OCR


@needs_ocr
def test_empty_pages_are_not_ocred(tmp_path):
    path = _pages_pdf(tmp_path / "blank300.pdf", 300)  # OCR of each took ~0.8 s (4 min) before a refusal
    code = _refusal(path)
    r = _run(code, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "blank300.pdf: PDF has no text layer (scanned images?) — run OCR first", r.stdout


@needs_ocr
def test_pages_without_text_are_sampled_before_ocr_of_the_whole_file(tmp_path, caplog):
    from corpus import LoadError, load_file

    path = _pages_pdf(tmp_path / "charts.pdf", 30, _bar_chart)  # drawn, no text layer, nothing to read
    with caplog.at_level(logging.INFO, logger="groundqa"), pytest.raises(LoadError) as e:
        load_file(path, root=tmp_path)
    notes = [r.getMessage() for r in caplog.records if getattr(r, "progress_note", False)]
    assert notes == [f"OCR charts.pdf page {p} of 30 (sample {k} of 3)" for k, p in enumerate((1, 15, 30), 1)], notes
    assert str(e.value) == ("charts.pdf: PDF has no text layer, and OCR found no text on 3 sampled pages of the 30 "
                            "without a text layer, so the others were not read — check that it is the right file")


@needs_ocr
def test_progress_names_the_page_being_ocred(tmp_path):
    from reportlab.lib.utils import ImageReader
    from test_pdf_structure import memo_image

    docs = tmp_path / "docs"
    docs.mkdir()
    memos = ["The scanned memo says the warehouse opened in Denver.", "A second memo says the depot closed."]

    def draw(c, i: int) -> None:  # noqa: ANN001 - page 1 has a text layer, pages 2 and 3 are scans
        if i == 0:
            c.drawString(72, 700, "Cover page of the facilities report, with its typed text layer.")
        else:
            c.drawImage(ImageReader(memo_image(memos[i - 1])), 40, 400, width=530, height=125)

    _pages_pdf(docs / "scan\x1b[31m.pdf", 3, draw)
    idx = tmp_path / "idx"
    code = ("import sys\nfrom app.cli.main import main\n"
            f"sys.exit(main(['index', {str(docs)!r}, '--index', {str(idx)!r}, '--model', 'fake']))\n")
    r = _run(code, timeout=180, env={"GROUNDQA_PROGRESS_INTERVAL": "0"})
    assert r.returncode == 0, r.stderr[-2000:]
    status = r.stderr.splitlines()
    for page, k in ((2, 1), (3, 2)):
        want = f"OCR scan\\x1b[31m.pdf page {page} of 3 ({k} of 2)"
        # After the job's percentage and file count, when they are shown.
        assert any(re.match(rf"groundqa: (\d+ % · \d+/1 files read · )?{re.escape(want)} · ", ln) for ln in status), (
            want, r.stderr[-3000:])
    assert "\x1b" not in r.stderr  # the file name's escape code is shown, not run
    assert not any(ln.startswith("groundqa: OCR") and " · " not in ln for ln in status)  # no line of its own
