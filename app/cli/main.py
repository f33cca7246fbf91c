"""`groundqa` command line: a thin layer over app.api.GroundQA (parsing, printing, exit codes)."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Sequence

from corpus import SAMPLE_DIR
from app.progress import Progress
from app.terminal import escape_controls, escape_lines
from index.store import DEFAULT_INDEX_DIR


BACKEND_HELP = ("embedding backend (default auto: the int8 ONNX export of the model on a CPU, made once into "
                "~/.cache/groundqa on first use; torch fp16 with --device cuda); torch: sentence-transformers fp32, "
                "slower to start; onnx-fp32: the unquantised export; openvino: needs optimum-intel installed")


def _api(args: argparse.Namespace, model: str | None = None):
    from app.api import GroundQA
    from app.settings import llm_from_args

    return GroundQA(args.index, model=model or getattr(args, "model", None), device=getattr(args, "device", "cpu"),
                    backend=getattr(args, "backend", "auto"), llm=llm_from_args(args), store=getattr(args, "store", None))


def _add_llm_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--llm", metavar="URL", default=None,
                    help="answer with an OpenAI-compatible LLM server at URL (e.g. http://127.0.0.1:8080/v1; "
                         "default $GROUNDQA_LLM_URL), every sentence checked against its cited text; API key "
                         "from $GROUNDQA_LLM_API_KEY")
    sp.add_argument("--llm-model", metavar="NAME", default=None, help="model name for --llm (default "
                    "$GROUNDQA_LLM_MODEL or 'default')")
    sp.add_argument("--llm-timeout", type=float, default=None, metavar="S", help="seconds to wait for the LLM "
                    "(default 60), then answer extractively")
    sp.add_argument("--llm-context", type=int, default=None, metavar="TOKENS", help="the LLM's context window; "
                    "excerpts are cut to fit (default 2048)")


def cmd_index(args: argparse.Namespace) -> int:
    """groundqa index [PATH ...]"""
    from corpus import ChunkParams

    api = _api(args)
    # No paths: refresh (or --rebuild) what the index holds; a new index starts with the sample report.
    paths = args.paths or ([] if api.exists() else [str(SAMPLE_DIR)])
    params = None
    if args.passage_chars or args.overlap is not None:
        d = ChunkParams()
        params = ChunkParams(max_chars=args.passage_chars or d.max_chars,
                             overlap_sentences=d.overlap_sentences if args.overlap is None else args.overlap)
    from index.builder import NothingIndexed

    try:
        if params is not None and not args.rebuild and api.exists():
            raise _UsageError("--passage-chars/--overlap change how passages are cut: add --rebuild")
        with Progress() as progress:
            report = api.index(paths, rebuild=args.rebuild, params=params, progress=progress)
    except NothingIndexed as exc:  # the error line says "see the warnings above": print them
        for line in exc.skipped:
            print(f"warning: {escape_controls(line)}", file=sys.stderr)
        raise
    for line in report.skipped:
        print(f"warning: {escape_controls(line)}", file=sys.stderr)
    print(escape_lines(report.summary()))
    from app.sample import drop_demo_sample, mark_demo

    if not args.paths and paths:  # a new index started with the sample report: a demo until own documents come
        mark_demo(api)
    elif notice := drop_demo_sample(api):
        print(escape_lines(notice))
    return 0


def cmd_adapt(args: argparse.Namespace) -> int:
    """groundqa adapt"""
    from index.embed.adapt import AdaptSettings

    settings = AdaptSettings(epochs=args.epochs, max_pairs=args.max_pairs)
    with Progress() as progress:
        report, index_report = _api(args).adapt(settings, progress=progress)
    print(escape_lines(report.summary()))
    print(escape_lines(index_report.summary()))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    """groundqa remove DOC ..."""
    with Progress() as progress:
        report = _api(args).remove(args.docs, progress=progress)
    print(escape_lines(report.summary()))
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """groundqa docs: list indexed documents."""
    docs = _api(args).documents()
    if args.json:
        print(json.dumps([d.__dict__ for d in docs], indent=2))
        return 0
    for d in docs:
        pages = f"{d.n_pages} pages, " if d.n_pages else ""
        # Names as they are in JSON; here each control character is shown as an escape (app.terminal).
        print(f"{d.doc_id[:12]}  {escape_controls(d.path)}  ({pages}{d.n_passages} passages, {d.size:,} bytes, "
              f"{d.indexed_at})")
        if d.statements:  # the financial statements found in it (corpus/statements.py)
            print("    " + escape_controls("; ".join(f"{s['name']} (p. {s['pages'][0]})" if s.get("pages")
                                                     else s["name"] for s in d.statements)))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """groundqa search QUESTION"""
    from corpus.types import format_pages

    hits = _api(args).search(args.question, k=args.k, mode=args.mode)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], indent=2, ensure_ascii=False))
        return 0
    for i, h in enumerate(hits, start=1):
        where = ", ".join(x for x in (h.doc, format_pages(h.pages), h.section, "OCR" if h.ocr else "") if x)
        print(f"[{i}] {h.citation}  {escape_controls(where)}  score {h.score:.4f}\n"
              f"    {escape_lines(h.text.strip()[:400])}\n")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """groundqa ask QUESTION"""
    from app.cli.render import answer_text

    api = _api(args)
    if args.threshold is not None or args.k:
        api.settings = api.settings.with_(k=args.k, threshold=args.threshold)
    ans = api.ask(args.question)
    print(json.dumps(ans.to_json(), indent=2, ensure_ascii=False) if args.json else answer_text(ans))
    return 0


def cmd_cite(args: argparse.Namespace) -> int:
    """groundqa cite ID | --quote TEXT"""
    from app.cli.render import quote_text, resolution_text

    api = _api(args)
    if args.quote is not None:
        matches = api.quote(args.quote)
        if args.json:
            print(json.dumps([m.to_json() for m in matches], indent=2, ensure_ascii=False))
        else:
            print(quote_text(args.quote, matches))
        return 0 if matches else 1
    if not args.id:
        raise _UsageError("give a citation id, or --quote TEXT — e.g. groundqa cite 3f9a1c2b7e41-1204-1388")
    res = api.cite(args.id, context=args.context)
    print(json.dumps(res.to_json(), indent=2, ensure_ascii=False) if args.json else resolution_text(res))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """groundqa check: verify an index."""
    storage = _api(args).storage
    if getattr(args, "compact", False) and not storage.compacts:
        raise _UsageError("--compact applies to a Milvus store — add --store milvus://HOST:PORT/DB (an embedded "
                          "index is rewritten whole by every commit and needs no compaction)")
    problems, notes = storage.check(compact=getattr(args, "compact", False))
    for line in notes:
        print(escape_controls(line))
    for p in problems:
        print(f"problem: {escape_controls(p)}")
    print("index OK" if not problems else f"{len(problems)} problem(s) found — rebuild with `groundqa index --rebuild`")
    return 0 if not problems else 1


def cmd_serve(args: argparse.Namespace) -> int:
    """groundqa serve"""
    from app.web.server import serve

    return serve(args)


def cmd_eval(args: argparse.Namespace) -> int:
    """groundqa eval QUESTIONS | compare A B"""
    from app.cli.evaluate import run_cli

    return run_cli(args)


def cmd_bench(args: argparse.Namespace) -> int:
    """groundqa bench: a checkout tool; runs `python -m bench.run` in the source checkout this package lives in."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    if not (root / "bench" / "run.py").is_file():
        raise _UsageError("groundqa bench runs the benchmark scripts of a groundqa source checkout (bench/), "
                          "which this installation does not have — clone the repository, pip install -e it, "
                          "and run groundqa bench there")
    return subprocess.call([sys.executable, "-m", "bench.run", *args.what], cwd=root)


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to document the CLI in README)."""
    p = argparse.ArgumentParser(prog="groundqa", description="Answers only from your documents, with exact citations.")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    def add(name: str, fn, help: str, index: bool = True) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.add_argument("--index", default=os.environ.get("GROUNDQA_INDEX", str(DEFAULT_INDEX_DIR)),
                        help=f"index directory (default {DEFAULT_INDEX_DIR}, or $GROUNDQA_INDEX)" if index
                        else argparse.SUPPRESS)
        sp.add_argument("--store", default=os.environ.get("GROUNDQA_STORE") or None,
                        help="keep the whole index in Milvus instead: milvus://HOST:PORT/DB (a server; token from "
                             "$GROUNDQA_MILVUS_TOKEN) or milvus:FILE (Milvus Lite); default $GROUNDQA_STORE, or the "
                             "store `groundqa index --store` recorded in --index" if index else argparse.SUPPRESS)
        sp.set_defaults(fn=fn)
        return sp

    sp = add("index", cmd_index, "index files or folders (default: the bundled sample report)")
    sp.add_argument("paths", nargs="*", help="files or folders (.txt .md .html .pdf .docx)")
    sp.add_argument("--model", help="sentence-transformers model name or local path (default: packaged all-MiniLM-L6-v2)")
    sp.add_argument("--device", default="cpu", help="cpu or cuda")
    sp.add_argument("--backend", default="auto", choices=["auto", "torch", "onnx", "onnx-fp32", "openvino"],
                    help=BACKEND_HELP)
    sp.add_argument("--rebuild", action="store_true", help="re-chunk and re-embed everything")
    sp.add_argument("--passage-chars", type=int, default=None, help="passage size in characters (with --rebuild)")
    sp.add_argument("--overlap", type=int, default=None, help="sentences repeated between passages (with --rebuild)")

    sp = add("adapt", cmd_adapt, "fine-tune the embedding model on the indexed documents (no labels), then re-embed")
    sp.add_argument("--epochs", type=int, default=1, help="passes over the corpus pairs (default 1)")
    sp.add_argument("--max-pairs", type=int, default=20_000, help="at most this many passages train it (bounds the time)")
    sp.add_argument("--device", default="cpu", help="cpu or cuda")
    sp.add_argument("--backend", default="auto", choices=["auto", "torch", "onnx", "onnx-fp32", "openvino"],
                    help="embedding backend for the re-embedding (as for `index`)")

    sp = add("remove", cmd_remove, "remove documents from the index")
    sp.add_argument("docs", nargs="+", help="document path, source file or id")

    sp = add("docs", cmd_docs, "list indexed documents")
    sp.add_argument("--json", action="store_true")

    sp = add("search", cmd_search, "ranked cited excerpts for a query")
    sp.add_argument("question")
    sp.add_argument("-k", type=int, default=5, help="excerpts to return")
    sp.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default=None)
    sp.add_argument("--json", action="store_true")

    sp = add("ask", cmd_ask, "a grounded, cited answer (or an abstention)")
    sp.add_argument("question")
    sp.add_argument("-k", type=int, default=None, help="excerpts to retrieve")
    sp.add_argument("--threshold", type=float, default=None,
                    help="answer when the answer's probability of being right is at least this (default 0.5)")
    sp.add_argument("--json", action="store_true")
    _add_llm_options(sp)

    sp = add("cite", cmd_cite, "resolve a citation id, or find a quote (--quote)")
    sp.add_argument("id", nargs="?")
    sp.add_argument("--quote", help="find where this text occurs in the documents")
    sp.add_argument("--context", type=int, default=300, help="characters of context on each side")
    sp.add_argument("--json", action="store_true")

    sp = add("check", cmd_check, "verify an index's integrity")
    sp.add_argument("--compact", action="store_true",
                    help="Milvus store: first merge all segments into one and drop tombstoned rows (readers "
                         "are not blocked)")

    sp = add("serve", cmd_serve, "start the browser app (Gradio) with the HTTP API")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    sp.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    sp.add_argument("--auth", help="USER:PASS, or @FILE holding USER:PASS lines (required off 127.0.0.1)")
    sp.add_argument("--allowed-hosts", default=None,
                    help="comma-separated Host names the server answers to (default: loopback names only on "
                         "127.0.0.1, any name off it)")
    sp.add_argument("--forwarded-allow-ips", default=None, metavar="IPS",
                    help="comma-separated addresses of reverse proxies trusted to set X-Forwarded-For (default: "
                         "none — the login throttle counts the connecting address)")
    _add_llm_options(sp)

    sp = add("eval", cmd_eval, "evaluate a question file (JSONL/CSV/XLSX), or `eval compare RUN_A RUN_B`")
    sp.add_argument("questions", help="question file, or the word compare")
    sp.add_argument("runs", nargs="*", help="with compare: two run folders")
    sp.add_argument("--docs", help="index these documents into a fresh index in OUT/index first")
    sp.add_argument("--out", default=None, help="output folder (default runs/<file stem>)")
    sp.add_argument("-k", type=int, default=None, help="excerpts retrieved per question (default 5)")
    sp.add_argument("--workers", type=int, default=1, help="questions asked in parallel (default 1)")
    sp.add_argument("--resume", action="store_true", help="continue an interrupted run in OUT (keeps its answers)")
    sp.add_argument("--threshold", type=float, default=None,
                    help="answer when the answer's probability of being right is at least this (0: answer every "
                         "question, to see every bin of the report's reliability table)")
    sp.add_argument("--html", help="with compare: write the comparison to this HTML file")
    sp.add_argument("--model", help="model for --docs")
    _add_llm_options(sp)

    sp = add("bench", cmd_bench, "checkout tool: run the benchmark scripts (bench/) of a groundqa source checkout "
             "installed with pip install -e; an installed package has no bench/ and says so", index=False)
    sp.add_argument("what", nargs="*", default=[], help="which benchmarks: throughput quality reindex latency "
                    "coldstart llamaindex (default: all); results are written as JSON, see bench/RESULTS.md there")
    return p


class _Escaped(logging.Formatter):
    """A notice line with the control characters of any file name in it shown as escapes (app.terminal)."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(super().format(record))


def _show_notices() -> None:
    """Print groundqa's notices (the one-time ONNX export, a torch fallback) as `groundqa: …` lines on stderr."""
    import logging

    log = logging.getLogger("groundqa")
    if not any(getattr(h, "_groundqa_cli", False) for h in log.handlers):
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(_Escaped("groundqa: %(message)s"))
        # A progress note (the page being OCRed) is the status of the progress display, not a line of its own.
        h.addFilter(lambda record: not getattr(record, "progress_note", False))
        h._groundqa_cli = True  # type: ignore[attr-defined]
        log.addHandler(h)
    log.setLevel(logging.INFO)
    log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run a command; known failures print one line on stderr and exit non-zero."""
    args = build_parser().parse_args(argv)
    # Library progress bars and notices would break the one-line error promise on stderr.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    # pypdf logs recoverable damage ("EOF marker not found") on stderr; a file it cannot read is
    # already reported as one `warning:` line, so keep its chatter out of the output.
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    _show_notices()
    from app.errors import USER_ERRORS

    try:
        return int(args.fn(args) or 0)
    except _UsageError as exc:
        print(f"groundqa: {escape_controls(exc)}", file=sys.stderr)
        return 2
    except USER_ERRORS as exc:
        print(f"groundqa: {escape_controls(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("groundqa: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the user unless asked for
        if os.environ.get("GROUNDQA_DEBUG"):
            raise
        print(f"groundqa: internal error ({type(exc).__name__}: {escape_controls(exc)}) — rerun with "
              "GROUNDQA_DEBUG=1 "
              "and report it", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
