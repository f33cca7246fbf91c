"""Titles from the document (metadata, SEC cover page, earnings release, first heading) and example questions
from content, never from boilerplate (issue 22). Every PDF is drawn here with reportlab."""
from __future__ import annotations

from pathlib import Path

import pytest

from corpus.chunking import chunk_document
from corpus.loaders import load_file
from corpus.loaders.titles import document_title

reportlab = pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

COVER_10K = [
    "UNITED STATES",
    "SECURITIES AND EXCHANGE COMMISSION",
    "Washington, D.C. 20549",
    "FORM 10-K",
    "ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934",
    "For the fiscal year ended December 31, 2022",
    "Commission file number 1-3285",
    "3M COMPANY",
    "(Exact name of registrant as specified in its charter)",
    "Indicate by check mark whether the registrant is a shell company. Yes \u2610 No \u2612",
]
BODY_3M = ["3M Company is a diversified technology company. 3M Company sells products in many markets."]


def pdf(path: Path, pages: list[list[str]], title: str | None = None) -> Path:
    """A PDF with one line per string, top down, and optional /Title metadata."""
    c = canvas.Canvas(str(path), pagesize=letter)
    if title is not None:
        c.setTitle(title)
    for lines in pages:
        c.setFont("Helvetica", 10)
        for i, line in enumerate(lines):
            c.drawString(72, 720 - i * 16, line)
        c.showPage()
    c.save()
    return path


def assert_offsets_exact(doc) -> None:  # noqa: ANN001
    for p in chunk_document(doc):
        assert p.text == doc.text[p.start:p.end]


def test_title_of_a_10k_cover_page_not_its_accession_number(tmp_path: Path) -> None:
    doc = load_file(pdf(tmp_path / "filing.pdf", [COVER_10K, BODY_3M], title="0000066740-23-000014"))
    assert doc.title == "3M Company — Form 10-K, fiscal year ended December 31, 2022"
    assert_offsets_exact(doc)


def test_title_of_a_10q_cover_page_and_a_filing_service_label(tmp_path: Path) -> None:
    cover = ["UNITED STATES SECURITIES AND EXCHANGE COMMISSION", "FORM 10-Q",
             "For the quarterly period ended June 30, 2023", "Commission File No. 001-10362",
             "MGM Resorts International", "(Exact name of registrant as specified in its charter)"]
    # "10-Q - 08/02/2023 - MGM" names the filing date, not the period: the cover says more.
    doc = load_file(pdf(tmp_path / "q.pdf", [cover], title="10-Q - 08/02/2023 - MGM Resorts International"))
    assert doc.title == "MGM Resorts International — Form 10-Q, quarter ended June 30, 2023"


def test_meaningful_pdf_title_metadata_is_kept(tmp_path: Path) -> None:
    lines = ["Contents", "Our year in numbers", "We planted four hundred trees along the river banks."]
    doc = load_file(pdf(tmp_path / "review.pdf", [lines], title="Riverside Trust Annual Review 2023"))
    assert doc.title == "Riverside Trust Annual Review 2023"
    # Metadata that names no document falls back to the first real heading ("Contents" is not one).
    for junk in ("Microsoft Word - review_final.doc", "review.pdf", "0000764478-23-000041", "FORM 10-K", ""):
        assert load_file(pdf(tmp_path / "r2.pdf", [lines], title=junk)).title == "Our year in numbers", junk


def test_title_never_an_accession_number_bare_form_or_sec_letterhead(tmp_path: Path) -> None:
    f = tmp_path / "letter.txt"
    f.write_text("0000764478-23-000041\n\nUNITED STATES SECURITIES AND EXCHANGE COMMISSION\n\nFORM 10-K\n\n"
                 "Letter to Shareholders\n\nDear shareholders, the year went well.\n", encoding="utf-8")
    assert load_file(f).title == "Letter to Shareholders"


def test_title_of_an_earnings_release(tmp_path: Path) -> None:
    lines = ["FOR IMMEDIATE RELEASE", "MGM Resorts International Reports Fourth Quarter 2022 Financial Results",
             "LAS VEGAS, February 8, 2023 - MGM Resorts International (NYSE: MGM) today reported financial",
             "results for the quarter and year ended December 31, 2022."]
    doc = load_file(pdf(tmp_path / "ex99.pdf", [lines], title="Q4 2022 8-K - Exhibit 99.1"))
    assert doc.title == "MGM Resorts International — Exhibit 99.1, Q4 2022 earnings"
    plain = load_file(pdf(tmp_path / "release.pdf", [lines]))
    assert plain.title == "MGM Resorts International — Q4 2022 earnings release"


def test_johnson_and_johnson_keeps_its_ampersand(tmp_path: Path) -> None:
    cover = COVER_10K[:6] + ["Commission file number 1-3215", "JOHNSON & JOHNSON",
                             "(Exact name of registrant as specified in its charter)"]
    body = ["Johnson & Johnson is a holding company. Johnson & Johnson has three segments."]
    # The PDF producer dropped the "&" from the metadata ("Johnson  Johnson"); the text keeps it.
    doc = load_file(pdf(tmp_path / "jnj.pdf", [cover, body], title="Form 10-K for Johnson  Johnson filed 02/16/2023"))
    assert doc.title == "Johnson & Johnson — Form 10-K, fiscal year ended December 31, 2022"
    assert "Johnson & Johnson is a holding company." in doc.text
    assert_offsets_exact(doc)
    # Without a cover page, the gap in the metadata is filled from the document's own text.
    doc = load_file(pdf(tmp_path / "review.pdf", [body], title="Johnson  Johnson Annual Review"))
    assert doc.title == "Johnson & Johnson Annual Review"
    txt = tmp_path / "jj.txt"
    txt.write_text("Johnson & Johnson: Notes on R&D\n\nJohnson & Johnson spends on R&D.\n", encoding="utf-8")
    assert load_file(txt).title == "Johnson & Johnson: Notes on R&D"
    html = tmp_path / "jj.html"
    html.write_text("<title>Johnson &amp; Johnson Review</title><p>Johnson &amp; Johnson grew.</p>", encoding="utf-8")
    loaded = load_file(html)
    assert loaded.title == "Johnson & Johnson Review" and "Johnson & Johnson grew." in loaded.text


def test_document_title_rules_without_a_file() -> None:
    assert document_title("Form 10-K for Microsoft Corp filed 07/27/2023", "no cover here") == \
        "Form 10-K for Microsoft Corp filed 07/27/2023"  # a label beats nothing
    assert document_title(None, "UNITED STATES SECURITIES AND EXCHANGE COMMISSION\n\nFORM 8-K\n\nA Real Heading") == \
        "A Real Heading"  # no registrant on the cover: the first real heading
    assert document_title("0001018724-20-000004", "\n\nFORM 10-Q\n\n") is None


FILING = """UNITED STATES SECURITIES AND EXCHANGE COMMISSION
Washington, D.C. 20549
FORM 10-K
For the fiscal year ended December 31, 2022
Commission file number 1-1234
ACME WIDGETS, INC.
(Exact name of registrant as specified in its charter)

Emerging Growth Company \uf0a8

0000764478-23-000041

Cautionary Note Regarding Forward-Looking Statements

This report contains forward-looking statements about our plans.

Future acquisitions of rival firms

Expansion into Antarctic markets

PART I

Liquidity and Capital Resources

Acme Widgets, Inc. funds its operations from cash on hand.

Consolidated Statements of Cash Flows
Net income | 410 | 380
Net cash provided by operating activities | 1,234 | 1,100
Purchases of property and equipment | (300) | (250)

Exhibit Index

Certification of Chief Executive Officer

Acme Widgets, Inc. makes widgets. Acme Widgets, Inc. sells widgets worldwide.
"""


def test_examples_come_from_content_not_boilerplate(tmp_path: Path, fake_embedder) -> None:  # noqa: ANN001
    from app.api import GroundQA
    from app.web.ui.examples import corpus_examples, headings

    f = tmp_path / "docs" / "acme.txt"
    f.parent.mkdir()
    f.write_text(FILING, encoding="utf-8")
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([f])
    assert api.documents()[0].title == "Acme Widgets, Inc. — Form 10-K, fiscal year ended December 31, 2022"
    qs = corpus_examples(api)
    assert "What was Acme Widgets' net cash provided by operating activities in fiscal 2022?" in qs, qs
    assert "What does Acme Widgets say about liquidity and capital resources?" in qs, qs
    joined = " ".join(qs).lower()
    for boiler in ("forward", "acquisitions", "antarctic", "part i?", "emerging", "exhibit", "certification"):
        assert boiler not in joined, (boiler, qs)
    assert not any("0000764478" in q or any("\ue000" <= ch <= "\uf8ff" for ch in q) for q in qs), qs
    heads = headings(FILING)
    assert "Liquidity and Capital Resources" in heads
    assert not {"Future acquisitions of rival firms", "Expansion into Antarctic markets", "PART I"} & set(heads)
