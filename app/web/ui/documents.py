"""Documents tab: the indexed documents, uploads (type and size checked), removal and re-indexing."""
from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

import gradio as gr

from app.web import html as H
from app.api import GroundQA
from app.errors import USER_ERRORS
from app.web.ui.index_progress import indexing, progress_fn
from app.web.ui.staging import Placed, place_upload, sweep_uploads, taken_names
# The table lives in doc_table; its names stay importable from here, where the tab's callers look for them.
from app.web.ui.doc_table import (  # noqa: F401
    AI_FLAG, ai_flag, document_choices, document_rows, documents_html, human_size)
from app.web.ui.uploads import NotUploadedError, discard, require_uploaded

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
"""File types the app accepts for upload (checked in the browser and again on the server)."""
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""Largest accepted upload (also Gradio's `max_file_size`)."""
UPLOAD_TEXT = {"upload_text.drop_file": "Drop files here", "upload_text.click_to_upload": "Click to choose files"}
"""Gradio's upload-area wording ("Drop File Here"), as this app says it: several files can be added at once."""
_UNSAFE = re.compile(r"[^\w.-]+")  # \w is Unicode-aware: 报告.txt keeps its name (collisions: see staging)


def uploads_dir(api: GroundQA) -> Path:
    """Where uploaded files are kept: `<index_dir>/uploads/`."""
    return api.index_dir / "uploads"


def safe_name(name: str) -> str:
    """A file name safe to create in the uploads folder: no path parts, no odd characters."""
    base = unicodedata.normalize("NFC", Path(str(name).replace("\\", "/")).name)
    suffix = Path(base).suffix  # the same suffix check_upload looked at
    stem = base[: len(base) - len(suffix)]
    stem = _UNSAFE.sub("_", stem).strip("._-")[:100] or "upload"
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


def _status(lines: Sequence[str], ok: bool = True) -> str:
    cls = "gq-status" if ok else "gq-status gq-error"
    return f'<div class="{cls}">' + "<br>".join(H.esc(x) for x in lines) + "</div>"


def add_uploads(api: GroundQA, files: Sequence[str] | None, progress: gr.Progress,
                landed: Callable[[int, int], None] | None = None) -> str:
    """Check, copy into the uploads folder and index uploaded files; returns status HTML. `landed(files read,
    files)` is called as each file is read."""
    files = [f for f in (files or []) if f]
    if not files:
        return _status(["no file received"], ok=False)
    refused, placed, notes = [], [], []
    dest_dir = uploads_dir(api)
    dest_dir.mkdir(parents=True, exist_ok=True)
    docs = _indexed(api)
    taken, hashes = taken_names(docs), {d.file_hash: d.path for d in docs}
    for f in files:
        src = Path(f)
        name = src.name
        problem = check_upload(src, name)
        if problem:
            refused.append(problem)
            continue
        where = place_upload(src, safe_name(name), dest_dir, taken, hashes)
        if isinstance(where, str):
            refused.append(where)
            continue
        placed.append(where)
        taken.add(where.dest.name.casefold())
        if where.dest.name != safe_name(name):
            notes.append(f"{name} is stored as {where.dest.name}: its name was taken by another document")
    if not placed:
        return _status(refused, ok=False)
    accepted = [p.dest for p in placed]
    try:
        report = indexing(api, progress, landed, paths=accepted, remove_missing=False)
    except USER_ERRORS as exc:
        _drop_created(placed)  # only files this upload created: an existing document's file is never touched
        return _status(refused + [_no_server_paths(api, str(exc))], ok=False)
    indexed = {d.source for d in api.documents()}
    _drop_created([p for p in placed if str(p.dest.resolve()) not in indexed])  # copies that could not be indexed
    from app.sample import drop_demo_sample

    notice = drop_demo_sample(api)  # the user's own first document is in: the demo sample goes
    if notice:
        report.n_documents = len(_indexed(api))  # one count everywhere: the summary says what the header says
    lines = [report.summary().splitlines()[0]] + notes + [f"skipped {s}" for s in report.skipped] + refused
    if notice:
        lines.append(notice)
    return _status([_no_server_paths(api, x) for x in lines], ok=not (report.skipped or refused))


def _indexed(api: GroundQA) -> list[Any]:
    """The indexed documents, or [] before there is an index."""
    try:
        return api.documents()
    except USER_ERRORS:
        return []


def sweep_orphan_uploads(api: GroundQA) -> list[str]:
    """At server start: delete what a killed upload left in uploads/ (files no indexed document uses)."""
    try:
        sources = {d.source for d in api.documents()}
    except USER_ERRORS:  # no readable index: leave every file alone
        return []
    return sweep_uploads(uploads_dir(api), sources)


def _summary(api: GroundQA, report: Any) -> str:
    """The first line of an index report, without the server's paths."""
    return _no_server_paths(api, report.summary().splitlines()[0])


def _drop_created(placed: Sequence[Placed]) -> None:
    for p in placed:
        if p.created:
            p.dest.unlink(missing_ok=True)


def _no_server_paths(api: GroundQA, line: str) -> str:
    """A status line with the index and uploads folders' absolute paths shortened to their names."""
    for d, short in ((uploads_dir(api), ""), (api.index_dir, "the index")):
        for form in {str(d.resolve()), str(d.absolute())}:
            line = line.replace(f"index {form} ", "the index ")  # IndexLocked: "index /abs/path is being written"
            line = line.replace(form + os.sep, short).replace(form, short or "uploads")
    return line


def accept_uploads(api: GroundQA, files: Sequence[str] | None, progress: gr.Progress,
                   landed: Callable[[int, int], None] | None = None) -> str:
    """The upload event: only files Gradio received from this page are read, then dropped from its folder."""
    files = [f for f in (files or []) if f]
    try:
        require_uploaded(files)  # a client-sent path naming any other server file is refused, all or nothing
    except NotUploadedError as exc:
        return _status([str(exc)], ok=False)
    try:
        return add_uploads(api, files, progress, landed)
    finally:
        discard(files)  # copied into uploads/ or refused: Gradio's copy is not needed either way


def remove_document(api: GroundQA, doc_id: str | None, progress: gr.Progress) -> str:
    """Remove one document from the index (its uploaded copy too); returns status HTML."""
    if not doc_id:
        return _status(["choose a document to remove"], ok=False)
    docs = {d.doc_id: d for d in api.documents()}
    doc = docs.get(doc_id)
    try:
        report = api.remove([doc_id], progress=progress_fn(progress))
    except USER_ERRORS as exc:
        return _status([_no_server_paths(api, str(exc))], ok=False)
    if doc is not None:
        src = Path(doc.source)
        if src.parent.resolve() == uploads_dir(api).resolve():
            src.unlink(missing_ok=True)
    return _status([f"removed {doc.path if doc else doc_id}", _summary(api, report)])


def reindex(api: GroundQA, rebuild: bool, progress: gr.Progress) -> str:
    """Re-index every document's source file (changed files only, or all with `rebuild`)."""
    try:
        docs = api.documents()
    except USER_ERRORS as exc:
        return _status([_no_server_paths(api, str(exc))], ok=False)
    present = [d.source for d in docs if Path(d.source).is_file()]
    gone = [d.path for d in docs if not Path(d.source).is_file()]
    lines = [f"source file missing for {p} — remove it, or put the file back" for p in gone]
    if not present:
        return _status(lines or ["nothing to re-index"], ok=False)
    try:
        report = indexing(api, progress, paths=present, rebuild=rebuild, remove_missing=False)
    except USER_ERRORS as exc:
        return _status(lines + [_no_server_paths(api, str(exc))], ok=False)
    return _status([_summary(api, report)] + [_no_server_paths(api, f"skipped {s}") for s in report.skipped] + lines,
                   ok=not (gone or report.skipped))


def remove_question(api: GroundQA, doc_id: str | None) -> str:
    """The confirmation's words: what removing this document does to the index and to its file."""
    doc = next((d for d in _indexed(api) if d.doc_id == doc_id), None)
    if doc is None:
        return ""
    name = f"<b>{H.esc(doc.path)}</b>"
    if Path(doc.source).parent.resolve() == uploads_dir(api).resolve():
        fate = "The copy uploaded to the server is deleted too."
    else:
        fate = f"The file itself ({H.esc(Path(doc.path).name)}) is not touched: it stays where it is."
    return (f'<div class="gq-note">Remove {name} from the index? Answers will no longer cite it. {fate}</div>')


class DocumentsTab(NamedTuple):
    """What the app wires to the Documents tab: its table, the Remove dropdown, their refresh function and the
    events after which the indexed corpus may have changed (the header and examples follow them)."""

    table: gr.HTML
    which: gr.Dropdown
    refresh: Callable[[], Any]
    changed: list[Any]


_SHOW_LIVE = """(s) => { if (!s) return; const d = JSON.parse(s);
    const old = document.querySelector('#gq-docs .gq-doc-wrap, #gq-docs .gq-docs-empty');
    if (old) old.outerHTML = d.table;
    const head = document.querySelector('#gq-header-box .gq-header');
    if (head && d.header) head.outerHTML = d.header; }"""
"""Copies an upload's live table and header (on_tick's JSON) into the page."""


def build_documents_tab(api: GroundQA, header: gr.HTML | None = None,
                        header_html: Callable[[str], str] | None = None) -> DocumentsTab:
    """Render the Documents tab; returns its table, the Remove dropdown, their refresh and the changing events.
    With `header` (the app's header) and `header_html(note)`, an upload updates the header as files are read."""
    # The status line, which carries the one progress bar of an upload, removal or re-index, sits at the top of
    # the tab: in view however long the document list below it grows.
    status = gr.HTML("", elem_id="gq-docs-status")
    table = gr.HTML(documents_html(api), elem_id="gq-docs", js_on_load=None)
    with gr.Row():
        with gr.Column():
            upload = gr.File(label=f"Add documents ({' '.join(ALLOWED_SUFFIXES)}; up to "
                             f"{MAX_UPLOAD_BYTES // 2**20} MB each)", file_count="multiple",
                             file_types=list(ALLOWED_SUFFIXES), type="filepath", elem_id="gq-upload")
        with gr.Column():
            which = gr.Dropdown(choices=[], label="Remove a document from the index", elem_id="gq-remove-which")
            # Shown only once a document is chosen (a class set by the dropdown's change): a red button beside an
            # empty choice offered an action on nothing.
            remove = gr.Button("Remove…", variant="stop", size="sm", elem_id="gq-remove")
            # A column, always rendered and shown by a class: a gr.Group puts its id on two elements (two
            # #gq-remove-confirm on the page), and a visibility change re-renders it.
            with gr.Column(elem_id="gq-remove-confirm", elem_classes=["gq-confirm"]):
                confirm_text = gr.HTML("", elem_id="gq-remove-question", js_on_load=None)
                with gr.Row():
                    yes = gr.Button("Yes, remove it", variant="stop", size="sm", elem_id="gq-remove-yes")
                    no = gr.Button("Cancel", size="sm", elem_id="gq-remove-no")
            rebuild = gr.Checkbox(False, label="Rebuild (re-chunk and re-embed everything)")
            again = gr.Button("Re-index changed files", elem_id="gq-reindex")

    def refresh() -> tuple[Any, Any]:
        return documents_html(api), gr.Dropdown(choices=document_choices(api), value=None)

    live_header = [header] if header is not None and header_html is not None else []
    # An upload's files as they are read, shown by a timer that ticks only while an upload runs: the upload
    # event itself must stay one call (a generator's first yield takes its progress bar off the page).
    live: dict[str, Any] = {"names": [], "landed": (0, 0), "shown": None}
    ticker = gr.Timer(0.5, active=False)

    def on_upload(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        live.update(names=[safe_name(Path(f).name) for f in (files or []) if f], landed=(0, 0), shown=None)

        def landed(done: int, total: int) -> None:
            live["landed"] = (done, total)

        try:
            result = accept_uploads(api, files, progress, landed)
        finally:
            live["names"] = []
        return (result, None, *refresh(), gr.Timer(active=False), *[header_html("") for _ in live_header])

    def on_tick() -> Any:
        done, total = live["landed"]
        if not live["names"] or not total or live["shown"] == (done, total):
            return gr.skip()
        live["shown"] = (done, total)
        pending = [(n, "read — being indexed" if i < done else "waiting")
                   for i, n in enumerate(live["names"][:total])]
        return json.dumps({"table": documents_html(api, pending),
                           "header": header_html(f"indexing: {done:,}/{total:,} files read") if live_header else ""})

    # The tick's result goes to a hidden box and the page copies it into the table and header: a Gradio output
    # of its own would draw a second progress indicator on them while the upload runs.
    live_box = gr.Textbox("", visible=False)
    ticker.tick(on_tick, None, live_box, show_progress="hidden")
    live_box.change(None, live_box, None, js=_SHOW_LIVE)

    def on_remove(doc_id: str | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        return (remove_document(api, doc_id, progress), *refresh())

    def on_reindex(full: bool, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        return (reindex(api, full, progress), *refresh())

    # While indexing runs the table stays in place, greyed, until the status reports the result; one progress bar
    # per operation, on the status line (Gradio would draw one on every output).
    busy = "(...a) => { document.querySelector('#gq-docs')?.classList.add('gq-busy'); return a; }"
    idle = "() => { document.querySelector('#gq-docs')?.classList.remove('gq-busy'); }"
    close = "document.querySelector('#gq-remove-confirm')?.classList.remove('gq-open');"
    upload.upload(None, js="() => { document.querySelector('#gq-docs')?.classList.add('gq-busy'); }", queue=False)
    upload.upload(lambda: gr.Timer(active=True), None, ticker, queue=False, show_progress="hidden")
    status.change(None, js=idle, queue=False)
    uploaded = upload.upload(on_upload, upload, [status, upload, table, which, ticker, *live_header],
                             api_name="upload",
                             api_visibility="undocumented", show_progress_on=status)

    def ask_confirm(doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            return "", _status(["choose a document to remove"], ok=False)
        return remove_question(api, doc_id), ""

    # Removing asks first: the question is written, then shown (so it never shows another document's words).
    remove.click(ask_confirm, which, [confirm_text, status], queue=False, show_progress="hidden",
                 js=f"(d) => {{ {close} return d; }}").then(
        None, which, None, js="(d) => { if (d) document.querySelector('#gq-remove-confirm')?.classList.add('gq-open'); }")
    no.click(None, js=f"() => {{ {close} }}", queue=False)
    which.change(None, which, None, js="(d) => { document.querySelector('#gq-remove')?.classList.toggle('gq-chosen', "
                 f"!!d); if (!d) {{ {close} }} }}")
    removed = yes.click(on_remove, which, [status, table, which], api_name="remove", api_visibility="undocumented",
                        js=f"(...a) => {{ {close} document.querySelector('#gq-docs')?.classList.add('gq-busy'); "
                           "return a; }", show_progress_on=[status])
    removed.then(None, js=idle)
    reindexed = again.click(on_reindex, rebuild, [status, table, which], api_name="reindex",
                            api_visibility="undocumented", js=busy, show_progress_on=[status])
    reindexed.then(None, js=idle)
    return DocumentsTab(table, which, refresh, [uploaded, removed, reindexed])
