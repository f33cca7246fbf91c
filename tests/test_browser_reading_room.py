"""The reading room (issue 35) in real Chromium at 1366×900 and 390×844, light and dark, over filings with long
titles (tests/reading_room_corpus.py): source cards show company, form and period in full, never cut mid-word;
opening a citation puts the highlight's first line a few lines below the top of what is visible; the panel holds
the whole cited page and loads the next one when the reader scrolls to its end, keeping the highlight where it
was; the examples are questions groundqa answers from the documents they name, none a file label or table header
text; the Documents tab shows no remove button until a document is chosen and says "files"; the fonts come with
the page. Screenshots go to tests/artifacts/ (and docs/screenshots/ with GROUNDQA_SCREENSHOTS=1)."""
from __future__ import annotations

import os
import re

import pytest
from chat_page import ask_in_chat
from reading_room_corpus import DREDGE_ANSWER, DREDGE_QUESTION, NEXT_PAGE_LINE, TITLES, indexed_corpus
from test_browser_analyst_day import ARTIFACTS, DOCS_SHOTS, LOOKS, WORDS_BROKEN, _fonts, _look, _serve

pytestmark = pytest.mark.browser

# Where the highlight's first line is, against what the reader sees of the box its text scrolls in (the context
# box beside the chat; the whole sheet, below its bar, on a phone) and the window.
MARK_PLACE = """() => {
  const m = document.querySelector('#gq-panel mark.gq-cited');
  const ctx = m.closest('.gq-context');
  const box = ctx.closest('.gq-sheet-open') || ctx;
  const bar = box.querySelector('.gq-sheet-bar');
  const r = box.getBoundingClientRect();
  const top = Math.max(bar ? bar.getBoundingClientRect().bottom : r.top, 0);
  return {y: m.getClientRects()[0].top, top, bottom: Math.min(r.bottom, window.innerHeight),
          line: parseFloat(getComputedStyle(ctx).lineHeight), window: window.innerHeight};
}"""
LABELISH = re.compile(r"\b(?:10-?K|10-?Q|8-?K|FY\s?\d|Q[1-4]\s?\d{2}|[1-4]Q|Exhibit|ER)\b|\.pdf|_")
HEADER_TEXT = re.compile(r"\bIn millions\b|\bMonths Ended\b|\(In |\| ")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if os.environ.get("GROUNDQA_SCREENSHOTS"):
        page.screenshot(path=str(DOCS_SHOTS / f"{name}.png"))


def _company(title: str) -> str:
    return re.sub(r",? (?:Inc\.|plc)$", "", title.split(" — ")[0])


@pytest.fixture
def room(tmp_path, fake_embedder, monkeypatch):
    """(url, api): the app over the three long-titled filings (fake embedder, threshold 0: its confidences are
    not calibrated, so the examples are kept by where their answers come from and what they are about)."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    api = indexed_corpus(tmp_path, fake_embedder)
    assert sorted(d.title for d in api.documents()) == sorted(TITLES.values())
    srv = _serve(api)
    yield srv.url, api
    srv.stop()


@pytest.mark.parametrize("where,scheme", LOOKS)
def test_long_titles_whole_cards_the_highlight_in_view_and_examples_answered(page, room, where, scheme):
    url, api = room
    _look(page, where, scheme)
    page.goto(url, wait_until="load")
    chips = page.locator("#gq-examples-box .gq-example")
    chips.first.wait_for(timeout=60_000)
    questions = chips.all_text_contents()
    assert len(questions) >= 2, questions
    for q in questions:  # none a file label or table header text; each answered from the document it names
        assert not LABELISH.search(q) and not HEADER_TEXT.search(q), q
        named = [t for t in TITLES.values() if _company(t) in q]
        assert len(named) == 1, (q, named)
        ans = api.ask(q)
        assert ans.outcome == "answered" and ans.citations, (q, ans.outcome)
        assert {c.title for c in ans.citations} == set(named), (q, [c.title for c in ans.citations])

    ask_in_chat(page, DREDGE_QUESTION)
    assert DREDGE_ANSWER in page.locator("#gq-chat .gq-answer").last.text_content()
    cards = page.locator("#gq-chat .gq-sources").last.locator(".gq-card-doc")
    assert cards.count() >= 1
    for i in range(cards.count()):
        doc = cards.nth(i)
        shown = " ".join(doc.text_content().split())
        # company, then form and period on their own line, in full
        assert shown in {t.replace(" — ", " ") for t in TITLES.values()}, shown
        assert doc.evaluate(WORDS_BROKEN) == [], shown  # wrapped between words only
        assert doc.evaluate("e => e.scrollWidth <= e.clientWidth + 1 && e.scrollHeight <= e.clientHeight + 1")
    _shot(page, f"reading-room-cards-{where}-{scheme}")

    page.locator("#gq-chat .gq-sources").last.locator(".gq-card").first.click()
    page.locator("#gq-panel mark.gq-cited").wait_for()
    page.wait_for_timeout(700)  # a desktop scrolls the panel into view smoothly
    at = page.evaluate(MARK_PLACE)
    # The highlight's first line is in view, a few lines below the top (the page holds text above it).
    assert at["top"] + at["line"] <= at["y"] <= at["bottom"] - at["line"], at
    assert 0 <= at["y"] <= at["window"] - at["line"], at
    assert at["y"] - at["top"] <= 6 * at["line"], at
    context = page.locator("#gq-panel .gq-context")
    text = context.text_content()
    assert "Harbour Operations" in text and NEXT_PAGE_LINE not in text  # the whole cited page, not the next one
    assert page.locator("#gq-panel .gq-more-after").text_content().strip() == "↓ Show p. 3"
    _shot(page, f"reading-room-source-{where}-{scheme}")

    # Scrolling to the end of the page loads the next one; the highlight stays where the reader had it.
    kept = page.evaluate("""() => {
      const ctx = document.querySelector('#gq-panel .gq-context');
      const box = ctx.closest('.gq-sheet-open') || ctx;
      box.scrollTop = box.scrollHeight;
      box.dispatchEvent(new Event('scroll'));
      const m = ctx.querySelector('mark.gq-cited');
      const bar = box.querySelector('.gq-sheet-bar');
      return m.getClientRects()[0].top - Math.max(bar ? bar.getBoundingClientRect().bottom : box.getBoundingClientRect().top, 0);
    }""")
    page.locator("#gq-panel .gq-context", has_text=NEXT_PAGE_LINE).wait_for(timeout=30_000)
    page.wait_for_timeout(300)
    after = page.evaluate(MARK_PLACE)
    assert abs((after["y"] - after["top"]) - kept) <= 3, (kept, after)
    assert page.locator("#gq-panel .gq-more-after").count() == 0  # one page each side at most

    page.get_by_role("tab", name="Documents").click()
    page.locator("#gq-docs table").wait_for()
    assert not page.locator("#gq-remove").is_visible()  # no remove button next to an empty choice
    assert "Drop files here" in page.locator("#gq-upload").inner_text()
    page.locator("#gq-remove-which input").click()
    page.get_by_role("option", name=re.compile("northwind")).click()
    page.locator("#gq-remove").wait_for(state="visible")
    page.mouse.click(3, 3)  # the dropdown's list closes
    page.locator("#gq-remove").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    _shot(page, f"reading-room-documents-{where}-{scheme}")


def test_the_fonts_come_with_the_page(page, room):
    """With every font file request refused, the page still draws its own face: nothing arrives late to swap."""
    url, _ = room
    fetched: list[str] = []

    def refuse(route):  # noqa: ANN001 - playwright's Route
        fetched.append(route.request.url)
        route.abort()

    page.route(re.compile(r".*\.(?:woff2?|ttf|otf)(?:\?.*)?$"), refuse)
    page.goto(url, wait_until="load")
    page.locator("#gq-header-box .gq-app").wait_for()
    faces = page.evaluate("async () => { await document.fonts.ready; return [...document.fonts]"
                          ".filter(f => f.family.includes('GQ Sans')).map(f => f.status); }")
    assert faces and set(faces) == {"loaded"}, faces
    for sel in ("#gq-header-box .gq-app", "#gq-header-box .gq-tagline"):
        drawn = _fonts(page, sel)
        assert drawn and not {"DejaVu Sans", "Liberation Sans"} & set(drawn), (sel, drawn, fetched)
    family = page.evaluate("getComputedStyle(document.querySelector('.gradio-container')).fontFamily")
    assert family.startswith('"GQ Sans"') and "Source Sans Pro" in family and family.rstrip().endswith("sans-serif")
