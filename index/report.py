"""What an indexing run reports: progress callbacks while it runs, an IndexReport when it ends."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from index.store import IndexFailure

__all__ = ["IndexReport", "NothingIndexed", "ProgressFn"]

ProgressFn = Callable[[str, int, int], None]
"""progress(stage, done, total) during long operations. Stages of build_index: "hashing files" (files),
"reading files" (files loaded and chunked of those to load), "reading pages" (pages of the files read, of the
pages counted before reading: a PDF's declared pages, a size estimate for other files), "embedding sentences"
(sentences embedded or reused of those known so far: the total grows while files are still being read),
"embedded pages" (pages whose sentences all have vectors, of the same total: with "reading pages", the two
counts an estimate of the whole job rests on, app/job_estimate.py), "building indexes" (steps)."""

class NothingIndexed(IndexFailure):
    """Every file was skipped; `skipped` holds the one-line reasons (the CLI prints them first)."""

    def __init__(self, message: str, skipped: Sequence[str]) -> None:
        super().__init__(message)
        self.skipped = list(skipped)


@dataclass
class IndexReport:
    """What one indexing run did."""

    index_dir: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)   # one line per bad file: "path: reason — fix"
    n_documents: int = 0
    n_passages: int = 0
    embedded: int = 0
    deduplicated: int = 0  # units that took the vector of an identical text embedded in the same run
    reused: int = 0
    seconds: float = 0.0
    changed: bool = False

    def summary(self) -> str:
        """One-paragraph human summary for the CLI."""
        lines = [f"{self.n_documents} documents, {self.n_passages} passages in {self.index_dir} "
                 f"({self.seconds:.1f} s): {len(self.added)} added, {len(self.updated)} updated, "
                 f"{len(self.removed)} removed, {self.unchanged} unchanged; "
                 f"{self.embedded} sentences embedded, {self.reused} vectors reused"
                 + (f", {self.deduplicated} repeated sentences embedded once" if self.deduplicated else "")]
        if self.skipped:
            lines.append(f"{len(self.skipped)} warning(s): files skipped")
        return "\n".join(lines)
