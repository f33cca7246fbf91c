"""Issue #34 row M4: every read from an LLM server is capped in bytes and bound by the call's deadline — an error
reply too — and the connection is closed when the deadline passes: no socket or thread is left reading.

The servers are scripted OpenAI-compatible ones in their own process on 127.0.0.1 (tests/fake_llm.py).
"""
from __future__ import annotations

import os
import threading
import time
import tracemalloc

import pytest

from fake_llm import ScriptedLLM

pytest.importorskip("httpx")

TIMEOUT_S = 3.0


@pytest.fixture
def server():
    servers: list[ScriptedLLM] = []

    def start(script) -> str:
        srv = ScriptedLLM(script)
        servers.append(srv)
        return srv.url

    yield start
    for s in servers:
        s.stop()


def _port(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


def connections_to(port: int) -> int:
    """Open TCP connections of this process to 127.0.0.1:`port` (from /proc: its sockets' inodes)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    n = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            remote_port = int(cols[2].split(":")[1], 16)
            # states 06/07/0A: TIME_WAIT, CLOSE, LISTEN — not a connection that is still open
            if remote_port == port and cols[3] not in ("06", "07", "0A") and cols[9] in inodes:
                n += 1
    return n


def _llm_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "groundqa-llm" and t.is_alive()]


def _ask(url: str) -> tuple[str, float]:
    from app.answer.llm_client import LLMClient, LLMError

    client = LLMClient(url, model="m", timeout_s=TIMEOUT_S, retries=0)
    t0 = time.monotonic()
    with pytest.raises(LLMError) as e:
        client.chat([{"role": "user", "content": "hi"}])
    return str(e.value), time.monotonic() - t0


def _nothing_left(port: int) -> None:
    deadline = time.monotonic() + 1.5  # the worker ends within a moment of the deadline, not when the server stops
    while (_llm_threads() or connections_to(port)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _llm_threads(), "a thread is still reading from the LLM server after the deadline"
    assert connections_to(port) == 0, "a connection to the LLM server is still open after the deadline"


@pytest.mark.parametrize("step", [["status_trickle", [500, 120]], ["header_trickle", "late answer."],
                                  ["trickle", "late answer."]])
def test_a_trickling_server_is_cut_off_at_the_deadline(server, step):
    url = server([step])
    assert not _llm_threads()
    message, took = _ask(url)
    assert "\n" not in message and ("did not answer within 3 s" in message or "HTTP 500" in message), message
    assert took < TIMEOUT_S + 1.0, took
    _nothing_left(_port(url))


def test_a_huge_error_body_is_not_read(server):
    size = 256 * 1024 * 1024
    url = server([["status_big", [500, size]]])
    tracemalloc.start()
    try:
        message, took = _ask(url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "answered HTTP 500" in message and "\n" not in message, message
    assert peak < 8 * 1024 * 1024, f"{peak / 1e6:.0f} MB held while refusing a 256 MB error body"
    assert took < TIMEOUT_S, took
    _nothing_left(_port(url))


def test_a_huge_success_body_is_capped(server):
    from app.answer.llm_client import LLMClient

    url = server([["big", ["One sentence here.", 64 * 1024 * 1024]]])
    client = LLMClient(url, model="m", timeout_s=30.0, retries=0)
    tracemalloc.start()
    try:
        reply = client.chat([{"role": "user", "content": "hi"}], max_tokens=1 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reply.startswith("One sentence here.") and len(reply) <= 1 << 20
    # Read to the cap (6 MiB of JSON for 1 MiB of text) and parsed without a regex state per character.
    assert peak < 64 * 1024 * 1024, f"{peak / 1e6:.0f} MB held for a 64 MB reply"
    _nothing_left(_port(url))
