"""Issue #34 row L2: a file name cannot drive the terminal. Every command prints names (and the titles, headings
and messages made from them) with control characters shown as escapes — ESC as `\\x1b`, a newline as `\\n`, a
bidirectional override as `\\u202e` — while JSON output keeps the name exactly as it is.

Files indexed from a folder keep their names (uploads are renamed; a folder is not), so a folder holding
`\\e[2K\\r\\e[32mtrusted_report.pdf\\e[0m.txt` once printed a forged green "trusted_report.pdf" in `groundqa docs`
and in the `ask` source list.
"""
from __future__ import annotations

import json

import pytest

from app.cli.main import main

FORGED = "\x1b[2K\r\x1b[32mtrusted_report.pdf\x1b[0m.txt"
SHOWN = "\\x1b[2K\\r\\x1b[32mtrusted_report.pdf\\x1b[0m.txt"
TWO_LINES = "minutes\nindex OK.md"
BIDI = "invoice\u202efdp.txt"
RAW = ("\x1b", "\r", "\u202e", "\x07")


def _clean(text: str, where: str) -> None:
    assert not any(c in text for c in RAW), (where, text)
    # A newline inside a name never starts a line of its own.
    assert not any(line.startswith("index OK.md") for line in text.splitlines()), (where, text)


@pytest.fixture
def hostile(tmp_path, monkeypatch, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / FORGED).write_text("Trusted report\n\nThe pilot boat Osprey entered service after sea trials.\n")
    (docs / TWO_LINES).write_text("# Board minutes\n\nThe board approved a tariff freeze for fishing vessels.\n")
    (docs / BIDI).write_text("Invoice\n\nThe invoice for the dredging of the northern channel was paid in May.\n")
    (docs / "\x1b[31mempty.txt").write_text("")  # cannot be indexed: its warning names it
    idx = tmp_path / "idx"
    monkeypatch.setenv("GROUNDQA_PROGRESS_INTERVAL", "0")  # plain progress lines, as many as it likes
    assert main(["index", str(docs), "--index", str(idx), "--model", "fake"]) == 0
    cap = capsys.readouterr()
    return docs, idx, cap.out + cap.err


def test_index_warnings_and_progress_show_escapes(hostile):
    *_, printed = hostile
    _clean(printed, "index")
    assert "warning: \\x1b[31mempty.txt: no text found" in printed, printed


def _run(capsys, *argv: str) -> str:
    rc = main(list(argv))
    cap = capsys.readouterr()
    _clean(cap.out + cap.err, argv[0])
    assert rc in (0, 1), (argv, cap.err)
    return cap.out


def test_docs_shows_escapes_and_json_keeps_the_names(hostile, capsys):
    _, idx, _ = hostile
    out = _run(capsys, "docs", "--index", str(idx))
    assert SHOWN in out and "minutes\\nindex OK.md" in out and "invoice\\u202efdp.txt" in out, out
    assert len(out.strip().splitlines()) == 3
    assert main(["docs", "--index", str(idx), "--json"]) == 0
    paths = sorted(d["path"] for d in json.loads(capsys.readouterr().out))
    assert paths == sorted([FORGED, TWO_LINES, BIDI])


def test_answers_searches_citations_and_quotes_show_escapes(hostile, capsys):
    _, idx, _ = hostile
    out = _run(capsys, "ask", "Which pilot boat entered service after sea trials?", "--index", str(idx),
               "--threshold", "0")
    assert SHOWN in out, out
    out = _run(capsys, "search", "tariff freeze for fishing vessels", "--index", str(idx))
    assert "minutes\\nindex OK.md" in out, out
    assert main(["search", "pilot boat Osprey", "--index", str(idx), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits[0]["doc"] == FORGED
    out = _run(capsys, "cite", hits[0]["citation"], "--index", str(idx))
    assert SHOWN in out, out
    out = _run(capsys, "cite", "--quote", "the invoice for the dredging", "--index", str(idx))
    assert "invoice\\u202efdp.txt" in out, out


def test_check_remove_and_errors_show_escapes(hostile, capsys):
    docs, idx, _ = hostile
    (docs / FORGED).unlink()
    out = _run(capsys, "check", "--index", str(idx))
    assert f"source file of indexed document {SHOWN} is missing" in out, out
    _run(capsys, "remove", TWO_LINES, "--index", str(idx))
    rc = main(["remove", "\x1b[2Jnothing\x07", "--index", str(idx)])
    cap = capsys.readouterr()
    assert rc == 2 and cap.err.count("\n") == 1
    _clean(cap.err, "remove error")


def test_eval_shows_escapes(hostile, tmp_path, capsys):
    _, idx, _ = hostile
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(json.dumps({"id": "q\x1b[1m1", "question": "Which pilot boat entered service?"}) + "\n"
                     + '{"id": "q2", "question": ""}\n')
    out = tmp_path / "run\x1b[33m"
    text = _run(capsys, "eval", str(qfile), "--index", str(idx), "--out", str(out))
    assert "run\\x1b[33m" in text, text
    text = _run(capsys, "eval", "compare", str(out), str(out))
    assert "run\\x1b[33m" in text, text


def test_escapes_cover_every_control_character():
    from app.terminal import escape_controls, escape_lines

    assert escape_controls(FORGED) == SHOWN
    assert escape_controls("a\nb\tc\x00\x7f\x9b\u2028\u2066z") == "a\\nb\\tc\\x00\\x7f\\x9b\\u2028\\u2066z"
    assert escape_controls("İstanbul — café ✓") == "İstanbul — café ✓"  # printable text is left alone
    assert escape_lines("one\x1b\ntwo") == "one\\x1b\ntwo"
    assert all(escape_controls(chr(c)) != chr(c) for c in [*range(32), *range(127, 160)])
