"""Driving the Chat tab in Chromium: the one way browser tests ask a question and wait for its answer."""
from __future__ import annotations

DONE = "#gq-chat .gq-sources, #gq-chat .gq-abstain, #gq-chat .gq-evidence, #gq-chat .gq-error"
"""What ends a turn: an answer's sources, an abstention, related passages (evidence), or an error."""


def ask_in_chat(page, question: str, done: str = DONE) -> None:
    """Type `question`, press Ask, and wait until one more element matching `done` is shown."""
    before = page.locator(done).count()
    page.locator("#gq-question textarea").fill(question)
    # Wait until Gradio holds the typed value before submitting: submitting right after fill could send an
    # empty box (a toast, no answer) while the app is still wiring itself up after load.
    page.wait_for_timeout(300)
    page.locator("#gq-ask").click()
    page.locator(done).nth(before).wait_for(timeout=60_000)  # a loaded 2-core CI machine took over 30 s
