"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1 for edge-case tests (not a fixture module).

Each request takes the next step of the script (the last step repeats):
  ("reply", text)            a normal JSON completion whose content is `text`
  ("stream", text)           the same as SSE chunks, ending with [DONE]
  ("cut", text)              SSE chunks of the first half of `text`, then the connection drops
  ("status", code)           an error JSON with that HTTP status (429 carries Retry-After: 0)
  ("sleep", seconds)         waits, then replies "too late [1]." (for timeouts)
  ("malformed", body)        200 with a body that is not chat-completions JSON
  ("trickle", text)          a JSON completion sent one byte a second (a gap timeout never fires)
  ("big", [text, n])         a JSON completion whose content is `text` repeated to `n` bytes, sent in 64 KiB writes
  ("nested", n)               200 with a body of `n` "[" (JSON nested past any recursion limit)
  ("slow", [seconds, text])  waits, then a normal JSON completion whose content is `text`
  ("status_trickle", [code, n]) that HTTP status with an `n`-byte body sent one byte a second
  ("status_big", [code, n])  that HTTP status with an `n`-byte body sent as fast as it is taken, 64 KiB a write
  ("header_trickle", text)   a JSON completion whose status line and headers come one byte a second
Run as a script (`python tests/fake_llm.py '<script as JSON>'`) it serves in its own process and prints
"URL http://127.0.0.1:PORT/v1"; `ScriptedLLM` starts and stops that process by its pid.
A callable `text` is called with the request body (to cite the excerpt that holds a phrase); in a text given as
JSON, "[@phrase@]" becomes the marker "[n]" of the prompt's excerpt that holds `phrase` ("[0]" when none does).
The server records every request body in `requests` and its headers in `headers`. `serving` puts a GroundQA's
/api and /v1 routes on 127.0.0.1 with an LLM's settings, for the tests that go through HTTP.
"""
from __future__ import annotations

import json
import re
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator


class FakeLLM:
    """Start with FakeLLM(script); `url` is the base URL (…/v1); stop() shuts it down."""

    def __init__(self, script: list[tuple[str, Any]]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._i = 0
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}")
                with owner._lock:
                    owner.requests.append(body)
                    owner.headers.append(dict(self.headers))
                    step = owner.script[min(owner._i, len(owner.script) - 1)]
                    owner._i += 1
                kind, arg = step
                arg = arg(body) if callable(arg) else arg
                if isinstance(arg, str) and "[@" in arg:
                    arg = _CITE.sub(lambda m: f"[{excerpt_number(body, m.group(1))}]", arg)
                owner._serve(self, (kind, arg))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, code: int, body: bytes, ctype: str = "application/json",
              extra: dict[str, str] | None = None) -> None:
        h.send_response(code)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def _serve(self, h: BaseHTTPRequestHandler, step: tuple[str, Any]) -> None:
        kind, arg = step
        if kind == "reply":
            self._send(h, 200, json.dumps(_completion(arg)).encode())
        elif kind == "status":
            self._send(h, int(arg), json.dumps({"error": {"message": "scripted"}}).encode(),
                       extra={"Retry-After": "0"} if int(arg) == 429 else None)
        elif kind == "sleep":
            time.sleep(float(arg))
            try:
                self._send(h, 200, json.dumps(_completion("too late [1].")).encode())
            except OSError:
                pass
        elif kind == "slow":
            time.sleep(float(arg[0]))
            self._send(h, 200, json.dumps(_completion(arg[1])).encode())
        elif kind in ("trickle", "big"):
            if kind == "trickle":
                body = json.dumps(_completion(arg)).encode()
                pieces: Any = (body[i:i + 1] for i in range(len(body)))
            else:
                text, n = arg
                reps = max(1, int(n) // (len(text) + 1))
                body = json.dumps(_completion(" ".join([text] * reps))).encode()
                pieces = (body[i:i + 65536] for i in range(0, len(body), 65536))
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            try:
                for p in pieces:
                    h.wfile.write(p)
                    h.wfile.flush()
                    if kind == "trickle":
                        time.sleep(1.0)
            except OSError:  # the client hung up (as it should)
                pass
        elif kind in ("status_trickle", "status_big"):
            code, n = int(arg[0]), int(arg[1])
            h.send_response(code)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(n))
            h.end_headers()
            try:
                if kind == "status_trickle":
                    for _ in range(n):
                        h.wfile.write(b" ")
                        h.wfile.flush()
                        time.sleep(1.0)
                else:
                    block = b" " * 65536
                    for i in range(0, n, len(block)):
                        h.wfile.write(block[: min(len(block), n - i)])
            except OSError:  # the client hung up (as it should)
                pass
        elif kind == "header_trickle":
            body = json.dumps(_completion(arg)).encode()
            head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                    f"X-Padding: {'p' * 100}\r\n\r\n").encode()
            h.close_connection = True
            try:
                for i in range(len(head)):
                    h.wfile.write(head[i:i + 1])
                    h.wfile.flush()
                    time.sleep(1.0)
                h.wfile.write(body)
            except OSError:
                pass
        elif kind == "malformed":
            self._send(h, 200, str(arg).encode())
        elif kind == "nested":
            self._send(h, 200, b"[" * int(arg))
        elif kind in ("stream", "cut"):
            words = str(arg).split(" ")
            if kind == "cut":
                words = words[: max(1, len(words) // 2)]
            h.send_response(200)
            h.send_header("Content-Type", "text/event-stream")
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            for i, w in enumerate(words):
                chunk = {"choices": [{"index": 0, "delta": {"content": (w if i == 0 else " " + w)},
                                      "finish_reason": None}]}
                _chunk(h, f"data: {json.dumps(chunk)}\n\n")
            if kind == "cut":
                h.wfile.flush()
                h.close_connection = True
                h.connection.shutdown(2)  # drop mid-stream: no finish_reason, no [DONE], no final chunk
                return
            _chunk(h, "data: " + json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                   + "\n\n")
            _chunk(h, "data: [DONE]\n\n")
            h.wfile.write(b"0\r\n\r\n")
        else:
            raise ValueError(kind)


_CITE = re.compile(r"\[@(.+?)@\]")


def excerpt_number(body: dict[str, Any], phrase: str) -> int:
    """The [n] of the excerpt in a request's prompt that holds `phrase` (0 when none does)."""
    user = body["messages"][-1]["content"]
    blocks = re.split(r"\n(?=\[\d+\] document: )", user.split("Excerpts:", 1)[-1])
    for b in blocks:
        m = re.match(r"\s*\[(\d+)\] document: ", b)
        if m and phrase in " ".join(b.split()):
            return int(m.group(1))
    return 0


def _chunk(h: BaseHTTPRequestHandler, text: str) -> None:
    data = text.encode()
    h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    h.wfile.flush()


def _completion(text: str) -> dict[str, Any]:
    return {"id": "fake-1", "object": "chat.completion", "created": 0, "model": "fake",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}


@contextmanager
def serving(api: Any, llm: Any) -> Iterator[str]:
    """`api`'s /api and /v1 routes served on 127.0.0.1 with `llm` as its LLM settings; yields the base URL and
    restores the settings and stops the server afterwards."""
    from dataclasses import replace

    from fastapi import FastAPI

    from app.web.http_api import make_router
    from app.web.openai_api import make_openai_router
    from app.web.server import BackgroundServer

    before = api.settings
    api.settings = replace(before, llm=llm)
    app = FastAPI()
    app.include_router(make_router(api))
    app.include_router(make_openai_router(api))
    srv = BackgroundServer(app)
    try:
        yield srv.url
    finally:
        srv.stop()
        api.settings = before


class ScriptedLLM:
    """FakeLLM in its own process (script steps must be JSON: no callables); stop() ends it by its pid."""

    def __init__(self, script: list[tuple[str, Any]], timeout_s: float = 30.0) -> None:
        import os
        import subprocess
        import sys

        self.proc = subprocess.Popen([sys.executable, __file__, json.dumps(script)], stdout=subprocess.PIPE,
                                     text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("URL "):
            self.stop()
            raise RuntimeError("the scripted LLM server did not start")
        self.url = line.split()[1]

    def stop(self) -> None:
        """Terminate the server process by its pid and wait for it."""
        from llm_server import stop_process

        stop_process(self.proc)


if __name__ == "__main__":
    import signal
    import sys

    srv = FakeLLM([tuple(step) for step in json.loads(sys.argv[1])])
    print(f"URL {srv.url}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
