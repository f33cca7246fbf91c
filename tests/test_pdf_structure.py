"""Reading real reports: PDF reflow, headers/footers, columns, tables as rows, headings, encryption, OCR.

Every PDF is drawn here with reportlab (or encrypted with pypdf); no report file is copied into the repo.
"""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from app.cli import main
from corpus.chunking import chunk_document
from corpus.loaders import load_file
from corpus.sentences import sentence_spans
from corpus.structure import Sections, is_fragment, is_heading_line

reportlab = pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

WRAPPED = [  # one paragraph, hard-wrapped at the margin as a typesetter would
    "The Company recorded net sales of 4.2 billion dollars in the fiscal year, an increase of",
    "seven percent over the prior year, driven by strong demand for its adhesive products and",
    "the favourable effect of price increases across all of its geographic regions worldwide.",
]


def draw(path: Path, pages: list[list[tuple[float, float, str]]], size: float = 10,
         header: str | None = None, footer: bool = False) -> Path:
    """A PDF whose pages hold (x, y, text) strings, optionally with a running header and page-number footer."""
    c = canvas.Canvas(str(path), pagesize=letter)
    for n, items in enumerate(pages, start=1):
        c.setFont("Helvetica", size)
        if header:
            c.drawString(72, 760, header)
        for x, y, text in items:
            c.drawString(x, y, text)
        if footer:
            c.drawString(300, 40, str(n))
        c.showPage()
    c.save()
    return path


def lines_at(lines: list[str], x: float = 72, top: float = 700, lead: float = 12) -> list[tuple[float, float, str]]:
    return [(x, top - i * lead, ln) for i, ln in enumerate(lines)]


def test_hard_wrapped_paragraph_is_one_sentence(tmp_path: Path) -> None:
    doc = load_file(draw(tmp_path / "wrap.pdf", [lines_at(WRAPPED)]))
    spans = sentence_spans(doc.text)
    sentence = " ".join(WRAPPED)
    assert [doc.text[s:e] for s, e in spans] == [sentence]
    (s, e), = spans
    assert (s, e) == (doc.text.index("The Company"), len(doc.text))
    for p in chunk_document(doc):
        assert p.text == doc.text[p.start:p.end]


def test_line_break_hyphenation_joined(tmp_path: Path) -> None:
    lines = ["Operating income rose because the segment benefited from higher volumes and the exam-",
             "ple of cost reductions that management put in place during the first half of the year."]
    doc = load_file(draw(tmp_path / "hy.pdf", [lines_at(lines)]))
    assert "the example of cost reductions" in doc.text and "\n" not in doc.text


def test_running_header_and_page_numbers_left_out(tmp_path: Path) -> None:
    pages = [lines_at([f"Page body number {n} says something distinct about topic {n}."]) for n in range(1, 7)]
    doc = load_file(draw(tmp_path / "hf.pdf", pages, header="ACME Corporation | Annual Report 2024", footer=True))
    assert "ACME Corporation" not in doc.text
    assert all(line.strip() not in {str(n) for n in range(1, 7)} for line in doc.text.split("\n"))
    assert "Page body number 4 says something distinct about topic 4." in doc.text
    assert len(doc.page_starts) == 6 and doc.page_of(doc.text.index("topic 4")) == 4
    for p in chunk_document(doc):
        assert "ACME" not in p.text


def test_two_column_page_reads_column_by_column(tmp_path: Path) -> None:
    left = [f"Left column line {i} tells the first story here" for i in range(10)]
    right = [f"Right column line {i} tells another story there" for i in range(10)]
    items = lines_at(left, x=50) + lines_at(right, x=330)
    doc = load_file(draw(tmp_path / "cols.pdf", [items], size=9))
    text = doc.text
    assert text.index("Left column line 9") < text.index("Right column line 0")
    assert "story here Right" not in text and "story here\nRight" not in text


def _table_pdf(path: Path) -> Path:
    rows = [("(Millions)", "2018", "2017", "2016"),
            ("Net sales", "32,765", "31,657", "29,999"),
            ("Purchases of property, plant and equipment (PP&E)", "(1,577)", "(1,373)", "(1,420)"),
            ("Proceeds from sale of PP&E and other assets", "262", "49", "58")]
    items: list[tuple[float, float, str]] = [(72, 720, "Consolidated Statement of Cash Flows"),
                                             (72, 700, "The table below shows selected cash flow figures for the years shown.")]
    for i, row in enumerate(rows):
        y = 670 - i * 14
        items.append((72, y, row[0]))
        for j, cell in enumerate(row[1:]):
            items.append((360 + j * 70, y, cell))
    return draw(path, [items])


def test_table_rows_keep_label_and_headers(tmp_path: Path) -> None:
    doc = load_file(_table_pdf(tmp_path / "cf.pdf"))
    lines = doc.text.split("\n")
    assert "(Millions) | 2018 | 2017 | 2016" in lines
    row = "Purchases of property, plant and equipment (PP&E) | (1,577) | (1,373) | (1,420)"
    assert row in lines
    i = doc.text.index(row)
    assert (i, i + len(row)) in sentence_spans(doc.text)  # a row is one citable unit
    assert lines.index("(Millions) | 2018 | 2017 | 2016") < lines.index(row)  # header line first
    assert is_fragment("(Millions) | 2018 | 2017 | 2016") and not is_fragment(row)


def test_table_row_cited_and_resolved_by_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    _table_pdf(docs / "cf.pdf")
    idx = tmp_path / "idx"
    assert main(["index", str(docs), "--index", str(idx), "--model", "fake"]) == 0
    capsys.readouterr()
    assert main(["ask", "What were the purchases of property, plant and equipment (PP&E) in 2018?",
                 "--index", str(idx), "--json", "--threshold", "0"]) == 0
    ans = json.loads(capsys.readouterr().out)
    assert not ans["abstained"] and ans["outcome"] == "answered"
    # a figure question is answered from the cell under its column's header (app/answer/cells.py)
    assert ans["answer"] == "Purchases of property, plant and equipment (PP&E), 2018: (1,577) [1]"
    cited = ans["citations"][0]
    assert cited["text"].startswith("(Millions) | 2018 | 2017 | 2016\n")
    assert cited["text"].endswith("Purchases of property, plant and equipment (PP&E) | (1,577) | (1,373) | (1,420)")
    assert cited["table"] == {"headers": ["2018", "2017", "2016"], "column": 0,
                              "label": "Purchases of property, plant and equipment (PP&E)",
                              "cells": ["(1,577)", "(1,373)", "(1,420)"]}
    assert "section" in cited and cited["section"] == "Consolidated Statement of Cash Flows"
    assert main(["cite", cited["citation"], "--index", str(idx), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["text"] == cited["text"] and res["table"]["headers"] == ["2018", "2017", "2016"]


def test_heading_is_never_the_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "r.md").write_text("# Annual Report\n\n## Fiscal 2023 Outlook\n\nFor fiscal 2023 the company expects "
                               "net sales between 10.1 and 10.2 billion dollars.\n", encoding="utf-8")
    idx = tmp_path / "idx"
    assert main(["index", str(docs), "--index", str(idx), "--model", "fake"]) == 0
    capsys.readouterr()
    assert main(["ask", "What is the Fiscal 2023 Outlook?", "--index", str(idx), "--json", "--threshold", "0"]) == 0
    ans = json.loads(capsys.readouterr().out)
    assert not ans["abstained"]
    assert ans["segments"][0]["text"].startswith("For fiscal 2023 the company expects")
    assert ans["citations"][0]["section"] == "Annual Report › Fiscal 2023 Outlook"


@pytest.mark.parametrize("line, fragment", [
    ("Fiscal 2023 Outlook", True),
    ("ITEM 7 | Management's Discussion and Analysis | 25", True),
    ("Item 7. Management's Discussion and Analysis of Financial Condition", True),
    ("Results of Operations .......... 27", True),
    ("(NASDAQ: ULTA)", True),
    ("Net sales increased 7% to 4.2 billion dollars in fiscal 2022.", False),
    ("Net revenue growth | 10.2%", False),
])
def test_fragments(line: str, fragment: bool) -> None:
    assert is_fragment(line) is fragment


def test_section_paths() -> None:
    text = ("PART II\n\nItem 7. Management's Discussion and Analysis\n\nResults of Operations\n\n"
            "Sales grew 5% in the year.\n\nLiquidity\n\nCash was ample.")
    s = Sections(text)
    assert s.at(text.index("Sales grew")) == "PART II › Item 7. Management's Discussion and Analysis › Results of Operations"
    assert s.at(text.index("Cash was")).endswith("› Liquidity")
    assert is_heading_line("Item 7. Management's Discussion and Analysis") == 1
    assert is_heading_line("Sales grew 5% in the year.") is None


def _aes_pdf(path: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    src = tmp = io.BytesIO()
    c = canvas.Canvas(tmp, pagesize=letter)
    c.setFont("Helvetica", 10)
    c.drawString(72, 700, "The encrypted filing reports a quarterly dividend of 1.50 dollars per share.")
    c.showPage()
    c.save()
    w = PdfWriter(clone_from=PdfReader(io.BytesIO(src.getvalue())))
    # Owner password only (empty user password), AES-256: what many SEC filings carry.
    w.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-256")
    with open(path, "wb") as f:
        w.write(f)
    assert PdfReader(str(path)).is_encrypted
    return path


def memo_image(text: str):  # noqa: ANN201 - a PIL image
    """A line of black text on white, as a scanner would see it (for OCR tests)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1700, 400), 255)
    d = ImageDraw.Draw(img)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 40)
    except OSError:
        font = ImageFont.load_default(size=40)
    d.text((60, 150), text, fill=0, font=font)
    return img


def _scanned_pdf(path: Path) -> Path:
    memo_image("The scanned memo says the warehouse opened in Denver.").save(path, "PDF", resolution=200.0)
    return path


def test_aes_encrypted_pdf_indexes_and_is_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    _aes_pdf(docs / "filing.pdf")
    idx = tmp_path / "idx"
    assert main(["index", str(docs), "--index", str(idx), "--model", "fake"]) == 0
    assert "skipped" not in capsys.readouterr().out.lower()
    assert main(["search", "quarterly dividend per share", "--index", str(idx), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert "quarterly dividend of 1.50 dollars" in hits[0]["text"] and hits[0]["ocr"] is False


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr not installed")
def test_scanned_page_is_ocred_and_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    _scanned_pdf(docs / "scan.pdf")
    doc = load_file(docs / "scan.pdf")
    assert doc.ocr_pages == (1,) and "warehouse opened in Denver" in doc.text
    idx = tmp_path / "idx"
    assert main(["index", str(docs), "--index", str(idx), "--model", "fake"]) == 0
    capsys.readouterr()
    assert main(["search", "warehouse Denver", "--index", str(idx), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert "warehouse opened in Denver" in hits[0]["text"] and hits[0]["ocr"] is True
    assert main(["search", "warehouse Denver", "--index", str(idx)]) == 0
    assert "OCR" in capsys.readouterr().out
