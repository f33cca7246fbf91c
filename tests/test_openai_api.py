"""groundqa as an OpenAI-compatible model: /v1/models and /v1/chat/completions (plain and SSE), auth as /api,
and the real `openai` client against a `groundqa serve` started here."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")

Q = "When did North Korea break off working-level talks with the United States?"


@pytest.fixture(scope="module")
def v1(tmp_path_factory):
    """Only the /v1 router over a fake-embedder index of the sample corpus, with and without auth."""
    from fastapi import FastAPI

    from app.api import GroundQA
    from app.web.openai_api import make_openai_router
    from app.web.server import BackgroundServer
    from corpus import SAMPLE_DIR
    from index.embed import FakeEmbedder

    api = GroundQA(tmp_path_factory.mktemp("v1") / "index", embedder=FakeEmbedder(64))
    api.index([SAMPLE_DIR])
    api.settings = api.settings.with_(threshold=0.0)
    open_app, auth_app = FastAPI(), FastAPI()
    open_app.include_router(make_openai_router(api))
    auth_app.include_router(make_openai_router(api, [("ann", "pw")]))
    a, b = BackgroundServer(open_app), BackgroundServer(auth_app)
    yield api, a.url, b.url
    a.stop()
    b.stop()


def test_models_lists_groundqa(v1):
    r = httpx.get(v1[1] + "/v1/models")
    assert r.status_code == 200 and [m["id"] for m in r.json()["data"]] == ["groundqa"]


def test_chat_completion_carries_markers_and_citations(v1):
    r = httpx.post(v1[1] + "/v1/chat/completions", json={"model": "groundqa", "messages": [
        {"role": "system", "content": "You are helpful."}, {"role": "user", "content": Q}]}, timeout=30)
    assert r.status_code == 200, r.text
    d = r.json()
    text = d["choices"][0]["message"]["content"]
    assert "[1]" in text and "October 2019" in text
    c = d["citations"][0]
    assert c["number"] == 1 and c["text"] in v1[0].doc_text(c["doc_id"])
    assert d["groundqa"]["answerer"] == "extractive" and d["groundqa"]["evidence"]


def test_stream_is_sse_ending_in_done(v1):
    with httpx.stream("POST", v1[1] + "/v1/chat/completions", timeout=30,
                      json={"model": "groundqa", "stream": True, "messages": [{"role": "user", "content": Q}]}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = [ln for ln in r.iter_lines() if ln.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(ln[6:]) for ln in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert "October 2019" in text and "[1]" in text
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]


@pytest.mark.parametrize("body, status", [
    ({"model": "gpt-4", "messages": [{"role": "user", "content": Q}]}, 404),
    ({"model": "groundqa", "messages": []}, 400),
    ({"model": "groundqa", "messages": [{"role": "system", "content": "hi"}]}, 400),
    ({"model": "groundqa", "messages": [{"role": "user", "content": "   "}]}, 400),
])
def test_bad_requests_get_openai_errors(v1, body, status):
    r = httpx.post(v1[1] + "/v1/chat/completions", json=body)
    assert r.status_code == status and r.json()["error"]["message"]


def test_auth_same_rules_as_api(v1):
    url = v1[2]
    body = {"model": "groundqa", "messages": [{"role": "user", "content": Q}]}
    assert httpx.get(url + "/v1/models").status_code == 401
    assert httpx.post(url + "/v1/chat/completions", json=body).status_code == 401
    assert httpx.get(url + "/v1/models", headers={"Authorization": "Bearer ann:wrong"}).status_code == 401
    assert httpx.get(url + "/v1/models", headers={"Authorization": "Bearer ann:pw"}).status_code == 200
    assert httpx.get(url + "/v1/models", auth=("ann", "pw")).status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_openai_client_streams_an_answer_with_citations_from_groundqa_serve(tmp_path):
    openai = pytest.importorskip("openai")
    from app.cli import main
    from corpus import SAMPLE_DIR

    idx = tmp_path / "idx"
    assert main(["index", str(SAMPLE_DIR), "--index", str(idx), "--model", "fake"]) == 0
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("GROUNDQA_LLM_URL", None)
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--index", str(idx), "--port", str(port),
                             "--auth", "ann:pw"], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/v1/models", auth=("ann", "pw"), timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        client = openai.OpenAI(base_url=base + "/v1", api_key="ann:pw", max_retries=0, timeout=60)
        assert [m.id for m in client.models.list()] == ["groundqa"]
        stream = client.chat.completions.create(
            model="groundqa", stream=True,
            # a question the default threshold answers even with the fake embedder (probability 0.55)
            messages=[{"role": "user", "content": "Where was the second U.S.-North Korea leader-level summit held?"}])
        text, citations = "", []
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
            citations = (chunk.model_extra or {}).get("citations") or citations
        assert "Hanoi" in text and "[1]" in text
        assert citations and citations[0]["number"] == 1 and "Hanoi" in citations[0]["text"]
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=base + "/v1", api_key="ann:nope", max_retries=0).models.list()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_v1_serves_verified_llm_answers(v1):
    """With an LLM configured, /v1 returns the checked LLM sentences, evidence and the removed ones."""
    from dataclasses import replace

    from fake_llm import FakeLLM
    from app.settings import LLMSettings
    from test_llm_answers import FACT, cite

    api = v1[0]
    srv = FakeLLM([("reply", cite(FACT + " [{n}]. Seoul hosted the talks [{n}]."))])
    before = api.settings
    api.settings = replace(before, llm=LLMSettings(url=srv.url, model="m", retries=0))
    try:
        d = httpx.post(v1[1] + "/v1/chat/completions", timeout=30,
                       json={"model": "groundqa", "messages": [{"role": "user", "content": Q}]}).json()
    finally:
        api.settings = before
        srv.stop()
    assert d["choices"][0]["message"]["content"] == FACT + ". [1]"
    assert d["groundqa"]["answerer"] == "llm:m" and d["groundqa"]["unsupported"][0]["text"].startswith("Seoul")
    assert d["citations"][0]["text"].find(d["groundqa"]["evidence"][0]["text"]) >= 0
