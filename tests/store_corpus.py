"""A small deterministic corpus for the storage-backend contract tests (tests/test_store_contract.py)."""
from __future__ import annotations

import random
import shutil
from pathlib import Path

TOPICS = {
    "harbour.txt": ("Harbour Authority annual review", [
        "The harbour authority dredged the northern channel in March to a depth of fourteen metres.",
        "Container traffic rose by nine percent, led by refrigerated cargo from the southern ports.",
        "A new pilot boat named Osprey entered service after sea trials in the estuary.",
        "The authority's board approved a tariff freeze for fishing vessels until next spring.",
        "Storm surge barriers were inspected twice and found sound by the marine engineers."]),
    "orchard.md": ("# Orchard cooperative minutes", [
        "Members agreed that the pear harvest would begin on the second Monday of September.",
        "The cooperative bought a cold store from a dairy that closed last winter.",
        "Frost damaged the early apple blossom on the eastern slopes, cutting the yield.",
        "A naïve grafting trial on quince rootstock failed because of fireblight.",
        "Cider sales to the county fair paid for the new irrigation pump."]),
    "observatory.txt": ("Mountain observatory log", [
        "The telescope dome was resurfaced with aluminium panels during the summer shutdown.",
        "Astronomers recorded a comet crossing the constellation Lyra on the night of the tenth.",
        "The covid_19 protocol limited the control room to two observers per shift.",
        "A seismograph beneath the pier measured tremors from a distant earthquake.",
        "Cloud cover lost forty nights of observing time, the worst season in a decade."]),
    "library.txt": ("Public library report", [
        "The reading room reopened after the roof over the periodicals section was repaired.",
        "Loans of audiobooks doubled, while printed atlases were borrowed least often.",
        "Volunteers digitised the parish registers from 1790 to 1850 for the archive.",
        "The chess club meets in the basement every Thursday evening.",
        "A bequest from a retired teacher funded a mobile library van for the villages."]),
}
# A table: its rows are embedded and read by sentence BM25 with their caption and row group (index/texts.py).
TABLES = {"harbour.txt": "\nHarbour dues by vessel class\n\n(Euros) | 2023 | 2022\nFishing vessels | 120 | 110\n"
                         "Cargo vessels\nContainer ship | 900 | 850\nBulk carrier | 700 | 640\n",
          # a statement: every backend stores the statement map found at index time (corpus/statements.py)
          "library.txt": "\nLibrary Trust Balance Sheets\n(In thousands) | 2023 | 2022\nCash and cash equivalents | 120 | 95\n"
                         "Total assets | 910 | 860\nTotal liabilities | 300 | 280\nTotal equity | 610 | 580\n"}
VOCAB = ("ledger tariff vessel quarry granite turbine ferry meadow beacon canal lantern furnace vineyard "
         "brewery tannery spindle loom quay pier dock rampart moat citadel barracks garrison mill weir sluice "
         "culvert aqueduct viaduct causeway toll bridge ford orchard copse thicket heath moor fen marsh").split()


def write_corpus(root: Path, with_sample: bool = True, long_doc: bool = True) -> Path:
    """Write the corpus into root/docs and return that folder."""
    d = root / "docs"
    d.mkdir(parents=True, exist_ok=True)
    for name, (title, sents) in TOPICS.items():
        (d / name).write_text(title + "\n\n" + " ".join(sents) + "\n" + TABLES.get(name, ""))
    if with_sample:
        from corpus import SAMPLE_DIR

        for f in SAMPLE_DIR.iterdir():
            if f.is_file():
                shutil.copy(f, d / f.name)
    if long_doc:  # over one 60,000-character piece, distinct sentences (no ties at the ranking cut-offs)
        rng = random.Random(7)
        paras = []
        while sum(map(len, paras)) < 64_000:
            n = len(paras)
            paras.append(" ".join(f"Entry {n}.{i} records the {rng.choice(VOCAB)} near the "
                                  f"{rng.choice(VOCAB)} and {rng.choice(VOCAB)} of district {rng.randrange(10**6)}."
                                  for i in range(4)))
        (d / "gazetteer.txt").write_text("District gazetteer\n\n" + "\n\n".join(paras) + "\n")
    return d


QUERIES = [
    "How deep was the northern channel dredged?", "What is the pilot boat called?",
    "When does the pear harvest begin?", "Why did the grafting trial fail?", "naïve grafting quince",
    "What crossed the constellation Lyra?", "covid_19 protocol control room", "Which registers were digitised?",
    "Who funded the mobile library van?", "When did North Korea break off working-level talks?",
    "granite quarry near the ferry", "turbine and lantern of district", "What did the seismograph measure?",
    "What dues does a container ship pay among cargo vessels?", "bulk carrier harbour dues",
    # These name a document ("harbour.txt", "library.txt"): the rankings run again within it (index/routing.py).
    "What did the Harbour board approve for fishing vessels?", "When does the Library chess club meet?",
]
NAMING = {"What did the Harbour board approve for fishing vessels?": "harbour.txt",
          "When does the Library chess club meet?": "library.txt"}
"""Queries of QUERIES that name one document, and that document's file."""
