"""ASGI guards in front of the whole server (JSON API and Gradio): Host names, credential throttling, Gradio
sessions and Gradio event bodies.

- HostGuard answers 400 to a request whose Host header is not an allowed name. On a loopback server
  only loopback names are allowed, so a web page on another site cannot reach this server through
  DNS rebinding (its requests carry that site's name); `--allowed-hosts` adds names.
- LoginThrottle checks the credentials of every request that presents some (Gradio's POST /login form; an
  Authorization header on any route: /api, /v1, Gradio's) against the --auth list itself, and counts a failure
  in the same step as it checks the limits (so a burst of parallel guesses cannot pass before any is counted).
  After MAX_FAILURES in WINDOW_S from one address (an IPv6 client: its /64), that address gets 429 on every
  credentialed request; after ACCOUNT_FAILURES in ACCOUNT_WINDOW_S for one user name, from any addresses, that
  name is locked for LOCKOUT_S, doubled at each further lockout up to MAX_LOCKOUT_S. Unknown names lock alike (a
  lockout does not tell which names exist). The address is the socket peer: uvicorn rewrites it from
  X-Forwarded-For only for the proxies named by `--forwarded-allow-ips` (app.web.server).
- SessionGate (with --auth) answers 401 on the Gradio routes that do not check the login themselves
  (the heartbeat stream, media streams, cancel/reset) and on eval reports unless the request carries a
  live Gradio session.
- EventBodyGuard reads the JSON body of Gradio's event routes (queue/join, run, call) first: over
  MAX_EVENT_BODY_BYTES is 413, and a FileData whose path is a URL is 400 — Gradio would download it
  (and resolve its host) before any handler could refuse it.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any, Awaitable, Callable, Iterable, Sequence

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
MAX_FAILURES = 10
"""Failed logins from one address (an IPv6 client: its /64) within WINDOW_S before it is made to wait."""
WINDOW_S = 60.0
ACCOUNT_FAILURES = 10
"""Failed logins for one user name, from any addresses, within ACCOUNT_WINDOW_S before the name is locked."""
ACCOUNT_WINDOW_S = 900.0
LOCKOUT_S = 60.0
"""The first lockout of a user name; each further one doubles it, up to MAX_LOCKOUT_S (10 guesses an hour)."""
MAX_LOCKOUT_S = 3600.0
FORGET_S = 86400.0
"""A user name with no failure for this long starts again from the first lockout."""
MAX_TRACKED = 100_000
"""Most addresses and user names remembered (~20 MB); past it the oldest unlocked ones are forgotten."""
MAX_LOGIN_BODY_BYTES = 16 * 1024
"""Largest login form read (a user name and a password)."""
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


def client_key(host: str) -> str:
    """What failures are counted on: an IPv4 address, or an IPv6 client's /64 (one host is handed a whole /64,
    so counting single IPv6 addresses would give it 2^64 fresh starts)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _header_credentials(scope: Scope) -> tuple[str, str] | None:
    """(user, password) of an Authorization header — HTTP Basic, or USER:PASS as a bearer key (/v1) — parsed as
    app.web.http_api does; None without the header, ("", "") for one that names no user."""
    value = _header(scope, b"authorization").strip()
    if not value:
        return None
    kind, _, rest = value.partition(" ")
    if kind.lower() == "basic":
        try:
            user, _, pw = base64.b64decode(rest.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return "", ""
        return user, pw
    if kind.lower() == "bearer":
        user, _, pw = rest.strip().partition(":")
        return user, pw
    return "", ""


async def _form_credentials(scope: Scope, body: bytes) -> tuple[str, str]:
    """(user name stripped as Gradio strips it, password) of a login form (urlencoded or multipart)."""
    from starlette.requests import Request

    async def once() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(scope, once).form(max_files=0, max_fields=20)
    except Exception:  # noqa: BLE001 - not a form: Gradio refuses it, and it counts as a failed login
        return "", ""
    user, pw = form.get("username"), form.get("password")
    await form.close()
    return (user.strip() if isinstance(user, str) else ""), (pw if isinstance(pw, str) else "")


async def _read_body(receive: Callable[[], Awaitable[dict]], limit: int) -> tuple[bytes | None, bool]:
    """(the whole body, False), (None, True) once it passes `limit` bytes, or (None, False) on a disconnect."""
    parts, size = [], 0
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            return None, False
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None, True
        parts.append(chunk)
        if not msg.get("more_body"):
            return b"".join(parts), False


def _replay(body: bytes, receive: Callable[[], Awaitable[dict]]) -> Callable[[], Awaitable[dict]]:
    """A receive() that hands over `body` once, then what the client sends next (a disconnect)."""
    replayed = False

    async def again() -> dict:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


@dataclass
class _Name:
    """Failures of one user name: the recent ones, lockouts in a row, and until when it is locked."""

    fails: deque[float] = field(default_factory=deque)
    strikes: int = 0
    locked_until: float = 0.0
    last_fail: float = 0.0


class LoginThrottle:
    """Failed-login limits per address and per user name, checked and counted in one step (module docstring)."""

    def __init__(self, app: ASGIApp, auth: Sequence[tuple[str, str]] | None = None) -> None:
        self.app = app
        self.pairs = [(u.encode(), p.encode()) for u, p in auth or ()]
        self._addresses: dict[str, deque[float]] = {}
        self._names: dict[str, _Name] = {}
        self._lock = threading.Lock()

    def _valid(self, user: str, pw: str) -> bool:
        ok = False
        for u, p in self.pairs:  # compare every entry: no early exit on a match
            ok |= secrets.compare_digest(u, user.encode()) & secrets.compare_digest(p, pw.encode())
        return ok

    def admit(self, who: str, name: str, valid: bool, now: float) -> float:
        """Seconds `who` must wait before trying `name` again (0: go on; a failure is counted at once)."""
        with self._lock:
            fails = self._addresses.get(who) or deque()
            while fails and now - fails[0] > WINDOW_S:
                fails.popleft()
            wait = WINDOW_S - (now - fails[0]) if len(fails) >= MAX_FAILURES else 0.0
            acct = self._names.get(name) if name else None
            if acct is not None:
                if now - acct.last_fail > FORGET_S:
                    acct.strikes = 0
                wait = max(wait, acct.locked_until - now)
            if wait > 0 or valid:
                return max(wait, 0.0)
            fails.append(now)
            self._addresses[who] = fails
            if name:
                acct = self._names.setdefault(name, _Name())
                while acct.fails and now - acct.fails[0] > ACCOUNT_WINDOW_S:
                    acct.fails.popleft()
                acct.fails.append(now)
                acct.last_fail = now
                if len(acct.fails) >= ACCOUNT_FAILURES:  # lock the name, longer each time
                    acct.locked_until = now + min(MAX_LOCKOUT_S, LOCKOUT_S * 2 ** min(acct.strikes, 16))
                    acct.strikes += 1
                    acct.fails.clear()
            if len(self._addresses) + len(self._names) > MAX_TRACKED:
                self._forget(now)
            return 0.0

    def _forget(self, now: float) -> None:
        """Drop addresses with no failure in the window and names neither locked nor failed lately; if that is not
        enough (a flood from very many addresses), keep the newest half, locked names first."""
        self._addresses = {k: q for k, q in self._addresses.items() if q and now - q[-1] <= WINDOW_S}
        self._names = {k: n for k, n in self._names.items()
                       if n.locked_until > now or now - n.last_fail <= ACCOUNT_WINDOW_S}
        if len(self._addresses) + len(self._names) > MAX_TRACKED:
            half = MAX_TRACKED // 4
            newest = sorted(self._addresses.items(), key=lambda kv: kv[1][-1])[-half:]
            self._addresses = dict(newest)
            ranked = sorted(self._names.items(), key=lambda kv: (kv[1].locked_until > now, kv[1].last_fail))
            self._names = dict(ranked[-half:])

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http" or not self.pairs:
            await self.app(scope, receive, send)
            return
        form = scope.get("method") == "POST" and scope.get("path", "").rstrip("/").endswith("/login")
        creds = None if form else _header_credentials(scope)
        if not form and creds is None:  # presents no credentials: nothing to count
            await self.app(scope, receive, send)
            return
        if form:
            length = _header(scope, b"content-length")
            body, over = (None, True) if length.isdigit() and int(length) > MAX_LOGIN_BODY_BYTES else \
                await _read_body(receive, MAX_LOGIN_BODY_BYTES)
            if over:
                await _plain(send, 413, '{"error": "login form over 16 KiB — send a user name and a password"}')
                return
            if body is None:
                return  # the client went away
            user, pw = await _form_credentials(scope, body)
            receive = _replay(body, receive)
        else:
            user, pw = creds
        who = client_key((scope.get("client") or ("?",))[0])  # the socket peer unless a trusted proxy forwarded it
        wait = self.admit(who, user.strip(), self._valid(user, pw), time.monotonic())
        if wait > 0:
            secs = str(max(1, int(wait + 0.999)))
            await _plain(send, 429, f'{{"error": "too many failed logins from this address or for this user name '
                                    f'— wait {secs} s and try again"}}', [(b"retry-after", secs.encode())])
            return
        await self.app(scope, receive, send)


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
        body, over = await _read_body(receive, self.max_bytes)  # never more than the limit
        if over:
            await _plain(send, 413, too_big)
            return
        if body is None:
            return
        try:
            data = json.loads(body or b"null")
        except (ValueError, RecursionError):
            data = None  # not JSON: Gradio answers that itself
        if url_file_paths(data):
            await _plain(send, 400, '{"error": "a file must be uploaded from the page, not given as a URL — '
                                    'download it and upload the file"}')
            return
        await self.app(scope, _replay(body, receive), send)
