"""PDF reading speed: the pdfium reader against pypdf plain `extract_text` and the pypdf layout reader it
replaced (taken from git), on the same PDFs, interleaved file by file in one run; then a whole
`groundqa index` of the folder with each code version, in fresh processes, back to back.

    python -m bench.pdf_read [--docs ../shared/eval-data/financebench-dev/docs] [--old-rev 219886a]
                             [--index-model fake] [--skip-index]

The old reader is the repository's corpus/loaders/pdf.py and pdf_layout.py at --old-rev, written to a
temporary folder and imported from there (every other module is today's). The whole-index comparison runs
the CLI of --old-rev (extracted with git archive) against today's (`--index-model fake` leaves embedding out, so it times
reading, chunking and index building; pass a real model name to include embedding).
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT.parent / "shared" / "eval-data" / "financebench-dev" / "docs"


def old_reader(rev: str, where: Path):  # noqa: ANN201 - the old module's load_pdf
    """load_pdf of corpus/loaders/pdf.py at `rev`, importing its pdf_layout from the same revision."""
    for name in ("pdf", "pdf_layout"):
        src = subprocess.run(["git", "show", f"{rev}:corpus/loaders/{name}.py"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
        src = src.replace("from corpus.loaders.pdf_layout import", "from old_pdf_layout import")
        (where / f"old_{name}.py").write_text(src, encoding="utf-8")
    sys.path.insert(0, str(where))
    spec = importlib.util.spec_from_file_location("old_pdf", where / "old_pdf.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod.load_pdf


def pypdf_plain(raw: bytes) -> int:
    """pypdf's plain extract_text over every page; returns the page count."""
    from pypdf import PdfReader

    r = PdfReader(io.BytesIO(raw))
    if r.is_encrypted:
        r.decrypt("")
    for page in r.pages:
        page.extract_text()
    return len(r.pages)


def time_readers(files: list[Path], rev: str) -> dict[str, float]:
    """Seconds per reader over all files, readers run one after the other on each file (order rotated)."""
    from corpus.loaders.pdf import load_pdf

    with tempfile.TemporaryDirectory() as tmp:
        old = old_reader(rev, Path(tmp))
        readers = {
            "pdfium reader (new)": lambda raw, f: load_pdf(raw, f, f.name),
            "pypdf plain extract_text": lambda raw, f: pypdf_plain(raw),
            f"pypdf layout reader ({rev})": lambda raw, f: old(raw, f, f.name),
        }
        spent = dict.fromkeys(readers, 0.0)
        names = list(readers)
        for k, f in enumerate(files):
            raw = f.read_bytes()
            for name in names[k % 3:] + names[:k % 3]:
                t = time.perf_counter()
                readers[name](raw, f)
                spent[name] += time.perf_counter() - t
            print(f"  {f.name}: " + ", ".join(f"{n.split(' (')[0]} {spent[n]:.1f} s" for n in names), flush=True)
    return spent


def whole_index(docs: Path, rev: str, model: str) -> dict[str, float]:
    """Wall seconds of `groundqa index DOCS` into a fresh folder, today's code and --old-rev's, back to back."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = Path(tmp) / "old"
        old_tree.mkdir()
        # The old code as files (git archive), not a worktree: nothing is added to the repository's metadata.
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive, check=True)
        for label, tree in ((f"old ({rev})", old_tree), ("new", ROOT)):
            env = dict(os.environ, PYTHONPATH=str(tree))
            t = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "app.cli", "index", str(docs), "--index",
                                str(Path(tmp) / f"idx-{label[:3]}"), "--model", model], cwd=tmp, env=env,
                               capture_output=True, text=True)
            out[label] = time.perf_counter() - t
            print(f"  index {label}: {out[label]:.1f} s (rc {r.returncode}) {r.stdout.strip()[:160]}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", default=str(DOCS))
    ap.add_argument("--old-rev", default="219886a", help="git revision of the reader to compare against")
    ap.add_argument("--index-model", default="fake")
    ap.add_argument("--skip-index", action="store_true")
    args = ap.parse_args()
    files = sorted(Path(args.docs).glob("*.pdf"))
    import pypdfium2 as pdfium

    pages = 0
    for f in files:
        pdf = pdfium.PdfDocument(str(f))
        pages += len(pdf)
        pdf.close()
    print(f"{len(files)} PDFs, {pages} pages, load average {os.getloadavg()[0]:.1f} at start")
    spent = time_readers(files, args.old_rev)
    plain = spent["pypdf plain extract_text"]
    for name, s in spent.items():
        print(f"{name}: {1000 * s / pages:.1f} ms/page, {pages / s:.1f} pages/s, {s / plain:.3f}x pypdf plain")
    if not args.skip_index:
        times = whole_index(Path(args.docs), args.old_rev, args.index_model)
        old, new = times[f"old ({args.old_rev})"], times["new"]
        print(f"whole index (--model {args.index_model}): old {old:.1f} s, new {new:.1f} s, {old / new:.1f}x faster")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
