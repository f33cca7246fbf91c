"""A figure answered from a table in real Chromium: the cited row under its header in the chat and in the
source panel; the 'evidence' outcome shows the related passages and opens the first one."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from chat_page import ask_in_chat
from test_analyst_answers import _ebitda_pdf

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots" if os.environ.get("GROUNDQA_SCREENSHOTS") else ROOT / "tests" / "artifacts"


@pytest.fixture(params=[None])
def table_url(request, tmp_path, monkeypatch):
    """(url, api) of the full app over a release table and a review; `request.param`: the threshold."""
    from app.api import GroundQA
    from app.web.server import BackgroundServer, make_app
    from index.embed import FakeEmbedder

    docs = tmp_path / "docs"
    docs.mkdir()
    _ebitda_pdf(docs / "release.pdf")
    (docs / "review.md").write_text(
        "# Operating Review\n\nOperating margin pressure this year came from freight costs, which drove a change "
        "in pricing, and the exit of the vaccine business.\n", encoding="utf-8")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    api = GroundQA(tmp_path / "idx", embedder=FakeEmbedder(64))
    api.index([docs])
    if request.param is not None:  # before the app is built: the strictness slider starts from it
        api.settings = api.settings.with_(threshold=request.param)
    srv = BackgroundServer(make_app(api))
    try:
        yield srv.url, api
    finally:
        srv.stop()


@pytest.mark.parametrize("table_url", [0.0], indirect=True)  # answered: the fake embedder's probabilities say nothing
def test_cell_answer_shows_the_row_under_its_header(page, table_url):
    url, _ = table_url
    page.goto(url, wait_until="load")
    ask_in_chat(page, "What was Adjusted EBITDA for the twelve months ended December 31, 2022?")
    answer = page.locator("#gq-chat .gq-answer").last
    assert "Adjusted EBITDA, Twelve Months Ended December 31, 2022: 2,117" in answer.inner_text()
    table = page.locator("#gq-chat .gq-table").last
    heads = table.locator("thead th").all_inner_texts()
    assert "Twelve Months Ended December 31, 2022" in heads and "Three Months Ended December 31, 2021" in heads
    assert table.locator(".gq-cell-hit").inner_text() == "2,117"
    assert table.locator("tr.gq-row-cited th").inner_text() == "Adjusted EBITDA"
    page.locator("#gq-chat .gq-answer .gq-marker", has_text="[1]").last.click()
    page.locator("#gq-panel mark.gq-cited").wait_for()
    panel_heads = page.locator("#gq-panel .gq-table thead th").all_inner_texts()
    assert "Twelve Months Ended December 31, 2022" in panel_heads
    # the header row stays in view: it is sticky inside its scroll box
    assert page.locator("#gq-panel .gq-table thead th").first.evaluate("e => getComputedStyle(e).position") == "sticky"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "table-answer.png"))


@pytest.mark.parametrize("table_url", [1.0], indirect=True)  # no sentence is confident: passages or nothing
def test_evidence_outcome_lists_passages_and_opens_the_first(page, table_url):
    url, _ = table_url
    page.goto(url, wait_until="load")
    ask_in_chat(page, "What drove the operating margin change this year?")
    box = page.locator("#gq-chat .gq-evidence").last
    assert "No sentence states this directly; the most relevant passages are:" in box.inner_text()
    assert box.locator(".gq-card").count() >= 1
    page.locator("#gq-panel mark.gq-cited").wait_for()
    assert "Operating margin pressure" in page.locator("#gq-panel mark.gq-cited").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "evidence-outcome.png"))


@pytest.mark.parametrize("table_url", [0.0], indirect=True)  # answered whatever its probability
def test_answered_reply_shows_the_uncited_top_passages_as_cards(page, table_url):
    """After an answer's sources, the top passages it does not cite are cards, each with its best line marked;
    the cards are exactly the reply's `related` list, in order."""
    url, api = table_url
    question = "What was Adjusted EBITDA for the twelve months ended December 31, 2022?"
    page.goto(url, wait_until="load")
    ask_in_chat(page, question)
    assert page.locator("#gq-chat .gq-answer").last.is_visible()
    related = page.locator("#gq-chat .gq-related").last
    assert "passages the answer does not cite" in related.inner_text()
    cards = related.locator(".gq-card")
    ans = api.ask(question)
    assert cards.count() == len(ans.related) >= 1
    for i, card in enumerate(ans.related):
        shown = cards.nth(i)
        assert shown.get_attribute("value") == card.citation
        best = shown.locator("mark.gq-best")
        assert " ".join(card.line.split())[:40] in " ".join(best.inner_text().split())
    cards.first.click()  # a card opens its passage in the panel
    page.locator("#gq-panel mark.gq-cited").wait_for()
    assert " ".join(ans.related[0].text.split())[:30] in " ".join(page.locator("#gq-panel").inner_text().split())
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "answer-with-related.png"))
