"""ASGI guards in front of the whole server (JSON API and Gradio): Host names and login throttling.

- HostGuard answers 400 to a request whose Host header is not an allowed name. On a loopback server
  only loopback names are allowed, so a web page on another site cannot reach this server through
  DNS rebinding (its requests carry that site's name); `--allowed-hosts` adds names.
- LoginThrottle counts failed logins per client address (a 400 from Gradio's POST /login, a 401 from
  /api) and answers 429 to that address's login attempts for a while after MAX_FAILURES in WINDOW_S.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Any, Awaitable, Callable, Iterable

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
MAX_FAILURES = 10
"""Failed logins from one address within WINDOW_S before it is made to wait."""
WINDOW_S = 60.0


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
        path = scope.get("path", "")
        if path.rstrip("/").endswith("/login") and scope.get("method") == "POST":
            return True
        return path.startswith("/api/") and bool(_header(scope, b"authorization"))

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
        who = (scope.get("client") or ("?",))[0]
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
