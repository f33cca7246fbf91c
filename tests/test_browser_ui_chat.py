"""Chat in real Chromium: clickable [n] markers and source cards, the question shown at once, text escaped
exactly once, abstention shown once, follow-ups that never spoil a question (issue 15, items 1–5)."""
from __future__ import annotations

import time

import pytest
from chat_page import ask_in_chat

pytestmark = pytest.mark.browser

# a question whose answer cites two passages (with the fake embedder, under the correctness model of #30)
TWO_SOURCES = "What is North Korea's nuclear doctrine?"


@pytest.fixture
def strict_served(fake_api):
    """(url, api): the app over the fake-embedder sample index abstaining on everything (threshold 1)."""
    from app.web.server import BackgroundServer, make_app

    fake_api.settings = fake_api.settings.with_(threshold=1.0)
    srv = BackgroundServer(make_app(fake_api))
    try:
        yield srv.url, fake_api
    finally:
        srv.stop()


def test_clicking_marker_2_opens_citation_2_marked_in_the_panel(page, served_url):
    url, api = served_url
    expected = api.ask(TWO_SOURCES)
    assert len(expected.citations) >= 2
    second = expected.citations[1]
    page.goto(url, wait_until="load")
    ask_in_chat(page, TWO_SOURCES)
    marker = page.locator("#gq-chat .gq-answer .gq-marker", has_text="[2]").last
    marker.click()
    mark = page.locator("#gq-panel mark.gq-cited")
    mark.wait_for()
    assert mark.text_content() == second.text
    panel = page.locator("#gq-panel")
    assert second.citation in panel.text_content() and second.title in panel.text_content()
    assert panel.locator(".gq-copy").get_attribute("value") == second.citation  # the copy button copies the id
    assert mark.evaluate("m => { const c = m.closest('.gq-context'); const a = c.getBoundingClientRect(), "
                         "b = m.getBoundingClientRect(); return b.top >= a.top - 1 && b.top < a.bottom; }")
    # the first source card opens citation 1 (cards differ: number, document, first words of the text)
    cards = page.locator("#gq-chat .gq-sources").last.locator(".gq-card")
    assert cards.count() == len(expected.citations)
    assert cards.nth(0).text_content() != cards.nth(1).text_content()
    cards.nth(0).click()
    page.wait_for_function("t => document.querySelector('#gq-panel mark.gq-cited').textContent === t",
                           arg=expected.citations[0].text)


def test_marker_hover_shows_a_preview_of_the_cited_text(page, served_url):
    url, api = served_url
    first = api.ask(TWO_SOURCES).citations[0]
    page.goto(url, wait_until="load")
    ask_in_chat(page, TWO_SOURCES)
    page.locator("#gq-chat .gq-answer .gq-marker").first.hover()
    tip = page.locator("#gq-tip")
    tip.wait_for()
    assert " ".join(first.text.split())[:60] in tip.text_content()


def test_question_shows_at_once_with_a_typing_indicator_and_no_progress_overlay(page, served_url):
    url, api = served_url
    real_ask = api.ask

    def slow_ask(*args, **kwargs):
        time.sleep(4)
        return real_ask(*args, **kwargs)

    api.ask = slow_ask
    page.goto(url, wait_until="load")
    page.locator("#gq-question textarea").fill(TWO_SOURCES)
    t0 = time.monotonic()
    page.locator("#gq-ask").click()
    user = page.locator("#gq-chat [data-testid='user']", has_text="North Korea's nuclear doctrine")
    user.wait_for(timeout=3000)
    page.locator("#gq-chat [data-testid='bot'] .gq-typing").wait_for(timeout=3000)
    assert time.monotonic() - t0 < 3.5  # well before the 4 s answer
    assert page.locator("#gq-chat .gq-answer").count() == 0
    # Gradio's own "processing" overlay/timer shows on no component while the answer is pending
    assert page.locator(".eta-bar:visible, .progress-text:visible, .meta-text-center:visible, .meta-text:visible"
                        ).count() == 0
    page.locator("#gq-chat .gq-sources").first.wait_for(timeout=20_000)
    assert page.locator("#gq-chat .gq-typing").count() == 0


def test_apostrophes_and_dollars_are_shown_exactly_once_escaped(page, served_url, tmp_path):
    url, api = served_url
    doc = tmp_path / "math" / "ledger.txt"
    doc.parent.mkdir()
    doc.write_text("Ledger notes\n\nThe walrus fee was $$x^2$$ dollars and *not* _doubled_ in Reykjavik's harbour.\n",
                   encoding="utf-8")
    api.index([doc], remove_missing=False)
    page.goto(url, wait_until="load")
    ask_in_chat(page, "What was the walrus fee in Reykjavik's harbour?")
    user = page.locator("#gq-chat [data-testid='user']").last.text_content()
    assert "Reykjavik's harbour" in user and "&#" not in user
    answer = page.locator("#gq-chat .gq-answer").last.text_content()
    assert "$$x^2$$ dollars and *not* _doubled_ in Reykjavik's harbour." in answer
    assert page.locator("#gq-chat .katex, #gq-chat em, #gq-chat .gq-answer strong:not(.gq-short)").count() == 0


def test_abstention_is_rendered_once_with_its_closest_excerpts_as_cards(page, strict_served):
    url, _ = strict_served
    page.goto(url, wait_until="load")
    ask_in_chat(page, "Who won the FIFA World Cup in 2018?")
    assert page.locator(".gq-abstain:visible").count() == 1
    assert page.get_by_text("do not answer").locator("visible=true").count() == 1
    cards = page.locator("#gq-chat .gq-abstain .gq-card")
    assert cards.count() >= 1
    cards.first.click()
    page.locator("#gq-panel mark.gq-cited").wait_for()


def test_hanoi_after_an_off_topic_question_answers_and_new_conversation_clears(page, served_url):
    url, _ = served_url
    page.goto(url, wait_until="load")
    ask_in_chat(page, "Who won the FIFA World Cup in 2018?")
    ask_in_chat(page, "What happened in Hanoi?")
    last = page.locator("#gq-chat [data-testid='bot']").last
    assert last.locator(".gq-answer").count() == 1 and "Hanoi" in last.text_content()
    page.locator("#gq-clear").click()
    page.wait_for_function("() => document.querySelectorAll('#gq-chat [data-testid=\"bot\"]').length === 0")
    # the other order: Hanoi first answers, then the off-topic question still abstains
    ask_in_chat(page, "What happened in Hanoi?")
    assert page.locator("#gq-chat .gq-answer").count() == 1
    ask_in_chat(page, "Who won the FIFA World Cup in 2018?")
    assert page.locator("#gq-chat [data-testid='bot']").last.locator(".gq-abstain").count() == 1
