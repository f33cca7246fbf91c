"""The `groundqa` CLI: thin, one-line errors, JSON shapes (fake embedder via --model fake)."""
from __future__ import annotations

import json
import shutil

import pytest

from app.cli import main
from corpus import SAMPLE_DIR


@pytest.fixture
def cli_index(tmp_path):
    idx = tmp_path / "idx"
    assert main(["index", str(SAMPLE_DIR), "--index", str(idx), "--model", "fake"]) == 0
    return idx


def test_index_twice_then_search_json(cli_index, capsys):
    capsys.readouterr()
    assert main(["index", str(SAMPLE_DIR), "--index", str(cli_index), "--model", "fake"]) == 0
    assert "0 sentences embedded" in capsys.readouterr().out
    assert main(["search", "working-level talks October", "--index", str(cli_index), "--json", "-k", "3"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3
    assert {"citation", "doc", "pages", "start", "end", "text", "score"} <= set(hits[0])


def test_ask_and_cite_round_trip(cli_index, capsys):
    capsys.readouterr()
    assert main(["ask", "Where was the second summit held, Hanoi?", "--index", str(cli_index), "--json",
                 "--threshold", "0"]) == 0
    ans = json.loads(capsys.readouterr().out)
    assert not ans["abstained"] and ans["citations"]
    c = ans["citations"][0]
    assert main(["cite", c["citation"], "--index", str(cli_index), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["text"] == c["text"] and {"before", "after", "pages", "doc"} <= set(res)
    assert main(["cite", c["citation"], "--index", str(cli_index)]) == 0
    assert f"»{c['text']}«" in capsys.readouterr().out


@pytest.mark.parametrize("argv, needle", [
    (["search", "anything"], "no index"),
    (["ask", "   "], "question is empty"),
    (["cite", "../../etc/passwd"], "not a citation id"),
    (["index", "/nonexistent/path/xyz"], "/nonexistent/path/xyz"),
    (["index", "--model", "/no/such/model"], "not available"),
])
def test_errors_are_one_line(tmp_path, capsys, argv, needle):
    code = main(argv[:1] + ["--index", str(tmp_path / "none")] + argv[1:])
    err = capsys.readouterr().err.strip()
    assert code == 2 and needle in err and "\n" not in err and "Traceback" not in err


def test_one_bad_file_does_not_stop_a_folder(tmp_path, capsys):
    d = tmp_path / "docs"
    shutil.copytree(SAMPLE_DIR, d)
    (d / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    assert main(["index", str(d), "--index", str(tmp_path / "idx"), "--model", "fake"]) == 0
    captured = capsys.readouterr()
    assert "broken.pdf" in captured.err and "1 added" in captured.out


def test_cite_quote_not_found_exit_code(cli_index, capsys):
    assert main(["cite", "--quote", "Honeybees dance to show where flowers are.", "--index", str(cli_index)]) == 1
    assert "not found" in capsys.readouterr().out


def test_docs_and_check(cli_index, capsys):
    assert main(["docs", "--index", str(cli_index)]) == 0
    assert "pursuing-stable-coexistence.txt" in capsys.readouterr().out
    assert main(["check", "--index", str(cli_index)]) == 0
    assert "index OK" in capsys.readouterr().out
