"""Answers an analyst can trust (#30): `answered` only when the correctness model says the answer is probably
right, the top passages always in view as cards with their best line, `not_found` only when nothing shown is
related, a probability as the confidence of every kind, and outcomes in every eval output."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.answer import correctness_fit as fit
from app.answer.cards import CARDS
from app.answer.correctness import FEATURES, Candidate, decide, features, probability
from app.answer.sentences import is_heading
from app.api import GroundQA
from app.cli import main
from app.types import Answer, Card
from index.embed import FakeEmbedder

DOCS = {
    "release.md": "# Balance Sheet\n\nMerchandise inventories at the end of the quarter were $1.6 billion, compared "
                  "with $1.5 billion a year earlier. The inventory increase was primarily due to the opening of 47 new "
                  "stores and new brand launches; the inventory increase also reflects earlier receipts of holiday "
                  "inventory.\n\nExhibit 3 Ulta Beauty, Inc.\n\nExhibit 2 Ulta Beauty, Inc.\n",
    "results.md": "# Fourth Quarter Results\n\nNet sales for the fourth quarter were $3.2 billion. Comparable sales "
                  "grew 4.5% on higher transactions. Gross margin was 38.2% of net sales. The company expects net sales "
                  "of $11.1 billion for the coming fiscal year and plans to open 25 new stores.\n",
    # repeats the question's words ("what drove the inventory increase"), about other retailers
    "study.md": "# Supplier Programs\n\nIn a benchmarking study of store formats across forty specialty retailers in "
                "North America and Europe, our supplier programs team reviewed what drove the inventory increase at "
                "other retailers during the holiday season and shared the findings with vendors at the annual "
                "conference.\n",
}


@pytest.fixture
def release_api(tmp_path: Path) -> GroundQA:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    api = GroundQA(tmp_path / "idx", embedder=FakeEmbedder(64))
    api.index([docs])
    return api


@pytest.mark.parametrize("line", ["Exhibit 3 Ulta Beauty, Inc.", "Exhibit 99.1 Press Release",
                                  "Three Months Ended Twelve Months Ended December 31, December 31,",
                                  "Consolidated Statements of Cash Flows", "Item 7. Management's Discussion"])
def test_headings_are_never_answer_sentences(line: str) -> None:
    assert is_heading(line)


@pytest.mark.parametrize("line", ["Net sales increased 5% to $1.2 billion in the quarter",
                                  "The inventory increase was primarily due to the opening of 47 new stores.",
                                  "Adjusted EBITDA | 609 | 540"])
def test_statements_are_not_headings(line: str) -> None:
    assert not is_heading(line)


def test_an_exhibit_caption_is_never_the_answer_and_the_top_passage_is_shown(release_api: GroundQA) -> None:
    # threshold 0: whatever is most probable is answered, so the composed answer itself is under test
    settings = release_api.settings.with_(threshold=0.0)
    ans = release_api.ask("What drove the inventory increase?", settings=settings)
    assert ans.outcome == "answered"
    assert "Exhibit" not in ans.answer
    shown = [c.text for c in ans.citations] + [r.text for r in ans.related]
    assert any("47 new stores" in t for t in shown)


def test_a_lower_passage_with_a_closer_off_target_sentence_does_not_answer(release_api: GroundQA) -> None:
    """The benchmarking sentence repeats the question's words ("what drove the inventory increase") but is about
    other retailers; the passage that holds the answer ranks first. The reply must not be the off-target
    sentence, and the top passage must be in view. The corpus stands for an earnings release (a filing), where every
    answer needs the full bar; plain text's lower bar (`text_threshold`, 0.3) shows this sentence, whose
    probability is 0.37 here — the trade-off bench/RESULTS.md (#30) measures."""
    from dataclasses import replace

    settings = replace(release_api.settings, answer=replace(release_api.settings.answer, text_threshold=None))
    trace: dict = {}
    ans = release_api.answerer().answer("What drove the inventory increase?", settings, trace=trace)
    top = ans.retrieved[0]
    # the corpus is as the test means it: the answer's passage ranks first, the off-target sentence scores best
    assert "47 new stores" in top.text and "benchmarking study" in trace["sentences"][0].text
    assert "benchmarking study" not in ans.answer
    shown = [(c.doc_id, c.start, c.end) for c in ans.citations] + [(r.doc_id, r.start, r.end) for r in ans.related]
    assert any(d == top.doc_id and s < top.end and top.start < e for d, s, e in shown)
    if ans.outcome == "answered":
        assert "47 new stores" in ans.answer
    else:
        assert ans.outcome == "evidence" and "47 new stores" in ans.related[0].text


def test_every_reply_shows_at_least_three_cards_each_with_its_best_line(fake_api) -> None:
    for q in ["When did North Korea break off working-level talks with the United States?",
              "What does the report say about sanctions relief?"]:
        for threshold in (0.0, 1.0):  # answered, then the same question as related passages
            ans = fake_api.ask(q, settings=fake_api.settings.with_(threshold=threshold))
            assert len(ans.citations) + len(ans.related) >= CARDS
            cited = {(c.doc_id, c.start) for c in ans.citations}
            for card in ans.related:
                assert isinstance(card, Card) and card.start <= card.line_start < card.line_end <= card.end
                assert card.line and card.line in card.text
                # a card never repeats a passage the answer cites
                assert not any(c.doc_id == card.doc_id and c.start < card.end and card.start < c.end
                               for c in ans.citations)
            d = ans.to_json()
            assert list(d).index("citations") < list(d).index("related")
            assert [r["best_line"]["text"] for r in d["related"]] == [c.line for c in ans.related]
            assert cited.isdisjoint({(r["doc_id"], r["start"]) for r in d["related"]}) or not cited


def test_confidence_is_the_model_probability_for_every_kind() -> None:
    base = dict.fromkeys(FEATURES, 0.0)
    cell = {**base, "cell": 1.0, "rank": 1.0, "label": 1.0}
    sentence = {**base, "rank": 0.25, "cov": 0.4}
    for f in (cell, sentence):
        p = probability(f)
        z = fit.INTERCEPT + sum(fit.COEF.get(k, 0.0) * v for k, v in f.items())
        assert 0.0 < p < 1.0 and abs(p - 1 / (1 + 2.718281828459045 ** -z)) < 1e-6
    assert probability({**base, "frontmatter": 1.0}) == fit.FRONTMATTER_RATE
    # a cell's probability moves with its features: no fixed confidence
    assert probability({**cell, "year_miss": 1.0}) != probability(cell)
    import app.answer.outcome as outcome

    assert not hasattr(outcome, "CELL_CONFIDENCE")


def test_decide_answers_only_what_is_probably_right() -> None:
    a = Answer(question="q", answer="x [1]", abstained=False, confidence=0.0)
    hi, lo = Candidate("cell", a, rank=1, p=0.8), Candidate("sentence", a, rank=3, p=0.4)
    d = decide([lo, hi], related=True, threshold=0.5)
    assert d.outcome == "answered" and d.chosen is hi and d.confidence == 0.8
    d = decide([lo], related=True, threshold=0.5)
    assert d.outcome == "evidence" and d.chosen is None and d.confidence == 0.4
    assert decide([lo], related=False, threshold=0.5).outcome == "not_found"
    assert decide([], related=True, threshold=0.5).outcome == "evidence"


def test_plain_text_has_the_lower_bar_only_where_a_passage_is_related() -> None:
    a = Answer(question="q", answer="x [1]", abstained=False, confidence=0.0)
    text = Candidate("sentence", a, rank=1, p=0.4, features={"paged": 0.0})
    filing = Candidate("sentence", a, rank=1, p=0.4, features={"paged": 1.0})
    assert decide([text], related=True, threshold=0.5, text_threshold=0.3).outcome == "answered"
    assert decide([filing], related=True, threshold=0.5, text_threshold=0.3).outcome == "evidence"
    # an off-topic question (no shown passage related) needs the full bar whatever the document
    assert decide([text], related=False, threshold=0.5, text_threshold=0.3).outcome == "not_found"
    assert decide([text], related=True, threshold=0.5, text_threshold=None).outcome == "evidence"


def test_features_read_the_question_against_the_answer() -> None:
    a = Answer(question="q", answer="Net income, 2021: 1,410 [1]", abstained=False, confidence=0.0)
    c = Candidate("cell", a, rank=2, label=1.1)
    f = features("What was net income in FY2022? Answer in USD millions.", c)
    assert f["cell"] == 1.0 and f["rank"] == 0.5 and f["label"] == 1.1
    assert f["year_miss"] == 1.0 and f["no_figure"] == 0.0  # the answer reads 2021 for a 2022 question
    b = Answer(question="q", answer="Revenue grew strongly. [1]", abstained=False, confidence=0.0)
    f = features("How much revenue did the company report in 2022?", Candidate("sentence", b, rank=1))
    assert f["no_figure"] == 1.0 and f["year_miss"] == 1.0


def test_not_found_only_when_no_shown_passage_is_related(tmp_path: Path, capsys) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "acme.md").write_text("# Acme 2022 Annual Report\n\nIn 2022 Acme completed the separation of its "
                                  "consumer health business and recorded a gain on the transaction.\n", encoding="utf-8")
    idx = tmp_path / "idx"
    assert main(["index", str(docs), "--index", str(idx), "--model", "fake"]) == 0
    capsys.readouterr()
    assert main(["ask", "What gain is expected from the consumer health separation in 2022?", "--index", str(idx),
                 "--json", "--threshold", "1"]) == 0
    rel = json.loads(capsys.readouterr().out)
    assert rel["outcome"] == "evidence" and "separation" in rel["related"][0]["best_line"]["text"]
    assert main(["ask", "Who won the 2022 FIFA World Cup in Qatar?", "--index", str(idx), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "not_found"


def test_the_cli_prints_the_cards_with_their_best_line(release_api: GroundQA, tmp_path: Path, capsys) -> None:
    from app.cli.render import answer_text

    ans = release_api.ask("What drove the inventory increase?", settings=release_api.settings.with_(threshold=0.0))
    text = answer_text(ans)
    assert "Also relevant (not cited):" in text
    for card in ans.related:
        assert card.citation in text and f"»{' '.join(card.line.split())[:60]}" in text
    ev = release_api.ask("What drove the inventory increase?", settings=release_api.settings.with_(threshold=1.0))
    text = answer_text(ev)
    assert ev.outcome == "evidence" and "Most relevant passages:" in text
    assert text.count("»") == len(ev.related) >= 1


def test_outcome_is_in_every_eval_output(fake_api, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from app.evaluation import evaluate

    qs = tmp_path / "q.jsonl"
    rows = [{"id": "a", "question": "When did North Korea break off working-level talks with the United States?",
             "reference_answer": "October 2019", "source": "pursuing-stable-coexistence.txt",
             "reference_contexts": ["In October 2019, North Korea broke off working-level talks with the United "
                                    "States"]},
            {"id": "b", "question": "Who won the 2022 FIFA World Cup?", "answerable": False}]
    qs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "run"
    summary, _ = evaluate(fake_api, qs, out, progress=False)
    res = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    by = {r["id"]: r for r in res}
    assert by["b"]["outcome"] == "not_found" and by["a"]["outcome"] in ("answered", "evidence")
    assert all(isinstance(r["related"], list) for r in res) and by["a"]["related"]
    assert "best_line" in by["a"]["related"][0]
    assert by["a"]["metrics"]["in_view"] == 1.0
    header = (out / "results.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "outcome" in header and "related" in header and "in_view" in header
    ws = load_workbook(out / "results.xlsx").active
    cols = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert "outcome" in cols and "related" in cols
    s = json.loads((out / "summary.json").read_text())
    assert s["outcomes"]["not_found"]["n"] == 1 and s["outcomes"]["not_found"]["precision"] == 1.0
    assert sum(o["n"] for o in s["outcomes"].values()) == 2
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>Outcomes</h2>" in html and "Reliability of the confidence" in html and "not_found" in html
