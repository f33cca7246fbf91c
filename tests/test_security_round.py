"""Issue #24: throttling on every credentialed route, no server paths, no formulas, no URL fetches, limits.

One test (or more) per row of the issue's table; rows 3 and 4 are in test_quote_unicode.py and
test_milvus_filter.py. Every test talks HTTP (or the Gradio protocol) to a server it starts on 127.0.0.1.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")

from gradio_proto import call, file_data, fn_index, upload  # noqa: E402
from writer_lock import writer_lock_held  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
USER, PW = "ann", "s3cret"


@pytest.fixture
def served(served_url):
    url, api = served_url
    with httpx.Client(base_url=url, timeout=60) as c:
        yield c, api


def _auth_server(api, tmp_path, monkeypatch, **kw):
    from app.web.server import BackgroundServer, make_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    return BackgroundServer(make_app(api, auth=[(USER, PW)]), **kw)


@pytest.fixture
def served_auth(fake_api, tmp_path, monkeypatch):
    srv = _auth_server(fake_api, tmp_path, monkeypatch)
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            yield c
    finally:
        srv.stop()


# ---------------------------------------------------------------------------------- row 1: /v1 throttled


def test_wrong_api_keys_on_v1_are_throttled(served_auth):
    from app.web.guard import MAX_FAILURES

    c = served_auth
    codes = [c.get("/v1/models", headers={"authorization": f"Bearer {USER}:guess{i}"}).status_code
             for i in range(25)]
    assert codes[:MAX_FAILURES] == [401] * MAX_FAILURES and set(codes[MAX_FAILURES + 1:]) == {429}, codes
    # One throttle for every credentialed route: the same address now waits on /api and Gradio's too.
    assert c.get("/api/documents", auth=(USER, PW)).status_code == 429
    assert c.get("/v1/models", headers={"authorization": f"Bearer {USER}:{PW}"}).status_code == 429
    assert c.post("/login", data={"username": USER, "password": PW}).status_code == 429


def test_right_key_on_v1_still_works(served_auth):
    c = served_auth
    r = c.get("/v1/models", headers={"authorization": f"Bearer {USER}:{PW}"})
    assert r.status_code == 200 and r.json()["data"][0]["id"] == "groundqa"


# ------------------------------------------------------------------------ row 2: X-Forwarded-For not trusted


def test_forwarded_for_does_not_reset_the_throttle(served_auth):
    c = served_auth
    codes = [c.post("/login", data={"username": USER, "password": f"wrong{i}"},
                    headers={"x-forwarded-for": f"10.0.{i}.7"}).status_code for i in range(30)]
    assert codes.count(429) >= 15, codes


def test_forwarded_for_counts_only_from_a_named_proxy(fake_api, tmp_path, monkeypatch):
    # --forwarded-allow-ips 127.0.0.1: this test is the proxy, so each forwarded address has its own count.
    # (Each guess names another user: one user name has a limit of its own, whatever the address — #34.)
    srv = _auth_server(fake_api, tmp_path, monkeypatch, forwarded_allow_ips="127.0.0.1")
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            codes = [c.post("/login", data={"username": f"user{i}", "password": f"wrong{i}"},
                            headers={"x-forwarded-for": f"10.0.{i}.7"}).status_code for i in range(15)]
            assert 429 not in codes, codes
            same = [c.post("/login", data={"username": f"other{i}", "password": f"w{i}"},
                           headers={"x-forwarded-for": "10.9.9.9"}).status_code for i in range(12)]
            assert same[-1] == 429, same
    finally:
        srv.stop()


def test_serve_takes_forwarded_allow_ips_off_by_default():
    from app.cli.main import build_parser
    from app.web.server import uvicorn_config

    args = build_parser().parse_args(["serve"])
    assert args.forwarded_allow_ips is None
    assert uvicorn_config(object(), args.forwarded_allow_ips).proxy_headers is False
    assert uvicorn_config(object(), "10.1.1.1").proxy_headers is True


# ------------------------------------------------------------------------ row 5: wrong types are 4xx


@pytest.mark.parametrize("content", [[{"type": "text", "text": 5}], [{"type": "text", "text": None}],
                                     [{"type": "text", "text": ["a"]}], [{"type": "text", "text": {"a": 1}}], 7])
def test_chat_completions_refuse_non_string_text(served, content):
    c, _ = served
    r = c.post("/v1/chat/completions", json={"model": "groundqa", "messages": [{"role": "user", "content": content}]})
    assert r.status_code == 400 and "Traceback" not in r.text, (r.status_code, r.text[:200])
    assert "must be a string" in r.json()["error"]["message"]


def test_chat_completions_refuse_a_non_boolean_stream(served):
    c, _ = served
    r = c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "When?"}], "stream": "yes"})
    assert r.status_code == 400 and "stream" in r.json()["error"]["message"]


# ---------------------------------------------------------------- row 6: no server paths; private reports


def _eval_file(c) -> str:
    rows = [{"id": "q1", "question": "When did North Korea break off working-level talks?"},
            {"id": "q2", "question": "Who chaired the summit?"}]
    return upload(c, "questions.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode())


def test_no_response_report_or_summary_names_a_server_path(served, tmp_path):
    c, api = served
    # The index, its uploads, the eval runs and the documents' folder. (Gradio's own upload folder does appear:
    # its FileData outputs carry their path by protocol; only random-named copies live there.)
    secrets_ = [str(api.index_dir.resolve()), str(api.index_dir.resolve().parent / "eval-runs"), str(tmp_path / "docs")]
    seen: list[str] = []
    seen.append(c.get("/api/documents").text)
    seen.append(c.post("/api/quote", json={"quote": "working-level talks"}).text)
    seen.append(c.post("/api/ask", json={"question": "When were the talks?"}).text)
    seen.append(c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "When?"}]}).text)
    session = secrets.token_hex(6)  # one page: the Remove choice list is filled by its load event
    for name, data in (("documents_table", []), ("load_documents", [])):
        seen.append(json.dumps(call(c, name, data, session)))
    doc_id = api.documents()[0].doc_id
    with writer_lock_held(api.index_dir):  # another groundqa process writing the index
        busy = [call(c, "remove", [doc_id], session), call(c, "reindex", [False], session)]
    assert all("being written" in json.dumps(m) for m in busy), busy
    seen += [json.dumps(m) for m in busy]
    msg = call(c, "evaluate", [file_data(_eval_file(c)), 5, 1])
    assert msg["success"] is True, msg
    out = json.dumps(msg)
    seen.append(out)
    # The report is served inline as HTML under an unguessable name, and not under a timestamp.
    link = re.search(r'href=\\"(eval-report/[A-Za-z0-9_-]+)\\"', out)
    assert link, out[:2000]
    name = link.group(1).rsplit("/", 1)[1]
    assert len(name) == 32 and not re.fullmatch(r"\d{8}-\d{6}.*", name)
    r = c.get("/" + link.group(1))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "attachment" not in r.headers.get("content-disposition", "") and "script-src" not in \
        r.headers.get("content-security-policy", "x") and "default-src 'none'" in r.headers["content-security-policy"]
    seen.append(r.text)
    assert c.get("/eval-report/" + secrets.token_urlsafe(24)).status_code == 404
    assert c.get("/eval-report/..%2F..%2Fetc%2Fpasswd").status_code == 404
    run = next((api.index_dir.resolve().parent / "eval-runs").iterdir())
    seen += [(run / "summary.json").read_text(encoding="utf-8"), (run / "report.html").read_text(encoding="utf-8")]
    leaks = [s[max(0, s.find(x) - 80):s.find(x) + 80] for s in seen for x in secrets_ if x in s]
    assert not leaks, leaks


def test_report_needs_a_login_with_auth(fake_api, tmp_path, monkeypatch):
    from app.web.ui.evaluate import stage_downloads
    from eval.runner import REPORT_HTML

    run = tmp_path / "run"
    run.mkdir()
    (run / REPORT_HTML).write_text("<html><body>report</body></html>", encoding="utf-8")
    srv = _auth_server(fake_api, tmp_path, monkeypatch)
    try:
        name = Path(stage_downloads(run, [REPORT_HTML])[0]).parent.name
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            assert c.get(f"/eval-report/{name}").status_code == 401
            assert c.post("/login", data={"username": USER, "password": PW}).status_code == 200
            assert "report" in c.get(f"/eval-report/{name}").text
    finally:
        srv.stop()


# ------------------------------------------------------------------------ row 7: failed runs leave nothing


@pytest.mark.parametrize("k,workers", [(float("nan"), 1), (5, float("nan")), (float("inf"), 1), (5, 99)])
def test_failed_evaluate_run_leaves_no_folder(served, k, workers):
    c, api = served
    msg = call(c, "evaluate", [file_data(_eval_file(c)), k, workers])
    assert msg["success"] is False, msg
    assert "Traceback" not in json.dumps(msg)
    runs = api.index_dir.resolve().parent / "eval-runs"
    assert not runs.exists() or not any(runs.iterdir()), list(runs.iterdir())


# ------------------------------------------------------------------------ row 8: spreadsheet formulas


def test_formula_like_cells_are_text_in_csv_and_xlsx(fake_api, tmp_path):
    import csv
    import zipfile

    import openpyxl

    from app.evaluation import evaluate

    hostile = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
    qfile = tmp_path / "q.jsonl"
    qfile.write_text("".join(json.dumps({"id": f"q{i}", "question": q}) + "\n" for i, q in enumerate(hostile)),
                     encoding="utf-8")
    summary, _ = evaluate(fake_api, qfile, tmp_path / "run", progress=False)
    out = Path(summary.out_dir)
    with open(out / "results.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cells = [v for r in rows for v in r.values() if v]
    assert not [v for v in cells if v[0] in "=+-@\t\r"], [v for v in cells if v[0] in "=+-@\t\r"]
    kept = {q for q in hostile if q == q.strip()}  # the question loader strips leading tabs and CRs
    assert {"'" + q for q in kept} <= {r["question"] for r in rows}, [r["question"] for r in rows]
    from eval.files import _csv_safe

    assert [_csv_safe(v) for v in ("\tTAB", "\rCR", "a=b", 5)] == ["'\tTAB", "'\rCR", "a=b", 5]
    xml = zipfile.ZipFile(out / "results.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    ws = openpyxl.load_workbook(out / "results.xlsx").active
    header = [c.value for c in ws[1]]
    qcol = header.index("question")
    got = {row[qcol].value: row[qcol].data_type for row in ws.iter_rows(min_row=2)}
    assert got["=HYPERLINK(\"http://evil.example\",\"x\")"] == "s", got


# ------------------------------------------------------- row 9: no stream without a login; prompt SIGTERM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _open_stream(port: int, path: str, cookie: str = "") -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie}\r\n".encode())
    return s


def test_heartbeat_needs_a_login_and_sigterm_stops_serve_promptly(tmp_path):
    from app.cli import main
    from corpus import SAMPLE_DIR

    idx = tmp_path / "idx"
    assert main(["index", str(SAMPLE_DIR), "--index", str(idx), "--model", "fake"]) == 0
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), GRADIO_ANALYTICS_ENABLED="False",
               GRADIO_TEMP_DIR=str(tmp_path / "gradio"))
    p = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--index", str(idx), "--port", str(port),
                          "--auth", f"{USER}:{PW}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=env, cwd=str(tmp_path))
    held: list[socket.socket] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as c:
            deadline = time.monotonic() + 120
            while True:
                try:
                    c.get("/api/documents")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and p.poll() is None
                    time.sleep(0.5)
            with c.stream("GET", "/gradio_api/heartbeat/abc123", timeout=10) as r:
                assert r.status_code == 401, r.status_code  # refused at once, nothing streamed
            assert c.post("/login", data={"username": USER, "password": PW}).status_code == 200
            cookie = "Cookie: " + "; ".join(f"{k}={v}" for k, v in c.cookies.items()) + "\r\n"
        # Clients hold streams open: a logged-in heartbeat, and a bare connection that sends nothing.
        held.append(_open_stream(port, "/gradio_api/heartbeat/held1", cookie))
        assert held[0].recv(4096).startswith(b"HTTP/1.1 200")
        held.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=15)
        assert time.monotonic() - t0 < 5, time.monotonic() - t0
    finally:
        for s in held:
            s.close()
        if p.poll() is None:
            p.kill()
            p.wait()


# ------------------------------------------------ row 10: FileData URLs are refused before any request


class _Counter(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Counter.hits.append(self.path)
        body = b"Planted\n\nThe ocelot survey counted 41 cats.\n"
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a) -> None:
        pass


@pytest.fixture
def url_source():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    _Counter.hits = []
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def _join(c, api_name: str, data: list) -> httpx.Response:
    body = {"data": data, "fn_index": fn_index(c, api_name), "session_hash": secrets.token_hex(6),
            "event_data": None, "trigger_id": None}
    return c.post("/gradio_api/queue/join", json=body)


@pytest.mark.parametrize("event,scheme", [("upload", "http"), ("upload", "HTTPS"), ("evaluate", "http")])
def test_url_file_data_is_refused_before_any_fetch(served, url_source, event, scheme):
    c, api = served
    url = url_source.replace("http", scheme, 1) + "/x.txt"
    fd = file_data(url, "x.txt")
    r = _join(c, event, [[fd]] if event == "upload" else [fd, 5, 1])
    assert r.status_code == 400 and "URL" in r.json()["error"], (r.status_code, r.text[:200])
    time.sleep(0.5)
    assert _Counter.hits == []
    assert c.post("/api/quote", json={"quote": "ocelot survey counted 41 cats"}).json()["found"] is False


def test_a_file_planted_in_the_upload_folder_is_not_read(served):
    from app.web.ui.uploads import upload_root

    c, api = served
    planted = upload_root() / "0123456789abcdef" / "planted.txt"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text("Planted\n\nThe ocelot survey counted 41 cats.\n", encoding="utf-8")
    msg = call(c, "upload", [[file_data(planted)]])
    assert "1 added" not in json.dumps(msg)
    assert c.post("/api/quote", json={"quote": "ocelot survey counted 41 cats"}).json()["found"] is False


# ------------------------------------------------------------------------ row 11: queue body limit


def test_queue_bodies_are_limited(served):
    c, _ = served
    history = [{"role": "user", "content": "why " * 1000}] * 600  # 2.4 MB, over app.web.guard's 1 MiB
    body = {"data": ["When?", history, [], 5, 0.3, True], "fn_index": fn_index(c, "chat"),
            "session_hash": secrets.token_hex(6), "event_data": None, "trigger_id": None}
    r = c.post("/gradio_api/queue/join", json=body)
    assert r.status_code == 413 and "KiB" in r.json()["error"], (r.status_code, r.text[:200])
    from test_security_limits import chunked_post

    sent, first = chunked_post(str(c.base_url), "/gradio_api/queue/join", 64 * 2**20)
    assert first.startswith(b"HTTP/1.1 413") and sent < 8 * 2**20, (first[:40], sent)
