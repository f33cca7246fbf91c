"""gradio_client against the served app with the real model: the documented `/ask` endpoint."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def url(real_sample_api):
    from app.web.server import BackgroundServer, make_app

    srv = BackgroundServer(make_app(real_sample_api))
    yield srv.url
    srv.stop()


def test_client_ask_returns_hanoi_with_citation(url, real_sample_api):
    from gradio_client import Client

    client = Client(url, verbose=False)
    names = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/ask", "/search", "/cite", "/quote", "/documents"} <= set(names)
    out = client.predict("Where was the second summit held?", api_name="/ask")
    assert isinstance(out, dict) and out == real_sample_api.ask("Where was the second summit held?").to_json() | {
        "timings_ms": out["timings_ms"]}
    # The endpoint's contract: Answer JSON whose cited (or, when it abstains, related) excerpts carry
    # resolvable ids. Whether this question is answered or abstained is the answerer's business.
    sources = out["related"] if out["abstained"] else out["citations"]
    hanoi = [s for s in sources if "Hanoi" in s["text"]]
    assert hanoi, out
    cid = hanoi[0]["citation"]
    assert re.fullmatch(r"[0-9a-f]{12}-\d+-\d+", cid)
    if not out["abstained"]:
        assert "Hanoi" in out["answer"]
    res = client.predict(cid, api_name="/cite")
    assert res["text"] == hanoi[0]["text"] == real_sample_api.cite(cid).text
    found = client.predict("second U.S.–North Korea leader-level summit", api_name="/quote")
    assert found["found"] and found["matches"][0]["exact"]
    docs = client.predict(api_name="/documents")
    assert docs and docs[0]["doc"] == "pursuing-stable-coexistence.txt"


def test_client_ask_user_error_is_one_line(url):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="question is empty"):
        Client(url, verbose=False).predict("   ", api_name="/ask")
