"""A small corpus of filings with long titles, drawn with reportlab (made-up companies and figures): a 10-K, a
10-Q and an earnings release, each several pages long, with headings, a cash-flow table and long paragraphs —
for the reading-room browser test (issue 35) and its screenshots."""
from __future__ import annotations

from pathlib import Path

TITLES = {
    "northwind_10k.pdf": "Northwind Harbour Logistics Holdings International, Inc. — Form 10-K, fiscal year ended "
                         "December 31, 2022",
    "saint_lawrence_10q.pdf": "Saint-Lawrence Hydroelectric Generation Cooperative plc — Form 10-Q, quarter ended "
                              "September 30, 2023",
    "cascadia_release.pdf": "Cascadia Orchard Growers and Cold Storage Association — Exhibit 99.1, Q2 2023 earnings",
}
"""The title each file must get (corpus/loaders/titles.py)."""
DREDGE_QUESTION = "How deep was the Tilbury north channel dredged?"
DREDGE_ANSWER = "The Tilbury north channel was dredged to a depth of fourteen metres in March 2022."
NEXT_PAGE_LINE = "The Felixstowe berth renewal is planned for the winter of 2024."
"""A sentence on the page after the dredging answer: the panel reaches it only by loading the next page."""

_HARBOUR = ["Northwind operates container terminals on both sides of the estuary.",
            "Tug crews work in three shifts and every vessel is piloted on arrival.",
            "The warehouse district was rebuilt after the storm of 2019.",
            "Rail sidings connect the quays with the inland freight village.",
            "Customs inspections take place in a covered hall beside the gate.",
            "Reefer containers are powered from the grid while they wait on the quay.",
            "The harbour master publishes tide tables for the approach channels.",
            "Night operations are lit by low-glare masts to protect nearby homes."]


def _cover(form: str, period: str, name: str) -> list[str]:
    return ["UNITED STATES", "SECURITIES AND EXCHANGE COMMISSION", "Washington, D.C. 20549", f"FORM {form}",
            period, "Commission File Number: 001-12345", name,
            "(Exact name of registrant as specified in its charter)", "Delaware 12-3456789"]


def _pages() -> dict[str, list[list[str | tuple[str, str, str]]]]:
    filler = [f"{s[:-1]} in paragraph {i + 1}." for i in range(3) for s in _HARBOUR]
    northwind = [
        _cover("10-K", "For the fiscal year ended December 31, 2022",
               "NORTHWIND HARBOUR LOGISTICS HOLDINGS INTERNATIONAL, INC."),
        ["Item 7. Management's Discussion and Analysis", "", "Harbour Operations", ""] + filler[:14]
        + ["", "Dredging Programme", "", DREDGE_ANSWER,
           "Dredging of the south basin is scheduled after the channel survey is complete."] + filler[14:22],
        ["Maintenance Plans", ""] + filler[:16] + ["", "Berth Works", "", NEXT_PAGE_LINE, "The crane fleet is serviced by Northwind's own engineers.",
         "Spare parts are kept in the central store near the main gate."],
        ["Consolidated Statements of Cash Flows", ("(In millions)", "2022", "2021"), ("Net income", "410", "380"),
         ("Net cash provided by operating activities", "1,234", "1,100"),
         ("Purchases of property and equipment", "(300)", "(250)")],
    ]
    saint_lawrence = [
        _cover("10-Q", "For the quarterly period ended September 30, 2023",
               "SAINT-LAWRENCE HYDROELECTRIC GENERATION COOPERATIVE PLC"),
        ["Reservoir Levels", "", "Saint-Lawrence Hydroelectric Generation Cooperative plc manages four reservoirs.",
         "The upper reservoir stood at ninety-one percent of capacity at the end of the quarter.",
         "Spring meltwater arrived three weeks earlier than in the prior year."],
        ["Condensed Consolidated Statements of Cash Flows", ("(In millions)", "2023", "2022"),
         ("Net cash provided by operating activities", "512", "470"), ("Capital expenditures", "(140)", "(133)")],
    ]
    cascadia = [
        ["Cascadia Orchard Growers and Cold Storage Association Reports Second Quarter 2023 Results",
         "WENATCHEE, Wash. - August 3, 2023 - Cascadia Orchard Growers and Cold Storage Association (NYSE: COGA)",
         "today reported results for the second quarter 2023.",
         "Cold storage capacity grew to one hundred and twenty thousand bins across the valley."],
        ["Quarterly Highlights", "", "Cascadia Orchard Growers and Cold Storage Association shipped apples to "
         "forty countries.", "Pear volumes recovered after the late frost of the previous spring."],
        ["Condensed Statements of Operations", ("(In millions)", "Q2 2023", "Q2 2022"), ("Net sales", "845", "790"),
         ("Operating income", "96", "88")],
    ]
    return {"northwind_10k.pdf": northwind, "saint_lawrence_10q.pdf": saint_lawrence,
            "cascadia_release.pdf": cascadia}


def write_corpus(folder: Path) -> list[Path]:
    """The three PDFs in `folder` (one line per string, 13 pt apart, top down; a table row's cells in columns),
    each with a filer's shorthand as its metadata title."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, pages in _pages().items():
        c = canvas.Canvas(str(folder / name), pagesize=letter)
        c.setTitle({"northwind_10k.pdf": "NWH 10-K FY22", "saint_lawrence_10q.pdf": "SLHC 10Q 3Q 2023",
                    "cascadia_release.pdf": "COGA Exhibit 99.1 Q2 2023 ER"}[name])  # filers' shorthand
        for lines in pages:
            c.setFont("Helvetica", 10)
            for i, line in enumerate(lines):
                y = 740 - i * 13
                if isinstance(line, tuple):  # a table row: the label, then two figures in their columns
                    c.drawString(72, y, line[0])
                    c.drawRightString(430, y, line[1])
                    c.drawRightString(520, y, line[2])
                else:
                    c.drawString(72, y, line)
            c.showPage()
        c.save()
        out.append(folder / name)
    return out


def indexed_corpus(folder: Path, embedder):  # noqa: ANN001, ANN201 - an Embedder in, a GroundQA out
    """The three PDFs written to `folder`/filings and indexed into `folder`/index with `embedder`."""
    from app.api import GroundQA

    write_corpus(folder / "filings")
    api = GroundQA(folder / "index", embedder=embedder)
    api.index([folder / "filings"])
    return api
