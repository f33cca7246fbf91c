"""The bundled sample report as a demo: indexed into a new index so the app has something to answer from,
and dropped again (with a one-line notice) as soon as the user's own first document is indexed beside it.

Only a sample that groundqa put there itself (`serve` on a missing index, `groundqa index` with no paths) is
dropped: a marker file in the index folder says so. A user who indexes the sample folder on purpose keeps it.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import USER_ERRORS

if TYPE_CHECKING:
    from app.api import GroundQA

DEMO_MARKER = "SAMPLE-DEMO"
"""File in the index folder whose presence means: the sample report in this index is only a demo."""


def sample_names() -> set[str]:
    """File names of the bundled sample report."""
    from corpus import SAMPLE_DIR

    return {p.name for p in Path(SAMPLE_DIR).iterdir() if p.is_file()}


def is_sample_doc(path: str) -> bool:
    """Whether an indexed document's path is one of the bundled sample report's files."""
    return Path(path).name in sample_names()


def mark_demo(api: "GroundQA") -> None:
    """Record that the sample report was indexed as a demo (it goes when the user's own documents come)."""
    api.index_dir.mkdir(parents=True, exist_ok=True)
    (api.index_dir / DEMO_MARKER).write_text("the sample report in this index is a demo: groundqa removes it when "
                                             "the first document of your own is indexed\n", encoding="utf-8")


def drop_demo_sample(api: "GroundQA") -> str | None:
    """Remove the demo sample once the index holds another document too; returns the one-line notice, or None
    when there was nothing to drop (no demo marker, or nothing but the sample indexed)."""
    marker = api.index_dir / DEMO_MARKER
    if not marker.exists():
        return None
    try:
        docs = api.documents()
    except USER_ERRORS:
        return None
    demo = [d.doc_id for d in docs if is_sample_doc(d.path)]
    if len(demo) == len(docs):  # only the sample (or nothing): it stays as the demo
        return None
    if demo:
        api.remove(demo)
    marker.unlink(missing_ok=True)
    return ("removed the bundled sample report (a demo) now that your own documents are indexed — "
            "`groundqa index corpus/sample` adds it back" if demo else None)
