"""The source panel (issue 35): the whole cited page, and the page before or after on request (one each way), the
reader's place kept by the client script; a document without pages counts 3,000 characters as a page."""
from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

from index.resolve import UNPAGED_PAGE_CHARS


@pytest.fixture
def filings(tmp_path, fake_embedder):
    """(api, the dredging answer's citation id, its document's text) over the reading-room corpus."""
    pytest.importorskip("reportlab")
    sys.path.insert(0, str(Path(__file__).parent))
    from index.citations import make_citation_id
    from reading_room_corpus import DREDGE_ANSWER, indexed_corpus

    api = indexed_corpus(tmp_path, fake_embedder)
    doc = next(d for d in api.documents() if d.path.endswith("northwind_10k.pdf"))
    text = api.doc_text(doc.doc_id)
    start = text.index(DREDGE_ANSWER)
    return api, make_citation_id(doc.doc_id, start, start + len(DREDGE_ANSWER)), text


def _pages(api, cid: str) -> list[int]:
    return list(api.loaded().find_document_by_prefix(cid.split("-")[0]).doc.page_starts)


def test_the_panel_shows_the_whole_cited_page_and_offers_its_neighbours(filings) -> None:
    from app.web.ui.cite import citation_panel

    api, cid, _ = filings
    starts = _pages(api, cid)
    res = api.cite(cid, context=800, pages_around=(0, 0))
    first = res.start - len(res.before)
    last = res.end + len(res.after)
    assert res.pages == (2, 2)
    assert first <= starts[1] and last >= starts[2] - 1  # page 2 whole (and at least 800 characters each side)
    assert last < starts[2] + 900
    res1 = api.cite(cid, context=800, pages_around=(1, 1))
    assert res1.start - len(res1.before) == 0 and res1.end + len(res1.after) >= starts[3] - 1  # pages 1–3
    panel = html.unescape(citation_panel(api, cid))
    buttons = dict(re.findall(r'class="gq-more gq-more-(before|after)" value="([^"]+)"', panel))
    assert buttons == {"before": f"{cid} 1 0", "after": f"{cid} 0 1"}
    assert "↑ Show p. 1" in panel and "↓ Show p. 3" in panel
    wider = html.unescape(citation_panel(api, cid, (1, 1)))
    assert "gq-more" not in wider  # one page each way at most
    assert "gq-more" not in citation_panel(api, cid, more=False)  # the Cite tab has no opener to load more


def test_open_source_reads_the_pages_a_more_button_sends(filings) -> None:
    from app.web.ui.chat import open_source

    api, cid, _ = filings
    assert "gq-more-after" in open_source(api, f"{cid} 1733412345")  # a marker or a card: the cited page
    after = html.unescape(open_source(api, f"{cid} 0 1 1733412345"))
    assert "gq-more-after" not in after and "gq-more-before" in after
    assert open_source(api, f"{cid} 99999 0 1") is not None  # absurd page counts are clamped, not refused


def test_a_document_without_pages_counts_a_page_of_characters(tmp_path, fake_embedder) -> None:
    from app.api import GroundQA
    from index.citations import make_citation_id

    body = " ".join(f"Sentence number {i} of the long report." for i in range(1200))
    f = tmp_path / "docs" / "long.txt"
    f.parent.mkdir()
    f.write_text("Long Report\n\n" + body + "\n", encoding="utf-8")
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([f])
    doc = api.documents()[0]
    text = api.doc_text(doc.doc_id)
    start = text.index("Sentence number 600 ")
    cid = make_citation_id(doc.doc_id, start, start + 40)
    near = api.cite(cid, context=800, pages_around=(0, 0))
    wide = api.cite(cid, context=800, pages_around=(1, 1))
    assert 780 <= len(near.before) <= 840 and 780 <= len(near.after) <= 840
    assert len(wide.before) - len(near.before) == pytest.approx(UNPAGED_PAGE_CHARS, abs=45)
    plain = api.cite(cid, context=300)  # without pages asked for: the context is what it always was
    assert 280 <= len(plain.before) <= 300 and 280 <= len(plain.after) <= 340
