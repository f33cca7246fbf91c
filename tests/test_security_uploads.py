"""Issue #18 items 2, 3, 8, 11: uploads never replace or lose a document, cannot pose as another, and
leave nothing behind. Uploads go through the Gradio wire protocol to the app served on 127.0.0.1.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")

from gradio_proto import call, file_data, upload  # noqa: E402
from writer_lock import writer_lock_held  # noqa: E402


@pytest.fixture
def served(served_url):
    """(client, api): an HTTP client to the full app on a loopback port with its own Gradio upload folder."""
    url, api = served_url
    with httpx.Client(base_url=url, timeout=60) as c:
        yield c, api


def send(c, name: str, data: bytes) -> str:
    """Upload one file the way the browser does and run the upload event; returns the status as text."""
    msg = call(c, "upload", [[file_data(upload(c, name, data), name)]])
    assert msg["success"] is True, msg
    return html.unescape(re.sub(r"<[^>]+>", " ", msg["output"]["data"][0]))


def docs(c) -> dict[str, dict]:
    return {d["path"]: d for d in c.get("/api/documents").json()["documents"]}


def found(c, text: str) -> bool:
    return c.post("/api/quote", json={"quote": text}).json()["found"]


@pytest.mark.parametrize("first,second", [("报告.txt", "会议.txt"), ("a b.txt", "a_b.txt"),
                                          ("résumé.txt", "resume.txt"), ("..txt", "upload.txt")])
def test_distinct_uploads_stay_distinct(served, first, second):
    c, api = served
    before = len(docs(c))
    assert "1 added" in send(c, first, b"Quarterly report\n\nThe heron colony nests on the west bank of the lake.\n")
    status = send(c, second, b"Meeting notes\n\nThe walrus sanctuary opened its gates in May 2011.\n")
    assert "1 added" in status and "updated" in status and "0 updated" in status, status
    assert len(docs(c)) == before + 2
    assert found(c, "heron colony nests on the west bank") and found(c, "walrus sanctuary opened its gates")


def test_same_bytes_again_add_nothing_and_replace_nothing(served):
    c, api = served
    data = b"Ledger\n\nThe copper mine shipped 400 tonnes in March.\n"
    assert "1 added" in send(c, "ledger.txt", data)
    again = send(c, "ledger.txt", data)
    assert "already indexed" in again and "added" not in again.replace("nothing added", "")
    assert len([p for p in docs(c) if p.startswith("ledger")]) == 1


def test_upload_refused_while_index_busy_loses_nothing(served):
    from index.store.local.check import check_index

    c, api = served
    assert "1 added" in send(c, "ledger.txt", b"Ledger v1\n\nThe granite quarry closed in 1998.\n")
    with writer_lock_held(api.index_dir):  # another writer (as `groundqa index` would be) holds the lock
        status = send(c, "ledger.txt", b"Ledger v2\n\nThe granite quarry reopened in 2020.\n")
        assert "being written" in status and "added" not in status
    stored = api.index_dir / "uploads" / "ledger.txt"
    assert "closed in 1998" in stored.read_text()  # the first upload's file is untouched
    assert sorted(p.name for p in (api.index_dir / "uploads").iterdir() if p.is_file()) == ["ledger.txt"]
    assert check_index(api.index_dir) == []
    reindexed = call(c, "reindex", [False])["output"]["data"][0]
    assert "0 removed" in reindexed and found(c, "granite quarry closed in 1998")


def test_check_reports_an_indexed_document_whose_file_is_gone(fake_api):
    from index.store.local.check import check_index

    assert check_index(fake_api.index_dir) == []
    doc = fake_api.documents()[0]
    Path(doc.source).unlink()
    problems = check_index(fake_api.index_dir)
    assert len(problems) == 1 and doc.path in problems[0] and "missing" in problems[0]


def test_upload_cannot_pose_as_an_indexed_document(served):
    c, api = served
    genuine = next(iter(docs(c).values()))
    name = Path(genuine["path"]).name
    status = send(c, name, b"Forged\n\nThe treaty was signed by nobody and means nothing at all.\n")
    assert "1 added" in status and "name was taken" in status
    listed = docs(c)
    assert listed[genuine["path"]]["doc_id"] == genuine["doc_id"]  # the genuine document keeps its name
    forged = [p for p in listed if p != genuine["path"]]
    assert len(forged) == 1 and forged[0] != name and Path(forged[0]).suffix == Path(name).suffix
    ans = c.post("/api/quote", json={"quote": "signed by nobody and means nothing"}).json()
    assert ans["found"] and all(m["doc"] == forged[0] for m in ans["matches"])


def test_remove_by_a_shared_name_refuses(tmp_path, fake_embedder):
    from app.api import GroundQA
    from index.store import IndexFailure

    for sub, text in (("a", "The okapi lives in Ituri."), ("b", "The quokka lives on Rottnest.")):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "notes.txt").write_text(f"Notes\n\n{text}\n")
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([tmp_path / "a"])
    api.index([tmp_path / "b"], remove_missing=False)
    assert [d.path for d in api.documents()] == ["notes.txt", "notes.txt"]
    with pytest.raises(IndexFailure, match="names 2 documents"):
        api.remove(["notes.txt"])
    api.remove([api.documents()[0].doc_id])
    assert len(api.documents()) == 1


def test_killed_upload_leftovers_are_swept_at_start(fake_api, tmp_path, monkeypatch):
    from app.web.server import make_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    up = fake_api.index_dir / "uploads"
    (up / ".staging").mkdir(parents=True)
    (up / ".staging" / "half.txt").write_text("half a copy")
    (up / "orphan.txt").write_text("copied, then the server was killed before indexing")
    make_app(fake_api)
    assert not (up / "orphan.txt").exists() and not (up / ".staging").exists()


def test_refused_upload_is_dropped_from_gradio_folder(served):
    from app.web.ui import GRADIO_CACHE_S, build_app

    c, api = served
    path = upload(c, "broken.pdf", b"not a pdf at all")  # passes the type check, cannot be loaded
    msg = call(c, "upload", [[file_data(path)]])
    assert "gq-error" in msg["output"]["data"][0]
    assert not Path(path).exists() and not (api.index_dir / "uploads" / "broken.pdf").exists()
    # Files Gradio itself refuses (a wrong type) never reach the handler: its own sweep bounds them.
    assert build_app(api).delete_cache == GRADIO_CACHE_S and GRADIO_CACHE_S[1] <= 24 * 3600


def test_eval_runs_are_bounded(fake_api, monkeypatch):
    from app.web.ui import evaluate as ev

    made = [ev.new_run_dir(fake_api) for _ in range(5)]
    ev.prune_runs(fake_api, keep=2)
    left = sorted(p.name for p in made[0].parent.iterdir())
    assert left == sorted(p.name for p in made[-2:])
