"""Example questions are offered only when groundqa answers them from the document they are about (issue 35):
asked once per corpus, kept in <index>/examples.json; none reads like a file label or holds table header text."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.web.ui.example_check import EXAMPLES_FILE, answers_from, checked_examples
from app.web.ui.examples import Candidate, headings, is_header_text, nameable


def _ans(outcome: str, docs: list[str], first: str = "", section: str = "") -> SimpleNamespace:
    cites = [SimpleNamespace(doc_id=d, section=section, text="", start=0) for d in docs]
    return SimpleNamespace(outcome=outcome, citations=cites, segments=[SimpleNamespace(text=first)])


def test_an_answer_counts_only_from_the_named_document_and_about_what_was_asked() -> None:
    cand = Candidate("What was Acme's net cash provided by operating activities in fiscal 2022?", "acme",
                     "Net cash provided by operating activities")
    row = "Net cash provided by operating activities, 2022: 1,234"
    assert answers_from(_ans("answered", ["acme"], row), cand)
    assert not answers_from(_ans("answered", ["acme", "other"], row), cand)  # a citation from another filing
    assert not answers_from(_ans("answered", ["other"], row), cand)
    assert not answers_from(_ans("evidence", ["acme"], row), cand)  # related passages are not an answer
    # An unrelated sentence of the right document (a foreign-exchange note for a net sales question) is not one.
    assert not answers_from(_ans("answered", ["acme"], "Foreign exchange rates moved against us."), cand)
    heading = Candidate("What does Acme say about liquidity and capital resources?", "acme",
                        "Liquidity and Capital Resources")
    assert answers_from(_ans("answered", ["acme"], "We fund operations from cash.",
                             "Item 7 › Liquidity and Capital Resources"), heading)
    # The cited paragraph sits right under the heading asked about (no section recorded): that answers it; far
    # below it, or above it, it does not.
    doc = "Grafting methods\n\nApple trees are grafted in early spring.\n\n" + "Other text. " * 200 + "Late note."
    grafting = Candidate("What does the survey say about grafting methods?", "acme", "Grafting methods")
    near = _ans("answered", ["acme"], "Apple trees are grafted in early spring.")
    near.citations[0].start = doc.index("Apple")
    far = _ans("answered", ["acme"], "Late note.")
    far.citations[0].start = doc.index("Late note")
    assert answers_from(near, grafting, lambda _: doc) and not answers_from(near, grafting)
    assert not answers_from(far, grafting, lambda _: doc)
    corpus_wide = Candidate("What do the documents say about Kim Jong Un?", None, "Kim Jong Un")
    assert answers_from(_ans("answered", ["a"], "Kim Jong Un met Trump."), corpus_wide)


@pytest.mark.parametrize("title,ok", [("ADBE 10-K FY22", False), ("MGM Exhibit 99.1 Q4 2022 ER", False),
                                      ("JOHNSON JOHNSON 2022Q4 EARNINGS", False), ("Harbour Authority Annual Review", True),
                                      ("Riverside Trust Annual Review 2023", True)])
def test_titles_that_read_like_file_labels_are_never_put_in_a_question(title: str, ok: bool) -> None:
    assert nameable(title) is ok


def test_table_header_text_is_no_heading_to_ask_about() -> None:
    for header in ("Three Months Ended", "Increase (Decrease)", "Amount Percent", "Total Year Ended"):
        assert is_header_text(header), header
    assert not is_header_text("Liquidity and Capital Resources")
    opening = "The harbour had a busy year and handled more cargo than ever before. " * 10  # past the byline zone
    text = (f"{opening}\n\nResults\n\nThree Months Ended\n\nIncrease (Decrease)\n\nDredging Programme\n\n"
            "The channel was dredged.")
    assert headings(text) == ["Results", "Dredging Programme"]


@pytest.fixture
def filings_api(tmp_path, fake_embedder):
    pytest.importorskip("reportlab")
    sys.path.insert(0, str(Path(__file__).parent))
    from reading_room_corpus import indexed_corpus

    api = indexed_corpus(tmp_path, fake_embedder)
    api.settings = api.settings.with_(threshold=0.0)  # the fake embedder's confidences are not calibrated
    return api


def test_examples_are_asked_once_and_kept_only_when_answered_from_their_document(filings_api, monkeypatch) -> None:
    from app.web.ui import example_check
    from app.web.ui.examples import example_candidates

    api = filings_api
    asked: list[str] = []
    real_ask = api.ask

    def ask(q, *a, **kw):  # noqa: ANN001, ANN002, ANN003
        asked.append(q)
        return real_ask(q, *a, **kw)

    monkeypatch.setattr(api, "ask", ask)
    monkeypatch.setattr(example_check, "_MEMORY", {})
    kept = checked_examples(api)
    cands = {c.question: c for c in example_candidates(api)}
    assert kept and set(kept) <= set(asked) and len(asked) <= 10
    for q in kept:  # each kept question is answered from its own document, about what it asks
        assert answers_from(real_ask(q), cands[q], api.doc_text), q
    refused = [q for q in asked if q not in kept]
    for q in refused:
        assert not answers_from(real_ask(q), cands[q], api.doc_text), q
    stored = json.loads((api.index_dir / EXAMPLES_FILE).read_text(encoding="utf-8"))
    assert stored["examples"] == kept
    # Another process (a restart) reads them back without asking again.
    monkeypatch.setattr(example_check, "_MEMORY", {})
    asked.clear()
    assert checked_examples(api) == kept and asked == []
    # Nothing checked yet for a changed corpus: the page shows none until it is checked, never unchecked ones.
    monkeypatch.setattr(example_check, "_MEMORY", {})
    (api.index_dir / EXAMPLES_FILE).unlink()
    assert checked_examples(api, ask=False) == [] and asked == []
