"""The analyst's browser day (issue 25, items 1–8) in real Chromium, on a desktop (1366×900) and a phone (390×844),
light and dark: the demo sample goes when own documents come, the header follows every change, the Documents
table reads as whole words (cards on a phone), removal says exactly what happens, the empty chat invites a
question, a phone opens a citation as a sheet, every text run is drawn in one typeface, the Evaluate tab shows
results only after a run, and the HTML report fits a phone. Screenshots go to tests/artifacts/ (a few to
docs/screenshots/ with GROUNDQA_SCREENSHOTS=1)."""
from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path

import pytest
from chat_page import ask_in_chat

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS_SHOTS = ROOT / "docs" / "screenshots"
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
LOOKS = [("desktop", "light"), ("desktop", "dark"), ("phone", "light"), ("phone", "dark")]
KEEP = {"documents-phone-dark", "chat-empty-phone-light", "source-sheet-phone-dark",
        "evaluate-phone-dark", "report-phone"}
"""The screenshots that also refresh docs/screenshots (with GROUNDQA_SCREENSHOTS=1)."""

DUPLICATE_IDS = ("() => { const n = {}; document.querySelectorAll('[id]').forEach(e => { if (e.id) n[e.id] = "
                 "(n[e.id] || 0) + 1; }); return Object.keys(n).filter(k => n[k] > 1); }")
# Every whitespace-separated word of every text node under the element sits on one line box (no mid-word
# break); a path split by <wbr> is several text nodes, each of which must stay whole.
WORDS_BROKEN = """(root) => {
  const bad = [];
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const re = /\\S+/g; let m;
    while ((m = re.exec(n.textContent))) {
      const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
      const lines = new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top)));
      if (lines.size > 1) bad.push(m[0]);
    }
  }
  return bad;
}"""


def _look(page, where: str, scheme: str) -> None:
    w, h = SIZES[where]
    page.set_viewport_size({"width": w, "height": h})
    page.emulate_media(color_scheme=scheme)


def _shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
    if os.environ.get("GROUNDQA_SCREENSHOTS") and name in KEEP:
        page.screenshot(path=str(DOCS_SHOTS / f"{name}.png"), full_page=full_page)


def _fonts(page, selector: str) -> list[str]:
    """The fonts Chromium actually drew the element's text with (CSS.getPlatformFontsForNode)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, f"{selector} not on the page"
    fonts = [f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]]
    cdp.detach()
    return fonts


def _serve(api):
    from app.web.server import BackgroundServer, make_app

    api.settings = api.settings.with_(threshold=0.0)
    return BackgroundServer(make_app(api))


@pytest.fixture
def demo_api(tmp_path, fake_embedder, monkeypatch):
    """An index as the first `serve` leaves it: the bundled sample report, marked as a demo."""
    from app.api import GroundQA
    from app.sample import mark_demo
    from corpus import SAMPLE_DIR

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([SAMPLE_DIR])
    mark_demo(api)
    return api


def _write(path: Path, title: str, body: str) -> Path:
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return path


def _upload(page, path: Path) -> None:
    before = page.locator("#gq-docs-status .gq-status").count()
    page.locator("#gq-upload input[type=file]").set_input_files(str(path))
    page.wait_for_function("n => document.querySelectorAll('#gq-docs-status .gq-status').length > n "
                           "&& /added|updated|unchanged/.test(document.querySelector('#gq-docs-status').textContent)",
                           arg=before - 1 if before else 0, timeout=60_000)


def _header(page) -> str:
    return page.locator("#gq-header-box").text_content()


# ----------------------------------------------------------------------------------- items 1 and 2


@pytest.mark.parametrize("where,scheme", LOOKS)
def test_first_own_upload_drops_the_demo_sample_and_the_header_follows_every_change(page, demo_api, tmp_path,
                                                                                       where, scheme):
    own = tmp_path / "own"
    own.mkdir()
    srv = _serve(demo_api)
    try:
        _look(page, where, scheme)
        page.goto(srv.url, wait_until="load")
        page.locator("#gq-examples-box .gq-example").first.wait_for()
        assert "Sample report" in _header(page)
        page.get_by_role("tab", name="Documents").click()
        _upload(page, _write(own / "orchards.txt", "Orchard Survey 2024", "Grafting methods\n\nApple trees in the "
                             "Vale of Evesham are grafted in early spring onto dwarfing rootstock."))
        status = page.locator("#gq-docs-status").text_content()
        assert "removed the bundled sample report" in status, status
        assert [d.path for d in demo_api.documents()] == ["orchards.txt"]
        # Without a reload or a tab switch: the header names what is indexed now.
        page.wait_for_function("() => document.querySelector('#gq-header-box').textContent.includes('Orchard Survey')")
        assert "Sample report" not in _header(page)
        assert "pursuing-stable-coexistence" not in page.locator("#gq-docs").text_content()
        _upload(page, _write(own / "hives.txt", "Hive Notes", "The Buckfast Abbey bees winter in insulated hives."))
        page.wait_for_function("() => document.querySelector('#gq-header-box').textContent.includes('2 documents')")
        page.locator("#gq-remove-which input").click()
        page.get_by_role("option", name=re.compile("hives.txt")).click()
        page.locator("#gq-remove").click()
        page.locator("#gq-remove-yes").click()
        page.locator("#gq-docs-status", has_text="removed hives.txt").wait_for()
        page.wait_for_function("() => document.querySelector('#gq-header-box').textContent.includes('Orchard Survey')")
        assert "2 documents" not in _header(page)
        page.get_by_role("tab", name="Chat").click()
        chips = page.locator("#gq-examples-box .gq-example")
        chips.first.wait_for()
        texts = " ".join(chips.all_text_contents())
        assert "summit" not in texts and "North Korea" not in texts and "Buckfast" not in texts, texts
    finally:
        srv.stop()


# ----------------------------------------------------------------------------------- items 3 and 4


@pytest.fixture
def own_docs_api(tmp_path, fake_embedder, monkeypatch):
    """The user's own filings (long underscore names, one over a kilobyte), not the sample."""
    from app.api import GroundQA

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    docs = tmp_path / "filings"
    docs.mkdir()
    _write(docs / "AMAZON_2017_10K_ANNUAL_REPORT.txt", "Amazon.com, Inc. — Form 10-K, fiscal year ended December 31, "
           "2017", "Net sales increased 31% to $177,866 million in 2017, compared with $135,987 million in 2016. " * 20)
    _write(docs / "ULTABEAUTY_2023Q4_EARNINGS.txt", "Ulta Beauty Fourth Quarter Results",
           "Net sales increased 11.5% to $3.6 billion. Comparable sales increased 7.7%.")
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([docs])
    return api


@pytest.mark.parametrize("where,scheme", LOOKS)
def test_documents_read_as_whole_words_and_remove_says_what_happens_to_the_file(page, own_docs_api, tmp_path,
                                                                                  where, scheme):
    srv = _serve(own_docs_api)
    try:
        _look(page, where, scheme)
        page.goto(srv.url, wait_until="load")
        page.get_by_role("tab", name="Documents").click()
        table = page.locator("#gq-docs")
        table.get_by_text("ULTABEAUTY_2023Q4_EARNINGS.txt").locator("visible=true").first.wait_for()
        cell = page.locator("#gq-docs td").first
        assert "mono" not in cell.evaluate("e => getComputedStyle(e).fontFamily").lower()
        assert table.evaluate(WORDS_BROKEN) == []  # no "AMAZON_2017_10K.p/df", no "1,366,9/99 B"
        sizes = [s.strip() for s in page.locator("#gq-docs td[data-label='Size']").all_text_contents()]
        assert sizes and all(re.fullmatch(r"\d+(\.\d)? (B|KB|MB|GB)", s) for s in sizes), sizes
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[where][0] + 2  # no sideways scroll
        if where == "desktop":
            heads = page.locator("#gq-docs th")
            assert heads.all_text_contents() == ["Path", "Title", "Passages", "Pages", "Size", "Indexed at", "Id",
                                                 "Status"]
            for i in range(heads.count()):  # whole headers: no "Passag"
                assert heads.nth(i).evaluate("h => h.scrollWidth <= h.clientWidth + 1")
        else:  # a phone: one card per document, each value beside its column's name, none squeezed
            rows = page.locator("#gq-docs tr.gq-doc-row")
            assert rows.count() == 2
            for i in range(rows.count()):
                box = rows.nth(i).bounding_box()
                assert box and box["width"] >= 330, box
            widths = page.locator("#gq-docs td").evaluate_all("tds => tds.map(t => t.getBoundingClientRect().width)")
            assert min(widths) >= 300, widths
            assert page.locator("#gq-docs thead").evaluate("e => getComputedStyle(e).display") == "none"
        _shot(page, f"documents-{where}-{scheme}")
        # A file indexed from its own folder is never deleted: the confirmation says so, and no id is doubled.
        page.locator("#gq-remove-which input").click()
        page.get_by_role("option", name=re.compile("AMAZON_2017")).click()
        page.locator("#gq-remove").click()
        question = page.locator("#gq-remove-question .gq-note")
        question.wait_for()
        text = question.text_content()
        assert "AMAZON_2017_10K_ANNUAL_REPORT.txt" in text and "is not touched" in text, text
        assert "uploaded" not in text
        assert page.evaluate(DUPLICATE_IDS) == []
        page.locator("#gq-remove-no").click()
        page.wait_for_function("() => ![...document.querySelectorAll('#gq-remove-confirm')]"
                               ".some(e => e.getClientRects().length > 0)")
        # An uploaded copy is deleted with its document: the confirmation says that instead.
        _upload(page, _write(tmp_path / "field_notes.txt", "Field Notes", "Codling moths are trapped in June."))
        page.locator("#gq-remove-which input").click()
        page.get_by_role("option", name=re.compile("field_notes")).click()
        page.locator("#gq-remove").click()
        page.locator("#gq-remove-question .gq-note", has_text="field_notes.txt").wait_for()
        text = page.locator("#gq-remove-question .gq-note").text_content()
        assert "copy uploaded to the server is deleted" in text and "not touched" not in text, text
        assert page.evaluate(DUPLICATE_IDS) == []
    finally:
        srv.stop()


# ----------------------------------------------------------------------------------- items 5 and 6


@pytest.mark.parametrize("where,scheme", LOOKS)
def test_empty_chat_invites_a_question_and_a_phone_opens_sources_as_a_sheet(page, served_url, where, scheme):
    url, _ = served_url
    _look(page, where, scheme)
    w, h = SIZES[where]
    page.goto(url, wait_until="load")
    chips = page.locator("#gq-examples-box .gq-example")
    chips.first.wait_for()
    page.wait_for_timeout(300)
    # The invitation is centred in the chat box, and the example questions are in view without scrolling.
    invite = page.locator("#gq-chat .gq-invite").bounding_box()
    chat = page.locator("#gq-chat").bounding_box()
    assert invite and chat
    assert abs((invite["x"] + invite["width"] / 2) - (chat["x"] + chat["width"] / 2)) < 8
    assert chat["height"] <= 0.45 * h, chat  # not a 520 px empty box, not a whole phone screen
    last = chips.last.bounding_box()
    assert last and last["y"] + last["height"] <= h, (last, h)
    assert page.evaluate("window.scrollY") == 0
    _shot(page, f"chat-empty-{where}-{scheme}", full_page=False)
    ask_in_chat(page, "Where was the second summit held?")
    # One typeface per text run: the bold header, the source card's number and title, the user's question.
    for sel in ("#gq-header-box .gq-app", "#gq-chat .gq-card .gq-card-n", "#gq-chat .gq-card .gq-card-doc",
                "#gq-chat .gq-marker"):
        assert len(_fonts(page, sel)) == 1, (sel, _fonts(page, sel))
    y0 = page.evaluate("window.scrollY")
    page.locator("#gq-chat .gq-answer .gq-marker").first.click()
    mark = page.locator("#gq-panel mark.gq-cited")
    mark.wait_for()
    page.wait_for_timeout(500)  # the smooth scroll a desktop does
    assert len(_fonts(page, "#gq-panel .gq-head .gq-title")) == 1
    close = page.locator("#gq-panel-col .gq-sheet-close")
    if where == "phone":
        # The page does not jump: the source opens over the chat as a sheet, its mark in view, with a close button.
        assert abs(page.evaluate("window.scrollY") - y0) <= 2
        sheet = page.locator("#gq-panel-col")
        assert sheet.evaluate("e => getComputedStyle(e).position") == "fixed"
        box = sheet.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= h + 1
        bar = page.locator("#gq-panel-col .gq-sheet-bar").bounding_box()
        m = mark.bounding_box()
        assert bar and m and bar["y"] + bar["height"] <= m["y"] < h  # the mark in view, not under the close bar
        if sheet.evaluate("e => e.scrollTop") == 0:  # the passage fits: its title line shows whole, below the bar
            head = page.locator("#gq-panel .gq-head").bounding_box()
            assert head and head["y"] >= bar["y"] + bar["height"] - 1
        assert close.is_visible()
        _shot(page, f"source-sheet-{where}-{scheme}", full_page=False)
        close.click()
        page.wait_for_function("() => document.querySelector('#gq-panel-col').getClientRects().length === 0")
        assert page.locator("#gq-chat .gq-answer").is_visible()
    else:
        assert not close.is_visible()  # beside the chat: nothing to close
        assert page.locator("#gq-panel-col").evaluate("e => getComputedStyle(e).position") != "fixed"


# ----------------------------------------------------------------------------------- items 7 and 8


@pytest.mark.parametrize("where,scheme", LOOKS)
def test_evaluate_tab_shows_results_only_after_a_run_and_the_report_fits_a_phone(page, served_url, tmp_path,
                                                                                 where, scheme):
    url, _ = served_url
    qfile = tmp_path / "qs.jsonl"
    qfile.write_text("\n".join(json.dumps(q) for q in [
        {"id": "financebench_id_00438", "question": "Where was the second summit held?", "reference_answer": "Hanoi",
         "reference_contexts": ["the historic second U.S.–North Korea leader-level summit meeting in Hanoi"],
         "source": "pursuing-stable-coexistence.txt"},
        {"id": "financebench_id_00439", "question": "Who won the 2022 FIFA World Cup?", "answerable": False}]) + "\n",
        encoding="utf-8")
    _look(page, where, scheme)
    page.goto(url, wait_until="load")
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#gq-eval-run").wait_for()
    # Before a run: the upload and the settings only.
    for sel in ("#gq-eval-summary", "#gq-eval-table", "#gq-eval-plots", "#gq-eval-files", "#gq-eval-detail"):
        assert not page.locator(sel).is_visible(), sel
    assert page.locator("#gq-eval-file").is_visible() and page.locator("#gq-eval-k").is_visible()
    # One toast per event: pressing Run twice without a file leaves one warning, not a stack.
    page.locator("#gq-eval-run").click()
    page.get_by_text("Upload a question file first").first.wait_for()
    page.locator("#gq-eval-run").click()
    page.wait_for_timeout(1200)
    assert page.locator(".toast-body:visible").count() == 1
    page.locator("#gq-eval-file input[type=file]").set_input_files(str(qfile))
    page.wait_for_timeout(500)
    page.locator("#gq-eval-run").click()
    link = page.locator("#gq-eval-status a.gq-report-link")
    link.wait_for(timeout=60_000)
    page.locator("#gq-eval-table").wait_for()
    page.wait_for_timeout(600)
    assert page.locator(".toast-body:visible").count() == 0  # the "no file" warning is gone after a good run
    assert page.locator("#gq-eval-summary").is_visible() and page.locator("#gq-eval-files").is_visible()
    # Ids never wrap mid-token ("financeb/ench_id_/00438"), in the page's font.
    ids = page.locator("#gq-eval-table .body-cell.first-column .text")
    assert ids.count() == 2
    for i in range(ids.count()):
        assert ids.nth(i).evaluate(WORDS_BROKEN) == []
        assert "mono" not in ids.nth(i).evaluate("e => getComputedStyle(e).fontFamily").lower()
    # The plots in a grid: the wide chart on its own row, the two histograms side by side on a desktop.
    plots = page.locator("#gq-eval-plots .gq-plot").evaluate_all(
        "ps => ps.map(p => { const b = p.getBoundingClientRect(); return [b.x, b.y, b.width]; })")
    assert len(plots) == 3
    (_, _, w0), (x1, y1, w1), (x2, y2, w2) = plots
    if where == "desktop":
        assert abs(y1 - y2) < 2 and abs(w1 - w2) < 2 and x2 > x1 and w0 > w1
    else:
        assert abs(x1 - x2) < 2 and y2 > y1 and abs(w1 - w2) < 2
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[where][0] + 2
    page.locator("#gq-eval-table .body-cell.first-column").first.click()
    page.locator("#gq-eval-detail .gq-eval-detail b").first.wait_for()
    assert len(_fonts(page, "#gq-eval-detail .gq-eval-detail b")) == 1
    assert page.locator("#gq-eval-detail .gq-eval-detail .gq-id").first.evaluate(WORDS_BROKEN) == []
    page.locator("#gq-eval-status").evaluate("e => window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 8)")
    _shot(page, f"evaluate-{where}-{scheme}")
    # The full report opens in a new tab as a page (text/html, inline), not as a download.
    with urllib.request.urlopen(link.evaluate("a => a.href"), timeout=10) as r:
        assert r.headers.get_content_type() == "text/html"
        assert "attachment" not in (r.headers.get("content-disposition") or "")
    with page.context.expect_page() as opened:
        link.click()
    phone = opened.value
    try:
        phone.wait_for_load_state("load")
        assert phone.locator("h1").inner_text() == "Evaluation report"
        # The HTML report at 390 px: no sideways scrolling, readable metric names, whole milliseconds.
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.wait_for_timeout(200)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 392
        summary = phone.locator("table.summary").inner_text()
        assert "False abstention rate" in summary and "Token F1" in summary
        assert "false_abstention_rate" not in summary and "n_questions" not in summary
        lat = phone.locator("table.summary tr", has_text="Latency p50 (ms)").locator("td").inner_text()
        assert re.fullmatch(r"[\d,]+", lat.strip()), lat
        if where == "desktop" and scheme == "light":
            _shot(phone, "report-phone")
    finally:
        phone.close()
