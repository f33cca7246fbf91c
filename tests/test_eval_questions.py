"""Loading question sets from JSONL, CSV and XLSX, with bad rows reported by line."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from eval.questions import Question, QuestionFileError, RowError, load_questions

SHARED = Path("/work/shared/eval-data")


def _write_jsonl(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_fields_defaults_and_bad_rows(tmp_path):
    p = _write_jsonl(
        tmp_path / "q.jsonl",
        [
            {"id": "a", "question": "Where is Normandy?", "reference_answer": "France",
             "reference_contexts": ["Normandy, a region in France."], "source": "Normans.txt", "answerable": True,
             "meta": {"all_answers": ["France", "in France", "France"]}},
            {"question": "No id here?", "reference_contexts": "one string context", "answerable": "no"},
            "{not json",
            "",  # blank lines are skipped, but still counted
            {"id": "e", "question": "   "},
            {"id": "f", "question": "Bad flag?", "answerable": "maybe"},
            ["a", "list"],
            {"id": "a", "question": "Same id again?"},
            {"id": "g", "question": "Flags as text", "answerable": "1", "reference_answer": "", "source": ""},
        ],
    )
    qs, errors = load_questions(p)
    assert [q.id for q in qs] == ["a", "q2", "g"]
    assert qs[0] == Question(
        id="a", question="Where is Normandy?", reference_answers=["France", "in France"],
        reference_contexts=["Normandy, a region in France."], source="Normans.txt", answerable=True,
    )
    assert qs[1].reference_contexts == ["one string context"] and qs[1].answerable is False
    assert qs[1].reference_answers == [] and qs[1].source is None
    assert qs[2].answerable is True and qs[2].reference_answers == [] and qs[2].source is None
    assert [e.line for e in errors] == [3, 5, 6, 7, 8]
    assert all(isinstance(e, RowError) for e in errors)
    assert "bad JSON" in errors[0].message
    assert "question" in errors[1].message
    assert "answerable" in errors[2].message and "maybe" in errors[2].message
    assert "object" in errors[3].message
    assert "duplicate id 'a'" in errors[4].message and "line 1" in errors[4].message
    assert str(errors[0]).startswith("line 3:")


def test_csv_with_json_list_cells_and_line_numbers(tmp_path):
    p = tmp_path / "q.csv"
    with p.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "question", "reference_answer", "reference_contexts", "source", "answerable"])
        w.writerow(["c1", "Multi\nline question?", "Hanoi", json.dumps(["ctx one", "ctx two"]), "r.txt", "yes"])
        w.writerow(["c2", "", "x", "", "", ""])  # line 4: the quoted cell above spans lines 2-3
        w.writerow(["c3", "Context starting with a bracket?", "", "[1] Smith et al. said so", "", "0"])
        w.writerow(["c4", "Bad flag?", "", "", "", "perhaps"])
        w.writerow(["", "Default id?", "", "", "", "TRUE"])
    qs, errors = load_questions(p)
    assert [q.id for q in qs] == ["c1", "c3", "q7"]
    assert qs[0].question == "Multi\nline question?"
    assert qs[0].reference_contexts == ["ctx one", "ctx two"] and qs[0].answerable is True
    assert qs[1].reference_contexts == ["[1] Smith et al. said so"] and qs[1].answerable is False
    assert qs[2].answerable is True
    assert [(e.line, "question" in e.message) for e in errors] == [(4, True), (6, False)]


def test_xlsx_typed_cells(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "question", "reference_answer", "reference_contexts", "answerable", "source"])
    ws.append([1, "Numeric id?", 1999, json.dumps(["c"]), True, "docs/a.txt"])
    ws.append(["x2", "Unanswerable?", None, None, 0, None])
    ws.append(["x3", None, "orphan answer", None, None, None])
    ws.append(["x4", "Bad flag?", None, None, "sometimes", None])
    ws.append(["x5", "Text flag?", None, None, "False", None])
    path = tmp_path / "q.xlsx"
    wb.save(path)
    qs, errors = load_questions(path)
    assert [q.id for q in qs] == ["1", "x2", "x5"]
    assert qs[0].reference_answers == ["1999"] and qs[0].reference_contexts == ["c"] and qs[0].answerable
    assert qs[0].source == "docs/a.txt"
    assert qs[1].answerable is False and qs[1].reference_contexts == []
    assert qs[2].answerable is False
    assert [e.line for e in errors] == [4, 5]  # sheet rows


@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("q.txt", "question\nhi\n", "unknown file type"),
        ("q.csv", "id,text\n1,hello\n", "no 'question' column"),
        ("q.jsonl", '{"id": "1", "text": "hello"}\n', "no 'question' column"),
        ("q.jsonl", "{broken\n{also broken\n", "no valid question rows"),
        ("q.csv", "id,question\n1,\n", "no valid question rows"),
        ("q.xlsx", "this is not a workbook", "cannot read"),
        ("q.csv", b"question\n\xff\xfe bad bytes\n", "cannot read"),
    ],
)
def test_malformed_files_raise_one_clear_line(tmp_path, name, content, problem):
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    with pytest.raises(QuestionFileError) as info:
        load_questions(p)
    msg = str(info.value)
    assert str(p) in msg and problem in msg and "\n" not in msg


def test_missing_file(tmp_path):
    with pytest.raises(QuestionFileError, match="cannot read"):
        load_questions(tmp_path / "nope.jsonl")


@pytest.mark.skipif(not SHARED.exists(), reason="shared eval data not present")
def test_shared_sets_load_cleanly():
    qs, errors = load_questions(SHARED / "squad2-normans" / "questions.jsonl")
    assert errors == [] and len(qs) == 208
    assert sum(not q.answerable for q in qs) == 112
    assert all(q.reference_answers == [] for q in qs if not q.answerable)
    assert all(len(set(q.reference_answers)) == len(q.reference_answers) for q in qs)
