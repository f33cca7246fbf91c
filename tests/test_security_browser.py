"""Issue #18 item 2 where a user sees it: two uploads whose names map alike both stay in the Documents table."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def app_url(fake_api, tmp_path, monkeypatch):
    from app.web.server import BackgroundServer, make_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    srv = BackgroundServer(make_app(fake_api))
    yield srv.url
    srv.stop()


def test_cjk_named_uploads_both_stay_listed(page, app_url, fake_api, tmp_path):
    first, second = tmp_path / "a" / "报告.txt", tmp_path / "b" / "会议.txt"
    for f, text in ((first, "The heron colony nests on the west bank."), (second, "The walrus sanctuary opened.")):
        f.parent.mkdir()
        f.write_text(f"Notes\n\n{text}\n", encoding="utf-8")
    page.goto(app_url, wait_until="load")
    page.get_by_role("tab", name="Documents").click()
    status = page.locator("#gq-docs-status .gq-status")
    for f in (first, second):
        page.locator("#gq-upload input[type=file]").set_input_files(str(f))
        page.locator("#gq-docs").get_by_text(f.name).locator("visible=true").first.wait_for(timeout=30_000)
        text = status.text_content()
        assert "1 added" in text and "0 updated" in text, text  # on main the second one "updated" the first
    table = page.locator("#gq-docs").text_content()
    assert "报告.txt" in table and "会议.txt" in table
    stored = sorted(p.name for p in (fake_api.index_dir / "uploads").iterdir() if p.is_file())
    assert stored == ["会议.txt", "报告.txt"]
