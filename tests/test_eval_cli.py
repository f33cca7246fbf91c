"""`groundqa eval` and app.cli.evaluate.evaluate over the fake-embedder api; one end-to-end run with the real model."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.cli.evaluate import evaluate, format_summary
from app.settings import MAX_QUESTION_CHARS
from conftest import EVAL_DATA, ROOT, shared_path

FILES = ("results.jsonl", "results.csv", "results.xlsx", "summary.json", "report.html")
HOSTILE = "<script>alert('x')</script>"


def seed_questions() -> Path:
    return shared_path("eval-data", "seed-report", "questions.jsonl")


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_evaluate_seed_report_writes_a_scored_run(fake_api, tmp_path):
    summary, row_errors = evaluate(fake_api, seed_questions(), tmp_path / "run", progress=False)
    assert row_errors == []
    for name in FILES:
        assert (tmp_path / "run" / name).stat().st_size > 0
    assert summary.n_questions == 16 and summary.n_unanswerable == 4 and summary.n_errors == 0
    # doc_texts is keyed by file name, so every reference context is found in the indexed sample report.
    assert summary.contexts_total > 0 and summary.contexts_unlocated == 0
    for name in ("hit@1", "hit@10", "mrr@10", "f1", "contains"):
        assert 0.0 <= summary.metrics[name] <= 1.0
    assert summary.metric_counts["hit@10"] == 12  # the answerable questions
    assert summary.threshold == fake_api.settings.answer.threshold
    assert summary.latency_ms["p50"] > 0 and summary.qps > 0
    text = format_summary(summary)
    for label in ("hit@1", "abstention precision", "abstention recall", "abstention f1", "latency p50 ms",
                  "latency p95 ms", "qps", str(tmp_path / "run")):
        assert label in text


def test_a_refused_question_is_recorded_not_fatal(fake_api, tmp_path):
    qfile = write_jsonl(tmp_path / "q.jsonl", [
        {"id": "ok", "question": "When did North Korea break off talks with the United States?"},
        {"id": "long", "question": "why " * (MAX_QUESTION_CHARS // 3)},
        {"id": "symbols", "question": "???"},
        {"id": "ok2", "question": "Where was the Hanoi summit held?"},
    ])
    seen: list[tuple[int, int]] = []
    summary, _ = evaluate(fake_api, qfile, tmp_path / "run", progress=False, on_progress=lambda d, t: seen.append((d, t)))
    assert summary.n_questions == 4 and summary.n_errors == 2
    results = {r["id"]: r for r in map(json.loads, (tmp_path / "run" / "results.jsonl").read_text().splitlines())}
    assert results["long"]["error"].startswith("QuestionError:") and "limit" in results["long"]["error"]
    assert results["symbols"]["error"].startswith("QuestionError:")
    assert results["ok"]["error"] is None and results["ok2"]["error"] is None
    assert seen[-1] == (4, 4) and len(seen) == 4  # every ask counted, failed or not


def test_k_and_workers_are_honoured(fake_api, tmp_path):
    s1, _ = evaluate(fake_api, seed_questions(), tmp_path / "k2", k=2, progress=False)
    rows = [json.loads(x) for x in (tmp_path / "k2" / "results.jsonl").read_text().splitlines()]
    assert all(len(r["retrieved"]) <= 2 for r in rows) and any(r["retrieved"] for r in rows)
    s4, _ = evaluate(fake_api, seed_questions(), tmp_path / "w4", k=2, workers=4, progress=False)
    rows4 = [json.loads(x) for x in (tmp_path / "w4" / "results.jsonl").read_text().splitlines()]
    assert s4.workers == 4
    assert [r["id"] for r in rows4] == [r["id"] for r in rows]  # input order, however they finished
    assert [r["answer"] for r in rows4] == [r["answer"] for r in rows]
    assert s4.metrics == s1.metrics


def test_resume_skips_finished_questions(fake_api, tmp_path):
    evaluate(fake_api, seed_questions(), tmp_path / "run", progress=False)
    summary, _ = evaluate(fake_api, seed_questions(), tmp_path / "run", resume=True, progress=False)
    assert summary.n_resumed == 16 and summary.n_questions == 16


def test_cli_prints_row_warnings_and_summary(fake_api, tmp_path, monkeypatch, capsys):
    # The CLI's own GroundQA would load the real model: hand it the fake-embedder api instead.
    monkeypatch.setattr("app.cli.evaluate._open_api", lambda args, out: fake_api)
    qfile = write_jsonl(tmp_path / "q.jsonl", [
        {"id": "a", "question": "Where was the second summit held?"},
        "{not json",
        {"id": "b", "question": ""},
        {"id": "c", "question": "Why did the Hanoi summit collapse?", "answerable": "maybe"},
    ])
    out = tmp_path / "out"
    assert main(["eval", str(qfile), "--out", str(out), "-k", "3"]) == 0
    cap = capsys.readouterr()
    warnings = [line for line in cap.err.splitlines() if line.startswith("warning: line")]
    assert [w.split(":")[1].strip() for w in warnings] == ["line 2", "line 3", "line 4"]
    assert "hit@1" in cap.out and str(out) in cap.out
    assert json.loads((out / "summary.json").read_text())["n_questions"] == 1


def test_cli_default_out_is_runs_file_stem(fake_api, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("app.cli.evaluate._open_api", lambda args, out: fake_api)
    monkeypatch.chdir(tmp_path)
    qfile = write_jsonl(tmp_path / "my-set.jsonl", [{"question": "Where was the second summit held?"}])
    assert main(["eval", str(qfile)]) == 0
    assert (tmp_path / "runs" / "my-set" / "report.html").exists()


@pytest.mark.parametrize("name, content", [
    ("bad.jsonl", "{not json\n[1, 2]\n"),
    ("bad.jsonl", '{"q": "no question field"}\n'),
    ("bad.csv", "id,text\n1,hello\n"),
    ("bad.txt", "question\nwhat?\n"),
])
def test_cli_malformed_file_exits_2_with_one_line(tmp_path, capsys, name, content):
    qfile = tmp_path / name
    qfile.write_text(content, encoding="utf-8")
    # The file is read before any index or model is opened, so this needs neither.
    rc = main(["eval", str(qfile), "--index", str(tmp_path / "no-index"), "--out", str(tmp_path / "out")])
    cap = capsys.readouterr()
    assert rc == 2
    lines = cap.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("groundqa: ") and str(qfile) in lines[0]
    assert not (tmp_path / "out").exists()


def test_cli_compare_prints_deltas_and_html(fake_api, tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    evaluate(fake_api, seed_questions(), a, k=1, progress=False)
    evaluate(fake_api, seed_questions(), b, k=10, progress=False)
    page = tmp_path / "cmp.html"
    assert main(["eval", "compare", str(a), str(b), "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert "B-A" in out and f"A: {a}" in out and f"B: {b}" in out
    deltas = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] in ("hit@1", "hit@10", "mrr@10", "latency_p50_ms"):
            deltas[parts[0]] = parts[3]
    assert set(deltas) == {"hit@1", "hit@10", "mrr@10", "latency_p50_ms"}
    assert all(d[0] in "+-" for d in deltas.values())
    assert "right -> wrong" in out and "wrong -> right" in out
    assert "<table>" in page.read_text()


def test_cli_compare_errors_exit_2(tmp_path, capsys):
    assert main(["eval", "compare", str(tmp_path)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "summary.json" in err[0]


def test_ui_helpers_escape_and_extract_plots(fake_api, tmp_path):
    from app.web.ui.evaluate import detail_html, new_run_dir, plots_html, results_table

    evaluate(fake_api, seed_questions(), tmp_path / "run", progress=False)
    assert plots_html(tmp_path / "run" / "report.html").count('<img class="plot"') == 0  # restyled, see below
    assert plots_html(tmp_path / "run" / "report.html").count("data:image/png;base64,") == 3
    r = {"id": HOSTILE, "question": HOSTILE, "answerable": True, "reference_answers": [HOSTILE], "answer": HOSTILE,
         "abstained": False, "confidence": 0.7, "citations": [{"citation": HOSTILE, "doc": HOSTILE, "start": 0,
                                                                "end": 5, "text": HOSTILE}],
         "metrics": {"f1": 0.5}, "latency_ms": 3.0, "error": None}
    page = detail_html(r)
    assert "<script>" not in page and page.count("&lt;script&gt;") == 7  # id, question, reference, answer, citation, doc, text
    assert "<script>" not in detail_html({**r, "error": HOSTILE})
    assert results_table([r])[0][0] == HOSTILE  # the Dataframe shows text, not HTML
    d1, d2 = new_run_dir(fake_api), new_run_dir(fake_api)
    assert d1 != d2 and d1.parent == fake_api.index_dir.resolve().parent / "eval-runs"


@pytest.mark.model
def test_cli_eval_end_to_end_with_real_model(tmp_path, capsys):
    questions = shared_path("eval-data", "seed-report", "questions.jsonl")
    out = tmp_path / "run"
    rc = main(["eval", str(questions), "--docs", str(ROOT / "corpus" / "sample"), "--out", str(out)])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    for name in FILES:
        assert (out / name).stat().st_size > 0
    assert (out / "index" / "CURRENT").exists()
    s = json.loads((out / "summary.json").read_text())
    assert s["n_questions"] == 16 and s["n_errors"] == 0 and s["contexts_unlocated"] == 0
    for name, v in s["metrics"].items():
        assert v is None or 0.0 <= v <= 1.0, name
    assert s["metrics"]["hit@10"] >= 0.75  # one short report: retrieval finds nearly every reference passage
    assert s["latency_ms"]["p50"] > 0 and s["latency_ms"]["p95"] >= s["latency_ms"]["p50"] and s["qps"] > 0
    assert 0 <= s["n_abstained"] <= 16
    assert "hit@1" in cap.out and str(out) in cap.out
    assert EVAL_DATA.exists()


def test_ui_evaluate_endpoint(fake_api, tmp_path):
    gr = pytest.importorskip("gradio")
    client_mod = pytest.importorskip("gradio_client")
    from app.web.ui.evaluate import build_eval_tab

    with gr.Blocks() as demo:
        with gr.Tab("Evaluate"):
            build_eval_tab(fake_api)
    _, url, _ = demo.queue().launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    try:
        client = client_mod.Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
        status, summary, plots, table, detail, files = client.predict(
            client_mod.handle_file(str(seed_questions())), 5, 2, api_name="/evaluate")
    finally:
        demo.close()
    assert "Finished 16 questions" in status
    assert dict(summary["data"])["questions"] == "16"
    assert plots.count("data:image/png;base64,") == 3
    assert [row[0] for row in table["data"]] == [f"sr-{i:02d}" for i in range(1, 17)]
    assert sorted(Path(f).name for f in files) == ["report.html", "results.csv", "results.jsonl", "results.xlsx"]
    runs = list((fake_api.index_dir.resolve().parent / "eval-runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "summary.json").exists()
