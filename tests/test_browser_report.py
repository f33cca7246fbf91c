"""The eval report.html renders in a real browser: headless Debian chromium driven by Playwright."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.cli.evaluate import evaluate
from conftest import ROOT, shared_path

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        # A fresh profile per test: nothing carries over between runs.
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS,
            viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


def test_report_plots_render_in_chromium(fake_api, tmp_path, browser):
    questions = shared_path("eval-data", "seed-report", "questions.jsonl")
    summary, _ = evaluate(fake_api, questions, tmp_path / "run", progress=False)
    report = Path(summary.files["report.html"])
    assert report.exists()

    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri(), wait_until="load")
    page.wait_for_function("[...document.images].length > 0 && [...document.images].every(i => i.complete)")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "eval-report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    plots = page.eval_on_selector_all(
        "img.plot", "els => els.map(e => ({kind: e.dataset.plot, w: e.naturalWidth, h: e.naturalHeight}))")
    assert sorted(p["kind"] for p in plots) == ["confidence", "latency", "metrics"]
    for p in plots:
        assert p["w"] > 0 and p["h"] > 0, p
    assert page.locator("h1").inner_text() == "Evaluation report"
    assert page.locator("table").first.locator("tr").count() > 10  # the summary table
    assert errors == []
    page.close()
