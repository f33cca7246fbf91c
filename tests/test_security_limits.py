"""Issue #18 items 4, 5, 6, 9, 10: request limits, 4xx instead of 500s, and what the server gives away.

Every test sends real HTTP (or Gradio-protocol) requests to the app served on 127.0.0.1 by the test.
"""
from __future__ import annotations

import json
import random
import socket
import time
from urllib.parse import urlparse

import pytest

httpx = pytest.importorskip("httpx")

from badinputs import write_many_docs  # noqa: E402
from gradio_proto import call  # noqa: E402


@pytest.fixture
def served(fake_api, tmp_path, monkeypatch):
    from app.web.server import BackgroundServer, make_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    srv = BackgroundServer(make_app(fake_api))
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            yield c, fake_api, srv.url
    finally:
        srv.stop()


@pytest.fixture
def served_auth(fake_api, tmp_path, monkeypatch):
    from app.web.server import BackgroundServer, make_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    srv = BackgroundServer(make_app(fake_api, auth=[("ann", "s3cret")]))
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            yield c, srv.url
    finally:
        srv.stop()


def chunked_post(url: str, path: str, total: int, headers: str = "") -> tuple[int, bytes]:
    """POST a chunked body of up to `total` bytes, stopping as soon as a response arrives.

    Returns (bytes sent when the response came, the response's first bytes)."""
    u = urlparse(url)
    s = socket.create_connection((u.hostname, u.port), timeout=30)
    try:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  f"Transfer-Encoding: chunked\r\n{headers}\r\n".encode())
        chunk = b"[" * 65536
        sent = 0
        s.setblocking(False)
        while sent < total:
            try:
                first = s.recv(4096)
                if first:
                    return sent, first
            except BlockingIOError:
                pass
            try:
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                time.sleep(0.01)
                continue
            sent += len(chunk)
        s.setblocking(True)
        try:
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        return sent, s.recv(4096)
    finally:
        s.close()


def test_chunked_body_is_refused_while_streaming(served):
    from app.web.http_api import MAX_BODY_BYTES

    _, _, url = served
    sent, first = chunked_post(url, "/api/ask", 64 * 2**20)
    assert first.startswith(b"HTTP/1.1 413"), first[:80]
    # Answered near the limit (plus what loopback socket buffers hold, ~4 MB here), not after all 64 MB.
    assert sent < 64 * MAX_BODY_BYTES, sent


def test_auth_is_checked_before_the_body_is_read(served_auth):
    _, url = served_auth
    sent, first = chunked_post(url, "/api/ask", 64 * 2**20)
    assert first.startswith(b"HTTP/1.1 401") and sent < 16 * 2**20, (first[:40], sent)


@pytest.fixture
def quote_server(tmp_path, fake_embedder, monkeypatch):
    """40 documents (414 passages), served; the probe's near-miss quote took 28 s here on main."""
    from app.api import GroundQA
    from app.web.server import BackgroundServer, make_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    write_many_docs(tmp_path / "docs", 40, sentences=60)
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([tmp_path / "docs"])
    srv = BackgroundServer(make_app(api))
    try:
        with httpx.Client(base_url=srv.url, timeout=120) as c:
            yield c, api.doc_text(api.documents()[0].doc_id)
    finally:
        srv.stop()


def near_miss(text: str, n: int) -> str:
    rng = random.Random(0)
    return "".join(ch if rng.random() > 0.1 else "q" for ch in text[:n])


@pytest.mark.parametrize("n", [5000, 1000])
def test_quote_work_is_bounded_and_says_so(quote_server, n):
    from index.quote import FUZZY_BUDGET_S

    c, text = quote_server
    t0 = time.monotonic()
    r = c.post("/api/quote", json={"quote": near_miss(text, n)})
    took = time.monotonic() - t0
    assert r.status_code == 200 and took < FUZZY_BUDGET_S + 4, took
    body = r.json()
    if n > 1000:
        assert body["complete"] is False and "approximate" in body["note"]
    exact = c.post("/api/quote", json={"quote": text[:n]}).json()
    assert exact["found"] and "note" not in exact  # an exact quote is still found, whatever its length


DEEP = "[" * 60_000 + "]" * 60_000


@pytest.mark.parametrize("path,body", [
    ("/api/ask", DEEP), ("/api/quote", '{"quote": ' + DEEP + "}"),
    ("/api/ask", '{"question": "\\ud800 when?"}'), ("/api/ask", '{"question": "When?", "history": ["\\ud800"]}'),
    ("/api/quote", '{"quote": "talks \\ud800"}'),
    ("/api/ask", '{"question": "When?", "k": Infinity}'), ("/api/ask", '{"question": "When?", "k": 1e400}'),
    ("/api/ask", '{"question": "When?", "k": NaN}'), ("/api/quote", '{"quote": "talks", "limit": 1e400}'),
    ("/api/ask", '{"question": "When?", "threshold": NaN}'),
    ("/api/ask", '{"question": "When?", "history": ["' + "why " * 62_500 + '"]}'),
], ids=["deep-ask", "deep-quote", "surrogate-question", "surrogate-history", "surrogate-quote", "k-inf", "k-1e400",
        "k-nan", "limit-1e400", "threshold-nan", "history-250k"])
def test_bad_json_values_are_400_not_500(served, path, body):
    c, _, _ = served
    t0 = time.monotonic()
    r = c.post(path, content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 400, (r.status_code, r.text[:200])
    assert set(r.json()) == {"error"} and "Traceback" not in r.text and time.monotonic() - t0 < 2


def test_gradio_knobs_refuse_nan_and_infinity(served):
    c, _, _ = served
    q = "When did North Korea break off working-level talks?"
    for k, threshold in ((5, float("nan")), (float("nan"), 0.3), (float("inf"), 0.3), (5, 7.0)):
        msg = call(c, "chat", [q, [], [], k, threshold, True])
        assert msg["success"] is False, (k, threshold, msg)
        err = str(msg["output"].get("error"))
        # Ours for NaN (the slider's own range check lets NaN through), the slider's for out-of-range values.
        assert any(w in err for w in ("threshold must", "k must", "maximum value")) and "Traceback" not in err, err
    for name, data in (("search", [q, float("nan")]), ("quote", ["talks", float("inf")])):
        msg = call(c, name, data)
        assert msg["success"] is False and "whole number" in str(msg["output"].get("error")), msg


def test_history_items_are_capped_in_the_api(fake_api):
    from app.api import QuestionError

    with pytest.raises(QuestionError, match="history"):
        fake_api.ask("When?", history=["why " * 62_500])
    fake_api.ask("When?", history=["", "Where was the summit?"])  # empty turns are dropped, short ones kept


def test_no_server_paths_or_raw_exceptions_reach_clients(served, monkeypatch):
    c, api, _ = served
    r = c.get("/api/documents")
    assert r.status_code == 200 and "source" not in r.json()["documents"][0]
    assert str(api.index_dir.parent) not in r.text and "/tmp/" not in r.text
    msg = call(c, "documents", [])
    assert msg["success"] is True and "/tmp/" not in json.dumps(msg["output"])

    def boom(*a, **k):
        raise RuntimeError("secret internals /etc/shadow")

    monkeypatch.setattr(api, "documents", boom)
    msg = call(c, "documents", [])
    assert msg["success"] is False and "/etc/shadow" not in json.dumps(msg)


def test_openapi_needs_login_and_logins_are_throttled(served_auth):
    from app.web.guard import MAX_FAILURES

    c, _ = served_auth
    r = c.get("/openapi.json")
    assert r.status_code in (401, 404) and "/api/ask" not in r.text and "/gradio_api" not in r.text
    for path in ("/docs", "/gradio_api/openapi.json", "/gradio_api/info"):  # Gradio's own: behind its login
        r = c.get(path)
        assert r.status_code in (401, 403, 404) and "/api/ask" not in r.text and "evaluate" not in r.text, path
    codes = [c.post("/login", data={"username": "ann", "password": f"wrong{i}"}).status_code
             for i in range(MAX_FAILURES + 2)]
    assert codes[:MAX_FAILURES] == [400] * MAX_FAILURES and codes[-1] == 429, codes
    # The right password is refused too while the address waits: guessing gains nothing.
    assert c.post("/login", data={"username": "ann", "password": "s3cret"}).status_code == 429
    bad = [c.get("/api/documents", auth=("ann", f"x{i}")).status_code for i in range(3)]
    assert bad[-1] == 429


def test_only_loopback_host_names_are_answered(served):
    from app.web.server import allowed_hosts

    c, _, _ = served
    for host in ("evil.example", "evil.example:7860", "127.0.0.1.evil.example"):
        r = c.get("/api/documents", headers={"host": host})
        assert r.status_code == 400 and "allowed-hosts" in r.text, host
        assert c.get("/", headers={"host": host}).status_code == 400
    for host in ("localhost", "127.0.0.1:9", "[::1]:7860", "LOCALHOST."):
        assert c.get("/api/documents", headers={"host": host}).status_code == 200, host
    assert "qa.example" in allowed_hosts("127.0.0.1", "qa.example, ") and allowed_hosts("0.0.0.0", None) is None


@pytest.mark.parametrize("cid", ["c3d464ac5446-0-٣", "c3d464ac5446-٠-10", "c3d464ac5446-0-１０"])
def test_citation_ids_take_ascii_digits_only(served, cid):
    from index.citations import CitationError, parse_citation_id

    with pytest.raises(CitationError):
        parse_citation_id(cid)
    c, _, _ = served
    assert c.get(f"/api/cite/{cid}").status_code == 400
