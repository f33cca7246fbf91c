"""What an indexing run must do, decided per file: load it (new or changed bytes), leave it (same bytes), or
drop its document (file gone under an indexed folder, or removed by name). One rule for the embedded folder
(index/builder.py) and the store writer (index/store/milvus/build.py)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence

from corpus import LoadError
from index.report import IndexReport, ProgressFn
from index.store import IndexFailure

__all__ = ["admit", "plan_changes", "under"]


class _Indexed(Protocol):
    path: str
    source: str
    doc_id: str
    file_hash: str


def under(source: str, roots: Sequence[Path]) -> bool:
    """Whether a source path is one of `roots` or lies below one of them."""
    return any(source == str(r) or source.startswith(str(r) + os.sep) for r in roots)


def plan_changes(found: Sequence[tuple[Path, Path]], old_docs: Mapping[str, _Indexed], roots: Sequence[Path],
                 remove: Sequence[str], remove_missing: bool, rebuild: bool, report: IndexReport,
                 progress: ProgressFn | None, sha256) -> tuple[list[tuple[Path, Path, str]], set[str]]:
    """(files to load as (file, root, sha-256), sources to drop); counts unchanged and unreadable files in
    `report`. IndexFailure for a name to remove that names no document, or more than one."""
    to_load: list[tuple[Path, Path, str]] = []
    seen: set[str] = set()
    for i, (f, root) in enumerate(found):
        source = str(f.resolve())
        seen.add(source)
        try:
            fh = sha256(f)
        except OSError as exc:
            report.skipped.append(f"{f}: cannot read ({exc.strerror}) — check the file's permissions")
            continue
        prev = old_docs.get(source)
        if prev and prev.file_hash == fh and not rebuild:
            report.unchanged += 1
        else:
            to_load.append((f, root, fh))
        if progress:
            progress("hashing files", i + 1, len(found))
    drop = {s for s in old_docs if remove_missing and under(s, roots) and s not in seen}
    for r in remove:
        hits = [s for s, d in old_docs.items() if r in (d.path, d.source, d.doc_id)]
        if not hits:
            raise IndexFailure(f"no document {r!r} in the index — list them with `groundqa docs`")
        if len(hits) > 1:  # two files shown under one name: never remove both on a name alone
            ids = ", ".join(sorted(old_docs[h].doc_id for h in hits))
            raise IndexFailure(f"{r!r} names {len(hits)} documents (ids {ids}) — remove one by its id")
        drop.update(hits)
    return to_load, drop


def admit(item: Any, present: set[str], old_docs: Mapping[str, _Indexed], report: IndexReport
          ) -> tuple[Any, str, int, _Indexed | None] | None:
    """A file the run loaded, judged the same way by both build drivers: None when it is skipped (it failed to
    load, or its text is a document already indexed — recorded in `report`); else (document, source, size,
    the indexed version of that source or None), recorded as added or updated and its doc id added to
    `present`."""
    if isinstance(item, LoadError):
        report.skipped.append(str(item))
        return None
    doc, source, size = item
    if doc.doc_id in present:
        report.skipped.append(f"{doc.path}: same text as a document already indexed — skipped (duplicate)")
        return None
    present.add(doc.doc_id)
    old = old_docs.get(source)
    if old is None:
        report.added.append(doc.path)
    elif old.doc_id != doc.doc_id:
        report.updated.append(doc.path)
    return doc, source, size, old
