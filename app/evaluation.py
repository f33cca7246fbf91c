"""Evaluation of GroundQA on a question file: the one routine behind `groundqa eval` and the UI's Evaluate tab."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from eval import QuestionFileError, RowError, Summary, load_questions, run_eval
from eval.metrics import basename
from eval.runner import SHORT_ANSWER_WORDS
from eval.summary import NOT_SCORED

if TYPE_CHECKING:
    from app.api import GroundQA
    from app.types import Answer

ProgressCallback = Callable[[int, int], None]
"""Called with (questions answered, questions to answer) after every answer, from any thread."""

SUMMARY_METRICS = ("hit@1", "hit@5", "mrr@10", "ndcg@10", "em", "f1", "contains", "numeric", "supported",
                   "citation_precision", "unsupported_rate", "evidence_precision")
"""The mean metrics shown in the CLI's and the UI's summary table, in this order."""


def doc_texts(api: "GroundQA") -> dict[str, str]:
    """Canonical text of every indexed document keyed by file name (what the question files' `source` holds)."""
    return {basename(d.path): api.doc_text(d.doc_id) for d in api.documents()}


def evaluate(
    api: "GroundQA",
    questions_path: str | Path,
    out_dir: str | Path,
    workers: int = 1,
    k: int | None = None,
    resume: bool = False,
    progress: bool = True,
    on_progress: ProgressCallback | None = None,
) -> tuple[Summary, list[RowError]]:
    """Ask every question of the file through `api` and write the run to `out_dir` (see eval.run_eval).

    Bad rows are skipped and returned; a file that cannot be used at all raises QuestionFileError.
    A question that `ask` refuses (e.g. QuestionError for an over-long one) is recorded as that question's error.
    `progress` draws a tqdm bar on stderr; `on_progress` reports each answer to a caller (the UI).
    """
    questions, row_errors = load_questions(questions_path)
    settings = api.settings.with_(k=k)
    texts = doc_texts(api)
    api.answerer()  # load the model and index now: the first question's latency must not include it

    def ask(question: str) -> "Answer":
        return api.ask(question, settings=settings)

    fn: Callable[[str], Any] = ask
    if on_progress is not None:
        lock = threading.Lock()
        done = [0]
        total = len(questions)

        def counted(question: str) -> "Answer":
            try:
                return ask(question)
            finally:
                with lock:
                    done[0] += 1
                    n = done[0]
                on_progress(n, total)

        fn = counted

    summary = run_eval(questions, fn, Path(out_dir), texts, workers=max(1, int(workers)), resume=resume,
                       threshold=settings.answer.threshold, progress=progress)
    return summary, row_errors


# --------------------------------------------------------------------------------------------- summary table


def _fmt(v: Any, digits: int = 4) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def summary_rows(s: Summary) -> list[tuple[str, str]]:
    """(name, formatted value) rows of the headline numbers of a run, for the CLI and the UI."""
    rows: list[tuple[str, str]] = [
        ("questions", str(s.n_questions)),
        ("answerable / unanswerable", f"{s.n_answerable} / {s.n_unanswerable}"),
        ("abstained", str(s.n_abstained)),
        ("errors", str(s.n_errors)),
    ]
    for name, o in s.outcomes.items():  # answered / evidence / not_found: how many, and how many were right
        prec = "" if o.get("precision") is None else f", precision {o['precision']:.3f} ({o['right']} of {o['judged']})"
        rows.append((name, f"{o['n']}{prec}"))
    if s.metric_counts.get("in_view"):
        rows.append((f"evidence in view (n={s.metric_counts['in_view']})", _fmt(s.metrics.get("in_view"))))
    if s.n_resumed:
        rows.append(("resumed from earlier run", str(s.n_resumed)))
    for name, n in sorted(s.answerers.items()):
        rows.append((f"answered by {name}", str(n)))
    rows.append(("retrieval scored", retrieval_line(s)))
    left_out = string_metrics_left_out(s)
    for name in SUMMARY_METRICS:
        n = s.metric_counts.get(name, 0)
        if name in left_out:
            continue
        rows.append((f"{name} (n={n})", _fmt(s.metrics.get(name))))
    for kind, (hit, n) in sorted(s.numeric.items()):  # numeric match split (figure questions only)
        rows.append((f"numeric, {kind} (n={n})", f"{hit}/{n}"))
    if left_out:
        rows.append(("em, contains left out", f"{s.free_text_references} free-text references (over "
                     f"{SHORT_ANSWER_WORDS} words); f1 kept"))
    for name in ("precision", "recall", "f1"):
        rows.append((f"abstention {name}", _fmt(s.abstention.get(name))))
    rows.append(("false abstention rate", _fmt(s.abstention.get("false_abstention_rate"))))
    rows.append(("latency p50 ms", _fmt(s.latency_ms.get("p50"), 1)))
    rows.append(("latency p95 ms", _fmt(s.latency_ms.get("p95"), 1)))
    rows.append((f"qps (workers={s.workers})", _fmt(s.qps, 2)))
    rows.append(("threshold", _fmt(s.threshold, 2)))
    if s.contexts_overlap:
        rows.append(("reference contexts found by overlap", f"{s.contexts_overlap} of {s.contexts_total}"))
    if s.contexts_unlocated:
        rows.append(("reference contexts not found in docs", f"{s.contexts_unlocated} of {s.contexts_total}"))
    return rows


def retrieval_line(s: Summary) -> str:
    """'38 of 45 questions (5 no reference contexts, 2 source document not indexed)'."""
    n = s.metric_counts.get("hit@5", 0)
    why = [f"{c} {NOT_SCORED.get(k, 'failed with an error' if k == 'error' else k)}"
           for k, c in sorted(s.retrieval_unscored.items()) if c]
    return f"{n} of {s.n_questions} questions" + (f" ({'; '.join(why)})" if why else "")


def string_metrics_left_out(s: Summary) -> tuple[str, ...]:
    """('em', 'contains') when some references are free text and none of the scored ones is short; else ()."""
    if s.free_text_references and not s.metric_counts.get("em"):
        return ("em", "contains")
    return ()


def format_summary(s: Summary) -> str:
    """Plain-text two-column table of `summary_rows`, then the output folder."""
    rows = summary_rows(s)
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value:>10}" for name, value in rows]
    if s.free_text_references and not string_metrics_left_out(s):
        lines.append(f"\nem and contains cover the {s.metric_counts.get('em', 0)} questions with short references; "
                     f"{s.free_text_references} free-text references (over {SHORT_ANSWER_WORDS} words) are left out")
    lines.append(f"\nresults in {s.out_dir} (report.html, results.csv/.xlsx/.jsonl, summary.json)")
    return "\n".join(lines) + "\n"
