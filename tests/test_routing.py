"""Document routing: a question that names a document by its file name or title is answered from it
(index/routing.py), and table rows carry what they are about (caption, row group) into retrieval."""
from __future__ import annotations

from pathlib import Path

import pytest

from corpus.structure import Sections, headings
from index.routing import DocumentRouter, name_tokens

DOCS = [("a", "/d/3M_2018_10K.pdf", "10-K - 02/07/2019 - 3M Company"),
        ("b", "/d/3M_2022_10K.pdf", "3M 2022 annual report"),
        ("c", "/d/ACTIVISIONBLIZZARD_2019_10K.pdf", "ACTIVISIONBLIZZARD 2019 10K"),
        ("d", "/d/MGMRESORTS_2023Q2_10Q.pdf", "0000789570-23-000019"),
        ("e", "/d/NETFLIX_2017_10K.pdf", "0001065280-18-000069"),
        ("f", "/d/AMCOR_2023Q2_10Q.pdf", "SECURITIES AND EXCHANGE COMMISSION"),
        ("g", "/d/PFIZER_2021_10K.pdf", "Pfizer 2021 Form 10-K"),
        ("h", "/d/COSTCO_2021_10K.pdf", "")]


def _router(common_words: set[str] = frozenset()) -> DocumentRouter:
    # `uses`: the test's stand-in for "how many passages of each document use this word": a common word is
    # used alike in every document, a name in no passage at all (it lives only in file names).
    return DocumentRouter(DOCS, uses=lambda t: {d: 3 for d, _, _ in DOCS} if t in common_words else {})


def test_name_tokens_split_runs_and_years() -> None:
    assert name_tokens("3M_2018_10K") == {"3m", "2018", "10k"}
    assert "2023" in name_tokens("AMCOR_2023Q2_10Q") and "0000789570" not in name_tokens("0000789570-23")


@pytest.mark.parametrize("question, named", [
    ("What is the FY2018 capital expenditure amount for 3M?", {"a"}),  # the year picks one of two 3M filings
    ("Is 3M a capital-intensive business based on FY2022 data?", {"b"}),
    ("What is the fixed asset turnover ratio for Activision Blizzard?", {"c"}),  # two words spell one name
    ("Which debt did MGM invest in during H1 FY2023?", {"d"}),  # a capitalised start of a name
    ("What is the net profit margin in 2017?", set()),  # "net" is no name; a year alone names nothing
    ("What are three main companies acquired by Pfizer?", {"g"}),
    ("How did revenue grow?", set()),
])
def test_questions_name_documents(question: str, named: set[str]) -> None:
    assert set(_router().route(question)) == named


def test_a_title_word_that_many_texts_use_names_nothing() -> None:
    q = "Which debt securities are registered on a national securities exchange?"
    assert set(_router().route(q)) == {"f"}  # without the text check, a form header would name AMCOR
    assert _router({"securities", "exchange"}).route(q) == {}


def test_the_naming_words_leave_the_query_used_inside_the_document() -> None:
    r = _router()
    q = "Were there events that are not in Pfizer's standard business operations in FY2021?"
    assert r.without_names(q, r.route(q)) == "Were there events that are not in standard business operations in FY2021?"
    q2 = "What is the fixed asset turnover ratio for Activision Blizzard?"
    assert r.without_names(q2, r.route(q2)) == "What is the fixed asset turnover ratio for ?"


def test_a_name_mostly_used_in_its_own_document_still_names_it() -> None:
    # "Amazon" appears in Netflix's and Costco's filings too, but most of its uses are in Amazon's 10-K.
    docs = DOCS + [("z", "/d/AMAZON_2019_10K.pdf", "")]
    uses = {"amazon": {"z": 40, "e": 3, "h": 2}, "respiratory": {"z": 1, "e": 6, "h": 5}}
    r = DocumentRouter(docs, uses=lambda t: uses.get(t, {}))
    assert set(r.route("What is Amazon's FY2019 net income?")) == {"z"}
    docs2 = DOCS + [("y", "/d/respiratory_viruses_review.txt", "")]
    r2 = DocumentRouter(docs2, uses=lambda t: {"y": 1, "e": 6, "h": 5} if t == "respiratory" else {})
    assert r2.route("Which respiratory symptoms were reported?") == {}  # used everywhere: a word


def test_a_descriptive_file_name_is_not_a_name() -> None:
    docs = DOCS + [("p", "/d/001_Role_of_S_Palmitoylation_on_IFITM5_for_the_Interaction_with_FKBP11.txt", "")]
    assert DocumentRouter(docs, uses=lambda t: {}).route("What is a function associated with IFITM5?") == {}


def test_one_document_is_never_routed() -> None:
    assert DocumentRouter([DOCS[0]]).route("capex for 3M in 2018") == {}


def _two_companies(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    body = ("Revenue grew {g} percent to {r} million dollars in fiscal 2021.\n\n"
            "The company operates warehouses in several countries.\n")
    # Only the file names say whose report is whose: the texts never name the company.
    (docs / "ACME_2021_report.txt").write_text("Annual review\n\n" + body.format(g=5, r=120), encoding="utf-8")
    (docs / "GLOBEX_2021_report.txt").write_text("Annual review\n\n" + body.format(g=9, r=340), encoding="utf-8")
    for i in range(6):  # more companies, so a company's name is rare among the names
        (docs / f"OTHER{i}_2021_report.txt").write_text(f"Filler {i} review\n\nNothing about revenue here {i}.\n",
                                                         encoding="utf-8")
    return docs


def test_a_named_company_is_answered_from_its_own_filing(tmp_path: Path, fake_embedder) -> None:
    from app.api import GroundQA
    from index.retriever import RetrievalSettings

    api = GroundQA(tmp_path / "idx", embedder=fake_embedder)
    api.index([_two_companies(tmp_path)])
    ret = api.answerer().retriever
    for company, figure in (("Globex", "340"), ("Acme", "120")):
        q = f"How much did revenue grow in fiscal 2021 at {company}?"
        top = ret.search(q, RetrievalSettings(k=1))[0]
        assert Path(top.doc).name.startswith(company.upper()) and figure in top.text
    # Off, nothing tells the two filings apart: both questions get the same top passage.
    off = {ret.search(f"How much did revenue grow in fiscal 2021 at {c}?", RetrievalSettings(k=1, route_weight=0))[0].doc
           for c in ("Globex", "Acme")}
    assert len(off) == 1


TABLE = ("Item 8. Financial Statements\n\n"
         "Consolidated Statement of Cash Flows Years ended December 31\n\n"
         "(Millions) | 2018 | 2017\n"
         "Cash Flows from Operating Activities\n"
         "Net income | 5,363 | 4,869\n\n"
         "Cash Flows from Investing Activities\n"
         "Purchases of property, plant and equipment (PP&E) | (1,577) | (1,373)\n")


def test_caption_and_row_group_stay_in_a_rows_section_path() -> None:
    levels = {h.text: h.level for h in headings(TABLE)}
    # a statement caption is a heading named for its statement (the period phrase on its line is no name)
    assert levels["Consolidated Statement of Cash Flows"] < levels["Cash Flows from Investing Activities"]
    at = Sections(TABLE).at(TABLE.index("Purchases of property"))
    assert at.endswith("Consolidated Statement of Cash Flows › Cash Flows from Investing Activities")
    assert at.startswith("Item 8. Financial Statements")


def test_a_row_is_embedded_with_what_it_is_about(tmp_path: Path, fake_embedder) -> None:
    from index.texts import unit_text as _unit_text
    from index.store import load_index

    from index.texts import ROW_CONTEXT, row_contexts

    row = "Purchases of property, plant and equipment (PP&E) | (1,577) | (1,373)"
    v1 = _unit_text(Sections(TABLE), TABLE.index(row), row)
    assert v1 == "Consolidated Statement of Cash Flows › Cash Flows from Investing Activities\n" + row
    # version 2 (the default): the table's page head too — its period header and unit
    text = _unit_text(row_contexts(TABLE, ROW_CONTEXT), TABLE.index(row), row)
    assert text.startswith("Consolidated Statement of Cash Flows › Cash Flows from Investing Activities\n")
    assert text.endswith("Years ended December 31 (Millions) 2018 2017\n" + row)
    assert _unit_text(row_contexts(TABLE, 2), 0, "Item 8. Financial Statements") == "Item 8. Financial Statements"
    assert _unit_text(row_contexts(TABLE, 0), TABLE.index(row), row) == row
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "cf.md").write_text(TABLE, encoding="utf-8")
    from app.api import GroundQA

    api = GroundQA(tmp_path / "idx", embedder=fake_embedder)
    api.index([docs])
    assert load_index(tmp_path / "idx").manifest.data["row_context"] == ROW_CONTEXT
    # Sentence BM25 reads the row group: words only the group label holds find the row.
    hits = api.search("investing activities", k=1, mode="lexical")
    assert hits and "(1,577)" in hits[0].text
    # ... and the page head: the years of the columns
    assert api.search("purchases 2017", k=1, mode="lexical")[0].text.count("(1,373)") == 1


def test_initials_name_a_two_word_company() -> None:
    docs = DOCS + [("j", "/d/JOHNSON_JOHNSON_2022_10K.pdf", "Form 10-K"),
                   ("k", "/d/JOHNSON_JOHNSON_2022Q4_EARNINGS.pdf", "FOR IMMEDIATE RELEASE")]
    r = DocumentRouter(docs, uses=lambda t: {})
    q = "Roughly how many times has JnJ sold its inventory in FY2022?"
    assert set(r.route(q)) == {"j", "k"}
    assert set(r.route("What drove J&J's gross margin in 2022?")) == {"j", "k"}
    assert "JnJ" not in r.without_names(q, r.route(q))
    assert r.route("What is the NPV of the CEO plan?") == {}  # all-capital acronyms are not initials


def test_abbreviations_and_former_names_route_to_the_company() -> None:
    docs = DOCS + [("x", "/d/AMERICANEXPRESS_2022_10K.pdf", "American Express Company — Form 10-K, fiscal year ended "
                    "December 31, 2022"),
                   ("y", "/d/BLOCK_2020_10K.pdf", "Square, Inc. — Form 10-K, fiscal year ended December 31, 2020"),
                   ("z", "/d/MICROSOFT_2023_10K.pdf", "Microsoft Corporation — Form 10-K")]
    # "block", "square" and "eps" are words of every filing; "amex" is used in American Express's own filing
    words = {"block", "square", "eps"}
    r = DocumentRouter(docs, uses=lambda t: {d: 3 for d, _, _ in docs} if t in words else
                       ({"x": 4} if t == "amex" else {}))
    assert set(r.route("Does AMEX have an improving operating margin profile as of 2022?")) == {"x"}
    assert set(r.route("What is MSFT's debt in FY2023?")) == {"z"}
    assert r.route("What is EPS growth in 2022?") == {}  # a word of every filing abbreviates nothing
    q = "What is the FY2019 - FY2020 total revenue growth rate for Block (formerly known as Square)?"
    assert set(r.route(q)) == {"y"}
    assert r.without_names(q, r.route(q)) == "What is the FY2019 - FY2020 total revenue growth rate for ?"
    assert r.route("How many square feet of office space did Block lease?") == {}  # words, not asserted names
    assert set(r.route("What did Square, Inc. report as revenue in 2020?")) == set()  # "square" is a word ...
    assert set(r.route("What did Block (formerly Square) report as revenue in 2020?")) == {"y"}  # ... unless given


def _filing_pdf(path: Path, lines: list[str]) -> Path:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica", 10)
    for i, line in enumerate(lines):
        c.drawString(72, 720 - 16 * i, line)
    c.showPage()
    c.save()
    return path


def test_an_8k_with_amex_routes_to_american_express(tmp_path: Path, fake_embedder) -> None:
    pytest.importorskip("reportlab")
    from app.api import GroundQA
    from index.retriever import RetrievalSettings

    docs = tmp_path / "docs"
    docs.mkdir()
    _filing_pdf(docs / "AMERICANEXPRESS_2023_8K.pdf", [
        "UNITED STATES SECURITIES AND EXCHANGE COMMISSION", "FORM 8-K", "AMERICAN EXPRESS COMPANY",
        "Item 8.01 Other Events.", "On April 20, 2023 the Company declared a quarterly dividend of $0.60 per share.",
        "Amex card member spending rose in the first quarter, the Company said."])
    for name, company in (("COSTCO_2023_8K.pdf", "COSTCO WHOLESALE CORPORATION"),
                          ("PEPSICO_2023_8K.pdf", "PEPSICO, INC.")):
        _filing_pdf(docs / name, ["UNITED STATES SECURITIES AND EXCHANGE COMMISSION", "FORM 8-K", company,
                                  "Item 8.01 Other Events.",
                                  "On April 20, 2023 the Company declared a quarterly dividend of $0.90 per share."])
    api = GroundQA(tmp_path / "idx", embedder=fake_embedder)
    api.index([docs])
    ret = api.answerer().retriever
    q = "What quarterly dividend did AMEX declare in April 2023?"
    named = ret.router().route(q)
    assert [Path(d.path).name for d in api.documents() if d.doc_id in named] == ["AMERICANEXPRESS_2023_8K.pdf"]
    top = ret.search(q, RetrievalSettings(k=1))[0]
    assert Path(top.doc).name == "AMERICANEXPRESS_2023_8K.pdf" and "$0.60" in top.text


def test_a_rebuild_with_a_new_row_context_embeds_only_the_rows_again(tmp_path: Path, fake_embedder,
                                                                     monkeypatch) -> None:
    import numpy as np

    import index.builder as builder
    from index.store import load_index
    from index.texts import ROW_CONTEXT, row_contexts

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "cf.md").write_text("Cash flows were strong this year. Capital spending fell.\n\n" + TABLE, encoding="utf-8")
    monkeypatch.setattr(builder, "ROW_CONTEXT", 1)  # an index of the previous version
    builder.build_index([docs], tmp_path / "idx", fake_embedder)
    assert load_index(tmp_path / "idx").manifest.data["row_context"] == 1
    monkeypatch.setattr(builder, "ROW_CONTEXT", ROW_CONTEXT)
    rep = builder.build_index([docs], tmp_path / "idx", fake_embedder, rebuild=True)
    view = load_index(tmp_path / "idx")
    assert view.manifest.data["row_context"] == ROW_CONTEXT
    text = view.document_text(view.list_documents()[0].doc_id)
    units = view.con.execute("SELECT id, start, end FROM units ORDER BY id").fetchall()
    ctx, old = row_contexts(text, ROW_CONTEXT), row_contexts(text, 1)
    changed = [u for u in units if unit_text_of(ctx, text, u["start"], u["end"]) !=
               unit_text_of(old, text, u["start"], u["end"])]
    assert len(changed) == 2  # the two figure rows; the header row is its own head, prose is unchanged
    assert rep.embedded == len(changed) and rep.reused == len(units) - len(changed) > 0
    for u in units:  # every stored vector is the embedding of the unit's text under the new version
        want = fake_embedder.encode([unit_text_of(ctx, text, u["start"], u["end"])])[0]
        assert np.allclose(view.vectors[u["id"]], want)


def unit_text_of(ctx, text: str, start: int, end: int) -> str:  # noqa: ANN001
    from index.texts import unit_text

    return unit_text(ctx, start, text[start:end])
