"""False positives of the planted-instruction detector (corpus/addressed.py) on the dev corpora.

    python -m bench.addressed_fp [--sets …] [--index SET=INDEX_DIR …] [--cache DIR] [--baseline OLD/addressed.py]
                                 [--list]

Every sentence of every document of each set is read (the dev corpora hold no planted instruction, so every
sentence flagged is a false positive); prints per set the documents, sentences and flagged sentences, and with
--list each flagged sentence. Text comes from the set's .txt documents, or — for the PDF sets — from an index
built over them (`--index financebench-dev=/work/idx/main-fbdev`, read only), else from loading the PDFs.
`--cache DIR` keeps the loaded text of each set there as JSON (loading PDFs takes minutes) and reads it back on
the next run. `--baseline` also counts with another version of the detector (a copy of an older corpus/addressed.py), on the
same text.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sqlite3
from pathlib import Path
from typing import Callable

from bench.verifier_cases import DATA, SEED_DOCS, SETS
from corpus import sentence_spans
from corpus.addressed import is_addressed


def _from_index(root: Path) -> list[tuple[str, str]]:
    from index.store import IndexDir
    from index.store import tables as db

    gen = IndexDir(root).current()
    if gen is None:
        raise SystemExit(f"no index in {root} — build one or leave --index out")
    con = db.connect(gen / db.DB_FILE, readonly=True)
    try:
        return [(p, t) for p, t in con.execute("SELECT path, text FROM documents ORDER BY path").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise SystemExit(f"cannot read {root}: {exc}") from exc
    finally:
        con.close()


def documents(name: str, index: Path | None) -> list[tuple[str, str]]:
    """(name, canonical text) of every document of a set."""
    if index is not None:
        return _from_index(index)
    from corpus import load_file

    folder = SEED_DOCS if name == "seed-report" else DATA / name / "docs"
    out = []
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() in (".txt", ".pdf", ".md", ".html", ".docx"):
            out.append((p.name, load_file(p).text))
    return out


def scan(docs: list[tuple[str, str]], detector: Callable[[str], bool] = is_addressed
         ) -> tuple[int, list[tuple[str, str]]]:
    """(sentences read, [(document, flagged sentence)])."""
    n, flagged = 0, []
    for name, text in docs:
        for s, e in sentence_spans(text):
            n += 1
            if detector(text[s:e]):
                flagged.append((name, " ".join(text[s:e].split())[:200]))
    return n, flagged


def _load_detector(path: Path) -> Callable[[str], bool]:
    spec = importlib.util.spec_from_file_location("baseline_addressed", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path} — give the path of an addressed.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.is_addressed


def _cached(folder: Path | None, name: str, load: Callable[[], list[tuple[str, str]]]) -> list[tuple[str, str]]:
    if folder is None:
        return load()
    path = folder / f"{name}.json"
    if path.is_file():
        return [tuple(d) for d in json.loads(path.read_text(encoding="utf-8"))]
    docs = load()
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(docs), encoding="utf-8")
    return docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", nargs="+", default=list(SETS))
    ap.add_argument("--index", nargs="*", default=[], metavar="SET=DIR", help="read a set's text from an index")
    ap.add_argument("--cache", type=Path, help="keep each set's loaded text here (JSON) and reuse it")
    ap.add_argument("--baseline", type=Path, help="an older corpus/addressed.py to count with too")
    ap.add_argument("--list", action="store_true", help="print every flagged sentence")
    args = ap.parse_args()
    indexes = dict(x.split("=", 1) for x in args.index)
    old = _load_detector(args.baseline) if args.baseline else None
    print("| set | documents | sentences | flagged | documents flagged |" + (" flagged (baseline) |" if old else "")
          + "\n|---|---:|---:|---:|---:|" + ("---:|" if old else ""), flush=True)
    listing = []
    for name in args.sets:
        docs = _cached(args.cache, name, lambda: documents(name, Path(indexes[name]) if name in indexes else None))
        n, flagged = scan(docs)
        row = f"| {name} | {len(docs)} | {n} | {len(flagged)} | {len({d for d, _ in flagged})} |"
        if old:
            _, before = scan(docs, old)
            row += f" {len(before)} |"
            listing += [(name + " (baseline)", d, s) for d, s in before]
        print(row, flush=True)
        listing += [(name, d, s) for d, s in flagged]
    if args.list:
        for name, d, s in listing:
            print(f"{name}\t{d}\t{s}")


if __name__ == "__main__":
    main()
