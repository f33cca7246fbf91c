"""The JSON HTTP API (/api/*) served by make_app under uvicorn on a loopback port, plus serve() checks."""
from __future__ import annotations

import argparse
import base64
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """make_app over a fake-embedder GroundQA of the sample corpus, served in a background thread."""
    from app.api import GroundQA
    from app.web.server import BackgroundServer, make_app
    from corpus import SAMPLE_DIR
    from index.embed import FakeEmbedder

    api = GroundQA(tmp_path_factory.mktemp("http") / "index", embedder=FakeEmbedder(64))
    api.index([SAMPLE_DIR])
    # Threshold 0: the fake embedder's confidences are not calibrated; the picked sentences are what count.
    api.settings = api.settings.with_(threshold=0.0)
    srv = BackgroundServer(make_app(api))
    yield api, srv.url
    srv.stop()


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server[1], timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def answer(client):
    r = client.post("/api/ask", json={"question": "When did North Korea break off working-level talks?"})
    assert r.status_code == 200, r.text
    return r.json()


def _error(r, status: int) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"} and "\n" not in body["error"] and "Traceback" not in body["error"]
    return body["error"]


def test_ask_returns_cited_answer(answer):
    assert not answer["abstained"]
    assert "October 2019" in answer["answer"]
    c = answer["citations"][0]
    assert c["citation"].count("-") == 2 and c["text"] in answer["answer"]


def test_ask_with_history_and_settings(client):
    r = client.post("/api/ask", json={"question": "Where was the second summit held?",
                                      "history": ["When did North Korea break off working-level talks?"],
                                      "k": 3, "threshold": 0.0, "mode": "lexical"})
    assert r.status_code == 200, r.text
    assert "Hanoi" in r.json()["answer"]


def test_ask_threshold_one_abstains(client):
    r = client.post("/api/ask", json={"question": "Where was the second summit held?", "threshold": 1.0})
    body = r.json()
    assert r.status_code == 200 and body["abstained"] and body["citations"] == [] and body["related"]


@pytest.mark.parametrize("body,status", [
    ({"question": ""}, 400), ({"question": "?!"}, 400), ({}, 400), ({"question": 3}, 400),
    ({"question": "x", "history": "nope"}, 400), ({"question": "x", "mode": "magic"}, 400),
    ({"question": "x", "threshold": 7}, 400), ([1, 2], 400),
])
def test_ask_bad_requests(client, body, status):
    _error(client.post("/api/ask", json=body), status)


def test_ask_invalid_json_and_huge_body(client):
    _error(client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"}), 400)
    _error(client.post("/api/ask", content=b"x" * (300 * 1024)), 413)


def test_cite_good_id(client, answer, server):
    api = server[0]
    c = answer["citations"][0]
    r = client.get(f"/api/cite/{c['citation']}")
    assert r.status_code == 200, r.text
    res = r.json()
    assert set(res) >= {"citation", "doc", "pages", "start", "end", "text", "before", "after", "status", "note",
                        "relocated"}
    assert res["text"] == c["text"] == api.cite(c["citation"]).text
    assert res["status"] == "current" and res["doc"] == "pursuing-stable-coexistence.txt"
    small = client.get(f"/api/cite/{c['citation']}", params={"context": 10}).json()
    assert len(small["before"]) <= 10 + 40 and len(small["after"]) <= 10 + 40
    big = client.get(f"/api/cite/{c['citation']}", params={"context": 10**12}).json()  # capped, not an error
    assert big["text"] == c["text"]


@pytest.mark.parametrize("raw", [
    "not-an-id", "..%2F..%2Fetc%2Fpasswd", "..%2F..%2F..%2Fetc%2Fpasswd-1-2", "%2Fetc%2Fpasswd",
    "c3d464ac5446-1-99999999999",          # offset over ten digits
    "c3d464ac5446-1-1000000001",           # over MAX_OFFSET
    "c3d464ac5446-50-10",                  # empty span
    "C3D464AC5446-1-5x", "c3d464ac5446-1-5%00",
])
def test_cite_malformed_ids_are_400(client, raw):
    msg = _error(client.get(f"/api/cite/{raw}"), 400)
    assert "passwd" not in msg or "not a citation id" in msg
    assert "root:" not in msg


def test_cite_traversal_reads_nothing(client):
    r = client.get("/api/cite/..%2F..%2F..%2F..%2Fetc%2Fpasswd")
    assert r.status_code == 400 and "root:x" not in r.text


def test_cite_unknown_doc_and_past_end_are_404(client):
    assert "not in this index" in _error(client.get("/api/cite/000000000000-1-5"), 404)
    assert "past the end" in _error(client.get("/api/cite/c3d464ac5446-1-999999"), 404)


def test_cite_bad_context_is_400(client, answer):
    cid = answer["citations"][0]["citation"]
    _error(client.get(f"/api/cite/{cid}", params={"context": "lots"}), 400)
    _error(client.get(f"/api/cite/{cid}", params={"context": -5}), 400)


def test_quote_found_and_not_found(client, server):
    r = client.post("/api/quote", json={"quote": "working-level talks with the United States", "limit": 2})
    body = r.json()
    assert r.status_code == 200 and body["found"] is True
    m = body["matches"][0]
    assert m["exact"] and m["text"] == "working-level talks with the United States"
    assert server[0].cite(m["citation"]).text == m["text"]
    r = client.post("/api/quote", json={"quote": "penguins migrate across the Sahara every winter"})
    assert r.status_code == 200 and r.json() == {"matches": [], "found": False}


@pytest.mark.parametrize("body", [{"quote": ""}, {"quote": "   "}, {}, {"quote": None}, {"quote": "x", "limit": "a"},
                                  {"quote": "x" * 6000}])
def test_quote_bad_requests(client, body):
    _error(client.post("/api/quote", json=body), 400)


def test_documents(client):
    r = client.get("/api/documents")
    docs = r.json()["documents"]
    assert r.status_code == 200 and len(docs) == 1
    assert docs[0]["path"] == "pursuing-stable-coexistence.txt" and docs[0]["n_passages"] >= 1


def test_internal_error_is_500_without_traceback(server, client, monkeypatch):
    api = server[0]

    def boom(*a, **k):
        raise RuntimeError("secret internals /etc/shadow")

    monkeypatch.setattr(api, "documents", boom)
    msg = _error(client.get("/api/documents"), 500)
    assert "secret" not in msg and "RuntimeError" in msg


def test_gradio_page_is_served(client):
    r = client.get("/")
    assert r.status_code == 200 and "<html" in r.text.lower()


# --- auth --------------------------------------------------------------------------------------------

def test_api_auth(tmp_path, fake_api):
    from app.web.server import BackgroundServer, make_app

    srv = BackgroundServer(make_app(fake_api, auth=[("ann", "s3cret")]))
    try:
        with httpx.Client(base_url=srv.url, timeout=30) as c:
            _error(c.get("/api/documents"), 401)
            bad = base64.b64encode(b"ann:wrong").decode()
            _error(c.get("/api/documents", headers={"Authorization": f"Basic {bad}"}), 401)
            assert c.get("/api/documents", auth=("ann", "s3cret")).status_code == 200
    finally:
        srv.stop()


def test_parse_auth(tmp_path):
    from app.web.server import AuthError, parse_auth

    assert parse_auth(None) is None
    assert parse_auth("a:b:c") == [("a", "b:c")]
    f = tmp_path / "users"
    f.write_text("# users\nann:one\n\nbob:two\n")
    assert parse_auth(f"@{f}") == [("ann", "one"), ("bob", "two")]
    for bad in ("nopass", ":x", "a:", f"@{tmp_path / 'missing'}"):
        with pytest.raises(AuthError):
            parse_auth(bad)


def test_serve_refuses_public_host_without_auth(tmp_path, capsys):
    from app.web.server import serve

    args = argparse.Namespace(index=str(tmp_path / "index"), host="0.0.0.0", port=7860, auth=None)
    assert serve(args) == 2
    err = capsys.readouterr().err
    assert "--auth" in err and err.count("\n") == 1
    assert not Path(tmp_path / "index").exists()  # nothing indexed or served
    args.auth = "broken"
    assert serve(args) == 2


def test_is_loopback():
    from app.web.server import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("example.com")
