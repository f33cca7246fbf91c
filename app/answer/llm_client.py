"""A minimal OpenAI chat-completions client over httpx: streaming and not, a deadline, retries with backoff.

`timeout_s` is a deadline for the whole call (connect, every byte, every retry and backoff), not a gap between
bytes: a server that trickles one byte a second — headers or body — cannot hold an answer past it, and when the
deadline passes the connection is shut down, so no socket or thread is left reading after it. The reply is read
up to a cap (`reply_cap`: max_tokens × 8 characters, 1 MiB at most; MAX_BODY_BYTES of body whatever the
format); a longer one is cut there, at its last full sentence, and only that is checked. The body of an error
reply (HTTP ≥ 400) is not read at all: its status says what went wrong. A reply that cannot be parsed (including
JSON nested past Python's recursion limit) is an LLMError, so the caller falls back to the extractive answer.
Every failure is an LLMError whose message is one line naming the URL and the fix; the API key (from
$GROUNDQA_LLM_API_KEY) goes only into the Authorization header, never into a message or a log.
"""
from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from typing import Any, Callable, Iterator

import httpx

API_KEY_ENV = "GROUNDQA_LLM_API_KEY"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 10.0
BYTES_PER_TOKEN = 8
"""Reply text read per requested token (max_tokens × this), generous for any tokenizer."""
MAX_REPLY_CHARS = 1 << 20
"""Reply text is never read past 1 MiB, whatever max_tokens says."""
_ENVELOPE_BYTES = 64 * 1024
"""Room for the JSON or SSE envelope around the reply text (ids, roles, one event per token)."""
MAX_BODY_BYTES = 16 * 1024 * 1024
"""Most bytes of a reply body read, whatever max_tokens and the format (a stream of one event per token for a
1 MiB reply fits); the parsers stop earlier for smaller caps."""
_SENTENCE_END = re.compile(r"[.!?](?:[\"'”’)]*)(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])*")


def reply_cap(max_tokens: int) -> int:
    """Characters of reply text read at most for a request of `max_tokens`."""
    return max(256, min(int(max_tokens) * BYTES_PER_TOKEN, MAX_REPLY_CHARS))


def cut_to_sentence(text: str) -> str:
    """`text` up to its last complete sentence (with the markers after it): what is checked of a cut reply."""
    ends = list(_SENTENCE_END.finditer(text))
    return text[: ends[-1].end()] if ends else ""


_CONTENT_KEY = re.compile(r'"content"\s*:\s*"')


def _partial_json_string(raw: str) -> str | None:
    """The (possibly unterminated) value of the first "content" string in a cut JSON body.

    Scanned with str.find, not one regex over the value: a repeated group over megabytes holds a backtracking
    state per character (~900 MB for a 6 MB value)."""
    m = _CONTENT_KEY.search(raw)
    if not m:
        return None
    end = m.end()
    while (end := raw.find('"', end)) >= 0:
        k = end
        while k > m.end() and raw[k - 1] == "\\":
            k -= 1
        if (end - k) % 2 == 0:
            break  # an unescaped quote ends the string
        end += 1
    body = raw[m.end():] if end < 0 else raw[m.end():end]
    for trim in range(0, 7):  # a cut escape ("\u00") at the very end
        try:
            return json.loads('"' + body[: len(body) - trim] + '"')
        except ValueError:
            continue
    return None


class LLMError(RuntimeError):
    """The LLM server could not give a usable reply; str is one line with the URL and the fix."""


def endpoint(url: str) -> str:
    """The chat-completions URL for a base URL given as http://host:port, …/v1 or the full endpoint."""
    u = url.strip().rstrip("/")
    if not u.startswith(("http://", "https://")):
        raise LLMError(f"LLM URL {url!r} is not an http(s) URL — pass e.g. --llm http://127.0.0.1:8080/v1")
    if u.endswith("/chat/completions"):
        return u
    if u.endswith("/v1"):
        return u + "/chat/completions"
    return u + "/v1/chat/completions"


class LLMClient:
    """Chat completions against one OpenAI-compatible server."""

    def __init__(self, url: str, model: str = "default", timeout_s: float = 60.0, retries: int = 2,
                 backoff_s: float = 0.5, api_key: str | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = endpoint(url)
        self.model = model
        self.timeout_s = float(timeout_s)
        self.retries = max(0, int(retries))
        self.backoff_s = float(backoff_s)
        self._key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")
        self._sleep = sleep

    def _headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self._key:
            h["Authorization"] = f"Bearer {self._key}"
        return h

    def chat(self, messages: list[dict[str, str]], max_tokens: int = 256, temperature: float = 0.0,
             stream: bool = False) -> str:
        """The assistant's reply text; retries 429/5xx and refused connections, then raises LLMError."""
        body: dict[str, Any] = {"model": self.model, "messages": messages, "max_tokens": int(max_tokens),
                                "temperature": float(temperature), "stream": bool(stream)}
        delay = self.backoff_s
        deadline = time.monotonic() + self.timeout_s
        cap = reply_cap(max_tokens)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                return self._before(deadline, body, stream, cap)
            except _Retryable as exc:
                wait = min(exc.retry_after, MAX_RETRY_AFTER_S) if exc.retry_after is not None else delay
                if last or time.monotonic() + wait >= deadline:
                    raise LLMError(f"{exc.message} after {attempt + 1} tries — {exc.fix}") from None
                self._sleep(wait)
                delay *= 2
        raise AssertionError("unreachable")

    def _timed_out(self) -> LLMError:
        return LLMError(f"the LLM server at {self.url} did not answer within {self.timeout_s:g} s — raise the "
                        "timeout (--llm-timeout) or use a faster model")

    def _before(self, deadline: float, body: dict[str, Any], stream: bool, cap: int) -> str:
        """One try, abandoned at the deadline: it runs in a worker thread (a read blocked on a silent socket
        cannot be interrupted otherwise); the worker stops at its next byte or its own read timeout."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._timed_out()
        box: dict[str, Any] = {}
        abort = _Abort()

        def work() -> None:
            try:
                box["reply"] = self._once(body, stream, deadline, cap, abort)
            except BaseException as exc:  # handed to the caller's thread below
                box["error"] = exc

        worker = threading.Thread(target=work, name="groundqa-llm", daemon=True)
        worker.start()
        worker.join(remaining)
        if worker.is_alive():
            abort()  # shut the connection: the worker's read ends now, not when the server stops sending
            worker.join(1.0)
            raise self._timed_out()
        if "error" in box:
            raise box["error"]
        return box["reply"]

    def _once(self, body: dict[str, Any], stream: bool, deadline: float | None = None,
              cap: int = MAX_REPLY_CHARS, abort: "_Abort | None" = None) -> str:
        deadline = deadline if deadline is not None else time.monotonic() + self.timeout_s
        remaining = max(0.01, deadline - time.monotonic())
        timeout = httpx.Timeout(remaining, connect=min(remaining, 10.0))
        # httpcore's trace extension hands over the socket once connected, so `abort` can shut it from the
        # caller's thread at the deadline, even while headers are still arriving.
        extensions = {"trace": abort.trace} if abort is not None else {}
        try:
            with httpx.Client(timeout=timeout, trust_env=False) as client:
                with client.stream("POST", self.url, json=body, headers=self._headers(), extensions=extensions) as r:
                    self._check_status(r)  # an error's body is never read: leaving unread closes the connection
                    chunks = self._bytes(r, deadline)
                    if not stream:
                        return self._parse(chunks, cap)
                    return self._parse_stream(_lines(chunks), cap)
        except httpx.ConnectError:
            raise _Retryable(f"cannot connect to the LLM server at {self.url}",
                             "start the server, or fix --llm / $GROUNDQA_LLM_URL") from None
        except httpx.TimeoutException:
            raise LLMError(f"the LLM server at {self.url} did not answer within {self.timeout_s:g} s — raise the "
                           "timeout (--llm-timeout) or use a faster model") from None
        except (httpx.RemoteProtocolError, httpx.ReadError):
            raise LLMError(f"the LLM server at {self.url} closed the connection mid-reply — check the server's "
                           "log; the extractive answer is shown instead") from None
        except httpx.HTTPError as exc:
            raise LLMError(f"request to the LLM server at {self.url} failed ({type(exc).__name__}) — check "
                           "the URL and the server") from None

    def _check_status(self, r: httpx.Response) -> None:
        code = r.status_code
        if code < 400:
            return
        if code in RETRY_STATUSES:
            ra = r.headers.get("retry-after", "")
            raise _Retryable(f"the LLM server at {self.url} answered HTTP {code}", "wait, or check the server's log",
                             retry_after=float(ra) if ra.replace(".", "", 1).isdigit() else None)
        if code in (401, 403):
            raise LLMError(f"the LLM server at {self.url} refused the request (HTTP {code}) — set "
                           f"${API_KEY_ENV} to a valid API key")
        if code == 404:
            raise LLMError(f"the LLM server at {self.url} has no such endpoint or model (HTTP 404) — give its "
                           "base URL (e.g. http://127.0.0.1:8080/v1) and a model it serves (--llm-model)")
        raise LLMError(f"the LLM server at {self.url} answered HTTP {code} — check --llm-model and the "
                       "server's log")

    def _malformed(self, what: str) -> LLMError:
        return LLMError(f"the LLM server at {self.url} sent {what} — check that --llm points at an "
                        "OpenAI-compatible chat-completions server")

    def _bytes(self, r: httpx.Response, deadline: float) -> Iterator[bytes]:
        """The body's chunks, ending with an LLMError once the deadline passes (checked at every chunk) or past
        MAX_BODY_BYTES."""
        size = 0
        for chunk in r.iter_bytes():
            if time.monotonic() > deadline:
                raise self._timed_out()
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise self._malformed(f"a reply over {MAX_BODY_BYTES // (1024 * 1024)} MiB")
            yield chunk

    def _parse(self, chunks: Iterator[bytes], cap: int) -> str:
        limit = cap * 6 + _ENVELOPE_BYTES  # JSON may spell a character as "\uXXXX"
        buf = bytearray()
        cut = False
        for chunk in chunks:
            buf += chunk
            if len(buf) > limit:
                cut = True
                break
        raw = bytes(buf[:limit]).decode("utf-8", "replace")
        if cut:
            content = _partial_json_string(raw)
            if content is None:
                raise self._malformed(f"a reply over {limit:,} bytes that is not chat-completions JSON")
            return cut_to_sentence(content[:cap])
        try:
            data = json.loads(raw)
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError, RecursionError):
            raise self._malformed("a reply that is not chat-completions JSON") from None
        if not isinstance(content, str):
            raise self._malformed("a reply without text content")
        return content if len(content) <= cap else cut_to_sentence(content[:cap])

    def _parse_stream(self, lines: Iterator[str], cap: int = MAX_REPLY_CHARS) -> str:
        parts: list[str] = []
        size = 0
        read = 0
        limit = min(cap * 64 + _ENVELOPE_BYTES, MAX_BODY_BYTES)  # one SSE event per token: ~150 bytes of envelope
        finished = False
        for line in lines:
            read += len(line) + 1
            if read > limit:
                # Cut deliberately: like a server's finish_reason "length", check what came up to here.
                return cut_to_sentence("".join(parts))
            line = line.strip()
            if not line.startswith("data:"):
                continue  # comments, event names, keep-alive pings
            payload = line[5:].strip()
            if payload == "[DONE]":
                finished = True
                break
            try:
                choice = json.loads(payload)["choices"][0]
                delta = (choice.get("delta") or {}).get("content")
            except (ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError):
                raise self._malformed("a stream event that is not chat-completions JSON") from None
            if isinstance(delta, str):
                parts.append(delta)
                size += len(delta)
                if size >= cap:
                    return cut_to_sentence("".join(parts)[:cap])
            if choice.get("finish_reason"):
                finished = True
        if not finished:
            # A half answer could drop the sentence that qualifies the others: use none of it.
            raise LLMError(f"the stream from the LLM server at {self.url} ended before the answer was complete "
                           "— check the server's log (or its timeouts)")
        return "".join(parts)


def _lines(chunks: Iterator[bytes]) -> Iterator[str]:
    """Decoded lines of a byte stream (a line is never longer than what was read: chunks are joined as they
    come, so a cap on bytes read also caps a line)."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        *done, pending = pending.split(b"\n")
        for line in done:
            yield line.decode("utf-8", "replace")
        if len(pending) > MAX_REPLY_CHARS * 2:
            yield pending.decode("utf-8", "replace")  # one endless line: hand it over so the cap applies
            pending = b""
    if pending:
        yield pending.decode("utf-8", "replace")


class _Abort:
    """Shuts down the connection of one try from another thread (at the deadline), whenever it was made."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._aborted = False

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore trace hook: keep the socket once the TCP connection is made."""
        if event.endswith("connect_tcp.complete") and info.get("return_value") is not None:
            sock = info["return_value"].get_extra_info("socket")
            with self._lock:
                self._sock = sock
                late = self._aborted
            if late:
                _shut(sock)

    def __call__(self) -> None:
        with self._lock:
            self._aborted = True
            sock = self._sock
        if sock is not None:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    """End both directions of a socket: a read blocked on it in another thread returns at once."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


class _Retryable(Exception):
    def __init__(self, message: str, fix: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message, self.fix, self.retry_after = message, fix, retry_after
