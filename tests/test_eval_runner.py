"""run_eval with fake `ask` functions: output files, ordering, errors, resume, report and comparison."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from eval import Question, Summary, compare_runs, run_eval
from eval.compare import format_comparison, write_comparison_html
from eval.protocol import AnswerLike
from eval.runner import on_disk_summary

DOC = (
    "Normandy is a region in France. It was named after the Normans.\n"
    "The Normans came from Denmark, Iceland and Norway. <script>alert('doc')</script>\n"
    "Rollo swore fealty to King Charles III.\n"
)
HOSTILE = "<script>alert('pwned')</script>"


def span(text: str) -> tuple[int, int]:
    i = DOC.index(text)
    return i, i + len(text)


@dataclass(frozen=True)
class Ex:
    citation: str
    doc: str
    start: int
    end: int
    text: str
    score: float = 1.0


@dataclass
class Ans:
    answer: str
    abstained: bool
    confidence: float
    citations: list[Ex] = field(default_factory=list)
    retrieved: list[Ex] = field(default_factory=list)


def ex(text: str, cid: str, score: float = 1.0, doc: str = "docs/normans.txt") -> Ex:
    s, e = span(text)
    return Ex(cid, doc, s, e, text, score)


S_FRANCE = "Normandy is a region in France."
S_NORSE = "The Normans came from Denmark, Iceland and Norway."
S_ROLLO = "Rollo swore fealty to King Charles III."

QUESTIONS = [
    Question("q-france", "Where is Normandy?", ["France"], [S_FRANCE], "normans.txt", True),
    Question("q-moon", "Who landed on the moon?", [], [], None, False),
    Question("q-boom", "What makes ask raise?", ["x"], [], None, True),
    Question("q-rollo", "Who swore fealty?", ["Rollo"], [S_ROLLO], "normans.txt", True),
    Question("q-hostile", "Is this unanswerable?", [], [], None, False),
    Question("q-lost", "Context not in any document?", ["y"], ["This sentence is not in the document."], "normans.txt", True),
]


def fake_answer(question: str) -> Ans:
    if question == "Where is Normandy?":
        # relevant passage at rank 2; answer quotes it with a marker
        return Ans(f"{S_FRANCE} [1]", False, 0.9, [ex(S_FRANCE, "N-2")], [ex(S_NORSE, "N-1", 3.0), ex(S_FRANCE, "N-2", 2.0)])
    if question == "Who landed on the moon?":
        return Ans("Not in the documents.", True, 0.1, [], [ex(S_NORSE, "N-1", 0.2)])
    if question == "What makes ask raise?":
        raise RuntimeError("backend down")
    if question == "Who swore fealty?":
        return Ans("I cannot answer.", True, 0.3, [], [ex(S_ROLLO, "N-3")])  # false abstention, rank 1 hit
    if question == "Is this unanswerable?":
        hostile = Ex("N-9", "docs/normans.txt", 0, 10, HOSTILE)
        return Ans(f"{HOSTILE} [1]", False, 0.7, [hostile], [hostile])
    return Ans("Something. [1]", False, 0.5, [ex(S_NORSE, "N-1")], [ex(S_NORSE, "N-1")])


def make_ask(delays: dict[str, float] | None = None, calls: list[str] | None = None):
    lock = threading.Lock()

    def ask(question: str) -> Ans:
        if calls is not None:
            with lock:
                calls.append(question)
        if delays:
            time.sleep(delays.get(question, 0.0))
        return fake_answer(question)

    return ask


def run(out: Path, ask=None, **kw) -> Summary:
    return run_eval(QUESTIONS, ask or make_ask(), out, {"normans.txt": DOC}, progress=False, **kw)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> tuple[Path, Summary]:
    out = tmp_path_factory.mktemp("run")
    # The first question finishes last, so results are produced out of order.
    summary = run(out, make_ask({"Where is Normandy?": 0.15}), workers=3, threshold=0.4)
    return out, summary


def test_fake_answer_satisfies_protocol():
    assert isinstance(fake_answer("Where is Normandy?"), AnswerLike)


def test_writes_all_files_in_input_order(run_dir):
    out, summary = run_dir
    for name in ("results.jsonl", "results.csv", "results.xlsx", "summary.json", "report.html"):
        assert (out / name).stat().st_size > 0, name
    ids = [q.id for q in QUESTIONS]
    assert [r["id"] for r in read_jsonl(out / "results.jsonl")] == ids
    import pandas as pd

    csv = pd.read_csv(out / "results.csv")
    assert list(csv["id"]) == ids
    assert json.loads(csv.loc[0, "citations"])[0]["citation"] == "N-2"
    assert "hit@5" in csv.columns and "f1" in csv.columns
    xlsx = pd.read_excel(out / "results.xlsx")
    assert list(xlsx["id"]) == ids
    assert json.loads(xlsx.loc[0, "retrieved"])[1]["citation"] == "N-2"


def test_result_fields_and_metrics(run_dir):
    out, _ = run_dir
    rs = {r["id"]: r for r in read_jsonl(out / "results.jsonl")}
    r = rs["q-france"]
    assert set(r) >= {"id", "question", "answer", "abstained", "confidence", "citations", "retrieved",
                      "answerable", "reference_answer", "metrics", "latency_ms", "error"}
    assert r["citations"] == [{"citation": "N-2", "doc": "docs/normans.txt", "start": 0, "end": len(S_FRANCE), "text": S_FRANCE}]
    assert [x["citation"] for x in r["retrieved"]] == ["N-1", "N-2"]
    assert set(r["retrieved"][0]) == {"citation", "doc", "start", "end", "score", "text"}
    assert r["reference_answer"] == "France" and r["error"] is None and r["latency_ms"] >= 100
    mt = r["metrics"]
    assert (mt["hit@1"], mt["hit@5"], mt["hit@10"], mt["mrr@10"]) == (0.0, 1.0, 1.0, 0.5)
    assert mt["ndcg@10"] == pytest.approx(0.6309297535714575)  # 1/log2(3), one relevant
    assert (mt["em"], mt["contains"], mt["supported"], mt["citation_precision"]) == (0.0, 1.0, 1.0, 1.0)
    assert mt["f1"] == pytest.approx(2 * (1 / 5) / (1 / 5 + 1))  # "normandy is region in france" vs "france"
    assert mt["contexts_unlocated"] == 0

    moon = rs["q-moon"]["metrics"]  # no references: answer and ranking metrics are null
    assert rs["q-moon"]["abstained"] is True
    assert all(moon[k] is None for k in ("em", "f1", "contains", "hit@1", "ndcg@10", "supported", "citation_precision"))

    rollo = rs["q-rollo"]["metrics"]  # abstained: retrieval still scored, answer scores 0
    assert (rollo["hit@1"], rollo["em"], rollo["f1"], rollo["contains"], rollo["supported"]) == (1.0, 0.0, 0.0, 0.0, None)

    assert rs["q-hostile"]["metrics"]["supported"] == 1.0  # quoted verbatim from its citation's text
    assert rs["q-lost"]["metrics"]["supported"] == 0.0  # "Something." is not in the cited text
    assert rs["q-lost"]["metrics"]["contexts_unlocated"] == 1 and rs["q-lost"]["metrics"]["hit@1"] is None

    boom = rs["q-boom"]
    assert boom["error"] == "RuntimeError: backend down"
    assert boom["answer"] == "" and boom["abstained"] is None and all(v is None for k, v in boom["metrics"].items() if k != "contexts_unlocated")


def test_summary(run_dir):
    out, summary = run_dir
    s = json.loads((out / "summary.json").read_text())
    on_disk = on_disk_summary(summary)  # run folder and file names only: no server path in the file
    assert s == json.loads(json.dumps(on_disk.to_json())) and s["out_dir"] == out.name
    assert s["files"]["report.html"] == "report.html" and str(out) not in json.dumps(s)
    assert s["n_questions"] == 6 and s["n_errors"] == 1 and s["n_answerable"] == 4 and s["n_unanswerable"] == 2
    assert s["metrics"]["hit@5"] == 1.0 and s["metric_counts"]["hit@5"] == 2
    assert s["metrics"]["contains"] == pytest.approx(1 / 3) and s["metric_counts"]["contains"] == 3
    assert s["metrics"]["mrr@10"] == pytest.approx(0.75)
    # abstained: q-moon (right), q-rollo (wrong); answered unanswerable q-hostile
    ab = s["abstention"]
    assert (ab["precision"], ab["recall"], ab["f1"]) == (0.5, 0.5, 0.5)
    assert ab["false_abstention_rate"] == pytest.approx(1 / 3)  # 1 of 3 answerable non-errored
    assert s["latency_ms"]["p95"] >= 100 and s["latency_method"] == "nearest-rank"
    assert s["workers"] == 3 and s["qps"] > 0 and s["threshold"] == 0.4
    assert s["contexts_total"] == 3 and s["contexts_unlocated"] == 1
    assert Summary.from_json(s) == on_disk


def test_report_html(run_dir):
    out, _ = run_dir
    html = (out / "report.html").read_text(encoding="utf-8")
    plots = re.findall(r'<img class="plot" data-plot="(\w+)"[^>]*src="data:image/png;base64,', html)
    assert sorted(plots) == ["confidence", "latency", "metrics"]
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in html  # hostile answer, escaped
    assert "q-hostile" in html and "RuntimeError: backend down" in html  # worst questions listed
    assert not re.search(r'(src|href)="(?!data:)', html)  # self-contained


def test_resume_after_interrupt_skips_done_ids(tmp_path):
    calls: list[str] = []

    def interrupted(question: str) -> Ans:
        calls.append(question)
        if question == "Who swore fealty?":
            raise KeyboardInterrupt  # the user hits Ctrl-C on the 4th question
        return fake_answer(question)

    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, interrupted)
    partial = read_jsonl(tmp_path / "results.jsonl")
    assert [r["id"] for r in partial] == ["q-france", "q-moon", "q-boom"]  # flushed as produced
    with (tmp_path / "results.jsonl").open("a") as f:
        f.write('{"id": "q-rollo", "quest')  # a line cut short by the crash

    calls.clear()
    summary = run(tmp_path, make_ask(calls=calls), resume=True)
    # done ids are skipped; the errored question is retried
    assert calls == ["What makes ask raise?", "Who swore fealty?", "Is this unanswerable?", "Context not in any document?"]
    assert summary.n_resumed == 2 and summary.n_questions == 6
    assert [r["id"] for r in read_jsonl(tmp_path / "results.jsonl")] == [q.id for q in QUESTIONS]

    calls.clear()
    run(tmp_path, make_ask(calls=calls), resume=False)  # a fresh run asks everything again
    assert len(calls) == 6


def test_groundqa_answer_types_satisfy_protocol(tmp_path):
    app_types = pytest.importorskip("app.types")
    index_types = pytest.importorskip("index.types")
    a, b = span(S_FRANCE)
    e = index_types.Excerpt(citation="N-1", doc="docs/normans.txt", doc_id="h", title="t", pages=None, start=a, end=b,
                            text=S_FRANCE, score=2.5)
    c = app_types.Citation(number=1, citation="N-1", doc=e.doc, doc_id="h", title="t", pages=None, start=e.start,
                           end=e.end, text=e.text)
    a = app_types.Answer("Where is Normandy?", f"{S_FRANCE} [1]", False, 0.8, [c], [e])
    assert isinstance(a, AnswerLike)
    q = QUESTIONS[:1]
    s = run_eval(q, lambda _: a, tmp_path, {"normans.txt": DOC}, progress=False)
    assert s.n_errors == 0 and s.metrics["hit@1"] == 1.0 and s.metrics["supported"] == 1.0


def test_compare_runs(run_dir, tmp_path):
    out_a, _ = run_dir

    def better(question: str) -> Ans:
        if question == "Who swore fealty?":
            return Ans(f"{S_ROLLO} [1]", False, 0.8, [ex(S_ROLLO, "N-3")], [ex(S_ROLLO, "N-3")])
        if question == "Where is Normandy?":
            return Ans(f"{HOSTILE} [1]", False, 0.8, [], [])
        return fake_answer(question)

    run(tmp_path, better)
    c = compare_runs(out_a, tmp_path)
    assert [f.id for f in c.wrong_to_right] == ["q-rollo"]
    assert [f.id for f in c.right_to_wrong] == ["q-france"]
    assert c.n_common == 6
    contains = next(d for d in c.deltas if d.name == "contains")
    assert contains.a == pytest.approx(1 / 3) and contains.b == pytest.approx(1 / 3) and contains.delta == pytest.approx(0)
    text = format_comparison(c)
    assert "hit@1" in text and "right -> wrong: 1" in text and "q-rollo" in text
    html = write_comparison_html(c, tmp_path / "cmp.html").read_text()
    assert "<script" not in html and "&lt;script&gt;" in html


def test_eval_imports_nothing_from_app_or_gradio():
    code = (
        "import sys, eval, eval.runner, eval.report, eval.compare, eval.metrics, eval.questions;"
        "bad = sorted({m.split('.')[0] for m in sys.modules} & {'app', 'gradio', 'index', 'corpus'});"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert res.returncode == 0, res.stdout + res.stderr
