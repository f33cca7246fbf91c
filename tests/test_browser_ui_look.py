"""The look in real Chromium: dark mode follows the browser, the chat is usable at 390 px, a PDF source shows
its page. Screenshots go to tests/artifacts/ (to docs/screenshots/ with GROUNDQA_SCREENSHOTS=1)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from chat_page import ask_in_chat

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots" if os.environ.get("GROUNDQA_SCREENSHOTS") else ROOT / "tests" / "artifacts"
QUESTION = "What is North Korea's nuclear doctrine?"  # its answer cites two passages


def _shot(page, name: str, full_page: bool = False, top: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    if top:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def _pdf(path: Path) -> Path:
    """A two-page PDF with headings (reportlab), the cited fact on page 2."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Harbour Authority Annual Review")
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, 770, "Harbour Authority Annual Review")
    c.setFont("Helvetica", 11)
    c.drawString(72, 740, "1. Overview")
    c.drawString(72, 720, "The harbour handled more cargo than in any year since records began.")
    c.showPage()
    c.setFont("Helvetica-Bold", 13)
    c.drawString(72, 770, "2. Dredging programme")
    c.setFont("Helvetica", 11)
    c.drawString(72, 745, "The north channel was dredged to a depth of fourteen metres in March 2024.")
    c.drawString(72, 728, "Dredging of the south basin is planned for the winter of 2025.")
    c.save()
    return path



def _ask(page, question: str) -> None:
    ask_in_chat(page, question, "#gq-chat .gq-sources, #gq-chat .gq-abstain")


def _open_marker(page, n: int = 1) -> None:
    page.locator("#gq-chat .gq-answer .gq-marker", has_text=f"[{n}]").last.click()
    page.locator("#gq-panel mark.gq-cited").wait_for()
    page.wait_for_timeout(400)  # the smooth scroll of the marked span


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_chat_desktop_follows_the_browser_colour_scheme(page, served_url, scheme):
    url, _ = served_url
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(url, wait_until="load")
    page.locator("#gq-header-box .gq-app").wait_for()
    is_dark = page.evaluate("document.body.classList.contains('dark') || "
                            "document.querySelector('.gradio-container').closest('.dark') !== null")
    assert is_dark == (scheme == "dark")
    _ask(page, QUESTION)
    _open_marker(page, 2)
    bg = page.evaluate("getComputedStyle(document.querySelector('#gq-chat [data-testid=\"bot\"]')).color")
    assert bg  # rendered
    _shot(page, f"chat-{scheme}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_chat_is_usable_at_phone_width(page, served_url, scheme):
    url, _ = served_url
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url, wait_until="load")
    _ask(page, QUESTION)
    # nothing wider than the screen: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    ask = page.locator("#gq-ask").bounding_box()
    assert ask and ask["x"] + ask["width"] <= 390
    _shot(page, f"chat-phone-{scheme}")
    _open_marker(page, 1)
    panel = page.locator("#gq-panel mark.gq-cited").bounding_box()
    assert panel and 0 <= panel["y"] < 844  # the passage is scrolled into view
    _shot(page, f"source-phone-{scheme}", top=False)


def test_abstention_screenshot(page, fake_api):
    from app.web.server import BackgroundServer, make_app

    fake_api.settings = fake_api.settings.with_(threshold=1.0)
    srv = BackgroundServer(make_app(fake_api))
    try:
        page.set_viewport_size({"width": 1280, "height": 760})
        page.goto(srv.url, wait_until="load")
        _ask(page, "Who won the FIFA World Cup in 2018?")
        page.locator("#gq-chat .gq-abstain .gq-card").first.click()
        page.locator("#gq-panel mark.gq-cited").wait_for()
        page.wait_for_timeout(400)
        _shot(page, "abstention")
    finally:
        srv.stop()


def test_pdf_source_shows_its_page(page, tmp_path, fake_embedder):
    from app.api import GroundQA
    from app.web.server import BackgroundServer, make_app

    docs = tmp_path / "pdfs"
    docs.mkdir()
    _pdf(docs / "harbour-review.pdf")
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([docs])
    api.settings = api.settings.with_(threshold=0.0)
    srv = BackgroundServer(make_app(api))
    try:
        page.set_viewport_size({"width": 1280, "height": 760})
        page.goto(srv.url, wait_until="load")
        _ask(page, "How deep was the north channel dredged?")
        card = page.locator("#gq-chat .gq-card").first
        assert "p. 2" in card.text_content()
        _open_marker(page, 1)
        head = page.locator("#gq-panel .gq-head").text_content()
        assert "p. 2" in head and "harbour-review.pdf" in head
        _shot(page, "pdf-source")
    finally:
        srv.stop()


def test_documents_and_evaluate_tabs_screenshots(page, served_url, tmp_path):
    url, _ = served_url
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(url, wait_until="load")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#gq-docs").get_by_text("pursuing-stable-coexistence.txt").locator("visible=true").first.wait_for()
    _shot(page, "documents")
    import json

    qfile = tmp_path / "questions.jsonl"
    qfile.write_text("\n".join(json.dumps(q) for q in [
        {"id": "sr-02", "question": "Where was the second summit held?", "reference_answer": "Hanoi, Vietnam"},
        {"id": "sr-01", "question": "When did North Korea break off working-level talks?",
         "reference_answer": "October 2019"},
        {"id": "sr-15", "question": "Who won the 2022 FIFA World Cup?", "answerable": False}]) + "\n",
        encoding="utf-8")
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#gq-eval-file input[type=file]").set_input_files(str(qfile))
    page.wait_for_timeout(500)
    page.locator("#gq-eval-run").click()
    page.locator("#gq-eval-status a.gq-report-link").wait_for(timeout=60_000)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.locator("#gq-eval-status").evaluate("e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 8)")
    _shot(page, "evaluate", top=False)
