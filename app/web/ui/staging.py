"""Putting uploads into `<index>/uploads/` without ever replacing or losing a document.

Rules (issue #18 items 2, 3, 8, 11):
- an upload never overwrites a file: the copy is written under uploads/.staging/ and hard-linked to
  its final name, which fails if the name exists (two concurrent uploads cannot both take one name);
- a name already used by an indexed document, or by a file in uploads/, gets a content-hash suffix,
  so a forged "report.pdf" cannot pose as the indexed report.pdf, and 报告.txt / 会议.txt stay two files;
- a file whose bytes are already indexed is not added again;
- on failure only the files this upload created are deleted; leftovers of a killed upload are swept.
"""
from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from corpus.types import file_sha256

STAGING = ".staging"
"""Sub-folder of uploads/ for copies in progress (never indexed; swept by `sweep_uploads`)."""


@dataclass(frozen=True)
class Placed:
    """An upload in the uploads folder: where, and whether this upload created the file."""

    dest: Path
    created: bool


def taken_names(docs: Iterable[object]) -> set[str]:
    """Names an upload must not take: each indexed document's path and file name, case-folded."""
    out: set[str] = set()
    for d in docs:
        p = str(getattr(d, "path", ""))
        out.update({p.casefold(), Path(p).name.casefold()})
    return out


def place_upload(src: Path, name: str, dest_dir: Path, taken: set[str], indexed_hashes: dict[str, str]
                 ) -> Placed | str:
    """Copy `src` into `dest_dir` as `name` (or name-<hash>.ext); a one-line refusal for a duplicate."""
    digest = file_sha256(src)
    if digest in indexed_hashes:
        return f"{name}: already indexed (same content as {indexed_hashes[digest]}) — nothing added"
    stem, suffix = name[: len(name) - len(Path(name).suffix)], Path(name).suffix
    staging = dest_dir / STAGING
    staging.mkdir(parents=True, exist_ok=True)
    tmp = staging / f"{secrets.token_hex(8)}{suffix}"
    shutil.copyfile(src, tmp)
    try:
        for candidate in (name, f"{stem}-{digest[:8]}{suffix}", f"{stem}-{digest[:16]}{suffix}"):
            dest = dest_dir / candidate
            if candidate.casefold() in taken:
                continue
            if dest.exists():
                if dest.is_file() and file_sha256(dest) == digest:
                    return Placed(dest, created=False)  # the same bytes under the same name: reuse it
                continue
            try:
                os.link(tmp, dest)  # atomic, and fails if the name was taken meanwhile
            except FileExistsError:
                continue
            return Placed(dest, created=True)
        return f"{name}: the name and its content-hash variants are all taken — rename the file and upload it again"
    finally:
        tmp.unlink(missing_ok=True)


def sweep_uploads(dest_dir: Path, indexed_sources: set[str]) -> list[str]:
    """Delete staging leftovers and files in uploads/ that no indexed document uses (a killed upload's).

    Call only when no upload is in progress (server start). Returns the names deleted.
    """
    gone: list[str] = []
    if not dest_dir.is_dir():
        return gone
    shutil.rmtree(dest_dir / STAGING, ignore_errors=True)
    for p in dest_dir.iterdir():
        if p.is_file() and not p.is_symlink() and str(p.resolve()) not in indexed_sources:
            p.unlink(missing_ok=True)
            gone.append(p.name)
    return gone
