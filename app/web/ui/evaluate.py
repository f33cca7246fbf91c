"""Evaluate tab: upload a question file, run it against the index, browse the scores, download the run.

Every piece of question, answer and document text shown here goes through `html.escape` first. A run's
downloads are staged under an unguessable folder name, and its report is served inline only through
REPORT_ROUTE/<that name> (with --auth, to a logged-in page only: app.web.guard.SessionGate).
"""
from __future__ import annotations

import html
import json
import re
import secrets
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Sequence

import gradio as gr

from app.api import GroundQA
from app.errors import USER_ERRORS
from app.evaluation import evaluate, summary_rows
from app.web.ui.uploads import NOT_UPLOADED, is_uploaded, upload_root
from eval import QuestionFileError
from eval.runner import REPORT_HTML, RESULTS_CSV, RESULTS_JSONL, RESULTS_XLSX

TABLE_COLUMNS = ["id", "question", "answerable", "abstained", "confidence", "contains", "f1", "hit@5", "supported",
                 "error"]
"""Columns of the per-question table; the first one (id) is how a selected row finds its result."""

_QUESTION_CELL_CHARS = 160  # the table shows the start of long questions; the detail panel shows all of it
_PLOT_IMG = re.compile(r'<img class="plot"[^>]*>')
_POLL_S = 0.25
KEEP_RUNS = 20
"""The Evaluate tab keeps this many finished runs in eval-runs/ (older ones, and every failed run, are deleted)."""
CLEAR_TOASTS_JS = ("(...a) => { document.querySelectorAll('.toast-body .toast-close, .toast-close')"
                   ".forEach(b => b.click()); return a; }")
"""Run before a run: earlier toasts (a "no file" warning) go, so one event shows one toast and none outlives it."""
SHOW_RESULTS_JS = ("() => { const go = (n) => { if (document.querySelector('#gq-eval-status a.gq-report-link')) "
                   "document.querySelector('#gq-eval-results')?.classList.add('gq-has-run'); "
                   "else if (n > 0) setTimeout(() => go(n - 1), 100); }; go(30); }")
"""After a run: the results block shows once a run has produced a report."""
KEEP_DOWNLOADS = 5
"""Download copies (in Gradio's folder) of this many recent runs are kept."""
REPORT_ROUTE = "/eval-report/"
"""Where a staged run's report.html is served inline: REPORT_ROUTE + the staged folder's random name."""
_STAGE_NAME = re.compile(r"[A-Za-z0-9_-]{32}")


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def new_run_dir(api: GroundQA) -> Path:
    """A fresh `<index dir>/../eval-runs/<timestamp>/` folder (suffixed when two runs start in one second)."""
    root = api.index_dir.resolve().parent / "eval-runs"
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for i in range(1, 1000):
        d = root / (stamp if i == 1 else f"{stamp}-{i}")
        try:
            d.mkdir()
            return d
        except FileExistsError:
            continue
    raise RuntimeError(f"cannot create a run folder under {root}")


def prune_runs(api: GroundQA, keep: int = KEEP_RUNS) -> None:
    """Delete all but the newest `keep` run folders of eval-runs/ (the tab's own timestamped ones only)."""
    root = api.index_dir.resolve().parent / "eval-runs"
    runs = sorted((d for d in root.glob("2*") if d.is_dir() and re.fullmatch(r"\d{8}-\d{6}(-\d+)?", d.name)),
                  key=lambda d: d.stat().st_mtime)
    for d in runs[:-keep] if keep else runs:
        shutil.rmtree(d, ignore_errors=True)


def stage_downloads(out_dir: Path, names: Sequence[str], keep: int = KEEP_DOWNLOADS) -> list[str]:
    """Copies of a run's files in Gradio's upload folder, the one place its file check lets outputs come
    from wherever the index lives, under a random folder name (no other client can guess the URL); older
    copies beyond `keep` runs are deleted."""
    root = upload_root() / "groundqa-eval"
    dest = root / secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]
    dest.mkdir(parents=True, exist_ok=True)
    older = sorted((d for d in root.iterdir() if d.is_dir() and d != dest), key=lambda d: d.stat().st_mtime)
    for old in older[: max(0, len(older) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)
    return [str(shutil.copy2(out_dir / n, dest / n)) for n in names]


def staged_report(name: str) -> Path | None:
    """The staged report.html of the run staged as `name` (a random folder name), or None."""
    if not _STAGE_NAME.fullmatch(name):
        return None
    path = upload_root() / "groundqa-eval" / name / REPORT_HTML
    return path if path.is_file() else None


def make_report_router():
    """The route serving staged reports inline as text/html, with a policy that lets them run no script."""
    from fastapi import APIRouter
    from fastapi.responses import FileResponse, JSONResponse

    router = APIRouter()

    @router.get(REPORT_ROUTE + "{name}")
    def report(name: str):
        path = staged_report(name)
        if path is None:
            return JSONResponse({"error": "no such report — run the evaluation again"}, status_code=404)
        return FileResponse(path, media_type="text/html; charset=utf-8", content_disposition_type="inline",
                            headers={"Content-Security-Policy": "default-src 'none'; img-src data:; "
                                                                "style-src 'unsafe-inline'",
                                     "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})

    return router


def _no_paths(message: str, path: str) -> str:
    """An error message with the server path of the uploaded file replaced by its file name."""
    return message.replace(str(path), Path(path).name)


def load_results(out_dir: Path) -> list[dict[str, Any]]:
    """The per-question results of a finished run, in question order."""
    lines = (Path(out_dir) / RESULTS_JSONL).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def plots_html(report_path: Path) -> str:
    """The report's inline plot images (generated by eval.report from numbers only) in a flex row."""
    imgs = _PLOT_IMG.findall(Path(report_path).read_text(encoding="utf-8"))
    styled = [img.replace("<img ", '<img style="width:100%;height:auto" ', 1) for img in imgs]
    # A tidy grid (CSS .gq-eval-plots): the wide metrics chart on its own row, the two histograms side by side.
    body = "".join(f'<div class="gq-plot{" gq-plot-wide" if i == 0 else ""}">{img}</div>'
                   for i, img in enumerate(styled))
    return f'<div class="gq-eval-plots">{body}</div>'


def _num(v: Any) -> Any:
    return round(v, 4) if isinstance(v, float) else v


def _clip(text: str, n: int = _QUESTION_CELL_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def results_table(results: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """One row per question, columns TABLE_COLUMNS (plain values; the Dataframe shows them as text)."""
    rows = []
    for r in results:
        mt = r.get("metrics") or {}
        rows.append([
            str(r["id"]), _clip(str(r["question"])), "yes" if r.get("answerable") else "no",
            "" if r.get("abstained") is None else ("yes" if r["abstained"] else "no"),
            _num(r.get("confidence")), _num(mt.get("contains")), _num(mt.get("f1")), _num(mt.get("hit@5")),
            _num(mt.get("supported")), r.get("error") or "",
        ])
    return rows


def detail_html(r: Mapping[str, Any] | None) -> str:
    """One question's answer, citations, references and scores, all text escaped."""
    if r is None:
        return '<div class="gq-panel gq-empty">Select a question in the table to see its answer and citations.</div>'
    parts = [f'<div class="gq-panel gq-eval-detail"><div class="gq-head"><span class="gq-id">{_e(r.get("id"))}</span> '
             f"<b>{_e(r.get('question'))}</b></div>"]
    refs = [a for a in (r.get("reference_answers") or [r.get("reference_answer")]) if a]
    answerable = "answerable" if r.get("answerable") else "unanswerable"
    parts.append(f'<div class="gq-meta">{_e(answerable)}; reference: '
                 f"{' | '.join(_e(a) for a in refs) or '—'}</div>")
    if r.get("error"):
        parts.append(f'<p class="gq-error">error: {_e(r["error"])}</p>')
    else:
        conf = r.get("confidence")
        conf_s = f"{conf:.3f}" if isinstance(conf, (int, float)) else "—"
        if r.get("abstained"):
            parts.append(f'<div class="gq-abstain"><div class="gq-abstain-title">Abstained (confidence {_e(conf_s)})'
                         f"</div>{_e(r.get('answer'))}</div>")
        else:
            parts.append(f'<div class="gq-meta">confidence {_e(conf_s)}</div>'
                         f'<div class="gq-context">{_e(r.get("answer"))}</div>')
    cites = r.get("citations") or []
    if cites:
        items = "".join(
            f'<li><span class="gq-id">{_e(c.get("citation"))}</span> <span class="gq-meta">{_e(c.get("doc"))} '
            f'{_e(c.get("start"))}–{_e(c.get("end"))}</span><br>{_e(c.get("text"))}</li>'
            for c in cites
        )
        parts.append(f'<div class="gq-sources"><b>Citations</b><ol>{items}</ol></div>')
    mt = {k: v for k, v in (r.get("metrics") or {}).items() if v is not None}
    if mt:
        scores = ", ".join(f"{_e(k)} {_e(_num(v))}" for k, v in mt.items())
        parts.append(f'<div class="gq-meta">scores: {scores}</div>')
    lat = r.get("latency_ms")
    if isinstance(lat, (int, float)):
        parts.append(f'<div class="gq-meta">latency {lat:.1f} ms</div>')
    parts.append("</div>")
    return "".join(parts)


def _pick(results: Sequence[Mapping[str, Any]], evt: gr.SelectData) -> Mapping[str, Any] | None:
    # The id cell of the selected row finds the result even after the user sorted or searched the table.
    row = getattr(evt, "row_value", None)
    if row:
        rid = str(row[0])
        for r in results:
            if str(r.get("id")) == rid:
                return r
    idx = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
    if isinstance(idx, int) and 0 <= idx < len(results):
        return results[idx]
    return None


def _status_html(summary: Any, row_errors: Sequence[Any], report_url: str | None = None) -> str:
    # The run folder's name only: the server's absolute paths are not the client's business.
    lines = [f"Finished {summary.n_questions} questions in {summary.wall_s:.1f} s — run saved in "
             f'<span class="gq-id">eval-runs/{_e(Path(summary.out_dir).name)}</span>.']
    if report_url:
        lines.append(f'<a class="gq-report-link" href="{_e(report_url)}" target="_blank" rel="noopener">'
                     "Open the full HTML report ↗</a>")
    if summary.n_errors:
        lines.append(f'<span class="gq-error">{summary.n_errors} question(s) failed; their error is in the table.</span>')
    for err in row_errors:
        lines.append(f'<span class="gq-note">skipped line {_e(err.line)}: {_e(err.message)}</span>')
    return '<div class="gq-panel">' + "<br>".join(lines) + "</div>"


def build_eval_tab(api: GroundQA) -> None:
    """Render the Evaluate tab's components and events in the current Blocks context."""
    gr.Markdown("Upload a question file (`.jsonl`, `.csv` or `.xlsx` with a `question` column, and optionally "
                "`id`, `reference_answer`, `reference_contexts`, `source`, `answerable`) to score the answers "
                "against the indexed documents.")
    results = gr.State([])
    with gr.Row():
        qfile = gr.File(label="Question file", file_types=[".jsonl", ".csv", ".xlsx"], type="filepath",
                        elem_id="gq-eval-file")
        with gr.Column():
            k = gr.Slider(1, 20, value=api.settings.retrieval.k, step=1, label="Excerpts retrieved",
                          elem_id="gq-eval-k")
            workers = gr.Slider(1, 8, value=1, step=1, label="Questions in parallel", elem_id="gq-eval-workers")
            run = gr.Button("Run evaluation", variant="primary", elem_id="gq-eval-run")
    status = gr.HTML(elem_id="gq-eval-status", js_on_load=None)
    # The results show once a run has finished (a class set by the client, see SHOW_RESULTS_JS): before that the
    # tab is the upload and the settings only, not empty tables and an empty drop zone.
    with gr.Column(elem_id="gq-eval-results", elem_classes=["gq-eval-results"]):
        summary = gr.Dataframe(headers=["metric", "value"], datatype=["str", "str"], interactive=False, wrap=True,
                               column_widths=["45%", "55%"], label="Summary", elem_id="gq-eval-summary")
        plots = gr.HTML(elem_id="gq-eval-plots")
        table = gr.Dataframe(headers=TABLE_COLUMNS, interactive=False, wrap=True, max_height=420,
                             column_widths=["16%", "24%", "9%", "8.5%", "9%", "7.5%", "6%", "6%", "8%", "6%"],
                             label="Questions — select a row to see its answer and citations", elem_id="gq-eval-table")
        detail = gr.HTML(detail_html(None), elem_id="gq-eval-detail")
        files = gr.File(label="Downloads (results.csv, results.xlsx, results.jsonl, report.html)",
                        file_count="multiple", interactive=False, elem_id="gq-eval-files")

    def on_run(path: str | None, k_value: float, n_workers: float, progress=gr.Progress()):
        if not path:
            # A toast only: raising gr.Error would also paint an error pill on every output and log a traceback.
            gr.Warning("Upload a question file first (.jsonl, .csv or .xlsx).", duration=5)
            return (gr.skip(),) * 7
        if not is_uploaded(path):  # only a file this page uploaded, whatever path the client sent
            raise gr.Error(NOT_UPLOADED)
        try:  # checked before the run folder exists: a refused run leaves nothing behind
            k_int, n_int = int(k_value), int(n_workers)
        except (TypeError, ValueError, OverflowError):  # NaN, Infinity, not a number
            raise gr.Error("Excerpts retrieved and Questions in parallel must be whole numbers") from None
        if not (1 <= k_int <= 20 and 1 <= n_int <= 8):
            raise gr.Error("Excerpts retrieved must be 1–20 and Questions in parallel 1–8")
        out_dir = new_run_dir(api)
        count = {"done": 0, "total": 0}
        lock = threading.Lock()

        def on_progress(done: int, total: int) -> None:
            with lock:
                count["done"], count["total"] = done, total

        try:
            progress(0, desc="Reading questions")
            # The run goes on a helper thread; this (event) thread owns gr.Progress and reports from the counter.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gq-eval") as pool:
                fut = pool.submit(evaluate, api, path, out_dir, workers=n_int, k=k_int, progress=False,
                                  on_progress=on_progress)
                while not wait([fut], timeout=_POLL_S).done:
                    with lock:
                        done, total = count["done"], count["total"]
                    if total:
                        desc = "Writing results and report" if done >= total else "Answering questions"
                        progress((done, total), desc=desc, unit="questions")
            s, row_errors = fut.result()
        except (QuestionFileError, *USER_ERRORS) as exc:
            shutil.rmtree(out_dir, ignore_errors=True)  # a failed run leaves nothing behind
            raise gr.Error(_no_paths(str(exc), path)) from None
        except BaseException:
            shutil.rmtree(out_dir, ignore_errors=True)
            raise
        prune_runs(api)
        rows = load_results(out_dir)
        downloads = stage_downloads(out_dir, (RESULTS_CSV, RESULTS_XLSX, RESULTS_JSONL, REPORT_HTML))
        report_url = REPORT_ROUTE.lstrip("/") + Path(downloads[-1]).parent.name  # inline, under its random name
        return (
            _status_html(s, row_errors, report_url),
            [list(r) for r in summary_rows(s)],
            plots_html(out_dir / REPORT_HTML),
            results_table(rows),
            rows,
            detail_html(None),
            downloads,
        )

    run.click(on_run, [qfile, k, workers], [status, summary, plots, table, results, detail, files],
              api_name="evaluate", concurrency_limit=1, show_progress_on=[status], js=CLEAR_TOASTS_JS).then(
        None, js=SHOW_RESULTS_JS)

    def on_select(rows: list[dict[str, Any]], evt: gr.SelectData) -> str:
        return detail_html(_pick(rows or [], evt))

    table.select(on_select, results, detail, api_name="eval_question", api_visibility="undocumented")
