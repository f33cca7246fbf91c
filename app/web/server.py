"""`groundqa serve`: the Gradio app and the JSON HTTP API on one FastAPI server."""
from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from app.api import GroundQA  # noqa: E402

if TYPE_CHECKING:
    from fastapi import FastAPI

MAX_FILE_SIZE = "50mb"
"""Gradio's upload limit (app.web.ui.documents checks the same limit again on the server)."""
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
"""Host header names a loopback server answers to (anything else could be a DNS-rebinding page)."""


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


def allowed_hosts(host: str, extra: str | None) -> list[str] | None:
    """Host names to answer to: loopback names (plus --allowed-hosts) on loopback; off it, --allowed-hosts
    or any name (the server needs --auth there)."""
    names = [h.strip() for h in (extra or "").split(",") if h.strip()]
    if is_loopback(host):
        return [*LOOPBACK_HOSTS, host, *names]
    return [host, *names] if names else None


def make_app(api: GroundQA, auth: Sequence[tuple[str, str]] | None = None,
             allowed_hosts: Sequence[str] | None = LOOPBACK_HOSTS) -> FastAPI:
    """FastAPI app with the /api and OpenAI-compatible /v1 routes and the Gradio UI at / (auth protects all).

    Only requests whose Host header names one of `allowed_hosts` are answered (None: any name); failed
    credential checks are throttled per client address and per user name, Gradio's unchecked routes need a login,
    and Gradio event bodies are size-limited and may not name URLs (app.web.guard).
    """
    import gradio as gr
    from fastapi import FastAPI

    from app.web.guard import EventBodyGuard, HostGuard, LoginThrottle, SessionGate

    from app.web.http_api import make_router
    from app.web.openai_api import make_openai_router
    from app.web.ui import build_app, mount_options
    from app.web.ui.documents import sweep_orphan_uploads
    from app.web.ui.evaluate import make_report_router

    sweep_orphan_uploads(api)  # no upload is in flight yet: what uploads/ holds unindexed, a killed upload left

    app = FastAPI(title="groundqa", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(make_router(api, auth))  # before the mount, so /api/* is not shadowed
    app.include_router(make_openai_router(api, auth))
    app.include_router(make_report_router())  # /eval-report/<random name>; SessionGate checks the login
    blocks = build_app(api)
    blocks.queue(default_concurrency_limit=4)
    gr.mount_gradio_app(app, blocks, path="/", auth=list(auth) if auth else None, max_file_size=MAX_FILE_SIZE,
                        footer_links=["api"], run_history=False, ssr_mode=False,
                        blocked_paths=[str(api.index_dir.resolve())], show_error=False,
                        app_kwargs={"openapi_url": None, "docs_url": None, "redoc_url": None}, **mount_options())
    # mount_gradio_app never sets has_launched, and Gradio skips its allowed-path check on file inputs
    # until it is set: without this a client could send {"path": "/any/file"} and have it read.
    blocks.has_launched = True
    app.add_middleware(EventBodyGuard)
    app.add_middleware(SessionGate, logged_in=_gradio_login_check(app) if auth else None)
    app.add_middleware(LoginThrottle, auth=auth)
    app.add_middleware(HostGuard, allowed=allowed_hosts)  # outermost: a foreign Host gets nothing else
    return app


def _gradio_login_check(app: FastAPI):
    """A function telling whether request cookies hold a live login of the Gradio app mounted on `app`."""
    from gradio.routes import App

    gradio_app = next(r.app for r in app.routes if isinstance(getattr(r, "app", None), App))

    def logged_in(cookies: dict[str, str]) -> bool:
        for name in (f"access-token-{gradio_app.cookie_id}", f"access-token-unsecure-{gradio_app.cookie_id}"):
            if cookies.get(name) and cookies[name] in gradio_app.tokens:
                return True
        return False

    return logged_in


SHUTDOWN_GRACE_S = 2
"""On SIGTERM/Ctrl-C, open requests (event streams, slow clients) get this long before they are cut."""


def uvicorn_config(app: FastAPI, forwarded_allow_ips: str | None = None, **kw):
    """The uvicorn Config for `app`: X-Forwarded-For is ignored unless `forwarded_allow_ips` names the proxies
    trusted to set it (uvicorn's own default trusts 127.0.0.1, which would let any local client pick the
    address the login throttle counts), and shutdown waits at most SHUTDOWN_GRACE_S for open requests."""
    import uvicorn

    return uvicorn.Config(app, log_level="warning", proxy_headers=bool(forwarded_allow_ips),
                          forwarded_allow_ips=forwarded_allow_ips or None,
                          timeout_graceful_shutdown=SHUTDOWN_GRACE_S, **kw)


def _listen(host: str, port: int) -> socket.socket | None:
    """A socket bound to host:port and listening, or None when that is impossible (in use, no such address).

    Listening before the app is built means the URL works the moment it is printed: the kernel accepts
    connections and they wait in the backlog until the server answers them (a few seconds: Gradio's
    import is most of it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host.strip("[]"), port))
        s.listen(128)
    except OSError:
        s.close()
        return None
    return s


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
    sock = _listen(host, port)
    if sock is None:
        print(f"groundqa: cannot listen on {host}:{port} (in use or not an address here) — pass another --port",
              file=sys.stderr)
        return 2
    from app.progress import Progress
    from app.settings import llm_from_options

    t0 = time.monotonic()
    api = GroundQA(args.index, llm=llm_from_options(getattr(args, "llm", None), getattr(args, "llm_model", None),
                                                    getattr(args, "llm_timeout", None),
                                                    getattr(args, "llm_context", None)),
                    store=getattr(args, "store", None))
    if not api.exists():
        print(f"No index in {args.index} yet: indexing the bundled sample report ({SAMPLE_DIR.name}) first…",
              flush=True)
        with Progress() as progress:
            report = api.index([SAMPLE_DIR], progress=progress)
        from app.sample import mark_demo

        mark_demo(api)  # a demo: dropped when the first document of the user's own is indexed
        print(report.summary(), flush=True)
    api.answerer()  # open the index and load the model now (exporting it once, with a notice), not on a question
    shown = f"[{host}]" if ":" in host else host
    print(f"groundqa: serving on http://{shown}:{port}/  (JSON API under /api, OpenAI-compatible under /v1; "
          f"answerer: {api.answerer_name()}; Ctrl-C stops)", flush=True)
    # Imports Gradio (~5 s): requests made meanwhile wait in the socket's backlog.
    app = make_app(api, auth, allowed_hosts=allowed_hosts(host, getattr(args, "allowed_hosts", None)))
    print(f"groundqa: ready ({time.monotonic() - t0:.1f} s)", flush=True)
    server = uvicorn.Server(uvicorn_config(app, getattr(args, "forwarded_allow_ips", None)))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0


class BackgroundServer:
    """A uvicorn server for `app` on a free loopback port in a daemon thread (tests, notebooks)."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0, timeout_s: float = 30.0,
                 forwarded_allow_ips: str | None = None) -> None:
        import threading
        import time

        import uvicorn

        if not is_loopback(host):
            raise ValueError("BackgroundServer binds to loopback only")
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.url = f"http://{host}:{self.sock.getsockname()[1]}"
        config = uvicorn_config(app, forwarded_allow_ips, lifespan="on")
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
