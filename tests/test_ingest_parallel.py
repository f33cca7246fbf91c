"""Files read in worker processes: a broken or crashing file is that file's one warning, the others index;
the plain progress of a multi-file index has no "0.0/s" and an estimate that does not swing upwards.

PDFs are drawn here with reportlab; nothing is copied into the repo.
"""
from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.cli import main
from corpus import LoadError
from index.reading import load_ahead

reportlab = pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def report_pdf(path: Path, n_pages: int, topic: str) -> Path:
    """A report of `n_pages` pages of distinct sentences about `topic`."""
    c = canvas.Canvas(str(path), pagesize=letter)
    for page in range(1, n_pages + 1):
        c.setFont("Helvetica", 10)
        for line in range(40):
            c.drawString(72, 740 - line * 16, f"On page {page} the {topic} survey logged {page * 40 + line} "
                                              f"sightings at station {line}.")
        c.showPage()
    c.save()
    return path


def test_broken_pdf_in_a_worker_is_one_warning_and_the_rest_index(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("heron", "otter", "beaver"):
        report_pdf(docs / f"{name}.pdf", 3, name)
    whole = report_pdf(tmp_path / "whole.pdf", 3, "lynx").read_bytes()
    (docs / "broken.pdf").write_bytes(whole[: len(whole) // 2])  # cut off mid-file, as a failed download
    idx = tmp_path / "idx"
    assert main(["index", str(docs), "--index", str(idx), "--model", "fake", "--workers", "2"]) == 0
    out, err = capsys.readouterr()
    warnings = [ln for ln in err.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and "broken.pdf" in warnings[0] and "truncated" in warnings[0], err
    assert "3 added" in out
    assert main(["search", "otter survey sightings", "--index", str(idx), "-k", "1"]) == 0
    assert "otter.pdf" in capsys.readouterr().out


def _children_reading(fifo: Path) -> list[int]:
    """Pids of this process's children that have `fifo` open (a worker blocked reading it)."""
    me, out = os.getpid(), []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == me and any(os.readlink(fd) == str(fifo) for fd in (d / "fd").iterdir()):
                out.append(int(d.name))
        except (OSError, ValueError, IndexError):
            continue
    return out


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to find the worker")
def test_a_worker_killed_mid_file_is_that_files_warning(tmp_path: Path) -> None:
    """kill -9 of the worker reading one file: that file is one LoadError, the files around it are read."""
    files = [report_pdf(tmp_path / f"r{i}.pdf", 2, f"topic{i}") for i in range(3)]
    stuck = tmp_path / "stuck.pdf"
    os.mkfifo(stuck)  # reading it blocks until the worker is killed (it is read again alone, and killed again)
    stop = threading.Event()
    killed: list[int] = []

    def killer() -> None:
        while not stop.is_set():
            # A reader blocks in open() until a writer comes, with no descriptor to find yet: open the other
            # end (fails while no one reads), then the worker holds the FIFO open and blocks in read().
            try:
                w = os.open(stuck, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.05)
                continue
            try:
                deadline = time.monotonic() + 5
                while not (pids := _children_reading(stuck)) and time.monotonic() < deadline:
                    time.sleep(0.02)
                for pid in pids:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
            finally:
                os.close(w)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    try:
        items = [(f, tmp_path, "") for f in (files[0], stuck, files[1], files[2])]
        got = list(load_ahead(items, workers=2))
    finally:
        stop.set()
        t.join()
    assert killed, "no worker was seen reading the stuck file"
    assert len(got) == 4
    errors = [g for g in got if isinstance(g, LoadError)]
    assert len(errors) == 1 and errors[0].path.endswith("stuck.pdf") and "reader process stopped" in str(errors[0])
    assert [Path(g[1]).name for g in got if not isinstance(g, LoadError)] == ["r0.pdf", "r1.pdf", "r2.pdf"]


def test_plain_progress_has_no_zero_rate_and_a_steady_estimate(tmp_path: Path) -> None:
    """A multi-file index with stderr a pipe: no "0.0/s"; after 20 % of the job's time, the estimate of
    time left never rises to 2x between two lines (whole seconds, so 1 s of rounding is allowed)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(10):
        report_pdf(docs / f"station-{i}.pdf", 30, f"wetland{i}")
    env = dict(os.environ, GROUNDQA_PROGRESS_INTERVAL="0.25", PYTHONPATH=str(ROOT))
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "index", str(docs), "--index", str(tmp_path / "idx"),
                             "--model", "fake", "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=str(tmp_path))
    lines: list[tuple[float, str]] = []
    assert proc.stderr is not None
    for line in proc.stderr:
        lines.append((time.monotonic() - t0, line.rstrip("\n")))
    assert proc.wait(timeout=300) == 0, lines
    total = time.monotonic() - t0
    assert not any("0.0/s" in ln for _, ln in lines), lines
    assert lines[-1][1].startswith("groundqa: done in ") and "10 files read" in lines[-1][1]
    estimates = [(t, _seconds(m.group(1))) for t, ln in lines if (m := re.search(r"~(.+?) left", ln))]
    late = [e for t, e in estimates if t >= 0.2 * total]
    assert len(late) >= 3, lines
    for before, after in zip(late, late[1:]):
        assert after <= 2 * before + 1, (before, after, lines)


def _seconds(text: str) -> int:
    """'1 min 05 s' / '42 s' / '1 h 02 min' as seconds."""
    n = 0
    for value, unit in re.findall(r"(\d+)\s*(h|min|s)\b", text):
        n += int(value) * {"h": 3600, "min": 60, "s": 1}[unit]
    return n


def test_cli_faces_do_not_import_each_other() -> None:
    """main.py and evaluate.py share their options through app/cli/options.py, not through each other."""
    def imports(name: str) -> set[str]:
        tree = ast.parse((ROOT / "app" / "cli" / name).read_text(encoding="utf-8"))
        return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}

    assert "app.cli.main" not in imports("evaluate.py")
    assert "app.cli.options" in imports("evaluate.py") and "app.cli.options" in imports("main.py")


def test_workers_below_one_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", str(tmp_path), "--index", str(tmp_path / "idx"), "--model", "fake", "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "groundqa: --workers 0: give at least 1 (1 reads files in this process)"
