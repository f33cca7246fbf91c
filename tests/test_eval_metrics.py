"""Metrics of eval.metrics against hand-computed cases, and ranking metrics against ranx."""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import pytest

from eval import metrics as m


@dataclass(frozen=True)
class Span:
    doc: str
    start: int
    end: int
    text: str = ""
    citation: str = "c"
    score: float = 0.0


# --------------------------------------------------------------------------------------------- answers


def test_normalize_answer_squad_rules():
    assert m.normalize_answer("The  Cat, sat!") == "cat sat"
    assert m.normalize_answer("an apple a day") == "apple day"
    assert m.normalize_answer("  Theory of\tthe   atom. ") == "theory of atom"  # "the" only as a word
    # Unicode punctuation (en dash, curly quotes) goes too, like ASCII punctuation in SQuAD
    assert m.normalize_answer("U.S.–North Korea “summit”") == "usnorth korea summit"


def test_exact_match():
    assert m.exact_match("the France.", ["France"]) == 1.0
    assert m.exact_match("Paris", ["France", "paris!"]) == 1.0  # max over references
    assert m.exact_match("in France", ["France"]) == 0.0
    assert m.exact_match("France", []) is None


def test_token_f1_hand_computed():
    # pred tokens: cat sat on mat; ref tokens: cat on mat -> P = 3/4, R = 1, F1 = 2*.75/1.75
    assert m.token_f1("the cat sat on the mat", ["a cat on a mat"]) == pytest.approx(6 / 7)
    # pred: "10th century"; refs: "10th and 11th centuries" (P=1/2,R=1/4 -> 1/3), "10th century" (1)
    assert m.token_f1("10th century", ["10th and 11th centuries", "10th century"]) == 1.0
    assert m.token_f1("10th century", ["10th and 11th centuries"]) == pytest.approx(1 / 3)
    assert m.token_f1("dog", ["cat"]) == 0.0
    assert m.token_f1("", ["cat"]) == 0.0  # SQuAD 2.0: empty vs non-empty is 0
    assert m.token_f1("anything", []) is None


def test_contains_reference_token_boundaries():
    assert m.contains_reference("In October 2019, North Korea broke off talks.", ["October 2019"]) == 1.0
    assert m.contains_reference("about 100 troops", ["10"]) == 0.0  # not inside a token
    assert m.contains_reference("Hanoi, Vietnam [1]", ["Paris", "hanoi vietnam"]) == 1.0
    assert m.contains_reference("", ["x"]) == 0.0
    assert m.contains_reference("x", []) is None


# --------------------------------------------------------------------------------------------- locate


def test_locate_exact_and_tolerant():
    doc = "Intro.\nIn October 2019, North Korea broke off\n   working-level talks with the “United States”.\n"
    ctx = "In October 2019, North Korea"
    assert m.locate(ctx, doc) == (doc.index(ctx), doc.index(ctx) + len(ctx))
    # hard wrap in the document, straight quotes in the context
    span = m.locate('broke off working-level talks with the "United States".', doc)
    assert span is not None and doc[span[0] : span[1]].startswith("broke off\n   working")
    assert doc[span[0] : span[1]].endswith("”.")
    assert m.locate("broke off working–level talks", doc) is not None  # en dash vs hyphen
    assert m.locate("working - level", doc) is not None  # spaces around a dash
    assert m.locate("broke away", doc) is None
    assert m.locate("   ", doc) is None


def test_locate_escapes_regex_characters():
    doc = "cost (in $) was 3.5*2 [approx.]\nand more"
    assert m.locate("(in $) was 3.5*2  [approx.] and", doc) == (5, doc.index("and") + 3)
    assert m.locate("3x5", doc) is None  # "." is literal, not "any char"


# --------------------------------------------------------------------------------------------- ranking

F, T = False, True


def test_ranking_hand_computed():
    rels = [F, T, F, T]
    assert m.hit_at_k(rels, 1) == 0.0
    assert m.hit_at_k(rels, 5) == 1.0
    assert m.mrr_at_k(rels, 10) == 0.5
    assert m.mrr_at_k(rels, 1) == 0.0
    dcg = 1 / math.log2(3) + 1 / math.log2(5)  # relevant at ranks 2 and 4
    idcg = 1 / math.log2(2) + 1 / math.log2(3)  # two relevant items ideally at ranks 1 and 2
    assert m.ndcg_at_k(rels, 10, 2) == pytest.approx(dcg / idcg)
    assert m.ndcg_at_k(rels, 10, 2) == pytest.approx(0.650921, abs=1e-6)
    # only 2 ranks count at k=2, so the ideal is 2 items even with 3 relevant
    assert m.ndcg_at_k([T, F], 2, 3) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    assert m.ndcg_at_k([T, T], 10, 1) == 1.0  # never above 1 when passages overlap one context
    assert m.ndcg_at_k([], 10, 1) == 0.0
    assert m.ndcg_at_k([F, F], 10, 0) == 0.0


def test_relevance_by_basename_and_overlap():
    retrieved = [
        Span("docs/a.txt", 0, 10),  # ends where the context starts: no overlap
        Span("/abs/path/a.txt", 15, 25),  # overlaps (10, 20)
        Span("b.txt", 12, 18),  # other document
        Span("C:\\docs\\a.txt", 29, 40),  # overlaps (30, 35) with a Windows path
    ]
    assert m.relevance(retrieved, "a.txt", [(10, 20), (30, 35)]) == [F, T, F, T]
    assert m.relevance(retrieved, "x/a.txt", []) == [F, F, F, F]


def test_ranking_matches_ranx():
    ranx = pytest.importorskip("ranx")
    # Each query: per-rank relevance of the retrieved list and the number of relevant items in all.
    fixture = {
        "q1": ([F, T, F, T], 2),
        "q2": ([T, F, F, F, F, F], 1),
        "q3": ([F, F, F, F, F, F, F, F, F, F, F, T], 1),  # relevant only past rank 10
        "q4": ([F, F, T, F, F, T, F, T, F, F], 4),  # one relevant item never retrieved
        "q5": ([F, F, F, F, F, F, T, T, T], 3),
    }
    qrels, run = {}, {}
    for q, (rels, n_rel) in fixture.items():
        docs = [f"{q}-d{i}" for i in range(len(rels))]
        qrels[q] = {d: 1 for d, r in zip(docs, rels) if r}
        for j in range(n_rel - len(qrels[q])):
            qrels[q][f"{q}-missing{j}"] = 1
        run[q] = {d: float(len(docs) - i) for i, d in enumerate(docs)}
    names = ["hit_rate@1", "hit_rate@5", "hit_rate@10", "mrr@10", "ndcg@10"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba type-safety chatter
        got = ranx.evaluate(ranx.Qrels(qrels), ranx.Run(run), names, return_mean=False)
    qids = list(ranx.Run(run).keys())  # ranx's order of per-query scores
    for i, q in enumerate(qids):
        rels, n_rel = fixture[q]
        ours = [m.hit_at_k(rels, 1), m.hit_at_k(rels, 5), m.hit_at_k(rels, 10), m.mrr_at_k(rels, 10), m.ndcg_at_k(rels, 10, n_rel)]
        for name, value in zip(names, ours):
            assert value == pytest.approx(float(got[name][i]), abs=1e-9), (q, name)


# --------------------------------------------------------------------------------------------- citations


def _cites(*texts: str) -> list[Span]:
    return [Span("a.txt", 0, len(t), t, f"C{i}") for i, t in enumerate(texts, start=1)]


def test_citation_supported_cases():
    cites = _cites("North Korea broke off talks. It was October.", "The summit was in Hanoi.")
    assert m.citation_supported("North Korea broke off talks. [1] The summit was in Hanoi. [2]", cites)
    assert m.citation_supported("North Korea broke off talks [1]. The summit was in Hanoi [2].", cites)
    # two sentences before one marker, quoted from different places of the same citation
    assert m.citation_supported("North Korea broke off talks. It was October. [1]", cites)
    assert m.citation_supported("The summit was in Hanoi. [1][2]", cites)  # any citation of a marker group
    assert m.citation_supported("", cites)  # nothing claimed
    assert not m.citation_supported("The summit was in Hanoi. [1]", cites)  # wrong citation named
    assert not m.citation_supported("The summit was in Paris. [2]", cites)  # not verbatim
    assert not m.citation_supported("North Korea broke off talks. [3]", cites)  # no such citation
    assert not m.citation_supported("North Korea broke off talks. [0]", cites)
    assert not m.citation_supported("North Korea broke off talks.", cites)  # no marker at all
    assert not m.citation_supported("The summit was in Hanoi. [2] And then war.", cites)  # uncited tail


def test_citation_supported_tolerates_rewrapped_whitespace():
    cites = _cites("broke off\n   working-level talks")
    assert m.citation_supported("broke off working-level talks [1]", cites)


def test_citation_precision():
    cites = [Span("docs/a.txt", 0, 10), Span("a.txt", 50, 60), Span("b.txt", 0, 10)]
    assert m.citation_precision(cites, "a.txt", [(5, 20)]) == pytest.approx(1 / 3)
    assert m.citation_precision(cites[:1], "a.txt", [(5, 20)]) == 1.0
    assert m.citation_precision([], "a.txt", [(5, 20)]) is None


def test_strip_markers():
    assert m.strip_markers("Hanoi, Vietnam. [1][2] More  text [3].") == "Hanoi, Vietnam. More text ."


# --------------------------------------------------------------------------------------------- abstention


def test_abstention_scores_hand_computed():
    # (abstained, answerable): one right abstention, one false abstention, one missed, two answered
    pairs = [(T, F), (T, T), (F, F), (F, T), (F, T)]
    s = m.abstention_scores(pairs)
    assert s["precision"] == 0.5 and s["recall"] == 0.5 and s["f1"] == 0.5
    assert s["false_abstention_rate"] == pytest.approx(1 / 3)
    assert (s["n_abstained"], s["n_unanswerable"], s["n_answerable"]) == (2, 2, 3)


def test_abstention_scores_undefined():
    s = m.abstention_scores([(F, T), (F, T)])  # never abstains, nothing unanswerable
    assert s["precision"] is None and s["recall"] is None and s["f1"] is None
    assert s["false_abstention_rate"] == 0.0
    s = m.abstention_scores([(F, F)])  # misses the only unanswerable question
    assert s["precision"] is None and s["recall"] == 0.0 and s["false_abstention_rate"] is None
    s = m.abstention_scores([(T, T), (F, F)])
    assert s["precision"] == 0.0 and s["recall"] == 0.0 and s["f1"] == 0.0
    assert m.abstention_scores([])["f1"] is None


# --------------------------------------------------------------------------------------------- latency


def test_percentile_nearest_rank():
    assert m.percentile([15, 20, 35, 40, 50], 50) == 35
    assert m.percentile([15, 20, 35, 40, 50], 30) == 20
    assert m.percentile([15, 20, 35, 40, 50], 100) == 50
    assert m.percentile(list(range(1, 101)), 95) == 95
    assert m.percentile([7.0], 95) == 7.0
    assert m.percentile([], 50) is None


def test_latency_stats_and_qps():
    s = m.latency_stats([40.0, 10.0, 30.0, 20.0], wall_s=2.0)
    assert s == {"p50": 20.0, "p95": 40.0, "mean": 25.0, "max": 40.0, "qps": 2.0}
    assert m.qps(3, 0.0) is None
    assert m.latency_stats([])["p50"] is None


def test_segments_supported_ignores_bracketed_numbers_in_document_text():
    from types import SimpleNamespace as NS

    from eval.metrics import citation_supported, segments_supported

    cited = NS(citation="x", doc="d.txt", start=0, end=40, text="Transmission is 15-45% [1] without care.")
    seg = NS(text="Transmission is 15-45% [1] without care.", citation=1)
    answer = "Transmission is 15-45% [1] without care. [1]"
    assert segments_supported([seg], [cited])
    assert not segments_supported([NS(text="Transmission is 50%.", citation=1)], [cited])
    assert not segments_supported([NS(text=seg.text, citation=2)], [cited])
    # Parsing the text alone cannot tell the document's "[1]" from a marker; with two citations it misreads.
    other = NS(citation="y", doc="d.txt", start=50, end=60, text="Other text")
    assert segments_supported([seg], [cited, other])
    assert citation_supported(answer, [cited, other]) in (True, False)


# --------------------------------------------------------------------------- fragments and evidence overlap


@pytest.mark.parametrize("segment, fragment", [
    ("Fiscal 2023 Outlook [1]", True),
    ("Ulta Beauty Announces Fourth Quarter Fiscal 2022 Results", True),
    ("ITEM 7 | Management's Discussion and Analysis | 25", True),
    ("Results of Operations .......... 27", True),
    ("(Millions) | 2018 | 2017 | 2016", True),
    ("Purchases of property, plant and equipment (PP&E) | (1,577) | (1,373) | (1,420)", False),
    ("Proceeds from sale of PP&E and other assets | 262 | 49 | 58", False),
    ("Net sales rose 7% to 4.2 billion dollars.", False),
])
def test_is_fragment_answer(segment: str, fragment: bool) -> None:
    from eval.metrics import is_fragment_answer

    assert is_fragment_answer(segment) is fragment


def test_evidence_overlap_matches_other_extractions() -> None:
    from types import SimpleNamespace

    from eval.metrics import evidence_overlap, evidence_relevance

    page = "Purchases of property, plant and equipment (PP&E)\n \n(1,577) \n \n(1,373) \nProceeds from sale of PP&E"
    row = "Purchases of property, plant and equipment (PP&E) | $(1,577) | $(1,373)"
    assert evidence_overlap(row, page) == 1.0
    assert evidence_overlap("Dividends paid to shareholders rose sharply in the year", page) == 0.0
    hits = [SimpleNamespace(doc="docs/3M.pdf", text=row), SimpleNamespace(doc="docs/other.pdf", text=row)]
    assert evidence_relevance(hits, "3M.pdf", [page]) == [True, False]
