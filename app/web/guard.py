"""ASGI guards in front of the whole server (JSON API and Gradio): Host names, credential throttling, Gradio
sessions and Gradio event bodies.

- HostGuard answers 400 to a request whose Host header is not an allowed name. On a loopback server
  only loopback names are allowed, so a web page on another site cannot reach this server through
  DNS rebinding (its requests carry that site's name); `--allowed-hosts` adds names.
- LoginThrottle counts failed credential checks per client address on every route that checks them
  (a 400 from Gradio's POST /login; a 401 to any request carrying an Authorization header: /api, /v1,
  Gradio routes) and answers 429 to that address's credentialed requests for a while after MAX_FAILURES
  in WINDOW_S. The address is the socket peer: uvicorn rewrites it from X-Forwarded-For only for the
  proxies named by `--forwarded-allow-ips` (app.web.server), so a client cannot pick a new one per guess.
- SessionGate (with --auth) answers 401 on the Gradio routes that do not check the login themselves
  (the heartbeat stream, media streams, cancel/reset) and on eval reports unless the request carries a
  live Gradio session.
- EventBodyGuard reads the JSON body of Gradio's event routes (queue/join, run, call) first: over
  MAX_EVENT_BODY_BYTES is 413, and a FileData whose path is a URL is 400 — Gradio would download it
  (and resolve its host) before any handler could refuse it.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict, deque
from http.cookies import CookieError, SimpleCookie
from typing import Any, Awaitable, Callable, Iterable

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
MAX_FAILURES = 10
"""Failed logins from one address within WINDOW_S before it is made to wait."""
WINDOW_S = 60.0
MAX_EVENT_BODY_BYTES = 1024 * 1024
"""Largest body of a Gradio event request (it carries the chat history: ~100 long turns fit)."""
_URL = re.compile(r"\s*[a-z][a-z0-9+.-]*:", re.IGNORECASE)
"""A FileData path that starts with a URL scheme (http:, https:, file:, data:)."""


def host_name(header: str) -> str:
    """The name part of a Host header, lower-cased, without port, brackets or a trailing dot."""
    h = header.strip().lower()
    if h.startswith("["):  # [::1]:7860
        return h[1:h.find("]")] if "]" in h else h
    if h.count(":") == 1:
        h = h.split(":", 1)[0]
    return h.rstrip(".")


def _header(scope: Scope, name: bytes) -> str:
    for k, v in scope.get("headers") or ():
        if k == name:
            return v.decode("latin-1")
    return ""


async def _plain(send: Callable[[dict], Awaitable[None]], status: int, text: str,
                 extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *extra]})
    await send({"type": "http.response.body", "body": body})


class HostGuard:
    """Refuse requests whose Host is not in `allowed` (None: any Host)."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str] | None) -> None:
        self.app = app
        self.allowed = None if allowed is None else {host_name(h) for h in allowed}

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket") and self.allowed is not None:
            if host_name(_header(scope, b"host")) not in self.allowed:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await _plain(send, 400, '{"error": "unknown Host header — this server answers to its loopback '
                                        'names only; start it with --allowed-hosts NAME to add one"}')
                return
        await self.app(scope, receive, send)


class LoginThrottle:
    """Per-address failed-login counter in front of the app (see module docstring)."""

    def __init__(self, app: ASGIApp, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S) -> None:
        self.app = app
        self.max_failures, self.window_s = max_failures, window_s
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    @staticmethod
    def _is_login(scope: Scope) -> bool:
        """Whether the request presents credentials: a login form post, or an Authorization header anywhere."""
        path = scope.get("path", "")
        if path.rstrip("/").endswith("/login") and scope.get("method") == "POST":
            return True
        return bool(_header(scope, b"authorization"))

    def _recent(self, who: str, now: float) -> int:
        q = self._fails[who]
        while q and now - q[0] > self.window_s:
            q.popleft()
        if not q:
            del self._fails[who]
            return 0
        return len(q)

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        who = (scope.get("client") or ("?",))[0]  # the socket peer unless a trusted proxy forwarded it
        login = self._is_login(scope)
        if login:
            with self._lock:
                n = self._recent(who, time.monotonic())
                wait = self.window_s - (time.monotonic() - self._fails[who][0]) if n >= self.max_failures else 0
            if n >= self.max_failures:
                await _plain(send, 429, f'{{"error": "too many failed logins from this address — wait '
                                        f'{max(1, int(wait))} s and try again"}}',
                             [(b"retry-after", str(max(1, int(wait))).encode())])
                return

        async def watch(message: dict) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                # Only attempts with credentials count: a client that first calls without any is not punished.
                failed = login and (status == 401 or (status == 400 and scope.get("path", "").rstrip("/")
                                                      .endswith("/login")))
                if failed:
                    with self._lock:
                        self._fails[who].append(time.monotonic())
            await send(message)

        await self.app(scope, receive, watch)


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(_header(scope, b"cookie"))
    except CookieError:
        return {}
    return {k: m.value for k, m in jar.items()}


class SessionGate:
    """With auth, refuse (401) the unchecked Gradio routes to a request without a live Gradio login."""

    UNCHECKED = ("/gradio_api/heartbeat/", "/gradio_api/stream/", "/gradio_api/cancel", "/gradio_api/reset",
                 "/eval-report/")
    """Gradio routes that do not check the login themselves (Gradio 6; the heartbeat streams forever), and
    the eval reports (app.web.ui.evaluate.REPORT_ROUTE), which belong to logged-in pages."""

    def __init__(self, app: ASGIApp, logged_in: Callable[[dict[str, str]], bool] | None) -> None:
        self.app = app
        self.logged_in = logged_in

    async def __call__(self, scope: Scope, receive, send) -> None:
        if (self.logged_in is not None and scope["type"] == "http"
                and scope.get("path", "").startswith(self.UNCHECKED) and not self.logged_in(_cookies(scope))):
            await _plain(send, 401, '{"error": "not logged in — open the app and log in first"}')
            return
        await self.app(scope, receive, send)


def url_file_paths(data: Any) -> bool:
    """Whether any object {"path": ...} (a FileData) anywhere in `data` names a URL instead of a file."""
    stack = [data]
    while stack:
        d = stack.pop()
        if isinstance(d, dict):
            path = d.get("path")
            if isinstance(path, str) and _URL.match(path):
                return True
            stack.extend(d.values())
        elif isinstance(d, list):
            stack.extend(d)
    return False


class EventBodyGuard:
    """Size-limit and check the JSON body of Gradio event requests before Gradio sees it (module docstring)."""

    EVENT_ROUTES = ("/gradio_api/queue/join", "/gradio_api/run/", "/gradio_api/call/", "/gradio_api/api/",
                    "/gradio_api/component_server")

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_EVENT_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or \
                not scope.get("path", "").startswith(self.EVENT_ROUTES):
            await self.app(scope, receive, send)
            return
        too_big = (f'{{"error": "request body over {self.max_bytes // 1024} KiB — start a new chat '
                   f'(the history travels with every question) or send less"}}')
        length = _header(scope, b"content-length")
        if length.isdigit() and int(length) > self.max_bytes:
            await _plain(send, 413, too_big)
            return
        parts, size = [], 0
        while True:  # read it all here (never more than the limit), then hand Gradio the same bytes
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _plain(send, 413, too_big)
                return
            parts.append(chunk)
            if not msg.get("more_body"):
                break
        body = b"".join(parts)
        try:
            data = json.loads(body or b"null")
        except (ValueError, RecursionError):
            data = None  # not JSON: Gradio answers that itself
        if url_file_paths(data):
            await _plain(send, 400, '{"error": "a file must be uploaded from the page, not given as a URL — '
                                    'download it and upload the file"}')
            return
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
