"""Hostile document text (script tags, onerror handlers) must render as literal text, never run."""
from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
TXT = ("Zebra Protocol Notes\n\n"
       f"The zebra protocol {SCRIPT} was signed in Oslo {IMG} in the spring of 1999.\n\n"
       "Unrelated closing remarks about the weather in the fjords.\n")
HTML = ("<html><head><title>Walrus memo</title></head><body>\n"
        "<p>The walrus treaty &lt;script&gt;window.__pwned=3&lt;/script&gt; was ratified in Lisbon in 2004.</p>\n"
        "<p>&lt;img src=x onerror=\"window.__pwned=4\"&gt; Walrus quotas were fixed afterwards.</p>\n"
        "<script>window.__pwned=5</script></body></html>\n")


@pytest.fixture
def hostile_url(fake_api, tmp_path):
    """The sample index plus a .txt document with literal tags, served on a loopback port."""
    from app.web.server import BackgroundServer, make_app

    doc = tmp_path / "hostile" / "zebra.txt"
    doc.parent.mkdir()
    doc.write_text(TXT, encoding="utf-8")
    fake_api.index([doc], remove_missing=False)
    fake_api.settings = fake_api.settings.with_(threshold=0.0)  # fake embedder: uncalibrated confidences
    srv = BackgroundServer(make_app(fake_api))
    yield srv.url
    srv.stop()


def _ask_and_open_first_source(page, question: str) -> str:
    before = page.locator("#gq-chat .gq-sources").count()
    page.locator("#gq-question textarea").fill(question)
    page.locator("#gq-ask").click()
    page.locator("#gq-chat .gq-sources").nth(before).wait_for()
    page.locator("#gq-chat .gq-sources").nth(before).locator(".gq-card").first.click()
    mark = page.locator("#gq-panel mark.gq-cited")
    mark.wait_for()
    return mark.text_content()


def _assert_inert(page) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"
    for scope in ("#gq-chat", "#gq-panel", "#gq-chat .gq-cards", "#gq-docs"):
        assert page.locator(f"{scope} script").count() == 0
        assert page.locator(f"{scope} img[src='x']").count() == 0


def test_script_tags_in_text_document_render_as_text(page, hostile_url):
    page.goto(hostile_url, wait_until="load")
    cited = _ask_and_open_first_source(page, "Where was the zebra protocol signed?")
    assert SCRIPT in cited and IMG in cited
    answer = page.locator("#gq-chat .gq-answer").last.text_content()
    assert SCRIPT in answer and IMG in answer
    assert SCRIPT in page.locator("#gq-panel .gq-context").text_content()
    _assert_inert(page)


def test_uploaded_html_with_script_tag_renders_as_text(page, hostile_url, fake_api, tmp_path):
    upload = tmp_path / "walrus <memo>.html"
    upload.write_text(HTML, encoding="utf-8")
    page.goto(hostile_url, wait_until="load")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#gq-upload input[type=file]").set_input_files(str(upload))
    status = page.locator("#gq-docs-status .gq-status")
    status.wait_for()
    assert "1 added" in status.text_content(), status.text_content()
    page.locator("#gq-docs").get_by_text("walrus_memo.html").locator("visible=true").first.wait_for()
    assert (fake_api.index_dir / "uploads" / "walrus_memo.html").exists()

    page.get_by_role("tab", name="Chat").click()
    cited = _ask_and_open_first_source(page, "Where was the walrus treaty ratified?")
    assert "<script>window.__pwned=3</script>" in cited
    assert "window.__pwned=5" not in page.locator("#gq-panel").text_content()  # the loader dropped real scripts
    _assert_inert(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hostile-html-panel.png"), full_page=True)
