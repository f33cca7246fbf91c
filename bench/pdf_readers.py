"""The two PDF readers compared on the same files: speed against pypdf plain text, glued words, table rows.

    python -m bench.pdf_readers [--docs DIR ...] [--no-plain] [--out FILE.json]

Each file is read whole by groundqa's `load_file` with each reader ($GROUNDQA_PDF_READER=pdfium, then pypdf;
forked child, page layout, reflow, normalisation: everything indexing reads) and by pypdf plain `extract_text`
page by page, the three interleaved file by file with the order rotated, in one process: ms/page on the same
pages, in one run. Then, per file:
- glued words, both ways: a word of one reader's text that the other reader's text of the same file never
  has, but that splits into two words it has ("oftwenty" where the other reads "of twenty"): words one reader
  runs together where the other separates them;
- table rows: lines of the canonical text with ` | ` cells (what corpus/tables.py reads), how many each reader
  gives and how many are character-for-character the same in both.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DOCS = [ROOT.parent / "shared/eval-data/financebench-dev/docs",
                ROOT.parent / "shared/eval-data/financebench-metrics-dev/docs"]
_WORD = re.compile(r"[A-Za-z]+")


def read_with(reader: str, path: Path) -> tuple[str, float, int]:
    """(canonical text, seconds, pages) of `path` read by groundqa with `reader`."""
    from corpus import load_file

    os.environ["GROUNDQA_PDF_READER"] = reader
    t = time.perf_counter()
    doc = load_file(path, root=path.parent)
    return doc.text, time.perf_counter() - t, len(doc.page_starts)


def read_plain(path: Path) -> tuple[float, int]:
    """(seconds, pages) of pypdf plain `extract_text` over every page."""
    from pypdf import PdfReader

    t = time.perf_counter()
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    for page in reader.pages:
        page.extract_text()
    return time.perf_counter() - t, len(reader.pages)


def glued(text: str, other: str) -> list[str]:
    """Words of `text` absent from `other` that split into two words of `other` (both of 2+ letters, or 'a')."""
    vocab = {w.lower() for w in _WORD.findall(other)}
    out = []
    for w in _WORD.findall(text):
        lw = w.lower()
        if len(lw) < 4 or lw in vocab:
            continue
        if any((lw[:k] in vocab and (k >= 2 or lw[:k] == "a")) and lw[k:] in vocab and len(lw) - k >= 2
               for k in range(1, len(lw) - 1)):
            out.append(w)
    return out


def table_rows(text: str) -> list[str]:
    """Lines that are table rows in the canonical text (two or more ` | ` cells)."""
    return [ln for ln in text.split("\n") if " | " in ln and ln.strip(" |")]


def compare(new: str, old: str) -> dict:
    """Glued words both ways and table rows of the two texts of one file."""
    rows_new, rows_old = Counter(table_rows(new)), Counter(table_rows(old))
    rows_new, rows_old = (Counter(r.replace("\xa0", " ") for r in c.elements()) for c in (rows_new, rows_old))
    return {"glued_new": len(glued(new, old)), "glued_old": len(glued(old, new)),
            "glued_new_examples": glued(new, old)[:8], "glued_old_examples": glued(old, new)[:8],
            "rows_new": sum(rows_new.values()), "rows_old": sum(rows_old.values()),
            "rows_same": sum((rows_new & rows_old).values()), "chars_new": len(new), "chars_old": len(old)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", nargs="*", type=Path, default=DEFAULT_DOCS)
    ap.add_argument("--no-plain", action="store_true", help="skip the pypdf plain timing")
    ap.add_argument("--out", type=Path, default=None, help="write per-file figures as JSON here")
    args = ap.parse_args(argv)
    files = sorted(p for d in args.docs for p in d.glob("*.pdf"))
    kinds = ["pdfium", "pypdf"] + ([] if args.no_plain else ["plain"])
    secs = Counter()
    pages_total = 0
    per_file = []
    t0 = time.time()
    load0 = os.getloadavg()
    for n, path in enumerate(files):
        texts: dict[str, str] = {}
        order = kinds[n % len(kinds):] + kinds[:n % len(kinds)]  # rotated: no reader always goes first
        for kind in order:
            if kind == "plain":
                s, pages = read_plain(path)
            else:
                texts[kind], s, pages = read_with(kind, path)
            secs[kind] += s
        pages_total += pages
        row = {"file": path.name, "pages": pages, **compare(texts["pdfium"], texts["pypdf"])}
        per_file.append(row)
        print(f"{path.name}: {pages} pages, glued pdfium {row['glued_new']} / pypdf {row['glued_old']}, rows "
              f"{row['rows_new']} / {row['rows_old']} ({row['rows_same']} same)", flush=True)
    load1 = os.getloadavg()
    total = {k: sum(r[k] for r in per_file) for k in ("glued_new", "glued_old", "rows_new", "rows_old", "rows_same")}
    ms = {k: 1000 * secs[k] / pages_total for k in kinds}
    print(f"\n{len(files)} files, {pages_total:,} pages, {time.time() - t0:.0f} s; load {load0[0]:.1f} at the start, "
          f"{load1[0]:.1f} at the end")
    print("| reader | ms/page | x pypdf plain |\n|---|---|---|")
    for k in kinds:
        ratio = f"{ms[k] / ms['plain']:.3f}" if "plain" in ms else "-"
        print(f"| {k} | {ms[k]:.1f} | {ratio} |")
    print(f"glued words: pdfium {total['glued_new']} (pypdf separates them), pypdf {total['glued_old']} "
          f"(pdfium separates them); table rows: pdfium {total['rows_new']:,}, pypdf {total['rows_old']:,}, "
          f"the same in both {total['rows_same']:,}")
    if args.out:
        args.out.write_text(json.dumps({"ms_per_page": ms, "pages": pages_total, "load": [load0, load1],
                                        "total": total, "files": per_file}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
