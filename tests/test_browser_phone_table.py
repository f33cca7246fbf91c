"""Issue #34 row L3 in real Chromium: a table answer with four year columns on a 390×844 phone scrolls inside its own
box, and the page never scrolls sideways (it did by 167 px); on a desktop the answer is as wide as the table."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from chat_page import ask_in_chat

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots" if os.environ.get("GROUNDQA_SCREENSHOTS") else ROOT / "tests" / "artifacts"
ROWS = [("Net sales", "383,285", "394,328", "365,817", "274,515"),
        ("Cost of sales", "214,137", "223,546", "212,981", "169,559"),
        ("Gross margin", "169,148", "170,782", "152,836", "104,956"),
        ("Operating income", "114,301", "119,437", "108,949", "66,288")]


@pytest.fixture
def statement_url(tmp_path, monkeypatch):
    """The app over one HTML statement of operations with four year columns."""
    from app.api import GroundQA
    from app.web.server import BackgroundServer, make_app
    from index.embed import FakeEmbedder

    docs = tmp_path / "docs"
    docs.mkdir()
    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in ROWS)
    (docs / "statement.html").write_text(
        "<html><head><title>Annual report</title></head><body><h1>Consolidated Statements of Operations</h1>"
        "<table><tr><th>(In millions)</th><th>2023</th><th>2022</th><th>2021</th><th>2020</th></tr>"
        f"{cells}</table></body></html>", encoding="utf-8")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    api = GroundQA(tmp_path / "idx", embedder=FakeEmbedder(64))
    api.index([docs])
    srv = BackgroundServer(make_app(api))
    try:
        yield srv.url
    finally:
        srv.stop()


_BOX = """() => { const w = document.querySelector('#gq-chat .gq-table-wrap'); const r = w.getBoundingClientRect();
  return {client: w.clientWidth, scroll: w.scrollWidth, left: r.left, right: r.right}; }"""


@pytest.mark.parametrize("width", [390, 1366])
def test_a_wide_table_answer_scrolls_in_its_own_box(page, statement_url, width):
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(statement_url, wait_until="load")
    ask_in_chat(page, "What were net sales in 2023?")
    answer = page.locator("#gq-chat .gq-answer").last
    assert "Net sales, 2023: 383,285" in answer.inner_text()
    heads = page.locator("#gq-chat .gq-table").last.locator("thead th").all_inner_texts()
    assert [h.strip() for h in heads][-4:] == ["2023", "2022", "2021", "2020"], heads
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # the page never scrolls sideways
    box = page.evaluate(_BOX)
    assert 0 <= box["left"] and box["right"] <= width, box
    SHOTS.mkdir(parents=True, exist_ok=True)
    if width == 390:
        assert box["scroll"] > box["client"], box  # the table is wider than the phone: its box scrolls
        page.locator("#gq-chat .gq-table-wrap").last.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
        assert page.locator("#gq-chat .gq-table-wrap").last.evaluate("w => w.scrollLeft") > 0
        assert page.evaluate("window.scrollX") == 0
        page.locator("#gq-chat .gq-table-wrap").last.evaluate("w => { w.scrollLeft = 0; }")
        page.screenshot(path=str(SHOTS / "table-answer-phone.png"))
    else:
        assert box["scroll"] <= box["client"] + 1, box  # room enough: the answer is as wide as its table
