"""The browser app's handlers without a browser: escaping, uploads, chat turns, the cite panel, the endpoints."""
from __future__ import annotations

import html
import re

import pytest

HOSTILE = '<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=2"> *bold* [x](javascript:1)'


class _Progress:
    """Stands in for gr.Progress: records the calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, str]] = []

    def __call__(self, value: object, desc: str = "", **kw: object) -> None:
        self.calls.append((value, desc))


@pytest.fixture
def qa(fake_api):
    """fake_api answering at threshold 0: the fake embedder's confidences are not calibrated."""
    fake_api.settings = fake_api.settings.with_(threshold=0.0)
    return fake_api


def _text_of(markup: str) -> str:
    """What a browser would display for markup without tags (entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_esc_makes_text_inert_but_displays_it_verbatim():
    from app.web.html import esc

    out = esc(HOSTILE)
    assert "<" not in out and ">" not in out and '"' not in out and "*" not in out and "[" not in out
    assert html.unescape(out) == HOSTILE


def test_resolution_html_marks_exact_span(qa):
    from app.web.html import resolution_html

    res = qa.cite(qa.ask("When did North Korea break off working-level talks?").citations[0].citation, 800)
    out = resolution_html(res)
    cited = re.search(r'<mark class="gq-cited">(.*?)</mark>', out, re.S).group(1)
    assert html.unescape(cited) == res.text
    assert res.citation in html.unescape(out)


def test_resolution_html_escapes_hostile_fields():
    from app.web.html import resolution_html

    res = {"citation": "abc", "doc": HOSTILE, "title": HOSTILE, "pages": [2, 3], "start": 10, "end": 20,
           "text": HOSTILE, "before": HOSTILE, "after": HOSTILE, "status": "changed", "note": HOSTILE,
           "relocated": [HOSTILE]}
    out = resolution_html(res)
    assert "<script" not in out and "<img" not in out and "onerror=" not in out.replace("onerror&#61;", "")
    assert "pp. 2–3" in _text_of(out) and "gq-status-changed" in out


def test_answer_message_abstention_has_its_own_class(qa):
    from app.web.html import answer_message

    ans = qa.ask("Who won the FIFA World Cup in 2018?", settings=qa.settings.with_(threshold=1.0))
    assert ans.abstained and ans.outcome == "not_found"
    out = answer_message(ans)
    assert 'class="gq-abstain"' in out and "Closest excerpts" in out
    # a related question no sentence answers confidently: the passages are the answer's body, not an abstention
    related = qa.ask("How many North Korean troops did Kim send to Russia?", settings=qa.settings.with_(threshold=1.0))
    assert related.outcome == "evidence" and related.abstained
    out = answer_message(related)
    assert 'class="gq-evidence"' in out and 'class="gq-abstain"' not in out and "No sentence states this" in out
    assert 'class="gq-abstain"' not in answer_message(qa.ask("Where was the second summit held?"))


def test_stream_pieces_grow_to_the_answer():
    from app.web.ui.chat import stream_pieces

    text = "First sentence. [1] Second one here. [2] Third. [1]"
    pieces = stream_pieces(text)
    assert pieces[-1] == text and len(pieces) == 3
    assert all(text.startswith(p) for p in pieces) and pieces[0].endswith("[1]")
    assert stream_pieces("One.") == ["One."]


def test_chat_turn_abstention(qa):
    from app.web.ui.chat import chat_turn

    strict = qa.settings.with_(threshold=1.0)
    ans = qa.ask("Who won the FIFA World Cup in 2018?", settings=strict)
    outs = list(chat_turn(qa, "Who won the FIFA World Cup in 2018?", [], [], strict))
    messages, _, _, panel = outs[-1]
    assert "gq-abstain" in messages[-1]["content"] and "gq-abstain" not in panel  # shown once, in the chat
    # the related excerpts are offered as cards that open like sources (their ids are the cards' values)
    assert ans.related and all(f'class="gq-card" value="{e.citation}"' in messages[-1]["content"].replace("&#45;", "-")
                               for e in ans.related)


def test_chat_turn_streams_then_lists_sources(qa):
    from app.web.ui.chat import chat_turn

    fake_api = qa
    outs = list(chat_turn(fake_api, "Where was the second summit held?", [], [], None))
    assert len(outs) >= 2
    messages, _, asked, _ = outs[-1]
    assert asked == ["Where was the second summit held?"]
    assert messages[0]["role"] == "user" and "Hanoi" in _text_of(messages[-1]["content"])
    cid = html.unescape(re.search(r'class="gq-card" value="([^"]+)"', messages[-1]["content"]).group(1))
    assert fake_api.cite(cid).text in _text_of(messages[-1]["content"])
    # a follow-up passes the previous question as history
    outs2 = list(chat_turn(fake_api, "When did North Korea break off working-level talks?", messages, asked, None))
    assert outs2[-1][2] == ["Where was the second summit held?", "When did North Korea break off working-level talks?"]


def test_chat_turn_error_shown_as_message(tmp_path, fake_embedder):
    from app.api import GroundQA
    from app.web.ui.chat import chat_turn

    outs = list(chat_turn(GroundQA(tmp_path / "none", embedder=fake_embedder), "Anything?", [], [], None))
    assert "gq-error" in outs[-1][0][-1]["content"] and "no index" in outs[-1][0][-1]["content"]


def test_lookup_id_and_quote(qa):
    from app.web.ui.cite import lookup

    fake_api = qa
    cid = fake_api.ask("Where was the second summit held?").citations[0].citation
    assert "gq-cited" in lookup(fake_api, cid)
    found = lookup(fake_api, "leader-level summit meeting in Hanoi")
    assert "Found 1 location" in found and "gq-cited" in found
    assert "Not found" in lookup(fake_api, "penguins of the Sahara desert")
    assert "gq-error" in lookup(fake_api, "")
    assert "gq-error" in lookup(fake_api, "000000000000-1-5")


@pytest.mark.parametrize("name,expected", [
    ("report.PDF", "report.pdf"), ("../../etc/passwd.txt", "passwd.txt"), ("a b<c>.md", "a_b_c.md"),
    ("..\\..\\win.txt", "win.txt"), ("...txt", "upload.txt"), ("ünïcödé.html", "ünïcödé.html"),
    ("报告.txt", "报告.txt"),
])
def test_safe_name(name, expected):
    from app.web.ui.documents import safe_name

    assert safe_name(name) == expected


def test_upload_index_remove_reindex(qa, tmp_path):
    from app.web.ui.documents import add_uploads, document_rows, reindex, remove_document, uploads_dir

    fake_api = qa
    src = tmp_path / "in" / "Field notes (draft).txt"
    src.parent.mkdir()
    src.write_text("Field Notes\n\nThe okapi census was completed in Epulu in 2011.\n")
    bad = tmp_path / "in" / "tool.exe"
    bad.write_bytes(b"MZ")
    prog = _Progress()
    status = add_uploads(fake_api, [str(src), str(bad)], prog)
    assert "1 added" in status and "tool.exe" in _text_of(status) and "not supported" in status
    stored = uploads_dir(fake_api) / "Field_notes_draft.txt"
    assert stored.exists() and not (uploads_dir(fake_api) / "tool.exe").exists()
    assert prog.calls, "progress was reported"
    paths = [r[0] for r in document_rows(fake_api)]
    assert "Field_notes_draft.txt" in paths
    # visible to questions at once
    ans = fake_api.ask("Where was the okapi census completed?")
    assert not ans.abstained and "Epulu" in ans.answer
    # re-index: nothing changed
    assert "0 added" in reindex(fake_api, False, _Progress())
    doc_id = next(d.doc_id for d in fake_api.documents() if d.path == "Field_notes_draft.txt")
    assert "removed Field_notes_draft.txt" in _text_of(remove_document(fake_api, doc_id, _Progress()))
    assert not stored.exists()
    assert "Field_notes_draft.txt" not in [r[0] for r in document_rows(fake_api)]


def test_upload_refuses_oversize_and_unloadable(fake_api, tmp_path, monkeypatch):
    from app.web.ui import documents as ui_documents
    from app.web.ui.documents import add_uploads, uploads_dir

    big = tmp_path / "big.txt"
    big.write_text("x" * 2000)
    monkeypatch.setattr(ui_documents, "MAX_UPLOAD_BYTES", 1000)
    assert "over the" in add_uploads(fake_api, [str(big)], _Progress())
    monkeypatch.undo()
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"not a pdf at all")
    status = add_uploads(fake_api, [str(broken)], _Progress())
    assert "gq-error" in status and not (uploads_dir(fake_api) / "broken.pdf").exists()
    assert "gq-error" in add_uploads(fake_api, [], _Progress())


def test_build_app_has_named_endpoints(fake_api):
    from app.web.ui import build_app

    demo = build_app(fake_api)
    names = {d.api_name for d in demo.fns.values()}
    assert {"ask", "search", "cite", "quote", "documents", "chat", "open_source", "cite_panel", "upload",
            "remove", "reindex"} <= names


def test_session_settings(fake_api):
    from app.web.ui.settings import session_settings

    s = session_settings(fake_api, 3, 0.9, False)
    assert (s.retrieval.k, s.answer.threshold, s.retrieval.mode) == (3, 0.9, "dense")
    assert session_settings(fake_api, 7, 0.1, True).retrieval.mode == "hybrid"
    assert fake_api.settings.retrieval.k != 3 or fake_api.settings.answer.threshold != 0.9  # the api is untouched
