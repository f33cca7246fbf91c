"""Columns read right (#32): header reconstruction for tables drawn as filings and releases set them — a
reconciliation table printed without a header row, years carrying a unit ("2022 tonnes"), period groups,
dates split over two lines — Markdown pipe tables, and rows whose cells cannot be placed. PDFs are drawn here
with reportlab; DOCX with python-docx."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from corpus.loaders import load_file
from corpus.structure import Sections
from corpus.tables import row_view, table_at

reportlab = pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

ROWS2 = [("Net income", "1,048", "805"), ("Interest expense, net", "290", "155"), ("Income tax expense", "193", "300"),
         ("Depreciation and amortization", "569", "613"), ("Adjusted EBITDA", "2,117", "2,018")]


def _pdf(path: Path, title: str, header: list[list[tuple[float, str]]], rows: list[tuple[str, ...]],
         cols: tuple[float, ...]) -> Path:
    c = canvas.Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica", 9)
    y = 720
    c.drawString(72, y, title)
    y -= 14
    c.drawString(72, y, "The table below reconciles net income to Adjusted EBITDA, a measure management uses.")
    y -= 20
    for line in header:
        for x, t in line:
            c.drawRightString(x, y, t)
        y -= 11
    y -= 3
    for label, *vals in rows:
        c.drawString(72, y, label)
        for x, t in zip(cols, vals):
            c.drawRightString(x, y, t)
        y -= 12
    c.drawString(72, y - 20, "Adjusted EBITDA is a non-GAAP measure and should be read with the financial statements.")
    c.showPage()
    c.save()
    return path


def _labels(text: str, label: str) -> list[str]:
    t = table_at(text, text.rindex(label + " |"))
    assert t is not None
    return [t.column_label(j) for j in range(len(t.columns))]


def test_blank_header_reconciliation_table_gets_its_column_labels(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """No header row at all: the caption names the years, and each column gets its period and year."""
    docs = tmp_path / "docs"
    docs.mkdir()
    _pdf(docs / "amcor-like.pdf", "Reconciliation of Net Income to Adjusted EBITDA for the years ended June 30, "
         "2023 and 2022", [], ROWS2, (400, 470))
    text = load_file(docs / "amcor-like.pdf").text
    assert _labels(text, "Adjusted EBITDA") == ["years ended June 30, 2023", "years ended June 30, 2022"]
    idx = tmp_path / "idx"
    assert main(["index", str(docs), "--index", str(idx), "--model", "fake"]) == 0
    capsys.readouterr()
    assert main(["ask", "What was Adjusted EBITDA for the year ended June 30, 2022?", "--index", str(idx),
                 "--json", "--threshold", "0"]) == 0
    ans = json.loads(capsys.readouterr().out)
    assert ans["answer"] == "Adjusted EBITDA, years ended June 30, 2022: 2,018 [1]", ans["answer"]
    assert ans["citations"][0]["table"]["headers"] == ["years ended June 30, 2023", "years ended June 30, 2022"]


@pytest.mark.parametrize("name,header,cols,want", [
    ("split dates", [[(400, "June 30,"), (470, "June 30,")], [(400, "2023"), (470, "2022")]], (400, 470),
     ["June 30, 2023", "June 30, 2022"]),
    ("week groups", [[(365, "13 Weeks Ended"), (505, "52 Weeks Ended")],
                     [(330, "January 28,"), (400, "January 29,"), (470, "January 28,"), (540, "January 29,")],
                     [(330, "2023"), (400, "2022"), (470, "2023"), (540, "2022")]], (330, 400, 470, 540),
     ["13 Weeks Ended January 28, 2023", "13 Weeks Ended January 29, 2022", "52 Weeks Ended January 28, 2023",
      "52 Weeks Ended January 29, 2022"]),
    ("quarters and year to date", [[(330, "Q1"), (400, "Q2"), (470, "SIX MONTHS"), (540, "Q3")]],
     (330, 400, 470, 540), ["Q1", "Q2", "SIX MONTHS", "Q3"]),
    ("years with a unit", [[(400, "2022 tonnes"), (470, "2021 tonnes")]], (400, 470), ["2022 tonnes", "2021 tonnes"]),
])
def test_header_shapes_give_one_label_per_column(tmp_path: Path, name: str, header, cols, want) -> None:  # noqa: ANN001
    rows = [(label, *vals[:len(cols)]) for label, *vals in
            [("Net income", "402", "380", "1,530", "1,410"), ("Adjusted EBITDA", "609", "540", "2,117", "2,018")]]
    text = load_file(_pdf(tmp_path / "t.pdf", "Reconciliation of Net Income to Adjusted EBITDA", header, rows,
                          cols)).text
    assert _labels(text, "Adjusted EBITDA") == want
    secs = Sections(text)
    row = text.rindex("Adjusted EBITDA |")
    assert secs.at(row) == "Reconciliation of Net Income to Adjusted EBITDA", secs.at(row)  # no header text


def test_docx_table_with_a_blank_corner_and_unit_headers(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("Fruit harvested by the cooperative, in tonnes, for the last two seasons.")
    t = d.add_table(rows=3, cols=3)
    for r, vals in enumerate([("", "2022 tonnes", "2021 tonnes"), ("Pears", "4,100", "2,900"),
                              ("Apples", "7,300", "6,800")]):
        for c, v in enumerate(vals):
            t.cell(r, c).text = v
    d.save(str(tmp_path / "fruit.docx"))
    text = load_file(tmp_path / "fruit.docx").text
    view = row_view(text, text.index("Pears |") + len("Pears | 4,100 | 2,900"), 0)
    assert view is not None and view.columns == ("2022 tonnes", "2021 tonnes") and view.cells == ("4,100", "2,900")
    assert not view.note


def test_markdown_pipe_tables_read_as_rows(tmp_path: Path) -> None:
    md = tmp_path / "grants.md"
    md.write_text("# Parish council grants\n\nGrants paid by the parish council, in pounds.\n\n"
                  "| Item | 2023 | 2022 |\n|------|-----:|-----:|\n| Support income | 75 | 60 |\n"
                  "| Hall repairs | 1,200 | 900 |\n", encoding="utf-8")
    text = load_file(md).text
    t = table_at(text, text.index("Hall repairs"))
    assert [t.column_label(j) for j in range(2)] == ["2023", "2022"]
    row = t.row_at(text.index("Support income"))
    assert row.label.text == "Support income" and [c.text for c in row.cells] == ["75", "60"]
    assert all(text[c.start:c.end] == c.text for c in row.cells)  # still verbatim spans, without the pipes
    assert not any(c.text.startswith("-") for r in t.rows for c in r.cells)  # the rule line is no row


def test_a_row_whose_cells_cannot_be_placed_says_so() -> None:
    text = ("Segment results\n(Millions) | 2023 | 2022 | 2021\nNet sales | 100 | 90 | 80\n"
            "Operating income | 12 | 11\nTotal assets | 400 | 380 | 360\n")
    end = text.index("Operating income") + len("Operating income | 12 | 11")
    view = row_view(text, end)
    assert view is not None and view.columns == () and view.cells == ("12", "11")
    assert "cannot be told" in view.note and "2 cells under 3 column labels" in view.note
    assert "cannot be told" in view.to_text() and view.to_json()["note"] == view.note
    ok = row_view(text, text.index("Net sales") + len("Net sales | 100 | 90 | 80"))
    assert ok.columns == ("2023", "2022", "2021") and "note" not in ok.to_json()


def test_no_section_or_example_question_holds_header_text(tmp_path: Path, fake_embedder) -> None:  # noqa: ANN001
    from app.api import GroundQA
    from app.web.ui.examples import corpus_examples

    docs = tmp_path / "docs"
    docs.mkdir()
    _pdf(docs / "release.pdf", "Reconciliation of Net Income to Adjusted EBITDA",
         [[(365, "13 Weeks Ended"), (505, "52 Weeks Ended")],
          [(330, "January 28,"), (400, "January 29,"), (470, "January 28,"), (540, "January 29,")],
          [(330, "2023"), (400, "2022"), (470, "2023"), (540, "2022")]],
         [("Net income", "402", "380", "1,530", "1,410"), ("Adjusted EBITDA", "609", "540", "2,117", "2,018")],
         (330, 400, 470, 540))
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([docs])
    header_words = ("Weeks Ended", "January 28", "January 29")
    for ex in api.search("Adjusted EBITDA 52 weeks", k=5):
        assert not any(w in ex.section for w in header_words), ex.section
    for q in corpus_examples(api):
        assert not any(w in q for w in header_words), q
