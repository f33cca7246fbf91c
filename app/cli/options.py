"""Command-line options shared by `groundqa` commands (main.py) and `groundqa eval` (evaluate.py), in a
module of their own so neither face imports the other."""
from __future__ import annotations

import argparse

__all__ = ["BACKEND_HELP", "add_llm_options", "add_workers_option", "llm_settings"]

BACKEND_HELP = ("embedding backend (default auto: the int8 ONNX export of the model on a CPU, made once into "
                "~/.cache/groundqa on first use; torch fp16 with --device cuda); torch: sentence-transformers fp32, "
                "slower to start; onnx-fp32: the unquantised export; openvino: needs optimum-intel installed")


def llm_settings(args: argparse.Namespace):
    """LLMSettings from --llm/--llm-model/--llm-timeout/--llm-context (else $GROUNDQA_LLM_URL/_MODEL); None: none."""
    from app.settings import llm_from_options

    if not hasattr(args, "llm"):
        return None
    return llm_from_options(args.llm, args.llm_model, args.llm_timeout, args.llm_context)


def add_llm_options(sp: argparse.ArgumentParser) -> None:
    """--llm, --llm-model, --llm-timeout and --llm-context."""
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


def add_workers_option(sp: argparse.ArgumentParser, dest: str = "read_workers", flag: str = "--workers") -> None:
    """The number of worker processes that read files while indexing (default one per core)."""
    sp.add_argument(flag, dest=dest, type=int, default=None, metavar="N",
                    help="read files in N worker processes (default: one per core; 1 reads in this process)")
