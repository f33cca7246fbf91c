"""Titles of filings (issue 35): the cover page's company, form and period, or a release's own company and
quarter, beat a filer's metadata shorthand ("ADBE 10-K FY22", "MGM Exhibit 99.1 Q4 2022 ER"); a press release
that does not report a quarter's results is titled by its date, never by a quarter it only mentions. Every PDF
is drawn here with reportlab; the wording is made up."""
from __future__ import annotations

from pathlib import Path

import pytest

from corpus.loaders import load_file
from corpus.loaders.cover import earnings_title
from corpus.loaders.titles import document_title, is_filing_label

pytest.importorskip("reportlab")
from test_titles_examples import pdf  # noqa: E402  (one reportlab drawer for the title tests)


def cover(form: str, period_line: str, name: str) -> list[str]:
    return ["UNITED STATES", "SECURITIES AND EXCHANGE COMMISSION", "Washington, D.C. 20549", f"FORM {form}",
            period_line, "Commission File Number: 0-15175", name,
            "(Exact name of registrant as specified in its charter)"]


def test_a_cover_page_beats_a_filers_shorthand_metadata(tmp_path: Path) -> None:
    lines = cover("10-K", "For the fiscal year ended December 2, 2022", "ADOBE INC.")
    body = ["Adobe Inc. makes software for creative professionals. Adobe Inc. sells subscriptions."]
    doc = load_file(pdf(tmp_path / "adbe.pdf", [lines, body], title="ADBE 10-K FY22"))
    assert doc.title == "Adobe Inc. — Form 10-K, fiscal year ended December 2, 2022"
    # Even a meaningful metadata title loses to the filing's own cover: it says the form and the period.
    doc = load_file(pdf(tmp_path / "adbe2.pdf", [lines, body], title="Adobe Annual Report"))
    assert doc.title.startswith("Adobe Inc. — Form 10-K, fiscal year ended")


def test_an_8k_cover_is_titled_by_its_report_date_not_the_filing_label(tmp_path: Path) -> None:
    lines = ["UNITED STATES SECURITIES AND EXCHANGE COMMISSION", "FORM 8-K", "CURRENT REPORT",
             "Date of Report (Date of earliest event reported): May 5, 2023",
             "PepsiCo, Inc. (Exact name of registrant as specified in its charter)"]
    doc = load_file(pdf(tmp_path / "pep.pdf", [lines], title="Form 8-K for Pepsico INC filed 05/05/2023"))
    assert doc.title == "PepsiCo, Inc. — Form 8-K, report dated May 5, 2023"


def test_a_cover_period_split_by_a_check_box_word_is_read(tmp_path: Path) -> None:
    lines = cover("10-K", "For the fiscal year ended OR December 31, 2020", "CORNING INCORPORATED")
    doc = load_file(pdf(tmp_path / "glw.pdf", [lines, ["Corning Incorporated makes glass."]]))
    assert doc.title == "Corning Incorporated — Form 10-K, fiscal year ended December 31, 2020"


RELEASE = ["FOR IMMEDIATE RELEASE", "MGM Resorts International Reports Fourth Quarter 2022 Financial Results",
           "LAS VEGAS, February 8, 2023 - MGM Resorts International (NYSE: MGM) today reported financial",
           "results for the quarter and year ended December 31, 2022."]


def test_an_earnings_release_beats_its_shorthand_label(tmp_path: Path) -> None:
    doc = load_file(pdf(tmp_path / "mgm.pdf", [RELEASE], title="MGM Exhibit 99.1 Q4 2022 ER"))
    assert doc.title == "MGM Resorts International — Exhibit 99.1, Q4 2022 earnings"
    fiscal = ["Amcor plc (NYSE: AMCR) today reported results for the fourth quarter of fiscal 2023 ended",
              "June 30, 2023. Net sales were in line with the guidance given."]
    doc = load_file(pdf(tmp_path / "amcr.pdf", [["ZURICH, August 15, 2023 - " + fiscal[0], fiscal[1]]],
                        title="Amcor 4Q 2023 Exhibit 99.1 - June 30, 2023"))
    assert doc.title == "Amcor plc — Exhibit 99.1, Q4 2023 earnings"


def test_a_guidance_update_is_not_an_earnings_release_of_a_quarter_it_mentions(tmp_path: Path) -> None:
    """A release dated August 30 cannot report the third quarter (it ends September 30): it is titled by its date."""
    lines = ["New Brunswick, N.J. (August 30, 2023) - Johnson & Johnson (NYSE: JNJ) today announced updated",
             "full-year 2023 guidance following the completed exchange offer. The Company will report",
             "third-quarter 2023 results on October 17, 2023, and reaffirms its dividend."]
    doc = load_file(pdf(tmp_path / "jnj.pdf", [lines], title="Exhibit 99.1"))
    assert doc.title == "Johnson & Johnson — Exhibit 99.1, press release, August 30, 2023"
    assert "Q3" not in doc.title and "earnings" not in doc.title
    # A release that reports no results at all is a press release too, whatever quarter it names.
    deal = "PURCHASE, N.Y. - March 1, 2023 - PepsiCo, Inc. (NASDAQ: PEP) today announced a new bottling agreement " \
           "that starts in the second quarter of 2023."
    assert earnings_title(deal) == "PepsiCo, Inc. — press release, March 1, 2023"


def test_a_release_reporting_an_old_quarter_is_not_trusted_by_its_first_quarter_mention() -> None:
    text = ("PURCHASE, N.Y. - April 25, 2023 - PepsiCo, Inc. (NASDAQ: PEP) today reported results for the first "
            "quarter 2023.")
    assert earnings_title(text) == "PepsiCo, Inc. — Q1 2023 earnings release"
    # Dated a year and a half after the quarter it names: that is no release of that quarter's results.
    stale = text.replace("April 25, 2023", "November 2, 2024")
    assert earnings_title(stale) == "PepsiCo, Inc. — press release, November 2, 2024"


@pytest.mark.parametrize("label", ["ADBE 10-K FY22", "ADBE 10K FY15", "MGM Exhibit 99.1 Q4 2022 ER",
                                   "Form 8-K for Pepsico INC filed 05/05/2023", "10-Q - 08/02/2023 - MGM",
                                   "Amcor 4Q 2023 Exhibit 99.1 - June 30, 2023", "Q1 2023 8-K - Exhibit 99.1"])
def test_filer_shorthand_is_a_label(label: str) -> None:
    assert is_filing_label(label)
    # With nothing better in the text, a label still names the document (better than its first line).
    assert document_title(label, "Some text of the filing.") == label


@pytest.mark.parametrize("title", ["Riverside Trust Annual Review 2023", "Harbour Authority Annual Review",
                                   "Pursuing Stable Coexistence: A Reorientation of U.S. Policy Toward North Korea"])
def test_ordinary_titles_are_not_labels(title: str) -> None:
    assert not is_filing_label(title)


def test_a_small_caps_registrant_split_into_letters_is_glued_back() -> None:
    """A name set in small capitals came out of a PDF as "MGM", "R", "ESORTS", "I", "NTERNATIONAL" lines."""
    head = ("UNITED STATES SECURITIES AND EXCHANGE COMMISSION\nFORM 10-K\nFor the fiscal year ended December 31, 2018"
            "\n\nCommission File No. 001-10362\n\nMGM\nR\nESORTS\nI\nNTERNATIONAL\n(Exact name of Registrant as "
            "specified in its charter)\n\nMGM Resorts International owns resorts in Las Vegas.")
    assert document_title(None, head) == "MGM Resorts International — Form 10-K, fiscal year ended December 31, 2018"
    spaced = head.replace("MGM\nR\nESORTS\nI\nNTERNATIONAL", "NIKE, Inc .").replace("MGM Resorts", "NIKE, Inc.")
    assert document_title(None, spaced).startswith("NIKE, Inc. — Form 10-K")


def test_a_cover_read_onto_one_line_still_names_the_registrant() -> None:
    """The pdfium reader puts a small-caps name on one line ("MGM R ESORTS I NTERNATIONAL") and can reflow the
    period, the file number and the name into one line before "(Exact name of registrant…)"."""
    head = ("UNITED STATES SECURITIES AND EXCHANGE COMMISSION\nFORM 10-K\nFor the fiscal year ended December 31, 2018"
            "\nCommission File No. 001-10362\nMGM R ESORTS I NTERNATIONAL\n(Exact name of Registrant as specified in "
            "its charter) DELAWARE\n\nMGM Resorts International owns resorts in Las Vegas.")
    assert document_title(None, head) == "MGM Resorts International — Form 10-K, fiscal year ended December 31, 2018"
    jpm = ("UNITED STATES SECURITIES AND EXCHANGE COMMISSION Washington, D.C. 20549 FORM 10-Q Quarterly report\n\n"
           "For the quarterly period ended Commission file June 30, 2022 number 1-5805 JPMorgan Chase & Co.\n\n"
           "(Exact name of registrant as specified in its charter)\n\nJPMorgan Chase & Co. is a bank.")
    assert document_title("10Q Doc & Exhibits-2022-08-03-15-21", jpm) == (
        "JPMorgan Chase & Co. — Form 10-Q, quarter ended June 30, 2022")
