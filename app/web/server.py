"""`groundqa serve`: the Gradio app and the JSON HTTP API on one FastAPI server."""
from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import Sequence

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from fastapi import FastAPI  # noqa: E402

from app.api import GroundQA  # noqa: E402

MAX_FILE_SIZE = "50mb"
"""Gradio's upload limit (app.web.ui.documents checks the same limit again on the server)."""
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


class AuthError(ValueError):
    """A bad --auth value; str is a one-line message with the fix."""


def parse_auth(spec: str | None) -> list[tuple[str, str]] | None:
    """USER:PASS, or @FILE holding USER:PASS lines (blank and # lines ignored) → credential pairs."""
    if not spec:
        return None
    if spec.startswith("@"):
        path = Path(spec[1:])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise AuthError(f"cannot read auth file {path} ({exc.strerror or exc}) — give USER:PASS or @FILE") from None
        where = str(path)
    else:
        lines, where = [spec], "--auth"
    pairs = []
    for n, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, pw = line.partition(":")
        if not sep or not user or not pw:
            raise AuthError(f"{where} line {n}: expected USER:PASS with a non-empty user and password")
        pairs.append((user, pw))
    if not pairs:
        raise AuthError(f"{where} holds no USER:PASS lines")
    return pairs


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def make_app(api: GroundQA, auth: Sequence[tuple[str, str]] | None = None) -> FastAPI:
    """FastAPI app with the /api and OpenAI-compatible /v1 routes and the Gradio UI at / (auth protects all)."""
    import gradio as gr

    from app.web.http_api import make_router
    from app.web.openai_api import make_openai_router
    from app.web.ui import CSS, build_app

    app = FastAPI(title="groundqa", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(make_router(api, auth))  # before the mount, so /api/* is not shadowed
    app.include_router(make_openai_router(api, auth))
    blocks = build_app(api)
    blocks.queue(default_concurrency_limit=4)
    gr.mount_gradio_app(app, blocks, path="/", auth=list(auth) if auth else None, max_file_size=MAX_FILE_SIZE,
                        css=CSS, footer_links=["api"], run_history=False, ssr_mode=False)
    return app


def _print_progress(stage: str, done: int, total: int) -> None:
    if done == total or done == 1:
        print(f"  {stage}: {done}/{total}", flush=True)


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def serve(args: argparse.Namespace) -> int:
    """Index the sample corpus if there is no index yet, then serve the app on args.host:args.port."""
    import uvicorn

    from corpus import SAMPLE_DIR

    host, port = args.host, int(args.port)
    try:
        auth = parse_auth(getattr(args, "auth", None))
    except AuthError as exc:
        print(f"groundqa: {exc}", file=sys.stderr)
        return 2
    if not is_loopback(host) and not auth:
        print(f"groundqa: refusing to serve on {host} without --auth — anyone on the network could use it; "
              "pass --auth USER:PASS (or @FILE), or bind to 127.0.0.1", file=sys.stderr)
        return 2
    if not _port_free(host, port):
        print(f"groundqa: cannot listen on {host}:{port} (in use or not an address here) — pass another --port",
              file=sys.stderr)
        return 2
    from app.settings import llm_from_options

    api = GroundQA(args.index, llm=llm_from_options(getattr(args, "llm", None), getattr(args, "llm_model", None),
                                                    getattr(args, "llm_timeout", None),
                                                    getattr(args, "llm_context", None)))
    if not api.exists():
        print(f"No index in {args.index} yet: indexing the bundled sample report ({SAMPLE_DIR.name}) first…",
              flush=True)
        print(api.index([SAMPLE_DIR], progress=_print_progress).summary(), flush=True)
    api.answerer()  # load the model now, not on the first question
    app = make_app(api, auth)
    shown = f"[{host}]" if ":" in host else host
    print(f"groundqa: serving on http://{shown}:{port}/  (JSON API under /api, OpenAI-compatible under /v1; "
          f"answerer: {api.answerer_name()}; Ctrl-C stops)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


class BackgroundServer:
    """A uvicorn server for `app` on a free loopback port in a daemon thread (tests, notebooks)."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0, timeout_s: float = 30.0) -> None:
        import threading
        import time

        import uvicorn

        if not is_loopback(host):
            raise ValueError("BackgroundServer binds to loopback only")
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.url = f"http://{host}:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout=1)
        if self.thread.is_alive():  # open event streams (Gradio's queue) hold a graceful shutdown
            self.server.force_exit = True
            self.thread.join(timeout=10)
        self.sock.close()
