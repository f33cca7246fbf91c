"""Uploading many files in the browser: one bar at the top of the Documents tab that only moves forward, the
file count throughout, the table and header following each file as it is read, one document count."""
from __future__ import annotations

import re
import time

import pytest

from tests.badinputs import make_pdf

pytestmark = pytest.mark.browser

_BAR = """() => {
    const box = document.querySelector('#gq-docs-status');
    const table = document.querySelector('#gq-docs');
    const texts = Array.from(document.querySelectorAll('.progress-text, .progress-level, .eta-bar'))
        .filter(e => e.offsetParent !== null).map(e => (e.textContent || '').trim());
    const shown = box ? box.getBoundingClientRect() : null;
    return {texts: texts, top: shown ? shown.top : null, tableTop: table ? table.getBoundingClientRect().top : null,
            viewport: window.innerHeight, table: table ? table.innerText : '',
            header: (document.querySelector('#gq-corpus') || {}).textContent || ''};
}"""


@pytest.fixture
def slow_app_url(fake_api, monkeypatch):
    """The app over the sample index; small embedding batches that each take 0.4 s, so an upload's progress
    moves in many steps that can be watched."""
    import index.unit_vectors as uv
    from app.web.server import BackgroundServer, make_app
    from index.embed import FakeEmbedder

    class SlowFake(FakeEmbedder):
        def encode(self, texts, batch_size=32):
            time.sleep(0.4)
            return super().encode(texts, batch_size)

    monkeypatch.setattr(uv, "_PENDING", 6)
    fake_api._embedder = SlowFake(64)
    srv = BackgroundServer(make_app(fake_api))
    yield srv.url
    srv.stop()


def _files(tmp_path, n: int) -> list[str]:
    out = []
    for i in range(n):
        f = tmp_path / f"field-report-{i:02d}.pdf"
        f.write_bytes(make_pdf([[f"Report {i} page {p}: the survey team counted {i * 10 + p} herons at pond {p}.",
                                 f"Water levels at pond {p} rose by {p + i} centimetres during week {i}."]
                                for p in range(1, 4)]))
        out.append(str(f))
    return out


def test_many_files_upload_shows_one_forward_only_bar_at_the_top_with_live_table(page, slow_app_url, tmp_path):
    files = _files(tmp_path, 8)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(slow_app_url, wait_until="load")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#gq-docs", has_text="pursuing-stable-coexistence.txt").wait_for()
    time.sleep(1.0)
    page.locator("#gq-upload input[type=file]").set_input_files(files)
    looks = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        look = page.evaluate(_BAR)
        if look["texts"]:
            looks.append(look)
        if "added" in page.locator("#gq-docs-status").inner_text():
            break
        time.sleep(0.15)
    assert len(looks) >= 5, looks
    texts = [t for look in looks for t in look["texts"] if "%" in t]  # Gradio: "<what the bar says> - 46.6%"
    shares = [float(m.group(1)) for t in texts if (m := re.search(r"([\d.]+)\s*%\s*$", t))]
    assert len(shares) >= 5 and shares == sorted(shares), shares  # the percentage never goes back
    assert all("0.0/s" not in t for t in texts)
    job = [t for t in texts if not t.startswith(("Starting", "Checking"))]
    assert job and all(re.search(r"\b\d+/8 files\b|\b8 files read\b", t) for t in job), job  # the file count
    assert any("left" in t for t in texts), texts  # a time left once a tenth is done
    # The bar is at the top of the tab, in view, above the (long) list.
    assert all(look["top"] is not None and 0 <= look["top"] < look["viewport"] and look["top"] < look["tableTop"]
               for look in looks), looks[-1]
    # The table and the header follow the files as they are read.
    assert any("read — being indexed" in look["table"] and "waiting" in look["table"] for look in looks)
    assert any(re.search(r"indexing: [1-7]/8 files read", look["header"]) for look in looks), [
        look["header"] for look in looks]
    # Done: one document count everywhere (the 8 reports beside the sample report this index already held).
    status = page.locator("#gq-docs-status").inner_text()
    page.locator("#gq-corpus", has_text="9 documents").wait_for()
    assert "9 documents" in status and "8 added" in status, status
    assert page.locator("#gq-docs tr.gq-doc-row").count() == 9
    assert "waiting" not in page.locator("#gq-docs").inner_text()  # the pending rows gave way to the documents
