"""Issue #18 item 1: Gradio file inputs read only files uploaded through Gradio, whatever path a client sends.

Each test talks the Gradio wire protocol (tests/gradio_proto.py) to the app served on 127.0.0.1, sending
FileData paths that name other files on the server, and checks nothing of them is indexed, copied or shown.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")

from gradio_proto import call, file_data, upload  # noqa: E402

MARKER = "platypus vault code is 7731"


@pytest.fixture
def served(served_url):
    """(client, api): an HTTP client to the full app on a loopback port with its own Gradio upload folder."""
    url, api = served_url
    with httpx.Client(base_url=url, timeout=60) as c:
        yield c, api


@pytest.fixture
def secrets_dir(tmp_path):
    """Files elsewhere on the server that no client uploaded."""
    d = tmp_path / "private"
    d.mkdir()
    (d / "secret.md").write_text(f"# Private\n\nThe {MARKER} and must stay private.\n", encoding="utf-8")
    (d / "secret.csv").write_text(f"secret,notes\n1,The {MARKER}\n", encoding="utf-8")
    return d


def _leaked_into_gradio_folder() -> list[Path]:
    from app.web.ui.uploads import upload_root

    found = []
    for dirpath, _, names in os.walk(upload_root()):
        for n in names:
            p = Path(dirpath) / n
            try:
                if MARKER.encode() in p.read_bytes():
                    found.append(p)
            except OSError:
                continue
    return found


def _not_indexed(c, api) -> None:
    docs = c.get("/api/documents").json()["documents"]
    assert not any("secret" in d["path"] for d in docs), docs
    assert c.post("/api/quote", json={"quote": MARKER}).json()["found"] is False
    assert not any("secret" in p.name for p in (api.index_dir / "uploads").glob("*"))


@pytest.mark.parametrize("how", ["absolute", "dotdot"])
def test_upload_event_refuses_a_path_it_did_not_receive(served, secrets_dir, how):
    from app.web.ui.uploads import upload_root

    c, api = served
    secret = secrets_dir / "secret.md"
    path = str(secret) if how == "absolute" else f"{upload_root()}/../../../../../../..{secret}"
    msg = call(c, "upload", [[file_data(path, "notes.md")]])
    shown = str(msg.get("output"))
    assert "1 added" not in shown and MARKER not in shown
    assert str(secrets_dir) not in shown  # the server path is not echoed back
    _not_indexed(c, api)
    assert not _leaked_into_gradio_folder()


def test_evaluate_event_refuses_a_path_and_shows_no_server_path(served, secrets_dir):
    c, api = served
    msg = call(c, "evaluate", [file_data(secrets_dir / "secret.csv"), 5, 1])
    assert msg["success"] is False
    err = str((msg.get("output") or {}).get("error") or "")
    assert "/" not in err and MARKER not in err, err  # no server path (of the file or a cached copy)
    assert not _leaked_into_gradio_folder()  # the file was not copied where /gradio_api/file= serves it
    runs = api.index_dir.resolve().parent / "eval-runs"
    assert not runs.exists() or not any(runs.iterdir())  # a refused run leaves no folder behind


def test_genuine_upload_still_works_and_its_gradio_copy_is_dropped(served):
    from app.web.ui.uploads import upload_root

    c, api = served
    path = upload(c, "okapi notes.txt", b"Okapi Notes\n\nThe okapi census was completed in Epulu in 2011.\n")
    assert Path(path).resolve().is_relative_to(upload_root())
    msg = call(c, "upload", [[file_data(path)]])
    assert msg["success"] is True and "1 added" in str(msg["output"]["data"][0])
    assert c.post("/api/quote", json={"quote": "okapi census was completed in Epulu"}).json()["found"] is True
    assert not Path(path).exists()  # Gradio's copy is deleted once the file is in uploads/


def test_is_uploaded_resolves_symlinks_and_dotdot(tmp_path):
    from app.web.ui.uploads import is_uploaded, upload_root

    root = upload_root()
    root.mkdir(parents=True, exist_ok=True)
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    inside = root / f"gq-test-{os.getpid()}"
    inside.mkdir(exist_ok=True)
    try:
        (inside / "ok.txt").write_text("y")
        (inside / "link.txt").symlink_to(outside)
        assert is_uploaded(inside / "ok.txt")
        assert not is_uploaded(inside / "link.txt")  # a symlink out of the folder is not an upload
        assert not is_uploaded(f"{inside}/../../{outside}")
        assert not is_uploaded(outside) and not is_uploaded(root) and not is_uploaded(inside)
        assert not is_uploaded("") and not is_uploaded("x\x00y")
    finally:
        for p in inside.iterdir():
            p.unlink()
        inside.rmdir()


def test_file_route_serves_no_index_file(served):
    c, api = served
    db = next(p for p in api.index_dir.rglob("*") if p.is_file())
    assert c.get(f"/gradio_api/file={db}").status_code == 403
