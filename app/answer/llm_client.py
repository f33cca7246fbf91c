"""A minimal OpenAI chat-completions client over httpx: streaming and not, timeouts, retries with backoff.

Every failure is an LLMError whose message is one line naming the URL and the fix; the API key (from
$GROUNDQA_LLM_API_KEY) goes only into the Authorization header, never into a message or a log.
"""
from __future__ import annotations

import json
import os
import time
from typing import Any, Callable, Iterator

import httpx

API_KEY_ENV = "GROUNDQA_LLM_API_KEY"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 10.0


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


def models_endpoint(url: str) -> str:
    """The /v1/models URL next to `endpoint(url)`."""
    return endpoint(url)[: -len("/chat/completions")] + "/models"


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
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                return self._once(body, stream)
            except _Retryable as exc:
                if last:
                    raise LLMError(f"{exc.message} after {attempt + 1} tries — {exc.fix}") from None
                self._sleep(min(exc.retry_after, MAX_RETRY_AFTER_S) if exc.retry_after is not None else delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _once(self, body: dict[str, Any], stream: bool) -> str:
        timeout = httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 10.0))
        try:
            with httpx.Client(timeout=timeout, trust_env=False) as client:
                if not stream:
                    r = client.post(self.url, json=body, headers=self._headers())
                    self._check_status(r)
                    return self._parse(r)
                with client.stream("POST", self.url, json=body, headers=self._headers()) as r:
                    if r.status_code >= 400:
                        r.read()
                    self._check_status(r)
                    return self._parse_stream(r.iter_lines())
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

    def _parse(self, r: httpx.Response) -> str:
        try:
            data = r.json()
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise self._malformed("a reply that is not chat-completions JSON") from None
        if not isinstance(content, str):
            raise self._malformed("a reply without text content")
        return content

    def _parse_stream(self, lines: Iterator[str]) -> str:
        parts: list[str] = []
        finished = False
        for line in lines:
            line = line.strip()
            if not line.startswith("data:"):
                continue  # comments, event names, keep-alive pings
            payload = line[5:].strip()
            if payload == "[DONE]":
                finished = True
                break
            try:
                choice = json.loads(payload)["choices"][0]
            except (ValueError, KeyError, IndexError, TypeError):
                raise self._malformed("a stream event that is not chat-completions JSON") from None
            delta = (choice.get("delta") or {}).get("content")
            if isinstance(delta, str):
                parts.append(delta)
            if choice.get("finish_reason"):
                finished = True
        if not finished:
            # A half answer could drop the sentence that qualifies the others: use none of it.
            raise LLMError(f"the stream from the LLM server at {self.url} ended before the answer was complete "
                           "— check the server's log (or its timeouts)")
        return "".join(parts)


class _Retryable(Exception):
    def __init__(self, message: str, fix: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message, self.fix, self.retry_after = message, fix, retry_after
