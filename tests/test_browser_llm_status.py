"""The chat with an LLM, in real Chromium, against a scripted OpenAI-compatible server in its own process: the
elapsed "Writing with MODEL… N s" status while the model writes; an answer whose sentences were all removed says
"could not be verified", then shows the extractive answer, and the removed sentences only behind the toggle."""
from __future__ import annotations

import os
import re
from dataclasses import replace

import pytest
from chat_page import ask_in_chat

from app.settings import LLMSettings
from fake_llm import ScriptedLLM

pytestmark = pytest.mark.browser

Q = "When did North Korea break off working-level talks with the United States?"
REMOVED = ["North Korea won the 2022 FIFA World Cup [1].", "Working-level talks resumed in 2020 [1]."]


@pytest.fixture
def llm_served(fake_api, tmp_path, monkeypatch):
    """(url, api): the full app whose answers come from a scripted LLM that takes 4 s and is never supported."""
    from app.web.server import BackgroundServer, make_app

    llm = ScriptedLLM([["slow", [4, " ".join(REMOVED)]]])
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    fake_api.settings = replace(fake_api.settings.with_(threshold=0.0),
                                llm=LLMSettings(url=llm.url, model="fake-llm", retries=0, timeout_s=30))
    srv = BackgroundServer(make_app(fake_api))
    try:
        yield srv.url, fake_api
    finally:
        srv.stop()
        llm.stop()


def test_elapsed_status_then_unverified_answer_with_removed_sentences_behind_a_toggle(page, llm_served):
    url, _ = llm_served
    page.goto(url, wait_until="load")
    page.locator("#gq-question textarea").fill(Q)
    page.wait_for_timeout(300)
    page.locator("#gq-ask").click()
    status = page.locator("#gq-chat .gq-writing")
    status.wait_for(timeout=30_000)
    first = status.text_content() or ""
    assert re.search(r"Writing with fake-llm… \d+ s", first), first
    page.wait_for_function("() => { const s = document.querySelector('#gq-chat .gq-writing'); "
                           "return s && /… ([2-9]|\\d\\d) s/.test(s.textContent); }", timeout=30_000)
    shot = os.environ.get("GQ_SHOTS")
    if shot:
        page.screenshot(path=os.path.join(shot, "llm-writing.png"))
    page.locator("#gq-chat .gq-unverified").wait_for(timeout=60_000)
    msg = page.locator("#gq-chat .gq-unverified").last
    assert msg.text_content() == "The model's answer could not be verified against your documents."
    # then the extractive answer (or its closest excerpts), and the count of removed sentences
    page.locator("#gq-chat .gq-sources, #gq-chat .gq-abstain").last.wait_for()
    assert "2 sentences of the model's answer were removed" in page.locator("#gq-chat .gq-removed-note").last.text_content()
    removed = page.locator("#gq-chat .gq-removed-text")
    assert removed.count() == 2
    assert not removed.first.is_visible()  # only behind the toggle
    assert "FIFA" not in page.locator("#gq-chat .gq-answer").last.text_content()
    page.locator("#gq-chat .gq-removed summary").last.click()
    removed.first.wait_for(state="visible")
    assert removed.first.text_content() == "North Korea won the 2022 FIFA World Cup."
    assert "not in the cited text" in page.locator("#gq-chat .gq-removed-why").first.text_content()
    if shot:
        page.screenshot(path=os.path.join(shot, "llm-unverified.png"))
