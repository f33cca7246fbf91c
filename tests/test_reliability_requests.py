"""Requests: over-long questions are refused; citation and document ids cannot reach outside the
index; uploads are type- and size-checked; the server binds loopback unless told otherwise and needs
auth off loopback.
"""
from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from badinputs import cli_env, groundqa_cmd

BAD_IDS = [
    "../../etc/passwd", "..", "/etc/passwd", "c3d464ac5446-0-10/../../etc/passwd", "c3d464ac5446/../x-1-2",
    "c3d464ac5446-0-99999999999", "c3d464ac5446-0-1000000001", "c3d464ac5446-5-5", "c3d464ac5446-9-3",
    "c3d464ac5446--1-3", "C3D464AC5446-0-10", "c3d464ac544-0-10", "c3d464ac54466-0-10", "%2e%2e%2fetc%2fpasswd",
    "c3d464ac5446-0-10\x00", "c3d464ac5446-0-1e3", "c3d464ac5446-0x1-10", "file:///etc/passwd",
    "c3d464ac5446-0-10; DROP TABLE passages", "c3d464ac5446-%-10", "' OR 1=1 --", "", " ", "x" * 100_000,
]


def test_question_length_limit(fake_api):
    from app.api import QuestionError
    from app.settings import MAX_QUESTION_CHARS

    ok = ("When did North Korea break off talks " * 100)[:MAX_QUESTION_CHARS - 1] + "?"
    assert len(ok) == MAX_QUESTION_CHARS
    fake_api.ask(ok)  # exactly at the limit: accepted
    for q in ("x" * (MAX_QUESTION_CHARS + 1), ok + " and more", "word " * 100_000):
        with pytest.raises(QuestionError, match="limit"):
            fake_api.ask(q)
        with pytest.raises(QuestionError, match="limit"):
            fake_api.search(q)
    # Surrounding whitespace does not count; the stripped question is what is measured.
    fake_api.ask("  " + ok + "\n\n")


def test_question_length_limit_cli_and_http(fake_api):
    httpx = pytest.importorskip("httpx")
    from app.web.server import BackgroundServer, make_app
    from app.settings import MAX_QUESTION_CHARS

    long_q = "why " * (MAX_QUESTION_CHARS // 3)
    r = subprocess.run(groundqa_cmd("ask", long_q, "--index", str(fake_api.index_dir)), capture_output=True,
                       text=True, env=cli_env(), timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "limit" in r.stderr and "Traceback" not in r.stderr
    srv = BackgroundServer(make_app(fake_api))
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            res = c.post("/api/ask", json={"question": long_q})
            assert res.status_code == 400 and "limit" in res.json()["error"]
            res = c.post("/api/ask", json={"question": "When?", "history": [long_q]})
            assert res.status_code in (200, 400)  # history is bounded or refused, never a 500
            for cid in ("..%2F..%2Fetc%2Fpasswd", "../../etc/passwd", "c3d464ac5446-0-99999999999",
                        "%00", "c3d464ac5446-0-10%2F..%2F..%2Fetc%2Fpasswd"):
                res = c.get(f"/api/cite/{cid}")
                assert res.status_code in (400, 404), (cid, res.status_code, res.text)
                # Our one error shape, or the router's 404 when the client already collapsed the '..'.
                assert "root:x:" not in res.text and set(res.json()) in ({"error"}, {"detail"}), res.text
    finally:
        srv.stop()


@pytest.mark.parametrize("bad", BAD_IDS, ids=range(len(BAD_IDS)))
def test_parse_citation_id_rejects(bad):
    from index.citations import CitationError, parse_citation_id

    with pytest.raises(CitationError) as info:
        parse_citation_id(bad)
    assert "\n" not in str(info.value) and len(str(info.value)) < 400


def test_parse_citation_id_accepts_only_the_canonical_form():
    from index.citations import parse_citation_id

    cid = parse_citation_id(" [c3d464ac5446-133-320] ")
    assert (cid.doc_prefix, cid.start, cid.end) == ("c3d464ac5446", 133, 320)
    # Whatever digits the pattern admits, the id it yields is plain ASCII hex-digits-digits.
    for text in ("c3d464ac5446-133-320", "c3d464ac5446-\u0661\u0663\u0663-\u0663\u0662\u0660"):
        try:
            s = str(parse_citation_id(text))
        except ValueError:
            continue
        assert s.isascii() and s.replace("-", "").isalnum()


@contextmanager
def opened_paths():
    """Record every file Python or SQLite opens inside the block (an audit hook; it stays installed idle)."""
    if not _AUDIT.get("installed"):
        sys.addaudithook(_hook)  # hooks cannot be removed: installed once, idle outside this block
        _AUDIT["installed"] = []
    seen: list[str] = []
    state = _AUDIT
    state["log"] = seen
    try:
        yield seen
    finally:
        state["log"] = None


_AUDIT: dict[str, list[str] | None] = {"log": None}


def _hook(event: str, args: tuple) -> None:
    log = _AUDIT["log"]
    if log is None:
        return
    if event == "open" and args and isinstance(args[0], (str, bytes, Path)):
        log.append(str(args[0] if not isinstance(args[0], bytes) else args[0].decode(errors="replace")))
    elif event == "sqlite3.connect" and args:
        log.append(str(args[0]))
    elif event in ("os.listdir", "os.scandir") and args:
        log.append(str(args[0]))



def test_citation_and_document_ids_never_read_outside_the_index(fake_api):
    from app.api import GroundQA
    from index.citations import CitationError

    root = fake_api.index_dir.resolve()
    good = fake_api.ask("When did North Korea break off working-level talks?").citations[0]
    api = GroundQA(root, embedder=fake_api.embedder)
    api.cite(good.citation)  # warm up: imports and the connection
    with pytest.raises(CitationError):
        api.cite("../../etc/passwd")
    prefix = good.doc_id[:12]
    hostile = BAD_IDS + [f"{prefix}-0-999999999", f"{prefix}-999999998-999999999", "000000000000-0-10",
                         "ffffffffffff-0-10", f"{prefix}-0-10/../../../etc/passwd"]
    with opened_paths() as seen:
        for cid in hostile:
            with pytest.raises(CitationError) as info:
                api.cite(cid)
            assert "\n" not in str(info.value)
        for doc in ("../../etc/passwd", "/etc/passwd", prefix, "%", "_"):
            with pytest.raises(KeyError):
                api.doc_text(doc)
        assert api.cite(good.citation, context=10**9).text == good.text  # context is capped, not an error
    assert seen, "the audit hook saw no file access at all"
    outside = [p for p in seen if not (str(Path(p).resolve()).startswith(str(root))
                                       or p.startswith(f"file:{root}"))]
    assert not outside, outside


def test_remove_unknown_document_is_refused(fake_api):
    from index.store import IndexFailure

    for doc in ("../../etc/passwd", "/etc/passwd", "%", "*"):
        with pytest.raises(IndexFailure, match="no document"):
            fake_api.remove([doc])
    assert [d.path for d in fake_api.documents()] == ["pursuing-stable-coexistence.txt"]


def test_upload_names_types_and_sizes(tmp_path, fake_api):
    pytest.importorskip("gradio")
    from app.web.ui.documents import MAX_UPLOAD_BYTES, check_upload, safe_name, uploads_dir

    for name in ("../../etc/passwd.txt", "..\\..\\boot.ini.txt", "/abs/path/x.md", "a..b ü.txt", "..", ".txt",
                 "<script>.html", "x" * 500 + ".pdf", "CON.docx", "évian\x00.txt"):
        safe = safe_name(name)
        dest = (uploads_dir(fake_api) / safe).resolve()
        assert dest.parent == uploads_dir(fake_api).resolve(), (name, safe)
        assert "/" not in safe and "\\" not in safe and "\x00" not in safe and safe not in ("", ".", "..")
        assert len(safe) < 120
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    assert "not supported" in check_upload(exe, "tool.exe")
    assert "not supported" in check_upload(exe, "notes.txt.exe")
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:  # sparse: no disk used
        fh.truncate(MAX_UPLOAD_BYTES + 1)
    assert "limit" in check_upload(big, "big.txt")
    with open(big, "wb") as fh:
        fh.truncate(MAX_UPLOAD_BYTES)
    assert check_upload(big, "big.txt") is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.com", "localhost.evil.example",
                                  "127.0.0.1.nip.io"])
def test_serve_off_loopback_requires_auth(tmp_path, host, capsys):
    pytest.importorskip("fastapi")
    from app.cli import main

    assert main(["serve", "--host", host, "--port", "1", "--index", str(tmp_path / "idx")]) == 2
    err = capsys.readouterr().err
    assert "without --auth" in err and err.count("\n") == 1
    assert not (tmp_path / "idx").exists()  # refused before touching the index
    assert main(["serve", "--host", host, "--auth", "nopassword", "--index", str(tmp_path / "idx")]) == 2


def test_serve_defaults_to_loopback():
    pytest.importorskip("fastapi")
    from app.cli import build_parser
    from app.web.server import is_loopback

    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and is_loopback(args.host)
    assert is_loopback("localhost") and is_loopback("::1") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("::")


def test_server_background_helper_binds_loopback_only(fake_api):
    pytest.importorskip("fastapi")
    from app.web.server import BackgroundServer

    with pytest.raises(ValueError):
        BackgroundServer(object(), host="0.0.0.0")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["a#b", "c%41d", "e?f"])
def test_index_path_with_uri_characters(tmp_path, sample_dir, fake_embedder, name):
    from app.api import GroundQA

    root = tmp_path / name / "index"
    GroundQA(root, embedder=fake_embedder).index([sample_dir])
    before = sorted(p.name for p in tmp_path.iterdir())
    ans = GroundQA(root).ask("When did North Korea break off working-level talks?")
    assert not ans.abstained
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing created outside the index
