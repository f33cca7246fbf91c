"""Drive the served app in Debian chromium: ask, open the first source, check the marked span."""
from __future__ import annotations

from pathlib import Path

import pytest
from chat_page import ask_in_chat

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"
QUESTION = "When did North Korea break off working-level talks?"


@pytest.fixture
def app_url(served_url):
    """The URL of the app over the fake-embedder sample index (tests/conftest.py `served_url`)."""
    return served_url[0]


def test_ask_open_source_panel_marks_cited_text(page, app_url, fake_api):
    expected = fake_api.ask(QUESTION).to_json()
    first = expected["citations"][0]

    page.goto(app_url, wait_until="load")
    page.locator("#gq-question textarea").fill(QUESTION)
    page.locator("#gq-ask").click()
    sources = page.locator("#gq-chat .gq-card")
    sources.first.wait_for()
    bot = page.locator("#gq-chat .gq-answer").last
    assert "October 2019" in bot.text_content()
    assert bot.locator(".gq-marker").first.text_content() == "[1]"
    chat_sources = page.locator("#gq-chat .gq-sources").last
    assert chat_sources.locator(f'[value="{first["citation"]}"]').count() >= 1
    assert first["title"] in chat_sources.text_content()

    assert sources.first.get_attribute("value") == first["citation"]
    sources.first.click()
    mark = page.locator("#gq-panel mark.gq-cited")
    mark.wait_for()
    assert mark.text_content() == fake_api.cite(first["citation"]).text == first["text"]
    assert first["citation"] in page.locator("#gq-panel").text_content()
    context = page.locator("#gq-panel .gq-context").text_content()
    assert len(context) > len(first["text"]) + 200  # the passage comes with its surroundings

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-source-panel.png"), full_page=True)


def test_follow_up_and_cite_tab(page, app_url, fake_api):
    page.goto(app_url, wait_until="load")
    # Asked as a user does once the page is up (Enter pressed during start-up: test_browser_enter_race.py).
    ask_in_chat(page, "Where was the second summit held?", done="#gq-chat .gq-sources")
    ask_in_chat(page, "When did North Korea break off working-level talks?", done="#gq-chat .gq-sources")
    assert "Hanoi" in page.locator("#gq-chat .gq-answer").first.text_content()

    page.get_by_role("tab", name="Cite").click()
    box = page.locator("#gq-cite-input textarea")
    box.fill("leader-level summit meeting in Hanoi")
    page.locator("#gq-cite-go").click()
    mark = page.locator("#gq-cite-panel mark.gq-cited")
    mark.wait_for()
    assert mark.text_content() == "leader-level summit meeting in Hanoi"
    box.fill("../../etc/passwd")
    page.locator("#gq-cite-go").click()
    page.locator("#gq-cite-panel .gq-abstain").wait_for()  # not found, nothing read


def test_session_settings_strictness_makes_abstention_visible(page, app_url):
    page.goto(app_url, wait_until="load")
    page.locator("#gq-settings").get_by_text("Settings").first.click()
    number = page.locator("#gq-threshold input[type=number]")
    number.fill("1")
    number.press("Enter")  # asked right away: the knobs are inputs of the ask event itself
    page.locator("#gq-question textarea").fill("How many North Korean troops did Kim send to Russia?")
    page.locator("#gq-ask").click()
    # strict: no sentence is confident enough, so the related passages are shown instead of an answer
    evidence = page.locator("#gq-chat .gq-evidence")
    evidence.wait_for()
    assert "No sentence states this directly" in evidence.text_content()
    first = page.locator("#gq-chat .gq-evidence .gq-card").first  # related excerpts, as cards in the message
    first.click()
    page.locator("#gq-panel mark.gq-cited").wait_for()  # related excerpts open like sources
    page.get_by_role("tab", name="Documents").click()
    page.locator("#gq-docs").get_by_text("pursuing-stable-coexistence.txt").locator("visible=true").first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "documents-tab.png"), full_page=True)
