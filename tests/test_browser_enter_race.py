"""A question typed and sent with Enter the moment the page has loaded is answered (not dropped as empty)."""
from __future__ import annotations

import pytest
from chat_page import DONE

pytestmark = pytest.mark.browser

QUESTION = "When did North Korea break off working-level talks?"


def test_enter_right_after_load_sends_the_typed_question(page, served_url) -> None:
    page.goto(served_url[0], wait_until="load")
    box = page.locator("#gq-question textarea")
    box.fill(QUESTION)
    box.press("Enter")  # no pause: a user who types fast, or pastes and hits Enter
    page.locator(DONE).first.wait_for(timeout=60_000)
    assert QUESTION in page.locator("#gq-chat").inner_text()


def test_text_in_the_box_that_gradio_has_not_seen_is_sent(page, served_url) -> None:
    """The race made deterministic: the box shows text that Gradio's copy of the value does not hold yet."""
    page.goto(served_url[0], wait_until="load")
    page.locator("#gq-question textarea").wait_for()
    page.wait_for_timeout(500)  # let Gradio settle, so only the unseen value is under test
    page.evaluate(f"document.querySelector('#gq-question textarea').value = {QUESTION!r}")  # no input event
    page.locator("#gq-ask").click()
    page.locator(DONE).first.wait_for(timeout=60_000)
    assert QUESTION in page.locator("#gq-chat").inner_text()
