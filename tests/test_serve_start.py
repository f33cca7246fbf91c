"""`groundqa serve` on an existing index: the address it prints works at once (requests wait, never refused)."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from corpus import SAMPLE_DIR

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_address_accepts_connections_as_soon_as_printed(tmp_path):
    from app.cli import main

    idx = tmp_path / "idx"
    assert main(["index", str(SAMPLE_DIR), "--index", str(idx), "--model", "fake"]) == 0
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), GRADIO_ANALYTICS_ENABLED="False")
    p = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--index", str(idx), "--port", str(port)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=str(tmp_path))
    try:
        assert p.stdout is not None
        first = p.stdout.readline()
        assert f"serving on http://127.0.0.1:{port}/" in first, first
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # accepted while the app may still be importing Gradio
        t = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/documents", timeout=120) as r:
            docs = json.loads(r.read())["documents"]
        assert [d["path"] for d in docs] == ["pursuing-stable-coexistence.txt"]
        assert time.monotonic() - t < 120
        assert p.stdout.readline().startswith("groundqa: ready (")
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
