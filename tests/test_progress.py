"""Progress of long operations: real counts (files, pages, sentences), plain lines when stderr is no terminal."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.badinputs import make_pdf

ROOT = Path(__file__).resolve().parents[1]


def _corpus(d: Path, n_txt: int = 5) -> Path:
    """n_txt distinct text files and one 3-page PDF."""
    d.mkdir()
    for i in range(n_txt):
        (d / f"note-{i}.txt").write_text(
            f"Field note {i}\n\n" + " ".join(f"Observation {i}.{j} recorded a heron near pond {j}." for j in range(12)))
    (d / "report.pdf").write_bytes(make_pdf([[f"Page {p} says the survey counted {p * 7} otters."] for p in (1, 2, 3)]))
    return d


def test_plain_lines_have_counts_rate_and_a_summary():
    from app.progress import Progress

    out = io.StringIO()
    with Progress(stream=out, tty=False, interval=0) as p:
        p("reading files", 0, 4)
        time.sleep(0.6)
        p("reading files", 2, 4)
        p("reading pages", 30, 0)
        p("embedding sentences", 100, 250)
        time.sleep(0.6)
        p("embedding sentences", 250, 250)
        p("reading files", 4, 4)
    lines = out.getvalue().splitlines()
    assert all(line.startswith("groundqa: ") for line in lines)
    assert any("reading files 2/4" in line and "/s)" in line and "left" in line for line in lines)
    assert any("embedding sentences 100/250 so far" in line for line in lines)  # files still being read
    assert re.fullmatch(r"groundqa: done in \d+ s: 4 files read \(.+/s\), 30 pages read, "
                        r"250 sentences embedded \(.+/s\)", lines[-1]), lines[-1]


def test_plain_lines_are_rate_limited_and_come_while_nothing_moves():
    """At most one line per interval; a stage under way keeps printing (no silent wait); a failed run
    prints no summary."""
    from app.progress import Progress

    out = io.StringIO()
    try:
        with Progress(stream=out, tty=False, interval=0.3) as p:
            for i in range(200):  # 200 updates in ~0.1 s: at most one line
                p("reading files", i, 1000)
            time.sleep(1.1)  # nothing reports: the ticker still says what is under way
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    lines = out.getvalue().splitlines()
    assert 2 <= len(lines) <= 6, lines
    assert all("reading files" in line and "elapsed" in line for line in lines)
    assert not any("done in" in line for line in lines)


def test_non_tty_index_prints_progress_lines_and_a_summary(tmp_path):
    """`groundqa index` with stderr a pipe (CI, a log file): plain progress lines with real counts of
    files, pages and sentences, then a summary line; stdout keeps the one-line report."""
    docs = _corpus(tmp_path / "docs")
    env = dict(os.environ, GROUNDQA_PROGRESS_INTERVAL="0", PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-m", "app.cli", "index", str(docs), "--index", str(tmp_path / "idx"),
                        "--model", "fake"], capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    err = p.stderr.splitlines()
    assert "\r" not in p.stderr and "\x1b" not in p.stderr  # no terminal bar drawn into a pipe
    read = [int(m.group(1)) for line in err if (m := re.search(r"reading files (\d+)/6", line))]
    assert read and read == sorted(read) and read[-1] >= 5, err
    assert any(re.search(r"embedding sentences \d+/\d+", line) for line in err), err
    # Pages are counted before reading: the PDF's 3, and each short text file as one page.
    # (a stage that took over half a second also gives its rate: "8 pages read (5.1/s)")
    m = re.fullmatch(r"groundqa: done in \d+ s: 6 files read.*, 8 pages read(?: \([^)]*\))?, (\d+) sentences embedded.*",
                     err[-1])
    assert m, err[-1]
    assert f"{m.group(1)} sentences embedded" in p.stdout and "6 added" in p.stdout


def test_non_tty_default_interval_keeps_the_log_short(tmp_path):
    """With the default 5 s interval a short run prints about one line per 5 s, plus the summary."""
    docs = _corpus(tmp_path / "docs")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("GROUNDQA_PROGRESS_INTERVAL", None)
    t = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "app.cli", "index", str(docs), "--index", str(tmp_path / "idx"),
                        "--model", "fake"], capture_output=True, text=True, env=env, cwd=str(tmp_path))
    elapsed = time.monotonic() - t
    assert p.returncode == 0, p.stderr
    lines = p.stderr.splitlines()
    assert lines[-1].startswith("groundqa: done in ")
    assert len(lines) - 1 <= elapsed / 5 + 1, lines


def test_multi_file_index_percentage_only_rises_with_the_file_count_and_never_zero_rate(tmp_path):
    """Pages are counted before reading, so the one job percentage of `groundqa index` over files of very
    different sizes never goes back (the sentence total, which grows as files are read, is not its base); every
    line gives the file count; no rate reads "0.0/s"."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for i, pages in enumerate((1, 9, 2, 14, 3)):
        (docs / f"report-{i}.pdf").write_bytes(make_pdf(
            [[f"Report {i} page {p} line {k}: the survey counted {p * k + i} otters at site {k}." for k in range(12)]
             for p in range(pages)]))
    for i in range(3):
        (docs / f"note-{i}.txt").write_text(" ".join(f"Note {i} sentence {j} about pond {j}." for j in range(40)))
    env = dict(os.environ, GROUNDQA_PROGRESS_INTERVAL="0", PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-m", "app.cli", "index", str(docs), "--index", str(tmp_path / "idx"),
                        "--model", "fake"], capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    lines = [x for x in p.stderr.splitlines() if not x.startswith("groundqa: done in")]
    shares = [int(m.group(1)) for x in lines if (m := re.search(r"(\d+) % · ", x))]
    assert len(shares) >= 5 and shares == sorted(shares) and shares[-1] >= 90, lines
    job = [x for x in lines if re.search(r"\d+ % · ", x)]
    assert all(re.search(r"\b\d+/8 files? read\b|reading files \d+/8\b", x) for x in job), [
        x for x in job if not re.search(r"\b\d+/8 files? read\b|reading files \d+/8\b", x)]
    assert "0.0/s" not in p.stderr and "(0/s)" not in p.stderr, p.stderr


def test_job_estimate_only_rises_and_gives_time_left_after_a_tenth():
    from app.job_estimate import ETA_FROM, JobEstimate

    now = [0.0]
    job = JobEstimate(clock=lambda: now[0])
    seen, etas = [], []
    # Reading and embedding interleave; the sentence total grows (ignored), pages over a fixed total of 100.
    steps = [("reading files", 0, 4), ("reading pages", 0, 100), ("embedding sentences", 10, 40),
             ("reading pages", 30, 100), ("embedded pages", 5, 100), ("reading files", 1, 4),
             ("embedding sentences", 30, 400), ("reading pages", 70, 100), ("embedded pages", 40, 100),
             ("reading pages", 100, 100), ("embedded pages", 100, 100), ("building indexes", 1, 2),
             ("building indexes", 2, 2)]
    for stage, done, total in steps:
        now[0] += 2.0
        job.update(stage, done, total)
        seen.append(job.fraction())
        etas.append((job.fraction(), job.eta()))
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    assert all(e is None for f, e in etas if f < ETA_FROM)
    assert all(e is not None and e >= 0 for f, e in etas if f >= ETA_FROM)
    assert job.files == (1, 4)


def test_rates_are_never_zero_per_second():
    from app.progress import rate_text

    assert rate_text(0, 30.0, "reading files") == "starting"
    assert rate_text(1, 0.2, "reading files") == "starting"
    assert rate_text(1, 12.0, "reading files") == "12 s per file"
    assert rate_text(3, 4.0, "reading files") == "1.3 s per file"
    assert rate_text(7, 2.0, "embedding sentences") == "3.5/s"
    assert rate_text(760, 10.0, "embedding sentences") == "76/s"
