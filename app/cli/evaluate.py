"""`groundqa eval`: score GroundQA on a question file, or compare two runs."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.progress import Progress
from app.terminal import escape_controls, escape_lines
from app.evaluation import SUMMARY_METRICS, doc_texts, evaluate, format_summary, summary_rows
from eval import QuestionFileError, Summary, load_questions

if TYPE_CHECKING:
    from app.api import GroundQA
    from eval.compare import Comparison

__all__ = ["SUMMARY_METRICS", "doc_texts", "evaluate", "format_summary", "run_cli", "summary_rows"]


# --------------------------------------------------------------------------------------------- CLI


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fail(message: str) -> int:
    print(f"groundqa: {escape_controls(_one_line(message))}", file=sys.stderr)
    return 2


def _escaped(c: "Comparison") -> "Comparison":
    """The comparison with its run names, question ids and questions (from files) safe to print (app.terminal)."""
    from dataclasses import replace

    def flips(items: list) -> list:
        return [replace(f, id=escape_controls(f.id), question=escape_controls(f.question)) for f in items]

    return replace(c, run_a=escape_controls(c.run_a), run_b=escape_controls(c.run_b),
                   right_to_wrong=flips(c.right_to_wrong), wrong_to_right=flips(c.wrong_to_right))


def _compare(args: argparse.Namespace) -> int:
    from eval import compare_runs, format_comparison, write_comparison_html

    if len(args.runs) != 2:
        return _fail("compare needs two run folders — e.g. groundqa eval compare runs/before runs/after")
    c = compare_runs(Path(args.runs[0]), Path(args.runs[1]))
    print(format_comparison(_escaped(c)), end="")
    if args.html:
        path = write_comparison_html(c, Path(args.html))
        print(f"comparison written to {escape_controls(path)}")
    return 0


def _open_api(args: argparse.Namespace, out: Path) -> "GroundQA":
    from app.api import GroundQA
    from app.settings import llm_from_args

    llm = llm_from_args(args)
    if not args.docs:
        return GroundQA(args.index, model=args.model, llm=llm, store=getattr(args, "store", None))

    from index.embed import DEFAULT_MODEL

    index_dir = out / "index"
    api = GroundQA(index_dir, model=args.model or DEFAULT_MODEL, llm=llm, store=getattr(args, "store", None))
    # An index left by an earlier run is updated incrementally; one embedded by another model is rebuilt.
    man = api.storage.manifest()
    rebuild = man is not None and man.model != api.embedder.name
    with Progress() as progress:
        report = api.index([args.docs], rebuild=rebuild, progress=progress)
    for line in report.skipped:
        print(f"warning: {escape_controls(line)}", file=sys.stderr)
    print(escape_lines(report.summary()), file=sys.stderr)
    return api


def run_cli(args: argparse.Namespace) -> int:
    """`groundqa eval QUESTIONS [--docs D] [--out O] ...` or `groundqa eval compare RUN_A RUN_B [--html F]`."""
    if args.questions == "compare":
        return _compare(args)
    if args.runs:
        return _fail(f"unexpected arguments {' '.join(args.runs)!r} — only `eval compare` takes run folders")
    if args.workers < 1:
        return _fail("--workers must be at least 1")
    if args.k is not None and args.k < 1:
        return _fail("-k must be at least 1")
    qpath = Path(args.questions)
    out = Path(args.out) if args.out else Path("runs") / qpath.stem
    try:
        # Read the file before loading any model: a bad file fails in a moment, with the line to fix.
        _, row_errors = load_questions(qpath)
        for err in row_errors:
            print(f"warning: line {err.line}: {escape_controls(_one_line(err.message))}", file=sys.stderr)
        api = _open_api(args, out)
        if args.threshold is not None:
            api.settings = api.settings.with_(threshold=args.threshold)
        with Progress() as progress:
            summary, _ = evaluate(api, qpath, out, workers=args.workers, k=args.k, resume=args.resume,
                                  progress=False, on_progress=lambda n, total: progress("answering questions", n, total))
    except QuestionFileError as e:
        return _fail(str(e))
    print(escape_lines(format_summary(summary)), end="")
    if summary.n_errors:
        print(f"warning: {summary.n_errors} question(s) failed — see the 'error' field in "
              f"{escape_controls(Path(summary.out_dir) / 'results.jsonl')}", file=sys.stderr)
    return 0
