"""Documents tab: the indexed documents, uploads (type and size checked), removal and re-indexing."""
from __future__ import annotations

import logging
import re
import shutil
import threading
import unicodedata
from pathlib import Path
from typing import Any, Callable, Sequence

import gradio as gr

from app.web import html as H
from app.api import GroundQA
from app.errors import USER_ERRORS

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
"""File types the app accepts for upload (checked in the browser and again on the server)."""
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""Largest accepted upload (also Gradio's `max_file_size`)."""
HEADERS = ["Path", "Title", "Passages", "Pages", "Size", "Indexed at", "Id"]
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def uploads_dir(api: GroundQA) -> Path:
    """Where uploaded files are kept: `<index_dir>/uploads/`."""
    return api.index_dir / "uploads"


def safe_name(name: str) -> str:
    """A file name safe to create in the uploads folder: no path parts, no odd characters."""
    base = unicodedata.normalize("NFKD", Path(str(name).replace("\\", "/")).name)
    suffix = Path(base).suffix  # the same suffix check_upload looked at
    stem = base[: len(base) - len(suffix)]
    stem = _UNSAFE.sub("_", stem.encode("ascii", "ignore").decode()).strip("._-")[:100] or "upload"
    return stem + suffix.lower()


def check_upload(path: Path, name: str) -> str | None:
    """Why an upload is refused (one line), or None when it is acceptable."""
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        return (f"{name}: file type {suffix or '(none)'} is not supported — upload "
                f"{' '.join(ALLOWED_SUFFIXES)} files")
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        return f"{name}: {size / 2**20:.1f} MB is over the {MAX_UPLOAD_BYTES // 2**20} MB upload limit — split the file"
    return None


def document_rows(api: GroundQA) -> list[list[Any]]:
    """Rows of the documents table (empty when there is no index)."""
    try:
        docs = api.documents()
    except USER_ERRORS:
        return []
    return [[d.path, d.title, d.n_passages, d.n_pages or "", f"{d.size:,} B", d.indexed_at[:16].replace("T", " "),
             d.doc_id[:12]] for d in docs]


def document_choices(api: GroundQA) -> list[tuple[str, str]]:
    """(path, doc id) pairs for the Remove dropdown."""
    try:
        return [(f"{d.path} ({d.doc_id[:12]})", d.doc_id) for d in api.documents()]
    except USER_ERRORS:
        return []


_STAGES = {  # builder stage -> (what the bar says, unit counted)
    "hashing files": ("Checking", "files"), "reading files": ("Reading", "files"),
    "embedding sentences": ("Embedding", "sentences"), "building indexes": ("Building the search indexes", "steps"),
}


def _progress_fn(progress: gr.Progress) -> Callable[[str, int, int], None]:
    """The builder's progress(stage, done, total) drawn on the one Gradio progress bar of the event.

    The bar says which stage runs and counts its real units (files read, sentences embedded); pages
    read so far join the reading stage's text. A notice of the builder's thread (the one-time ONNX
    export) replaces the text while it lasts."""
    pages = [0]

    def update(stage: str, done: int, total: int) -> None:
        if stage == "reading pages":
            pages[0] = done
            return
        desc, unit = _STAGES.get(stage, (stage.capitalize(), "steps"))
        if stage == "reading files" and pages[0]:
            desc += f" ({pages[0]:,} pages so far)"
        progress((done, max(total, 1)), desc=desc, unit=unit)

    return update


class _NoticeToProgress(logging.Handler):
    """Shows groundqa notices logged by this thread (e.g. the ONNX export) as the progress text."""

    def __init__(self, progress: gr.Progress) -> None:
        super().__init__(logging.INFO)
        self.progress, self.thread = progress, threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.progress(None, desc=record.getMessage())


def _indexing(api: GroundQA, progress: gr.Progress, **kw: Any) -> Any:
    """api.index(**kw) with its progress and notices on the event's progress bar."""
    handler = _NoticeToProgress(progress)
    log = logging.getLogger("groundqa")
    log.addHandler(handler)
    try:
        progress(0, desc="Starting")
        return api.index(progress=_progress_fn(progress), **kw)
    finally:
        log.removeHandler(handler)


def _status(lines: Sequence[str], ok: bool = True) -> str:
    cls = "gq-status" if ok else "gq-status gq-error"
    return f'<div class="{cls}">' + "<br>".join(H.esc(x) for x in lines) + "</div>"


def add_uploads(api: GroundQA, files: Sequence[str] | None, progress: gr.Progress) -> str:
    """Check, copy into the uploads folder and index uploaded files; returns status HTML."""
    files = [f for f in (files or []) if f]
    if not files:
        return _status(["no file received"], ok=False)
    refused, accepted = [], []
    dest_dir = uploads_dir(api)
    dest_dir.mkdir(parents=True, exist_ok=True)
    for f in files:
        src = Path(f)
        name = src.name
        problem = check_upload(src, name)
        if problem:
            refused.append(problem)
            continue
        dest = dest_dir / safe_name(name)
        shutil.copyfile(src, dest)
        accepted.append(dest)
    if not accepted:
        return _status(refused, ok=False)
    try:
        report = _indexing(api, progress, paths=accepted, remove_missing=False)
    except USER_ERRORS as exc:
        for dest in accepted:
            dest.unlink(missing_ok=True)
        return _status(refused + [str(exc)], ok=False)
    indexed = {d.source for d in api.documents()}
    for dest in accepted:  # drop copies that could not be indexed
        if str(dest.resolve()) not in indexed:
            dest.unlink(missing_ok=True)
    lines = [report.summary().splitlines()[0]] + [f"skipped {s}" for s in report.skipped] + refused
    return _status(lines, ok=not (report.skipped or refused))


def remove_document(api: GroundQA, doc_id: str | None, progress: gr.Progress) -> str:
    """Remove one document from the index (its uploaded copy too); returns status HTML."""
    if not doc_id:
        return _status(["choose a document to remove"], ok=False)
    docs = {d.doc_id: d for d in api.documents()}
    doc = docs.get(doc_id)
    try:
        report = api.remove([doc_id], progress=_progress_fn(progress))
    except USER_ERRORS as exc:
        return _status([str(exc)], ok=False)
    if doc is not None:
        src = Path(doc.source)
        if src.parent.resolve() == uploads_dir(api).resolve():
            src.unlink(missing_ok=True)
    return _status([f"removed {doc.path if doc else doc_id}", report.summary().splitlines()[0]])


def reindex(api: GroundQA, rebuild: bool, progress: gr.Progress) -> str:
    """Re-index every document's source file (changed files only, or all with `rebuild`)."""
    try:
        docs = api.documents()
    except USER_ERRORS as exc:
        return _status([str(exc)], ok=False)
    present = [d.source for d in docs if Path(d.source).is_file()]
    gone = [d.path for d in docs if not Path(d.source).is_file()]
    lines = [f"source file missing for {p} — remove it, or put the file back" for p in gone]
    if not present:
        return _status(lines or ["nothing to re-index"], ok=False)
    try:
        report = _indexing(api, progress, paths=present, rebuild=rebuild, remove_missing=False)
    except USER_ERRORS as exc:
        return _status(lines + [str(exc)], ok=False)
    return _status([report.summary().splitlines()[0]] + [f"skipped {s}" for s in report.skipped] + lines,
                   ok=not (gone or report.skipped))


def build_documents_tab(api: GroundQA) -> tuple[gr.Dataframe, gr.Dropdown, Callable[[], Any]]:
    """Render the Documents tab; returns the table, the Remove dropdown and their refresh function."""
    table = gr.Dataframe(headers=HEADERS, value=None, interactive=False, wrap=True,
                         column_widths=["20%", "30%", "9%", "8%", "10%", "13%", "10%"],
                         label="Indexed documents", elem_id="gq-docs")
    with gr.Row():
        with gr.Column():
            upload = gr.File(label=f"Add documents ({' '.join(ALLOWED_SUFFIXES)}; up to "
                             f"{MAX_UPLOAD_BYTES // 2**20} MB each)", file_count="multiple",
                             file_types=list(ALLOWED_SUFFIXES), type="filepath", elem_id="gq-upload")
        with gr.Column():
            which = gr.Dropdown(choices=[], label="Document", elem_id="gq-remove-which")
            remove = gr.Button("Remove from index", variant="stop", elem_id="gq-remove")
            rebuild = gr.Checkbox(False, label="Rebuild (re-chunk and re-embed everything)")
            again = gr.Button("Re-index changed files", elem_id="gq-reindex")
    status = gr.HTML("", elem_id="gq-docs-status")

    def refresh() -> tuple[Any, Any]:
        return gr.Dataframe(value=document_rows(api), headers=HEADERS), gr.Dropdown(choices=document_choices(api),
                                                                                    value=None)

    def on_upload(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        return (add_uploads(api, files, progress), None, *refresh())

    def on_remove(doc_id: str | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        return (remove_document(api, doc_id, progress), *refresh())

    def on_reindex(full: bool, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        return (reindex(api, full, progress), *refresh())

    # One progress bar per operation, on the status line (Gradio would draw one on every output).
    upload.upload(on_upload, upload, [status, upload, table, which], api_name="upload",
                  api_visibility="undocumented", show_progress_on=status)
    remove.click(on_remove, which, [status, table, which], api_name="remove", api_visibility="undocumented",
                 show_progress_on=status)
    again.click(on_reindex, rebuild, [status, table, which], api_name="reindex", api_visibility="undocumented",
                show_progress_on=status)
    return table, which, refresh
