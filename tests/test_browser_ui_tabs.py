"""Documents, Cite, Evaluate and the corpus examples in real Chromium (issue 15, items 7–10)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser



@pytest.fixture
def own_corpus_url(tmp_path, fake_embedder):
    """The app over a user's own two documents (not the sample)."""
    from app.api import GroundQA
    from app.web.server import BackgroundServer, make_app

    docs = tmp_path / "own"
    docs.mkdir()
    (docs / "orchards.txt").write_text(
        "Orchard Survey 2024\n\nGrafting methods\n\nApple trees in the Vale of Evesham are grafted in early spring "
        "onto dwarfing rootstock.\n\nPest control\n\nCodling moths are trapped with pheromone lures in June.\n",
        encoding="utf-8")
    (docs / "hives.txt").write_text("Hive Notes\n\nThe Buckfast Abbey bees winter in insulated hives. Buckfast Abbey "
                                    "keeps forty colonies.\n", encoding="utf-8")
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([docs])
    api.settings = api.settings.with_(threshold=0.0)
    srv = BackgroundServer(make_app(api))
    yield srv.url
    srv.stop()


def test_remove_asks_for_confirmation_and_cancel_keeps_the_document(page, served_url):
    url, api = served_url
    page.goto(url, wait_until="load")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#gq-docs").get_by_text("pursuing-stable-coexistence.txt").locator("visible=true").first.wait_for()
    page.locator("#gq-remove-which input").click()
    page.get_by_role("option").first.click()
    page.locator("#gq-remove").click()
    question = page.locator("#gq-remove-question")
    question.wait_for()
    assert "pursuing-stable-coexistence.txt" in question.text_content() and "Remove" in question.text_content()
    page.wait_for_timeout(500)
    assert len(api.documents()) == 1  # nothing removed until confirmed
    page.locator("#gq-remove-no").click()
    # No confirmation left on screen. (Gradio may briefly hold two copies of the group while it hides it, so
    # this waits for "none visible" rather than for one element to hide.)
    page.wait_for_function("() => ![...document.querySelectorAll('#gq-remove-confirm')]"
                           ".some(e => e.getClientRects().length > 0)")
    assert len(api.documents()) == 1
    page.locator("#gq-remove").click()
    page.locator("#gq-remove-yes").click()
    page.locator("#gq-docs-status", has_text="removed").wait_for()
    assert api.documents() == []
    assert page.locator("#gq-docs").is_visible()


def test_cite_enter_submits_and_a_malformed_id_says_so(page, served_url):
    url, api = served_url
    cid = api.ask("Where was the second summit held?").citations[0].citation
    page.goto(url, wait_until="load")
    page.get_by_role("tab", name="Cite").click()
    box = page.locator("#gq-cite-input textarea")
    box.fill(cid)
    box.press("Enter")
    page.locator("#gq-cite-panel mark.gq-cited").wait_for()
    assert page.locator("#gq-cite-panel mark.gq-cited").text_content() == api.cite(cid).text
    box.fill("abc-1-2")
    box.press("Enter")
    err = page.locator("#gq-cite-panel .gq-error")
    err.wait_for()
    assert "not a valid citation id" in err.text_content() and "ids look like" in err.text_content()
    assert "Not found" not in page.locator("#gq-cite-panel").text_content()


def test_cite_fuzzy_match_highlight_snaps_to_whole_words(page, served_url):
    url, _ = served_url
    page.goto(url, wait_until="load")
    page.get_by_role("tab", name="Cite").click()
    box = page.locator("#gq-cite-input textarea")
    box.fill("the salience of North Korea for U.S. interests in Northeast Asa")  # main marked "…Northeast As|ia"
    page.locator("#gq-cite-go").click()
    mark = page.locator("#gq-cite-panel mark.gq-cited")
    mark.wait_for()
    marked = mark.text_content()
    ctx = page.locator("#gq-cite-panel .gq-context").text_content()
    i = ctx.index(marked)
    assert not (ctx[i - 1:i].isalnum() and marked[:1].isalnum())
    assert not (marked[-1:].isalnum() and ctx[i + len(marked):i + len(marked) + 1].isalnum())


def test_evaluate_without_a_file_shows_a_toast_and_no_error_pill(page, served_url):
    url, _ = served_url
    page.goto(url, wait_until="load")
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#gq-eval-run").click()
    page.get_by_text("Upload a question file first").first.wait_for()
    page.wait_for_timeout(800)
    pills = page.locator(".error:visible, [data-testid='status-tracker'] .error")
    assert pills.count() == 0, [pills.nth(i).text_content() for i in range(pills.count())]


def test_examples_come_from_the_users_corpus_and_are_asked_when_clicked(page, own_corpus_url):
    page.goto(own_corpus_url, wait_until="load")
    chips = page.locator("#gq-examples-box .gq-example")
    chips.first.wait_for()
    texts = [chips.nth(i).text_content() for i in range(chips.count())]
    assert not any("North Korea" in t or "summit" in t for t in texts), texts
    assert any("grafting" in t.lower() or "Buckfast Abbey" in t for t in texts), texts
    chips.first.click()
    page.locator("#gq-chat [data-testid='user']", has_text=texts[0][:20]).wait_for()
    page.locator("#gq-chat .gq-sources, #gq-chat .gq-abstain").first.wait_for()
    assert "own" in page.locator("#gq-header-box").text_content() or "2 documents" in page.locator(
        "#gq-header-box").text_content()


def test_sample_examples_only_while_the_sample_is_indexed(page, served_url):
    url, _ = served_url
    page.goto(url, wait_until="load")
    chips = page.locator("#gq-examples-box .gq-example")
    chips.first.wait_for()
    assert any("summit" in chips.nth(i).text_content() for i in range(chips.count()))
    assert "Sample report" in page.locator("#gq-header-box").text_content()


def test_evaluate_run_links_the_full_report_and_headers_are_whole_words(page, served_url, tmp_path):
    import json
    import urllib.request

    url, _ = served_url
    qfile = tmp_path / "qs.jsonl"
    qfile.write_text("\n".join(json.dumps(q) for q in [
        {"id": "q1", "question": "Where was the second summit held?", "reference_answer": "Hanoi"},
        {"id": "q2", "question": "Who won the 2022 FIFA World Cup?", "answerable": False}]) + "\n", encoding="utf-8")
    page.goto(url, wait_until="load")
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#gq-eval-file input[type=file]").set_input_files(str(qfile))
    page.wait_for_timeout(500)
    page.locator("#gq-eval-run").click()
    link = page.locator("#gq-eval-status a.gq-report-link")
    link.wait_for(timeout=60_000)
    href = link.evaluate("a => a.href")
    with urllib.request.urlopen(href, timeout=10) as r:
        assert r.status == 200 and b"<html" in r.read(2000).lower()
    from pathlib import Path

    shots = Path(__file__).parent / "artifacts"
    shots.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "evaluate-run.png"), full_page=True)
    # every column header shows its whole name on one line (no "answerab/le")
    heads = page.locator("#gq-eval-table th")
    for i in range(heads.count()):
        assert heads.nth(i).evaluate("h => { const s = h.querySelector('span') || h; "
                                     "return s.scrollWidth <= s.clientWidth + 1 && s.getClientRects().length <= 1; }")


def test_table_stays_visible_greyed_while_reindexing_and_shows_per_file_status(page, served_url):
    import time

    url, api = served_url
    real_index = api.index

    def slow_index(*args, **kwargs):
        time.sleep(3)
        return real_index(*args, **kwargs)

    api.index = slow_index
    page.goto(url, wait_until="load")
    page.get_by_role("tab", name="Documents").click()
    table = page.locator("#gq-docs")
    table.get_by_text("pursuing-stable-coexistence.txt").locator("visible=true").first.wait_for()
    assert table.get_by_text("indexed", exact=True).locator("visible=true").count() == 1  # the Status column
    page.locator("#gq-reindex").click()
    page.wait_for_function("() => document.querySelector('#gq-docs').classList.contains('gq-busy')", timeout=2000)
    assert table.is_visible()
    assert table.get_by_text("pursuing-stable-coexistence.txt").locator("visible=true").count() >= 1
    page.locator("#gq-docs-status .gq-status").wait_for(timeout=20_000)
    page.wait_for_function("() => !document.querySelector('#gq-docs').classList.contains('gq-busy')", timeout=5000)
