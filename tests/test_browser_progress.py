"""The Documents tab's upload shows one progress indicator, on its status line, with the real stage and counts."""
from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.browser

# Every element Gradio's status tracker draws, whatever the component.
_VISIBLE_PROGRESS = """() => Array.from(document.querySelectorAll('.progress-text, .progress-level, .eta-bar'))
    .filter(e => e.offsetParent !== null)
    .map(e => [(e.closest('[id^=gq-]') || {id: '?'}).id, (e.textContent || '').trim()])"""


@pytest.fixture
def slow_app_url(fake_api):
    """The app over the sample index; embedding sleeps 3 s so the upload's progress can be watched."""
    from app.web.server import BackgroundServer, make_app
    from index.embed import FakeEmbedder

    class SlowFake(FakeEmbedder):
        def encode(self, texts, batch_size=32):
            time.sleep(3)
            return super().encode(texts, batch_size)

    fake_api._embedder = SlowFake(64)  # same name as the index's model: no rebuild
    srv = BackgroundServer(make_app(fake_api))
    yield srv.url
    srv.stop()


def test_upload_shows_a_single_truthful_progress_indicator(page, slow_app_url, tmp_path):
    doc = tmp_path / "okapi.txt"
    doc.write_text("Okapi notes\n\nThe okapi census was completed in Epulu in 2011. Rangers counted 42 animals.\n")
    page.goto(slow_app_url, wait_until="load")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#gq-docs", has_text="pursuing-stable-coexistence.txt").wait_for()
    deadline = time.monotonic() + 20
    while page.evaluate(_VISIBLE_PROGRESS) and time.monotonic() < deadline:  # the page's own load events
        time.sleep(0.1)
    page.locator("#gq-upload input[type=file]").set_input_files(str(doc))
    seen: list[list[list[str]]] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        shown = page.evaluate(_VISIBLE_PROGRESS)
        texts = " ".join(t for _, t in shown)
        if "Embedding" in texts:
            seen.append(shown)
        elif seen and not shown:
            break
        time.sleep(0.2)
    assert seen, "the upload never showed its embedding stage"
    for shown in seen:  # one indicator, on the status line, never a copy on the table, dropdown or file box
        assert {owner for owner, _ in shown} == {"gq-docs-status"}, shown
    texts = " ".join(t for shown in seen for _, t in shown)
    assert re.search(r"\b0/3 sentences\b", texts) and "100.0%" not in texts  # real counts, not a bar stuck at 100%
    page.locator("#gq-docs-status", has_text="1 added").wait_for()
